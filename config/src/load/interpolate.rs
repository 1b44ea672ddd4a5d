//! `${NAME}` placeholders in config strings, expanded from the environment.
//!
//! `$${` writes a literal `${`. An unset variable is an error naming the key and the variable;
//! an empty but set variable expands to the empty string.

/// Why a string could not be expanded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PlaceholderError {
    /// `${NAME}` with `NAME` not set.
    Unset(String),
    /// `${` without `}` or with an empty or invalid name.
    Malformed(String),
}

/// Expands every placeholder in `text`. Returns `None` when the text has no placeholder, so the
/// caller can tell a templated value from a literal one.
pub(crate) fn expand(
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<String>, PlaceholderError> {
    if !text.contains("${") {
        return Ok(None);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('$') {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        if let Some(tail) = after.strip_prefix("$${") {
            out.push_str("${");
            rest = tail;
        } else if let Some(tail) = after.strip_prefix("${") {
            let end = tail
                .find('}')
                .ok_or_else(|| PlaceholderError::Malformed("`${` without a closing `}`".into()))?;
            let name = &tail[..end];
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(PlaceholderError::Malformed(format!(
                    "`${{{name}}}` is not a variable name (letters, digits and `_`)"
                )));
            }
            let value = lookup(name).ok_or_else(|| PlaceholderError::Unset(name.to_owned()))?;
            out.push_str(&value);
            rest = &tail[end + 1..];
        } else {
            out.push('$');
            rest = &after[1..];
        }
    }
    out.push_str(rest);
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "TOKEN" => Some("abc".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    #[test]
    fn expands_set_variables_and_keeps_other_dollars() {
        assert_eq!(
            expand("Bearer ${TOKEN}$x", &env),
            Ok(Some("Bearer abc$x".into()))
        );
        assert_eq!(expand("${EMPTY}", &env), Ok(Some(String::new())));
    }

    #[test]
    fn literal_text_is_not_a_template() {
        assert_eq!(expand("plain $HOME", &env), Ok(None));
    }

    #[test]
    fn double_dollar_escapes_a_placeholder() {
        assert_eq!(expand("$${TOKEN}", &env), Ok(Some("${TOKEN}".into())));
    }

    #[test]
    fn unset_variable_is_named() {
        assert_eq!(
            expand("${NOPE}", &env),
            Err(PlaceholderError::Unset("NOPE".into()))
        );
    }

    #[test]
    fn unclosed_placeholder_is_malformed() {
        assert!(matches!(
            expand("${TOKEN", &env),
            Err(PlaceholderError::Malformed(_))
        ));
        assert!(matches!(
            expand("${A-B}", &env),
            Err(PlaceholderError::Malformed(_))
        ));
    }
}
