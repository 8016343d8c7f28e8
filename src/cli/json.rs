//! JSON input, one reader for every JSON argument and file (`--mean`, `--cov`, `--scale-tril`,
//! `--low`, `--high`, `--shape`, `--key @FILE`): the text (a UTF-8 byte-order mark skipped, an
//! object with a key given twice refused: serde_json would keep the last), and the array it
//! holds as nested lists or `{"shape": [...], "data": [...]}`.

use super::file::without_bom;
use super::{CliError, CliResult};
use serde::de::{DeserializeSeed, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::fmt;

/// Why a JSON text was not read.
#[derive(Debug)]
pub enum JsonError {
    /// Not JSON: serde_json's message, with its line and column.
    Malformed(serde_json::Error),
    /// An object with a key given twice: the message, with its line and column.
    DuplicateKey(String),
}

/// Parses `text` (a leading byte-order mark skipped: Windows tools save JSON with one) into a
/// value whose objects have no key twice.
pub fn parse(text: &str) -> Result<Value, JsonError> {
    let text = without_bom(text);
    let mut de = serde_json::Deserializer::from_str(text);
    let v = UniqueKeys { top: true }.deserialize(&mut de).and_then(|v| de.end().map(|()| v));
    v.map_err(|e| match e.classify() {
        // A custom error can only come from `visit_map` below.
        serde_json::error::Category::Data => JsonError::DuplicateKey(e.to_string()),
        _ => JsonError::Malformed(e),
    })
}

/// The JSON text of the file `path` given to `flag`; the message names both.
pub fn parse_file(flag: &str, path: &str, text: &str) -> CliResult<Value> {
    parse(text).map_err(|e| match e {
        JsonError::Malformed(e) => CliError::new(format!("{flag}: malformed JSON in '{path}': {e}")),
        JsonError::DuplicateKey(m) => CliError::new(format!("{flag}: in '{path}': {m}")),
    })
}

/// The elements of an array given as nested lists (the shape inferred, ragged lists refused) or
/// as `{"shape": [...], "data": [...]}`, each read by `elem` (`None`: not `what`, e.g. "a
/// number"; `whats` is the plural, for messages).
pub fn elements<T>(v: &Value, what: &str, whats: &str, elem: &dyn Fn(&Value) -> Option<T>) -> Result<(Vec<usize>, Vec<T>), String> {
    if let Value::Object(m) = v {
        let (Some(Value::Array(shape)), Some(Value::Array(data))) = (m.get("shape"), m.get("data")) else {
            return Err(format!("expected nested lists of {whats}, or an object {{\"shape\": [...], \"data\": [...]}}"));
        };
        // `dtype` (a string, as in the MLX vectors' files) is allowed; it does not change how the data are read.
        let allowed = |k: &str| matches!(k, "shape" | "data") || (k == "dtype" && m[k].is_string());
        if let Some(k) = m.keys().find(|k| !allowed(k)) {
            return Err(format!("unexpected key \"{}\" in {{\"shape\", \"data\"}}", abbreviate(k)));
        }
        // Integral floats (2.0) are integers, as in --shape.
        let dim = |d: &Value| d.as_u64().or_else(|| d.as_f64().filter(|x| x.fract() == 0.0 && *x >= 0.0 && *x < 1.8e19).map(|x| x as u64));
        let shape: Vec<usize> = shape
            .iter()
            .map(|d| dim(d).and_then(|d| usize::try_from(d).ok()).ok_or_else(|| format!("\"shape\" entries must be non-negative integers, got {d}")))
            .collect::<Result<_, _>>()?;
        let data: Vec<T> = data
            .iter()
            .enumerate()
            .map(|(i, x)| elem(x).ok_or_else(|| format!("\"data\"[{i}] is not {what}: {x}")))
            .collect::<Result<_, _>>()?;
        return Ok((shape, data));
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
    collect(v, &shape, what, elem, &mut data, &mut Vec::new())?;
    Ok((shape, data))
}

/// Appends the elements of `v` (the element at `path`) to `data`, checking it has `shape[path.len()..]`.
fn collect<T>(v: &Value, shape: &[usize], what: &str, elem: &dyn Fn(&Value) -> Option<T>, data: &mut Vec<T>, path: &mut Vec<usize>) -> Result<(), String> {
    let depth = path.len();
    if depth == shape.len() {
        return match (v, elem(v)) {
            (_, Some(x)) => {
                data.push(x);
                Ok(())
            }
            (Value::Array(_), _) => Err(format!("ragged nested list: element {} is a list where {what} was expected", fmt_index(path))),
            (other, None) => Err(format!("element {} is not {what}: {other}", fmt_index(path))),
        };
    }
    match v {
        Value::Array(a) if a.len() == shape[depth] => {
            for (i, x) in a.iter().enumerate() {
                path.push(i);
                collect(x, shape, what, elem, data, path)?;
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

/// `[i][j]...` of a nested list element.
fn fmt_index(path: &[usize]) -> String {
    let parts: Vec<String> = path.iter().map(|i| i.to_string()).collect();
    format!("[{}]", parts.join("]["))
}

/// `s` cut to 80 characters, for messages.
pub(crate) fn abbreviate(s: &str) -> String {
    if s.chars().count() <= 80 {
        s.to_string()
    } else {
        format!("{}...", s.chars().take(77).collect::<String>())
    }
}

/// A [`Value`] with every object checked for repeated keys; `top` is the outermost value,
/// where an object is the `{"shape", "data"}` form of an array.
#[derive(Clone, Copy)]
struct UniqueKeys {
    top: bool,
}

impl<'de> DeserializeSeed<'de> for UniqueKeys {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for UniqueKeys {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E>(self, i: i64) -> Result<Value, E> {
        Ok(Value::from(i))
    }

    fn visit_u64<E>(self, u: u64) -> Result<Value, E> {
        Ok(Value::from(u))
    }

    fn visit_f64<E>(self, x: f64) -> Result<Value, E> {
        // serde_json parses only finite numbers (1e400 is a syntax error).
        Ok(Number::from_f64(x).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_string()))
    }

    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(v) = seq.next_element_seed(UniqueKeys { top: false })? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut m = Map::new();
        while let Some(k) = map.next_key::<String>()? {
            if m.contains_key(&k) {
                let within = if self.top { "{\"shape\", \"data\"}" } else { "a JSON object" };
                return Err(A::Error::custom(format!("duplicate key \"{}\" in {within}", abbreviate(&k))));
            }
            let v = map.next_value_seed(UniqueKeys { top: false })?;
            m.insert(k, v);
        }
        Ok(Value::Object(m))
    }
}
