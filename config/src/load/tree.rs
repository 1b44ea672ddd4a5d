//! The merged value tree that layers are written into before the schema reads it.
//!
//! Files, environment variables and `--set` flags all become [`Node`]s. A file's values keep
//! their TOML types; a value given as text from outside a file ([`Node::Text`]) is typed only when
//! the schema asks for it, so a string field keeps `012345` as written while a number field parses
//! it. Tables merge key by key; any other value, arrays included, replaces what was there.

use std::collections::BTreeMap;

/// One value in the layered tree.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    /// A table written as a `[header]` or with dotted keys; merges with lower layers.
    Table(BTreeMap<String, Node>),
    /// A table written inline (`{ type = "jwt", ... }`); TOML defines it whole, so a higher
    /// layer's inline table replaces a lower one instead of merging into it.
    Inline(BTreeMap<String, Node>),
    /// An array; replaced whole by a higher layer.
    Array(Vec<Node>),
    /// A TOML string, with the `${VAR}` template it was expanded from, if any.
    Str {
        value: String,
        template: Option<String>,
    },
    /// A TOML integer.
    Int(i64),
    /// A TOML float.
    Float(f64),
    /// A TOML boolean.
    Bool(bool),
    /// A TOML date-time, kept as written.
    Datetime(String),
    /// Text from an environment variable or a `--set` flag, typed by the schema on read.
    Text(String),
}

impl Node {
    /// An empty table.
    pub(crate) fn table() -> Node {
        Node::Table(BTreeMap::new())
    }

    /// Writes `other` over `self`: tables merge recursively, anything else replaces.
    pub(crate) fn merge(&mut self, other: Node) {
        match (self, other) {
            (Node::Table(mine), Node::Table(theirs)) => {
                for (key, value) in theirs {
                    match mine.get_mut(&key) {
                        Some(existing) => existing.merge(value),
                        None => {
                            mine.insert(key, value);
                        }
                    }
                }
            }
            (slot, other) => *slot = other,
        }
    }

    /// Sets the value at `path` (table keys only), creating tables on the way. Fails with the
    /// prefix that is not a table when the path runs through a scalar or an array.
    pub(crate) fn set(&mut self, path: &[String], value: Node) -> Result<(), String> {
        let Some((last, parents)) = path.split_last() else {
            *self = value;
            return Ok(());
        };
        let mut cursor = self;
        for (depth, segment) in parents.iter().enumerate() {
            let (Node::Table(map) | Node::Inline(map)) = cursor else {
                return Err(path[..depth].join("."));
            };
            cursor = map.entry(segment.clone()).or_insert_with(Node::table);
        }
        match cursor {
            Node::Table(map) | Node::Inline(map) => {
                map.insert(last.clone(), value);
                Ok(())
            }
            _ => Err(parents.join(".")),
        }
    }

    /// The node at a dotted key path with `[i]` array steps.
    fn at_mut(&mut self, steps: &[Step]) -> Option<&mut Node> {
        let mut cursor = self;
        for step in steps {
            cursor = match (cursor, step) {
                (Node::Table(map) | Node::Inline(map), Step::Key(k)) => map.get_mut(k.as_str())?,
                (Node::Array(items), Step::Index(i)) => items.get_mut(*i)?,
                _ => return None,
            };
        }
        Some(cursor)
    }

    /// Removes the value at a dotted key path (with `[i]` array steps); true if it was there.
    pub(crate) fn remove(&mut self, path: &str) -> bool {
        let steps = split_path(path);
        let Some((Step::Key(last), parents)) = steps.split_last() else {
            return false;
        };
        match self.at_mut(parents) {
            Some(Node::Table(map) | Node::Inline(map)) => map.remove(last.as_str()).is_some(),
            _ => false,
        }
    }

    /// Types every [`Node::Text`] below `path` that reads as a boolean or a number. True when
    /// something changed. Used only after the schema refused text inside a tagged enum.
    pub(crate) fn coerce_text_below(&mut self, path: &str) -> bool {
        self.at_mut(&split_path(path))
            .is_some_and(Node::coerce_text)
    }

    fn coerce_text(&mut self) -> bool {
        match self {
            Node::Table(map) | Node::Inline(map) => {
                map.values_mut().fold(false, |acc, n| n.coerce_text() | acc)
            }
            Node::Array(items) => items.iter_mut().fold(false, |acc, n| n.coerce_text() | acc),
            Node::Text(t) => {
                let typed = match t.as_str() {
                    "true" => Some(Node::Bool(true)),
                    "false" => Some(Node::Bool(false)),
                    other => other
                        .parse::<i64>()
                        .map(Node::Int)
                        .or_else(|_| other.parse::<f64>().map(Node::Float))
                        .ok(),
                };
                match typed {
                    Some(node) => {
                        *self = node;
                        true
                    }
                    None => false,
                }
            }
            _ => false,
        }
    }

    /// Every `${VAR}` template left in the tree, by dotted key path.
    pub(crate) fn templates(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        self.walk(&mut String::new(), &mut |path, node| {
            if let Node::Str {
                template: Some(t), ..
            } = node
            {
                out.insert(path.to_owned(), t.clone());
            }
        });
        out
    }

    /// Whether any string or text below this node is exactly `text`.
    pub(crate) fn holds_text(&self, text: &str) -> bool {
        match self {
            Node::Table(map) | Node::Inline(map) => map.values().any(|n| n.holds_text(text)),
            Node::Array(items) => items.iter().any(|n| n.holds_text(text)),
            Node::Str { value, .. } => value == text,
            Node::Text(t) => t == text,
            _ => false,
        }
    }

    /// Calls `visit` for every node with its dotted key path, parents before children.
    pub(crate) fn walk(&self, path: &mut String, visit: &mut dyn FnMut(&str, &Node)) {
        visit(path, self);
        match self {
            Node::Table(map) | Node::Inline(map) => {
                for (key, value) in map {
                    let len = path.len();
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(key);
                    value.walk(path, visit);
                    path.truncate(len);
                }
            }
            Node::Array(items) => {
                for (i, value) in items.iter().enumerate() {
                    let len = path.len();
                    path.push_str(&format!("[{i}]"));
                    value.walk(path, visit);
                    path.truncate(len);
                }
            }
            _ => {}
        }
    }
}

/// One step of a dotted key path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    Key(String),
    Index(usize),
}

/// Splits `a.b[2].c` into steps. Keys containing dots are not supported (the schema has none).
pub(crate) fn split_path(path: &str) -> Vec<Step> {
    let mut steps = Vec::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let mut rest = part;
        if let Some(open) = rest.find('[') {
            steps.push(Step::Key(rest[..open].to_owned()));
            rest = &rest[open..];
            while let Some(stripped) = rest.strip_prefix('[') {
                let close = stripped.find(']').unwrap_or(stripped.len());
                if let Ok(i) = stripped[..close].parse() {
                    steps.push(Step::Index(i));
                }
                rest = stripped.get(close + 1..).unwrap_or("");
            }
        } else {
            steps.push(Step::Key(rest.to_owned()));
        }
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Node {
        Node::Str {
            value: v.into(),
            template: None,
        }
    }

    fn path(p: &str) -> Vec<String> {
        p.split('.').map(str::to_owned).collect()
    }

    #[test]
    fn merge_keeps_sibling_keys_and_replaces_arrays_whole() {
        let mut low = Node::table();
        low.set(&path("a.x"), s("1")).unwrap();
        low.set(&path("a.list"), Node::Array(vec![s("p"), s("q")]))
            .unwrap();
        let mut high = Node::table();
        high.set(&path("a.y"), s("2")).unwrap();
        high.set(&path("a.list"), Node::Array(vec![s("r")]))
            .unwrap();
        low.merge(high);
        let Node::Table(root) = &low else {
            panic!("root is a table")
        };
        let Node::Table(a) = &root["a"] else {
            panic!("a is a table")
        };
        assert_eq!(a["x"], s("1"));
        assert_eq!(a["y"], s("2"));
        assert_eq!(a["list"], Node::Array(vec![s("r")]));
    }

    #[test]
    fn inline_table_replaces_instead_of_merging() {
        let mut low = Node::table();
        let mut jwt = BTreeMap::new();
        jwt.insert("type".to_owned(), s("jwt"));
        jwt.insert("header".to_owned(), s("authorization"));
        low.set(&path("auth.method"), Node::Inline(jwt)).unwrap();
        let mut high = Node::table();
        let mut none = BTreeMap::new();
        none.insert("type".to_owned(), s("none"));
        high.set(&path("auth.method"), Node::Inline(none.clone()))
            .unwrap();
        low.merge(high);
        let Node::Table(root) = &low else {
            panic!("root is a table")
        };
        let Node::Table(auth) = &root["auth"] else {
            panic!("auth is a table")
        };
        assert_eq!(auth["method"], Node::Inline(none));
    }

    #[test]
    fn set_through_a_scalar_names_the_scalar() {
        let mut root = Node::table();
        root.set(&path("a"), Node::Int(1)).unwrap();
        assert_eq!(root.set(&path("a.b"), Node::Int(2)), Err("a".into()));
    }

    #[test]
    fn split_path_reads_indexes() {
        assert_eq!(
            split_path("g.endpoints[1].url"),
            vec![
                Step::Key("g".into()),
                Step::Key("endpoints".into()),
                Step::Index(1),
                Step::Key("url".into())
            ]
        );
    }

    #[test]
    fn remove_deletes_only_the_named_key() {
        let mut root = Node::table();
        root.set(&path("a.b"), Node::Int(1)).unwrap();
        root.set(&path("a.c"), Node::Int(2)).unwrap();
        assert!(root.remove("a.b"));
        assert!(!root.remove("a.b"));
        let mut seen = Vec::new();
        root.walk(&mut String::new(), &mut |p, _| seen.push(p.to_owned()));
        assert_eq!(seen, vec!["", "a", "a.c"]);
    }
}
