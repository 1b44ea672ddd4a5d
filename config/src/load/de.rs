//! A serde deserializer over the layered [`Node`] tree.
//!
//! Reading the schema straight from the tree lets text from environment variables and `--set`
//! flags take the type the field asks for, and lets the error type keep serde's structured facts
//! (the unknown field and the fields that exist) instead of a formatted message, so the loader can
//! suggest the closest key.

use std::collections::btree_map;
use std::fmt;

use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};

use super::tree::Node;

/// What went wrong while reading the tree into the schema.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum DeError {
    /// A key the schema does not have; `expected` lists the keys it does have at that level.
    UnknownField {
        field: String,
        expected: &'static [&'static str],
    },
    /// An enum value the schema does not have.
    UnknownVariant {
        variant: String,
        expected: &'static [&'static str],
    },
    /// Any other problem, as serde or a field's own parser described it.
    Message(String),
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeError::UnknownField { field, .. } => write!(f, "unknown key `{field}`"),
            DeError::UnknownVariant { variant, expected } => {
                write!(
                    f,
                    "unknown value `{variant}`, expected one of {}",
                    quoted(expected)
                )
            }
            DeError::Message(m) => f.write_str(m),
        }
    }
}

fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError::Message(msg.to_string())
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        DeError::UnknownField {
            field: field.to_owned(),
            expected,
        }
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        DeError::UnknownVariant {
            variant: variant.to_owned(),
            expected,
        }
    }
}

/// Deserializes one node.
pub(crate) struct NodeDe<'a>(pub(crate) &'a Node);

/// Numbers and booleans in owned text, parsed as [`NodeDe`] parses [`Node::Text`].
macro_rules! text_scalar {
    ($($method:ident => $parse:ident),*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
                $parse(&self.0, visitor)
            }
        )*
    };
}

fn text_i64<'de, V: Visitor<'de>>(text: &str, visitor: V) -> Result<V::Value, DeError> {
    match text.trim().parse::<i64>() {
        Ok(n) => visitor.visit_i64(n),
        Err(_) => Err(text_error(text, "an integer")),
    }
}

fn text_u64<'de, V: Visitor<'de>>(text: &str, visitor: V) -> Result<V::Value, DeError> {
    match text.trim().parse::<u64>() {
        Ok(n) => visitor.visit_u64(n),
        Err(_) => Err(text_error(text, "a non-negative integer")),
    }
}

fn text_f64<'de, V: Visitor<'de>>(text: &str, visitor: V) -> Result<V::Value, DeError> {
    match text.trim().parse::<f64>() {
        Ok(x) => visitor.visit_f64(x),
        Err(_) => Err(text_error(text, "a number")),
    }
}

fn text_bool<'de, V: Visitor<'de>>(text: &str, visitor: V) -> Result<V::Value, DeError> {
    match text {
        "true" => visitor.visit_bool(true),
        "false" => visitor.visit_bool(false),
        _ => Err(text_error(text, "`true` or `false`")),
    }
}

fn text_error(text: &str, wanted: &str) -> DeError {
    DeError::Message(format!("invalid value `{text}`, expected {wanted}"))
}

macro_rules! integer {
    ($($method:ident => $parse:ident),*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
                match self.0 {
                    Node::Text(t) => $parse(t, visitor),
                    _ => self.deserialize_any(visitor),
                }
            }
        )*
    };
}

impl<'de> de::Deserializer<'de> for NodeDe<'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0 {
            Node::Table(map) | Node::Inline(map) => visitor.visit_map(TableAccess {
                iter: map.iter(),
                value: None,
            }),
            Node::Array(items) => visitor.visit_seq(ArrayAccess { iter: items.iter() }),
            Node::Str { value, .. } => visitor.visit_borrowed_str(value),
            Node::Int(n) => visitor.visit_i64(*n),
            Node::Float(x) => visitor.visit_f64(*x),
            Node::Bool(b) => visitor.visit_bool(*b),
            Node::Datetime(d) => visitor.visit_borrowed_str(d),
            Node::Text(t) => visitor.visit_borrowed_str(t),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0 {
            Node::Text(t) => text_bool(t, visitor),
            _ => self.deserialize_any(visitor),
        }
    }

    integer!(deserialize_i8 => text_i64, deserialize_i16 => text_i64,
        deserialize_i32 => text_i64, deserialize_i64 => text_i64, deserialize_u8 => text_u64,
        deserialize_u16 => text_u64, deserialize_u32 => text_u64, deserialize_u64 => text_u64);

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0 {
            Node::Text(t) => text_f64(t, visitor),
            // Operators write `multiplier = 2`; TOML calls that an integer.
            Node::Int(n) => visitor.visit_f64(*n as f64),
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0 {
            Node::Text(t) => {
                let items: Vec<Node> = split_list(t).into_iter().map(Node::Text).collect();
                visitor.visit_seq(OwnedArrayAccess {
                    iter: items.into_iter(),
                })
            }
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match self.0 {
            Node::Str { value, .. } | Node::Text(value) => {
                visitor.visit_enum(value.as_str().into_deserializer())
            }
            Node::Table(map) | Node::Inline(map) if map.len() == 1 => {
                let (key, value) = map.iter().next().expect("one entry");
                visitor.visit_enum(TaggedEnum { key, value })
            }
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        i128 u128 char str string bytes byte_buf unit unit_struct tuple
        tuple_struct map struct identifier
    }
}

/// Splits a list given as text: a TOML-style `[a, b]` or a plain `a,b`; quotes around items are
/// removed.
fn split_list(text: &str) -> Vec<String> {
    let inner = text.trim();
    let inner = inner
        .strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .unwrap_or(inner);
    inner
        .split(',')
        .map(|item| item.trim().trim_matches('"').to_owned())
        .filter(|item| !item.is_empty())
        .collect()
}

struct TableAccess<'a> {
    iter: btree_map::Iter<'a, String, Node>,
    value: Option<&'a Node>,
}

impl<'de> de::MapAccess<'de> for TableAccess<'de> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        match self.iter.next() {
            Some((key, value)) => {
                self.value = Some(value);
                let key: de::value::BorrowedStrDeserializer<'de, DeError> =
                    de::value::BorrowedStrDeserializer::new(key);
                seed.deserialize(key).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, DeError> {
        let value = self
            .value
            .take()
            .ok_or_else(|| DeError::Message("value without key".into()))?;
        seed.deserialize(NodeDe(value))
    }
}

struct ArrayAccess<'a> {
    iter: std::slice::Iter<'a, Node>,
}

impl<'de> de::SeqAccess<'de> for ArrayAccess<'de> {
    type Error = DeError;

    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, DeError> {
        self.iter
            .next()
            .map(|node| seed.deserialize(NodeDe(node)))
            .transpose()
    }
}

/// Elements split out of a text list; they own their text, so they are read through a
/// short-lived tree instead of borrowing from the input.
struct OwnedArrayAccess {
    iter: std::vec::IntoIter<Node>,
}

impl<'de> de::SeqAccess<'de> for OwnedArrayAccess {
    type Error = DeError;

    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, DeError> {
        match self.iter.next() {
            Some(Node::Text(t)) => seed.deserialize(TextDe(t)).map(Some),
            Some(_) | None => Ok(None),
        }
    }
}

/// Deserializes owned text (an element of a list given as text) the way [`NodeDe`] reads
/// [`Node::Text`].
struct TextDe(String);

impl<'de> de::Deserializer<'de> for TextDe {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_string(self.0)
    }

    text_scalar!(deserialize_bool => text_bool, deserialize_i8 => text_i64,
        deserialize_i16 => text_i64, deserialize_i32 => text_i64, deserialize_i64 => text_i64,
        deserialize_u8 => text_u64, deserialize_u16 => text_u64, deserialize_u32 => text_u64,
        deserialize_u64 => text_u64, deserialize_f32 => text_f64, deserialize_f64 => text_f64);

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_enum(self.0.into_deserializer())
    }

    serde::forward_to_deserialize_any! {
        i128 u128 char str string bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

struct TaggedEnum<'a> {
    key: &'a str,
    value: &'a Node,
}

impl<'de> de::EnumAccess<'de> for TaggedEnum<'de> {
    type Error = DeError;
    type Variant = NodeDe<'de>;

    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, NodeDe<'de>), DeError> {
        let key: de::value::BorrowedStrDeserializer<'de, DeError> =
            de::value::BorrowedStrDeserializer::new(self.key);
        Ok((seed.deserialize(key)?, NodeDe(self.value)))
    }
}

impl<'de> de::VariantAccess<'de> for NodeDe<'de> {
    type Error = DeError;

    fn unit_variant(self) -> Result<(), DeError> {
        Ok(())
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<S::Value, DeError> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, DeError> {
        de::Deserializer::deserialize_seq(self, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        de::Deserializer::deserialize_map(self, visitor)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::time::Duration;

    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Sample {
        name: String,
        port: u16,
        on: bool,
        ratio: f64,
        #[serde(with = "humantime_serde")]
        wait: Duration,
        peers: Vec<String>,
        counts: Vec<u32>,
        mode: Mode,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "snake_case")]
    enum Mode {
        Fast,
        Slow,
    }

    fn text(t: &str) -> Node {
        Node::Text(t.into())
    }

    fn sample_tree(port: &str, on: &str) -> Node {
        let mut map = BTreeMap::new();
        map.insert("name".into(), text("012345"));
        map.insert("port".into(), text(port));
        map.insert("on".into(), text(on));
        map.insert("ratio".into(), text("0.5"));
        map.insert("wait".into(), text("10s"));
        map.insert("peers".into(), text("a, b"));
        map.insert("counts".into(), text("[1, 2]"));
        map.insert("mode".into(), text("slow"));
        Node::Table(map)
    }

    #[test]
    fn text_takes_the_type_each_field_asks_for() {
        let tree = sample_tree("8080", "true");
        let got = Sample::deserialize(NodeDe(&tree)).unwrap();
        assert_eq!(got.name, "012345");
        assert_eq!(got.port, 8080);
        assert!(got.on);
        assert_eq!(got.wait, Duration::from_secs(10));
        assert_eq!(got.peers, vec!["a", "b"]);
        assert_eq!(got.counts, vec![1, 2]);
        assert_eq!(got.mode, Mode::Slow);
    }

    #[test]
    fn bool_text_accepts_only_true_or_false() {
        let tree = sample_tree("8080", "yes");
        let err = Sample::deserialize(NodeDe(&tree)).unwrap_err();
        assert_eq!(
            err,
            DeError::Message("invalid value `yes`, expected `true` or `false`".into())
        );
    }

    #[test]
    fn unknown_field_keeps_the_expected_names() {
        let mut map = BTreeMap::new();
        map.insert("nmae".into(), text("x"));
        let err = Sample::deserialize(NodeDe(&Node::Table(map))).unwrap_err();
        match err {
            DeError::UnknownField { field, expected } => {
                assert_eq!(field, "nmae");
                assert!(expected.contains(&"name"));
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
