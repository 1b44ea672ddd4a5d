//! Finding the real name closest to a misspelt one.

/// The candidate closest to `wrong`, if any is close: a candidate equal to it once case and `_`
/// are ignored wins (`slotDuration` → `slot_duration`, `Chain` → `chain`); otherwise the one with
/// the highest Jaro-Winkler similarity above 0.8.
pub(crate) fn closest<'a>(
    wrong: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let folded = fold(wrong);
    let mut best: Option<(&str, f64)> = None;
    for candidate in candidates {
        if fold(candidate) == folded {
            return Some(candidate);
        }
        let score = strsim::jaro_winkler(&wrong.to_ascii_lowercase(), candidate);
        if score > 0.8 && best.is_none_or(|(_, s)| score > s) {
            best = Some((candidate, score));
        }
    }
    best.map(|(c, _)| c)
}

/// The candidate `wrong` is most likely a slip of, when it is only a slip: [`closest`], kept only
/// when it equals `wrong` once case and `_` are ignored or is at most two edits away (one for
/// names of five letters or fewer, where two edits make most names alike).
pub(crate) fn near_miss<'a>(
    wrong: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let folded = fold(wrong);
    let allowed = if folded.len() <= 5 { 1 } else { 2 };
    closest(wrong, candidates).filter(|c| strsim::damerau_levenshtein(&folded, &fold(c)) <= allowed)
}

fn fold(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_' && *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camel_case_and_wrong_case_map_to_snake_case() {
        assert_eq!(
            closest("slotDuration", ["chain_id", "slot_duration"]),
            Some("slot_duration")
        );
        assert_eq!(closest("Chain", ["network", "chain"]), Some("chain"));
    }

    #[test]
    fn typo_finds_the_nearest_name() {
        assert_eq!(
            closest("endpont", ["enabled", "endpoints", "auth"]),
            Some("endpoints")
        );
    }

    #[test]
    fn near_miss_takes_slips_and_leaves_other_names() {
        let top = ["environment", "logging", "network", "sync", "admin"];
        assert_eq!(near_miss("environmet", top), Some("environment"));
        assert_eq!(near_miss("enviroment", top), Some("environment"));
        assert_eq!(near_miss("environ_ment", top), Some("environment"));
        assert_eq!(near_miss("loging", top), Some("logging"));
        assert_eq!(near_miss("synk", top), Some("sync"));
        assert_eq!(near_miss("node_id", top), None);
        assert_eq!(near_miss("networks_id", top), None);
        assert_eq!(near_miss("env", top), None);
    }

    #[test]
    fn unrelated_name_has_no_suggestion() {
        assert_eq!(closest("zzz", ["enabled", "auth"]), None);
    }
}
