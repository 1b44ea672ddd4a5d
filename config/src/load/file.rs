//! Reading one config file into tree nodes with the position of every key.
//!
//! The file's top level and its environment sections (`[dev]`, `[production]`, ...) are kept
//! apart so the loader can lay them as separate layers. `${VAR}` placeholders are expanded here,
//! where the key path and position are known for the error.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use toml_edit::{Document, Item, Key, Table, Value};

use super::interpolate::{self, PlaceholderError};
use super::provenance::{Layer, Origin, Source};
use super::tree::Node;
use crate::error::ConfigError;
use crate::schema::Environment;

/// The largest config file read, in bytes (4 MiB).
const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// A config file, parsed.
#[derive(Debug)]
pub(crate) struct FileLayer {
    /// The path as given.
    pub(crate) path: PathBuf,
    /// Lower-case hex blake3 of the file's bytes.
    pub(crate) blake3: String,
    /// The top level, environment sections removed.
    pub(crate) base: Node,
    /// Environment sections by the name written in the file (`dev`, `production`, ...).
    pub(crate) sections: BTreeMap<String, Node>,
    /// Position of every key of `base`, parents before children.
    pub(crate) base_positions: Vec<KeyPos>,
    /// Position of every key of each section (paths relative to the section), by section name.
    pub(crate) section_positions: BTreeMap<String, Vec<KeyPos>>,
}

/// Where a key was written.
#[derive(Debug, Clone)]
pub(crate) struct KeyPos {
    /// Dotted key path.
    pub(crate) path: String,
    /// 1-based line.
    pub(crate) line: usize,
    /// 1-based column.
    pub(crate) column: usize,
    /// True when the key holds a table, which merges with lower layers instead of replacing.
    pub(crate) is_table: bool,
}

/// Every name a file may use for an environment section.
pub(crate) fn all_section_names() -> Vec<&'static str> {
    [
        Environment::Development,
        Environment::Testing,
        Environment::Staging,
        Environment::Production,
    ]
    .iter()
    .flat_map(|e| e.section_names().iter().copied())
    .collect()
}

/// Reads and parses `path`. `lookup` resolves `${VAR}` placeholders.
pub(crate) fn read(
    path: &Path,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<FileLayer, ConfigError> {
    let bytes = read_bytes(path)?;
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        let (line, column) = line_col(&bytes, e.valid_up_to());
        ConfigError::NotUtf8 {
            path: path.to_owned(),
            line,
            column,
        }
    })?;
    let doc: Document<&str> = Document::parse(text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        let (line, column) = line_col(text.as_bytes(), span.start);
        let mut message = e.message().trim().to_owned();
        // The parser says only "duplicate key"; name it from the span it points at.
        if message == "duplicate key" {
            if let Some(key) = text
                .get(span)
                .filter(|k| !k.is_empty() && !k.contains('\n'))
            {
                message = format!("duplicate key `{key}` (a table or key defined twice)");
            }
        }
        ConfigError::Syntax {
            path: path.to_owned(),
            line,
            column,
            message,
        }
    })?;
    if doc.as_table().is_empty() {
        return Err(ConfigError::EmptyFile {
            path: path.to_owned(),
        });
    }

    let lines = LineIndex::new(text.as_bytes());
    let mut reader = Reader {
        path,
        text,
        lines: &lines,
        lookup,
        positions: Vec::new(),
        section: None,
    };
    let names = all_section_names();
    let mut base = BTreeMap::new();
    let mut sections = BTreeMap::new();
    let mut section_positions = BTreeMap::new();
    for (key, item) in doc.as_table().iter() {
        if names.contains(&key) {
            let mut section_reader = Reader {
                positions: Vec::new(),
                section: Some(key.to_owned()),
                ..reader
            };
            // The environment chooses the section, so a section cannot choose the environment.
            if let Some((set, _)) = item
                .as_table_like()
                .and_then(|t| t.get_key_value("environment"))
            {
                return Err(ConfigError::EnvironmentInSection {
                    section: key.to_owned(),
                    origin: section_reader.origin_at(set.span().map_or(0, |s| s.start)),
                });
            }
            let node = section_reader.item(item, &mut String::new())?;
            sections.insert(key.to_owned(), node);
            section_positions.insert(key.to_owned(), section_reader.positions);
            continue;
        }
        let mut path_buf = key.to_owned();
        reader.record(&path_buf, doc.as_table().key(key), item);
        base.insert(key.to_owned(), reader.item(item, &mut path_buf)?);
    }

    Ok(FileLayer {
        path: path.to_owned(),
        blake3: blake3::hash(&bytes).to_hex().to_string(),
        base: Node::Table(base),
        sections,
        base_positions: reader.positions,
        section_positions,
    })
}

fn read_bytes(path: &Path) -> Result<Vec<u8>, ConfigError> {
    let meta = std::fs::metadata(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => ConfigError::NotFound {
            path: path.to_owned(),
        },
        _ => ConfigError::Unreadable {
            path: path.to_owned(),
            source,
        },
    })?;
    if meta.is_dir() {
        return Err(ConfigError::IsDirectory {
            path: path.to_owned(),
        });
    }
    // A FIFO or device would block or never end; a config larger than this is a mistake.
    if !meta.is_file() {
        return Err(ConfigError::NotAFile {
            path: path.to_owned(),
        });
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(ConfigError::TooLarge {
            path: path.to_owned(),
            bytes: meta.len(),
            limit: MAX_FILE_BYTES,
        });
    }
    std::fs::read(path).map_err(|source| ConfigError::Unreadable {
        path: path.to_owned(),
        source,
    })
}

/// 1-based line and column of byte `at` (columns count characters).
pub(crate) fn line_col(bytes: &[u8], at: usize) -> (usize, usize) {
    LineIndex::new(bytes).line_col(bytes, at)
}

/// Byte offsets of line starts, so that each key's position costs a binary search instead of a
/// scan from the top of the file.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(bytes: &[u8]) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(
            bytes
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex { starts }
    }

    fn line_col(&self, bytes: &[u8], at: usize) -> (usize, usize) {
        let at = at.min(bytes.len());
        let line = self.starts.partition_point(|start| *start <= at);
        let line_start = self.starts[line - 1];
        // Count characters without allocating: each byte that does not continue a UTF-8
        // sequence starts one.
        let column = bytes[line_start..at]
            .iter()
            .filter(|b| (**b & 0xC0) != 0x80)
            .count()
            + 1;
        (line, column)
    }
}

struct Reader<'a> {
    path: &'a Path,
    text: &'a str,
    lines: &'a LineIndex,
    lookup: &'a dyn Fn(&str) -> Option<String>,
    positions: Vec<KeyPos>,
    section: Option<String>,
}

impl Reader<'_> {
    fn origin_at(&self, at: usize) -> Origin {
        let (line, column) = self.lines.line_col(self.text.as_bytes(), at);
        let layer = if self.section.is_some() {
            Layer::EnvironmentSection
        } else {
            Layer::File
        };
        Origin {
            layer,
            source: Source::File {
                path: Arc::from(self.path),
                line,
                column,
            },
        }
    }

    fn record(&mut self, path: &str, key: Option<&Key>, item: &Item) {
        let at = key
            .and_then(Key::span)
            .or_else(|| item.span())
            .map_or(0, |s| s.start);
        // An inline table replaces what lower layers set below it; a `[table]` merges.
        let is_table = matches!(item, Item::Table(_));
        self.push_pos(path, at, is_table);
    }

    fn push_pos(&mut self, path: &str, at: usize, is_table: bool) {
        let (line, column) = self.lines.line_col(self.text.as_bytes(), at);
        self.positions.push(KeyPos {
            path: path.to_owned(),
            line,
            column,
            is_table,
        });
    }

    fn item(&mut self, item: &Item, path: &mut String) -> Result<Node, ConfigError> {
        match item {
            Item::None => Ok(Node::table()),
            Item::Value(v) => self.value(v, path),
            Item::Table(t) => self.table(t, path),
            Item::ArrayOfTables(tables) => {
                let mut items = Vec::new();
                for (i, t) in tables.iter().enumerate() {
                    let len = path.len();
                    path.push_str(&format!("[{i}]"));
                    self.push_pos(&path.clone(), t.span().map_or(0, |s| s.start), true);
                    items.push(self.table(t, path)?);
                    path.truncate(len);
                }
                Ok(Node::Array(items))
            }
        }
    }

    fn table(&mut self, table: &Table, path: &mut String) -> Result<Node, ConfigError> {
        let mut map = BTreeMap::new();
        for (key, item) in table.iter() {
            let len = path.len();
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(key);
            self.record(path, table.key(key), item);
            map.insert(key.to_owned(), self.item(item, path)?);
            path.truncate(len);
        }
        Ok(Node::Table(map))
    }

    fn value(&mut self, value: &Value, path: &mut String) -> Result<Node, ConfigError> {
        Ok(match value {
            Value::String(s) => self.string(s.value(), s.span().map_or(0, |r| r.start), path)?,
            Value::Integer(i) => Node::Int(*i.value()),
            Value::Float(f) => Node::Float(*f.value()),
            Value::Boolean(b) => Node::Bool(*b.value()),
            Value::Datetime(d) => Node::Datetime(d.value().to_string()),
            Value::Array(array) => {
                let mut items = Vec::new();
                for (i, v) in array.iter().enumerate() {
                    let len = path.len();
                    path.push_str(&format!("[{i}]"));
                    items.push(self.value(v, path)?);
                    path.truncate(len);
                }
                Node::Array(items)
            }
            Value::InlineTable(table) => {
                let mut map = BTreeMap::new();
                for (key, v) in table.iter() {
                    let len = path.len();
                    path.push('.');
                    path.push_str(key);
                    let at = table.key(key).and_then(Key::span).map_or(0, |s| s.start);
                    self.push_pos(&path.clone(), at, false);
                    map.insert(key.to_owned(), self.value(v, path)?);
                    path.truncate(len);
                }
                Node::Inline(map)
            }
        })
    }

    fn string(&self, text: &str, at: usize, path: &str) -> Result<Node, ConfigError> {
        match interpolate::expand(text, self.lookup) {
            Ok(None) => Ok(Node::Str {
                value: text.to_owned(),
                template: None,
            }),
            Ok(Some(value)) => Ok(Node::Str {
                value,
                template: Some(text.to_owned()),
            }),
            Err(PlaceholderError::Unset(var)) => Err(ConfigError::UnsetVariable {
                key: path.to_owned(),
                var,
                origin: self.origin_at(at),
            }),
            Err(PlaceholderError::Malformed(message)) => Err(ConfigError::BadPlaceholder {
                key: path.to_owned(),
                origin: self.origin_at(at),
                message,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one() {
        assert_eq!(line_col(b"ab\ncd", 0), (1, 1));
        assert_eq!(line_col(b"ab\ncd", 4), (2, 2));
    }
}
