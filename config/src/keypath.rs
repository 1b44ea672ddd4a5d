//! Walking a TOML value by dotted key paths (`a.b[2].c`), the form every error, finding and
//! provenance entry uses.

/// Calls `visit` with the key path of every leaf below `value`. Arrays of tables are entered
/// (`endpoints[0].url`); an array of plain values is one leaf unless `enter_all_arrays` is set.
pub(crate) fn for_each_leaf(
    value: &toml::Value,
    enter_all_arrays: bool,
    visit: &mut dyn FnMut(&str, &toml::Value),
) {
    walk(value, enter_all_arrays, &mut String::new(), visit);
}

fn walk(
    value: &toml::Value,
    enter_all_arrays: bool,
    path: &mut String,
    visit: &mut dyn FnMut(&str, &toml::Value),
) {
    match value {
        toml::Value::Table(table) => {
            for (key, child) in table {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                walk(child, enter_all_arrays, path, visit);
                path.truncate(len);
            }
        }
        toml::Value::Array(items)
            if enter_all_arrays || items.iter().any(toml::Value::is_table) =>
        {
            for (i, child) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                walk(child, enter_all_arrays, path, visit);
                path.truncate(len);
            }
        }
        leaf => visit(path, leaf),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaves(text: &str, all: bool) -> Vec<String> {
        let value: toml::Value = toml::from_str(text).unwrap();
        let mut out = Vec::new();
        for_each_leaf(&value, all, &mut |path, _| out.push(path.to_owned()));
        out
    }

    #[test]
    fn arrays_of_tables_are_entered_and_plain_arrays_are_leaves() {
        let text = "list = [1, 2]\n[[ep]]\nurl = \"u\"\n";
        assert_eq!(leaves(text, false), vec!["ep[0].url", "list"]);
        assert_eq!(leaves(text, true), vec!["ep[0].url", "list[0]", "list[1]"]);
    }
}
