//! `@FILE` arguments: the file read whole and told apart as `.npy` (by its magic or its name) or
//! UTF-8 text (JSON, or CSV for `--key @FILE.csv`); the messages name the flag and the file.
//! Text input may start with a byte-order mark (Windows tools write one), which is skipped.

use super::{fail, CliError, CliResult};

/// What an `@FILE` holds.
pub enum Contents {
    /// The bytes of an `.npy` file.
    Npy(Vec<u8>),
    /// Text (JSON or CSV).
    Text(String),
}

/// Reads the file `path` (the argument after its `@`) of `flag`.
pub fn read(flag: &str, path: &str) -> CliResult<Contents> {
    if path.is_empty() {
        return fail(format!("{flag}: '@' must be followed by a file name"));
    }
    let bytes = std::fs::read(path).map_err(|e| CliError::new(format!("{flag}: cannot read '{path}': {e}")))?;
    if bytes.starts_with(b"\x93NUMPY") || has_extension(path, "npy") {
        return Ok(Contents::Npy(bytes));
    }
    let kind = if has_extension(path, "csv") { "CSV" } else { "JSON" };
    String::from_utf8(bytes).map(Contents::Text).map_err(|_| CliError::new(format!("{flag}: '{path}' is neither a .npy file nor UTF-8 {kind}")))
}

/// Whether `path` ends in `.ext` (any case).
pub fn has_extension(path: &str, ext: &str) -> bool {
    path.to_ascii_lowercase().ends_with(&format!(".{ext}"))
}

/// `text` without its UTF-8 byte-order mark, if it starts with one.
pub fn without_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}
