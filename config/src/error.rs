//! Why a configuration could not be loaded; every variant names the file and position, the key
//! path, or the variable at fault.

use std::path::PathBuf;

use crate::load::Origin;

/// An error from loading configuration. Validation findings are not errors of this type: they are
/// a [`crate::validate::Report`].
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A config file that does not exist.
    #[error("{path}: config file not found", path = path.display())]
    NotFound {
        /// The path as given.
        path: PathBuf,
    },

    /// A directory given where a config file was expected.
    #[error("{path}: is a directory, expected a config file", path = path.display())]
    IsDirectory {
        /// The path as given.
        path: PathBuf,
    },

    /// A path that is neither a regular file nor a directory (a FIFO, a device).
    #[error("{path}: not a regular file", path = path.display())]
    NotAFile {
        /// The path as given.
        path: PathBuf,
    },

    /// A config file larger than the loader reads.
    #[error("{path}: {bytes} bytes is larger than the {limit}-byte limit for a config file", path = path.display())]
    TooLarge {
        /// The path as given.
        path: PathBuf,
        /// Its size.
        bytes: u64,
        /// The limit.
        limit: u64,
    },

    /// A config file that could not be read.
    #[error("{path}: cannot read config file: {source}", path = path.display())]
    Unreadable {
        /// The path as given.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },

    /// A config file whose bytes are not UTF-8.
    #[error("{path}:{line}:{column}: config file is not valid UTF-8", path = path.display())]
    NotUtf8 {
        /// The path as given.
        path: PathBuf,
        /// 1-based line of the first bad byte.
        line: usize,
        /// 1-based column of the first bad byte.
        column: usize,
    },

    /// A config file with nothing in it but white space and comments.
    #[error(
        "{path}: config file is empty (a save in progress?); to run on defaults, give no config file",
        path = path.display()
    )]
    EmptyFile {
        /// The path as given.
        path: PathBuf,
    },

    /// TOML that does not parse, including a table defined twice.
    #[error("{path}:{line}:{column}: {message}", path = path.display())]
    Syntax {
        /// The path as given.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's description.
        message: String,
    },

    /// A key the schema does not have.
    #[error("{origin}: unknown key `{key}`{hint}", hint = hint(suggestion))]
    UnknownKey {
        /// Dotted path of the unknown key.
        key: String,
        /// Where it was written.
        origin: Origin,
        /// The closest real key path, if one is close.
        suggestion: Option<String>,
    },

    /// A key path given on its own (`alys-log audit KEY`) that the schema does not have.
    #[error("unknown key `{key}`{hint}", hint = hint(suggestion))]
    NoSuchKey {
        /// The key path as given.
        key: String,
        /// The key path with the closest real name in place of the wrong one, if one is close.
        suggestion: Option<String>,
    },

    /// `ALYS_*` variables that match no key; all of them are listed.
    #[error("environment variables that match no config key: {}", list_vars(vars))]
    UnknownVariables {
        /// Each variable with the variable name it was probably meant to be.
        vars: Vec<(String, Option<String>)>,
    },

    /// A configuration variable, or one a placeholder names, whose name or value is not UTF-8.
    /// The value is never printed.
    #[error("${var} is not valid UTF-8")]
    VariableNotUtf8 {
        /// The variable's name, lossily decoded.
        var: String,
    },

    /// An `ALYS_*` variable that is set but empty.
    #[error("${var} is set but empty; to fall back to the lower layers, unset it")]
    EmptyVariable {
        /// The variable.
        var: String,
    },

    /// A value the field cannot take (wrong type, bad duration, unknown enum value).
    #[error("{origin}: invalid value for `{key}`: {message}")]
    InvalidValue {
        /// Dotted key path.
        key: String,
        /// Where the value was written.
        origin: Origin,
        /// What is wrong with it.
        message: String,
    },

    /// A `${VAR}` placeholder whose variable is not set.
    #[error("{origin}: `{key}` refers to ${{{var}}}, which is not set")]
    UnsetVariable {
        /// Dotted key path of the string holding the placeholder.
        key: String,
        /// The variable name.
        var: String,
        /// Where the string was written.
        origin: Origin,
    },

    /// A secret whose value is the redaction marker: output of `config show` loaded as config.
    #[error(
        "{origin}: `{key}` is \"{marker}\", the placeholder `config show` prints in place of a \
         secret; give the real value (or a ${{VAR}} placeholder)",
        marker = crate::secret::REDACTED
    )]
    RedactedSecret {
        /// Dotted key path of the secret.
        key: String,
        /// Where the marker was written.
        origin: Origin,
    },

    /// A `${` without a closing brace or with an empty name.
    #[error("{origin}: `{key}` has a malformed placeholder: {message}")]
    BadPlaceholder {
        /// Dotted key path.
        key: String,
        /// Where the string was written.
        origin: Origin,
        /// What is wrong.
        message: String,
    },

    /// A file that names one environment's section twice.
    #[error("{path}: defines both {names}; keep one", path = path.display())]
    DuplicateSection {
        /// The file.
        path: PathBuf,
        /// The section headers, e.g. `[prod] and [production]`.
        names: String,
    },

    /// `environment` set inside an environment section, which is chosen by the environment.
    #[error(
        "{origin}: `{section}.environment`: an environment section cannot set the environment; \
         set `environment` at the top level of a file, with $ALYS_ENVIRONMENT or --environment"
    )]
    EnvironmentInSection {
        /// The section name as written.
        section: String,
        /// Where `environment` was written.
        origin: Origin,
    },

    /// An environment section that is not active now but would not load when it is.
    #[error("{source} (in section [{section}], which applies in that environment)")]
    InactiveSection {
        /// The section name as written.
        section: String,
        /// What is wrong in it.
        source: Box<ConfigError>,
    },

    /// A `--set` argument that is not `key.path=value`.
    #[error("--set {arg}: expected key.path=value")]
    BadOverride {
        /// The argument as given.
        arg: String,
    },

    /// A key path that runs through a value that is not a table.
    #[error("{origin}: cannot set `{key}`: `{parent}` is not a table")]
    NotATable {
        /// The key path asked for.
        key: String,
        /// The prefix that holds a plain value.
        parent: String,
        /// Where it was asked for.
        origin: Origin,
    },

    /// An environment name that is not one of the four.
    #[error("{origin}: unknown environment `{value}`, expected development, testing, staging or production")]
    UnknownEnvironment {
        /// The value given.
        value: String,
        /// Where it was given.
        origin: Origin,
    },
}

fn hint(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(s) => format!(", did you mean `{s}`?"),
        None => String::new(),
    }
}

fn list_vars(vars: &[(String, Option<String>)]) -> String {
    vars.iter()
        .map(|(var, suggestion)| match suggestion {
            Some(s) => format!("${var} (did you mean ${s}?)"),
            None => format!("${var}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}
