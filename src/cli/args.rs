//! Argument parsing: the flags of a command (split into `--flag VALUE`, `--flag=VALUE`,
//! switches and positionals by `lexopt`) and the values of seeds, shapes, widths, numbers,
//! dtypes and backends; `--key` or `--seed` (the value of `--key` is read in [`super::keys`]).

use super::input::Inputs;
use super::json::{self, abbreviate, JsonError};
use super::keys::parse_key;
use super::{fail, flag_err, CliError, CliResult};
use crate::{key, Dtype, Key};
use lexopt::Arg;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::ffi::OsString;

/// The parsed arguments of one command.
#[derive(Debug, Clone)]
pub struct Flags {
    /// The command's name, for messages.
    pub cmd: &'static str,
    values: HashMap<&'static str, String>,
    switches: HashSet<&'static str>,
    /// The arguments that are not flags, in order.
    pub positionals: Vec<String>,
}

/// `lexopt` hands out `OsString`s; these come from `&[String]`, so they are UTF-8.
fn text(s: OsString) -> String {
    s.into_string().unwrap_or_else(|s| s.to_string_lossy().into_owned())
}

/// Whether `lexopt` would read `tok` as short flags (`-x`, `-1`) or as the end of the flags
/// (`--`). This tool has neither: `-x` and `--` are unknown flags, and a dash followed by a
/// digit or a point (`-1`, `-.5`) is a value, so these tokens are taken before `lexopt` sees them.
fn is_short_or_end(tok: &std::ffi::OsStr) -> bool {
    let b = tok.as_encoded_bytes();
    b == b"--" || (b.len() > 1 && b[0] == b'-' && b[1] != b'-')
}

impl Flags {
    /// Parses `--flag VALUE`, `--flag=VALUE` and switches; at most `max_pos` positionals. A
    /// value flag takes the next argument as its value unless that starts with `--` (so
    /// `--low -1` works and `--shape --seed 1` is a missing value).
    pub fn parse(cmd: &'static str, args: &[String], value_flags: &[&'static str], switch_flags: &[&'static str], max_pos: usize) -> CliResult<Flags> {
        let mut f = Flags { cmd, values: HashMap::new(), switches: HashSet::new(), positionals: Vec::new() };
        let mut parser = lexopt::Parser::from_args(args);
        loop {
            if let Some(tok) = parser.try_raw_args().and_then(|mut raw| raw.next_if(is_short_or_end)) {
                let tok = text(tok);
                if tok == "--" || !tok[1..].starts_with(|c: char| c.is_ascii_digit() || c == '.') {
                    return fail(format!("{cmd}: unknown flag '{tok}' (see `mvn-gpu {cmd} --help`)"));
                }
                f.positional(tok, max_pos)?;
                continue;
            }
            let arg = parser.next().map_err(|e| CliError::new(format!("{cmd}: {e}")))?;
            let name = match arg {
                None => break,
                Some(Arg::Value(v)) => {
                    f.positional(text(v), max_pos)?;
                    continue;
                }
                Some(Arg::Long(name)) => name.to_string(),
                Some(Arg::Short(c)) => unreachable!("short flag -{c} is taken before lexopt"),
            };
            let flag = format!("--{name}");
            let inline = parser.optional_value().map(text);
            if let Some(&known) = value_flags.iter().find(|&&k| k == flag) {
                let value = match inline {
                    Some(v) => v,
                    None => match parser.try_raw_args().and_then(|mut raw| raw.next_if(|v| !v.as_encoded_bytes().starts_with(b"--"))) {
                        Some(v) => text(v),
                        None => return fail(format!("{cmd}: missing value for {flag}")),
                    },
                };
                if f.values.insert(known, value).is_some() {
                    return fail(format!("{cmd}: {flag} given more than once"));
                }
            } else if let Some(&known) = switch_flags.iter().find(|&&k| k == flag) {
                if inline.is_some() {
                    return fail(format!("{cmd}: {flag} takes no value"));
                }
                f.switches.insert(known);
            } else {
                return fail(format!("{cmd}: unknown flag '{flag}' (see `mvn-gpu {cmd} --help`)"));
            }
        }
        Ok(f)
    }

    fn positional(&mut self, tok: String, max_pos: usize) -> CliResult<()> {
        if self.positionals.len() >= max_pos {
            let cmd = self.cmd;
            return fail(format!("{cmd}: unexpected argument '{tok}' (see `mvn-gpu {cmd} --help`)"));
        }
        self.positionals.push(tok);
        Ok(())
    }

    /// The value of `flag`, if given.
    pub fn get(&self, flag: &str) -> Option<&str> {
        self.values.get(flag).map(String::as_str)
    }

    /// The value of `flag`, or the error that it is missing.
    pub fn require(&self, flag: &str) -> CliResult<&str> {
        self.get(flag).ok_or_else(|| CliError::new(format!("{}: missing required flag {flag}", self.cmd)))
    }

    /// Whether the switch `flag` was given.
    pub fn has(&self, flag: &str) -> bool {
        self.switches.contains(flag)
    }
}

/// The flags of every random command (`normal`, `uniform`, `sample`).
pub const RANDOM_FLAGS: [&str; 6] = ["--shape", "--key", "--seed", "--backend", "--dtype", "--out"];

/// [`RANDOM_FLAGS`] and a command's own value flags.
pub fn with_random_flags(extra: &[&'static str]) -> Vec<&'static str> {
    RANDOM_FLAGS.iter().chain(extra).copied().collect()
}

/// A seed in `[0, 2^64)`, in decimal; `flag` names the argument in messages.
pub fn parse_seed(flag: &str, s: &str) -> CliResult<u64> {
    let t = s.trim();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return fail(format!("{flag}: expected a non-negative decimal integer below 2^64, got '{s}'"));
    }
    t.parse::<u64>()
        .map_err(|_| CliError::new(format!("{flag}: seed '{s}' is out of range; seeds are integers in [0, 2^64) = [0, 18446744073709551615]")))
}

/// `--key` (inline, or `@FILE` read through `inputs`) or `--seed` (not both); `None` when
/// neither is given.
pub fn key_of(f: &Flags, inputs: &dyn Inputs) -> CliResult<Option<Key>> {
    match (f.get("--key"), f.get("--seed")) {
        (Some(_), Some(_)) => fail(format!("{}: give either --key or --seed, not both", f.cmd)),
        (Some(k), None) => match k.strip_prefix('@') {
            Some(path) => inputs.key_file(path).map(Some),
            None => parse_key(k).map(Some),
        },
        (None, Some(s)) => Ok(Some(key(parse_seed("--seed", s)?))),
        (None, None) => Ok(None),
    }
}

/// A `--shape`: a JSON list of integers, or one integer `N` for `[N]`. Negative dimensions
/// are passed on (the library refuses them, naming its operation).
pub fn parse_shape(s: &str) -> CliResult<Vec<i64>> {
    let v: Value = json::parse(s).map_err(|e| match e {
        JsonError::Malformed(e) => CliError::new(format!("--shape: malformed JSON '{}': {e}", abbreviate(s))),
        JsonError::DuplicateKey(m) => CliError::new(format!("--shape: {m}")),
    })?;
    let items = match &v {
        Value::Array(a) => a.clone(),
        Value::Number(_) => vec![v.clone()],
        _ => return fail(format!("--shape: expected a JSON list of integers such as '[1000]' or '[7, 3]', got '{}'", abbreviate(s))),
    };
    let too_large = |n: &serde_json::Number| fail(format!("--shape: dimension {n} is beyond the limit of {} elements per request", crate::MAX_ELEMENTS));
    items
        .iter()
        .map(|d| match d {
            Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
                (Some(i), _, _) => Ok(i),
                (None, Some(_), _) => too_large(n),
                // Integral floats (2.0, 1e3) are integers as in JavaScript; 1e20 is too large.
                (None, None, Some(x)) if x.fract() == 0.0 && x.abs() < 9.2e18 => Ok(x as i64),
                (None, None, Some(x)) if x.fract() == 0.0 && x > 0.0 => too_large(n),
                (None, None, Some(x)) if x.fract() == 0.0 => fail(format!("--shape: negative dimension {n}")),
                _ => fail(format!("--shape: dimensions must be integers, got {n}")),
            },
            other => fail(format!("--shape: dimensions must be integers, got {other}")),
        })
        .collect()
}

/// `bits --width`: bytes per element, 1, 2 or 4 (4 when not given); the output's dtype is
/// uint8, uint16 or uint32.
pub fn parse_width(f: &Flags) -> CliResult<u32> {
    match f.get("--width").map(str::trim) {
        None | Some("4") => Ok(4),
        Some("1") => Ok(1),
        Some("2") => Ok(2),
        Some(w) => fail(format!("--width: expected 1, 2 or 4 (bytes per element: uint8, uint16, uint32), got '{w}'")),
    }
}

/// `--dtype` (float32 when not given).
pub fn parse_dtype(f: &Flags) -> CliResult<Dtype> {
    match f.get("--dtype") {
        None => Ok(Dtype::Float32),
        Some(s) => s.parse::<Dtype>().map_err(|e| flag_err("--dtype", e)),
    }
}

/// A float32 number (`inf`, `nan` included); `flag` names the argument in messages.
pub fn parse_f32(flag: &str, s: &str) -> CliResult<f32> {
    s.trim().parse::<f32>().map_err(|_| CliError::new(format!("{flag}: expected a number, got '{s}'")))
}

/// The `--backend` of a random command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendChoice {
    /// The GPU; an error when there is none.
    Gpu,
    /// The CPU reference.
    Cpu,
    /// The GPU when there is one, otherwise the CPU.
    Auto,
}

/// `--backend` (gpu when not given).
pub fn parse_backend(f: &Flags) -> CliResult<BackendChoice> {
    match f.get("--backend").unwrap_or("gpu") {
        "gpu" => Ok(BackendChoice::Gpu),
        "cpu" => Ok(BackendChoice::Cpu),
        "auto" => Ok(BackendChoice::Auto),
        other => fail(format!("--backend: expected 'gpu', 'cpu' or 'auto', got '{other}'")),
    }
}
