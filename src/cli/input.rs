//! Array arguments (`--mean`, `--cov`, `--scale-tril`, `--low`, `--high`): inline JSON (nested
//! lists of numbers, `{"shape", "data"}`, bare `nan`/`inf`), `@FILE.json` or `@FILE.npy`.

use super::{fail, npy, CliError, CliResult};
use crate::Array;
use serde_json::Value;

/// Reads the array argument `arg` of `flag`: inline JSON, or `@FILE` (`.npy` by its magic or its
/// name, JSON otherwise). Messages name the flag (and the file).
pub fn read_array(flag: &str, arg: &str) -> CliResult<Array> {
    if let Some(path) = arg.strip_prefix('@') {
        if path.is_empty() {
            return fail(format!("{flag}: '@' must be followed by a file name"));
        }
        let bytes = std::fs::read(path).map_err(|e| CliError::new(format!("{flag}: cannot read '{path}': {e}")))?;
        let is_npy = bytes.starts_with(b"\x93NUMPY") || path.to_ascii_lowercase().ends_with(".npy");
        if is_npy {
            return npy::parse_npy(&bytes).map_err(|m| CliError::new(format!("{flag}: '{path}' is not a usable .npy file: {m}")));
        }
        let text = std::str::from_utf8(&bytes).map_err(|_| CliError::new(format!("{flag}: '{path}' is neither a .npy file nor UTF-8 JSON")))?;
        let v: Value = serde_json::from_str(text).map_err(|e| CliError::new(format!("{flag}: malformed JSON in '{path}': {e}")))?;
        return json_to_array(&v).map_err(|m| CliError::new(format!("{flag}: in '{path}': {m}")));
    }
    let v: Value = match serde_json::from_str(arg) {
        Ok(v) => v,
        // Bare non-JSON numbers such as `inf`, `-inf`, `nan`.
        Err(e) => match arg.trim().parse::<f32>() {
            Ok(x) => return Ok(Array::scalar(x)),
            Err(_) => return fail(format!("{flag}: malformed JSON '{}': {e}", abbreviate(arg))),
        },
    };
    json_to_array(&v).map_err(|m| CliError::new(format!("{flag}: {m}")))
}

/// `s` cut to 80 characters, for messages.
pub(crate) fn abbreviate(s: &str) -> String {
    if s.chars().count() <= 80 {
        s.to_string()
    } else {
        format!("{}...", s.chars().take(77).collect::<String>())
    }
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

/// `[i][j]...` of a nested list element.
fn fmt_index(path: &[usize]) -> String {
    let parts: Vec<String> = path.iter().map(|i| i.to_string()).collect();
    format!("[{}]", parts.join("]["))
}

/// Nested lists of numbers (shape inferred, ragged lists refused), or `{"shape", "data"}`.
pub fn json_to_array(v: &Value) -> Result<Array, String> {
    if let Value::Object(m) = v {
        let (Some(Value::Array(shape)), Some(Value::Array(data))) = (m.get("shape"), m.get("data")) else {
            return Err("expected nested lists of numbers, or an object {\"shape\": [...], \"data\": [...]}".into());
        };
        // `dtype` (a string, as in the MLX vectors' files) is allowed; the data are read as float32.
        if let Some(k) = m.keys().find(|k| !matches!(k.as_str(), "shape" | "data") && !(k.as_str() == "dtype" && m[k.as_str()].is_string())) {
            return Err(format!("unexpected key \"{}\" in {{\"shape\", \"data\"}}", abbreviate(k)));
        }
        // Integral floats (2.0) are integers, as in --shape.
        let dim = |d: &Value| d.as_u64().or_else(|| d.as_f64().filter(|x| x.fract() == 0.0 && *x >= 0.0 && *x < 1.8e19).map(|x| x as u64));
        let shape: Vec<usize> = shape
            .iter()
            .map(|d| dim(d).and_then(|d| usize::try_from(d).ok()).ok_or_else(|| format!("\"shape\" entries must be non-negative integers, got {d}")))
            .collect::<Result<_, _>>()?;
        let data: Vec<f32> = data
            .iter()
            .enumerate()
            .map(|(i, x)| json_number(x).ok_or_else(|| format!("\"data\"[{i}] is not a number: {x}")))
            .collect::<Result<_, _>>()?;
        return Array::new(shape, data).map_err(|e| e.to_string());
    }
    let mut shape = Vec::new();
    let mut cur = v;
    while let Value::Array(a) = cur {
        shape.push(a.len());
        match a.first() {
            Some(x) => cur = x,
            None => break,
        }
    }
    let mut data = Vec::new();
    let mut path = Vec::new();
    collect(v, &shape, &mut data, &mut path)?;
    Array::new(shape, data).map_err(|e| e.to_string())
}

/// Appends the numbers of `v` (the element at `path`) to `data`, checking it has `shape[path.len()..]`.
fn collect(v: &Value, shape: &[usize], data: &mut Vec<f32>, path: &mut Vec<usize>) -> Result<(), String> {
    let depth = path.len();
    if depth == shape.len() {
        return match (v, json_number(v)) {
            (_, Some(x)) => {
                data.push(x);
                Ok(())
            }
            (Value::Array(_), _) => Err(format!("ragged nested list: element {} is a list where a number was expected", fmt_index(path))),
            (other, None) => Err(format!("element {} is not a number: {other}", fmt_index(path))),
        };
    }
    match v {
        Value::Array(a) if a.len() == shape[depth] => {
            for (i, x) in a.iter().enumerate() {
                path.push(i);
                collect(x, shape, data, path)?;
                path.pop();
            }
            Ok(())
        }
        Value::Array(a) => Err(format!(
            "ragged nested list: element {} has length {} but {} was expected",
            fmt_index(path),
            a.len(),
            shape[depth]
        )),
        _ => Err(format!("ragged nested list: element {} is not a list but the first element at this depth is", fmt_index(path))),
    }
}

/// Reads one array argument (`flag`, its text): the commands read every array
/// ([`read_every_array`]); the fuzz harness skips files and large arrays by returning `None`,
/// which makes the commands' argument parsers return `None`.
pub type ArrayReader<'a> = &'a dyn Fn(&str, &str) -> CliResult<Option<Array>>;

/// The [`ArrayReader`] of the commands: [`read_array`], never `None`.
pub fn read_every_array(flag: &str, arg: &str) -> CliResult<Option<Array>> {
    read_array(flag, arg).map(Some)
}
