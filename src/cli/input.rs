//! Array arguments (`--mean`, `--cov`, `--scale-tril`, `--low`, `--high`): inline JSON (nested
//! lists of numbers, `{"shape", "data"}`, bare `nan`/`inf`), `@FILE.json` or `@FILE.npy`; and
//! [`Inputs`], how the commands' argument parsers read arrays and `--key @FILE`.

use super::file::{self, Contents};
use super::json::{self, abbreviate, JsonError};
use super::{fail, keys, npy, CliError, CliResult};
use crate::{Array, Key};
use serde_json::Value;

/// Reads the array argument `arg` of `flag`: inline JSON, or `@FILE` (`.npy` by its magic or its
/// name, JSON otherwise). Messages name the flag (and the file).
pub fn read_array(flag: &str, arg: &str) -> CliResult<Array> {
    if let Some(path) = arg.strip_prefix('@') {
        let text = match file::read(flag, path)? {
            Contents::Npy(bytes) => return npy::parse_npy(&bytes).map_err(|m| CliError::new(format!("{flag}: '{path}' is not a usable .npy file: {m}"))),
            Contents::Text(text) => text,
        };
        let v = json::parse_file(flag, path, &text)?;
        return json_to_array(&v).map_err(|m| CliError::new(format!("{flag}: in '{path}': {m}")));
    }
    let v: Value = match json::parse(arg) {
        Ok(v) => v,
        Err(JsonError::DuplicateKey(m)) => return fail(format!("{flag}: {m}")),
        // Bare non-JSON numbers such as `inf`, `-inf`, `nan`.
        Err(JsonError::Malformed(e)) => match arg.trim().parse::<f32>() {
            Ok(x) => return Ok(Array::scalar(x)),
            Err(_) => return fail(format!("{flag}: malformed JSON '{}': {e}", abbreviate(arg))),
        },
    };
    json_to_array(&v).map_err(|m| CliError::new(format!("{flag}: {m}")))
}

/// The float64 array argument `arg` of `flag` (`log-prob --x`): inline JSON or `@FILE.json` read
/// in float64; `@FILE.npy` as [`read_array`] reads it (float32).
pub fn read_array64(flag: &str, arg: &str) -> CliResult<(Vec<usize>, Vec<f64>)> {
    let text;
    let (src, at) = match arg.strip_prefix('@') {
        Some(path) => match file::read(flag, path)? {
            Contents::Npy(_) => {
                let (shape, data) = read_array(flag, arg)?.into_parts();
                return Ok((shape, data.into_iter().map(f64::from).collect()));
            }
            Contents::Text(t) => {
                text = t;
                (json::parse_file(flag, path, &text)?, format!("{flag}: in '{path}'"))
            }
        },
        None => match json::parse(arg) {
            Ok(v) => (v, flag.to_string()),
            Err(JsonError::DuplicateKey(m)) => return fail(format!("{flag}: {m}")),
            Err(JsonError::Malformed(e)) => return fail(format!("{flag}: malformed JSON '{}': {e}", abbreviate(arg))),
        },
    };
    let number = |v: &Value| match v {
        Value::Number(n) => n.as_f64(),
        _ => json_number(v).map(f64::from),
    };
    json::elements(&src, "a number", "numbers", &number).map_err(|m| CliError::new(format!("{at}: {m}")))
}

/// A number, or the strings `nan`, `inf`, `-inf` (any case; also `+inf`, `infinity`).
fn json_number(v: &Value) -> Option<f32> {
    match v {
        Value::Number(n) => n.as_f64().map(|x| x as f32),
        Value::String(s) => match s.to_ascii_lowercase().as_str() {
            "nan" => Some(f32::NAN),
            "inf" | "+inf" | "infinity" => Some(f32::INFINITY),
            "-inf" | "-infinity" => Some(f32::NEG_INFINITY),
            _ => None,
        },
        _ => None,
    }
}

/// Nested lists of numbers (shape inferred, ragged lists refused), or `{"shape", "data"}`.
pub fn json_to_array(v: &Value) -> Result<Array, String> {
    let (shape, data) = json::elements(v, "a number", "numbers", &json_number)?;
    Array::new(shape, data).map_err(|e| e.to_string())
}

/// How the commands' argument parsers read array arguments and `--key @FILE`: the commands
/// read everything ([`ReadAll`]); the fuzz harness reads no file and skips large arrays.
pub trait Inputs {
    /// The array argument `arg` of `flag`, or `None` to stop: the parsers then return `None`.
    fn array(&self, flag: &str, arg: &str) -> CliResult<Option<Array>>;

    /// The key in the file `path` of `--key @FILE`.
    fn key_file(&self, path: &str) -> CliResult<Key>;
}

/// The [`Inputs`] of the commands: every array and file read, never `None`.
pub struct ReadAll;

impl Inputs for ReadAll {
    fn array(&self, flag: &str, arg: &str) -> CliResult<Option<Array>> {
        read_array(flag, arg).map(Some)
    }

    fn key_file(&self, path: &str) -> CliResult<Key> {
        keys::read_key_file(path)
    }
}
