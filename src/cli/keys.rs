//! The value of `--key`: the words inline (`K0,K1`, `[K0, K1]`), or `@FILE` holding one key as
//! `mvn-gpu key` and `mvn-gpu split --num 1` write it (JSON, `.npy` `<u4`, CSV).

use super::file::{self, without_bom, Contents};
use super::values::join_usize;
use super::{fail, json, npy, CliError, CliResult};
use crate::Key;
use serde_json::Value;

/// A key `K0,K1` (or `[K0, K1]`): two unsigned 32-bit words.
pub fn parse_key(s: &str) -> CliResult<Key> {
    let bad = || CliError::new(format!("--key: expected two unsigned 32-bit words 'K0,K1' (e.g. --key 0,42) or @FILE, got '{s}'"));
    let body = s.trim();
    let body = body.strip_prefix('[').and_then(|b| b.strip_suffix(']')).unwrap_or(body);
    let words: Vec<&str> = body.split(',').map(str::trim).collect();
    if words.len() != 2 {
        return Err(bad());
    }
    let mut w = [0u32; 2];
    for (slot, word) in w.iter_mut().zip(&words) {
        if word.is_empty() || !word.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        *slot = word
            .parse::<u32>()
            .map_err(|_| CliError::new(format!("--key: word '{word}' of '{s}' does not fit in 32 bits (max 4294967295)")))?;
    }
    Ok(Key::new(w[0], w[1]))
}

/// The one key in the file `path` of `--key @FILE`: JSON (`{"shape": [2], "data": [K0, K1]}`,
/// `[K0, K1]`, shape `[1, 2]` too), `.npy` of dtype `<u4`, or CSV (`K0,K1`).
pub fn read_key_file(path: &str) -> CliResult<Key> {
    let in_file = |m: String| CliError::new(format!("--key: in '{path}': {m}"));
    let (shape, words) = match file::read("--key", path)? {
        Contents::Npy(bytes) => npy::parse_npy_words(&bytes).map_err(|m| CliError::new(format!("--key: '{path}' is not a usable .npy file: {m}")))?,
        Contents::Text(text) if file::has_extension(path, "csv") => csv_words(&text).map_err(in_file)?,
        Contents::Text(text) => {
            let v = json::parse_file("--key", path, &text)?;
            json::elements(&v, "an unsigned 32-bit word", "unsigned 32-bit words", &json_word).map_err(in_file)?
        }
    };
    one_key(path, &shape, &words)
}

/// An integer in `[0, 2^32)`.
fn json_word(v: &Value) -> Option<u32> {
    v.as_u64().and_then(|u| u32::try_from(u).ok())
}

/// The words of a CSV file, one row per line (a shape `[cols]` for one row, `[rows, cols]` else).
fn csv_words(text: &str) -> Result<(Vec<usize>, Vec<u32>), String> {
    let rows: Vec<&str> = without_bom(text).lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let mut words = Vec::new();
    let mut cols = None;
    for (r, row) in rows.iter().enumerate() {
        let cells: Vec<&str> = row.split(',').map(str::trim).collect();
        if *cols.get_or_insert(cells.len()) != cells.len() {
            return Err(format!("row {} has {} values but row 1 has {}", r + 1, cells.len(), cols.unwrap_or(0)));
        }
        for c in cells {
            let w = Some(c).filter(|c| !c.is_empty() && c.bytes().all(|b| b.is_ascii_digit())).and_then(|c| c.parse::<u32>().ok());
            words.push(w.ok_or_else(|| format!("row {}: '{}' is not an unsigned 32-bit word", r + 1, json::abbreviate(c)))?);
        }
    }
    let cols = cols.unwrap_or(0);
    Ok((if rows.len() == 1 { vec![cols] } else { vec![rows.len(), cols] }, words))
}

/// The key of words of `shape`: exactly one (shape `[2]` or `[1, 2]`).
fn one_key(path: &str, shape: &[usize], words: &[u32]) -> CliResult<Key> {
    let shape_txt = format!("[{}]", join_usize(shape, ", "));
    if shape.last() != Some(&2) {
        return fail(format!(
            "--key: '{path}' holds an array of shape {shape_txt}, not a key: a key is 2 words, shape [2] (as `mvn-gpu key` writes) or [1, 2] (`mvn-gpu split --num 1`)"
        ));
    }
    match words {
        [k0, k1] => Ok(Key::new(*k0, *k1)),
        _ => fail(format!(
            "--key: '{path}' holds {} keys (shape {shape_txt}); --key takes one: write it with `mvn-gpu key SEED` or `mvn-gpu split --num 1`, or give its words (--key K0,K1)",
            words.len() / 2
        )),
    }
}
