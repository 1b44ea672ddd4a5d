//! Rule `logging.level`: level names of `logging.level` and `logging.modules`.

use crate::validate::{Findings, FnRule, Rule, RuleContext};

pub(super) fn rules() -> Vec<Box<dyn Rule>> {
    vec![Box::new(FnRule::new("logging.level", check_log_levels))]
}

const LEVELS: [&str; 6] = ["trace", "debug", "info", "warn", "error", "off"];

fn is_level(value: &str) -> bool {
    LEVELS
        .iter()
        .any(|level| level.eq_ignore_ascii_case(value.trim()))
}

fn check_log_levels(ctx: &RuleContext<'_>, f: &mut Findings<'_>) {
    let logging = &ctx.config.logging;
    let expected = LEVELS.join(", ");
    if !is_level(&logging.level) {
        f.error(
            "logging.level",
            format!("`{}` is not one of {expected}", logging.level),
        );
    }
    for (module, level) in &logging.modules {
        if !is_level(level) {
            let key = format!("logging.modules.{module}");
            f.error(key, format!("`{level}` is not one of {expected}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{assert_one, hits};
    use crate::validate::Severity::Error;
    use crate::AlysConfig;

    #[test]
    fn default_levels_pass() {
        assert_eq!(hits("logging.level", &AlysConfig::default()), vec![]);
    }

    #[test]
    fn rejects_unknown_log_levels() {
        let mut c = AlysConfig::default();
        c.logging.level = "verbose".into();
        c.logging.modules.insert("alys_node".into(), "DEBUG".into());
        assert_one("logging.level", &c, Error, "logging.level");
        c.logging.level = "Info".into();
        c.logging.modules.insert("sled".into(), "loud".into());
        assert_one("logging.level", &c, Error, "logging.modules.sled");
    }
}
