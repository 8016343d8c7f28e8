//! `mvn-gpu`: the command-line front end of the `mvn_gpu` crate.
//!
//! MLX-compatible keys, `split`, `normal`, `uniform` and `multivariate_normal`, run on the GPU
//! (wgpu) or the CPU, reading inputs as inline JSON, JSON files or `.npy` files and writing
//! JSON, `.npy` or `.csv`. Run `mvn-gpu --help` for the full usage.

use mvn_gpu::{key, split, split_n, Array, Dtype, Key, Method, MultivariateNormal, OnInvalid, Options, Sampler, SamplerOptions};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::process::ExitCode;

const VERSION: &str = env!("CARGO_PKG_VERSION");

// ---------------------------------------------------------------------------------------------
// Help texts
// ---------------------------------------------------------------------------------------------

const HELP: &str = "\
mvn-gpu — MLX-compatible random numbers and multivariate normal sampling on the GPU (WGSL
through wgpu) or the CPU. Same key, same numbers as MLX's mx.random.

USAGE:
    mvn-gpu <COMMAND> [FLAGS]
    mvn-gpu <COMMAND> --help       help for one command (also: mvn-gpu help <COMMAND>)
    mvn-gpu --version              print the version

COMMANDS:
    sample     multivariate normal samples (MLX's random.multivariate_normal)
    normal     normal samples (MLX's random.normal)
    uniform    uniform samples in [low, high) (MLX's random.uniform)
    key        the PRNG key of a seed (MLX's random.key)
    split      split a key into two or N new keys (MLX's random.split)
    help       print this help, or the help of a command

ARRAYS (--mean, --cov, --scale-tril, --low, --high):
    Inline JSON: a number or nested lists of numbers of any depth ('[[1, 0.5], [0.5, 2]]');
    the shape is inferred and ragged lists are an error. \"nan\", \"inf\" and \"-inf\" may be
    given as strings, and {\"shape\": [...], \"data\": [...]} (this tool's output) is accepted.
    @FILE reads a .json file holding the same, or a .npy file (NumPy format 1.0/2.0, C order,
    dtype <f4, <f8, <i4 or <i8; converted to float32).

SHAPES (--shape):
    A JSON list of integers: '[]' (the default), '[1000]', '[7, 3]'. A bare integer N means [N].

KEYS (every random command):
    --key K0,K1    an explicit key: two unsigned 32-bit words (as printed by `mvn-gpu key`)
    --seed S       the key of seed S (MLX's key(S)); S is an integer in [0, 2^64)
    (neither)      the next key of MLX's default sequence, seeded from the clock

BACKENDS (--backend, random commands):
    gpu (default)  WGSL compute shaders through wgpu; fails (exit 2) when no GPU adapter exists
    cpu            the CPU reference implementation (bit-exact with MLX)
    auto           the GPU when one is available, otherwise the CPU (with a note on stderr)

OUTPUT:
    JSON {\"shape\": [...], \"data\": [...]} on stdout (row-major data; floats print the shortest
    text that reads back as the same float32; NaN and infinities as \"nan\", \"inf\", \"-inf\").
    --out FILE writes FILE instead and prints nothing on stdout:
        FILE.npy   NumPy format 1.0, C order, <f4 (<u4 for key and split)
        FILE.json  the same JSON as stdout
        FILE.csv   one row per sample (the last axis gives the columns; 0-d/1-d: one row)

EXIT STATUS:
    0 on success (and for --help, --version); 2 on any error, with `error: <message>` on
    stderr. Library errors end with their code, e.g. (NOT_POSITIVE_SEMIDEFINITE).

EXAMPLES:
    mvn-gpu key 42
    mvn-gpu split --seed 0
    mvn-gpu split --key 0,42 --num 4
    mvn-gpu normal --shape '[2, 3]' --seed 1 --backend cpu
    mvn-gpu uniform --shape '[5]' --low -1 --high 1 --seed 3
    mvn-gpu sample --mean '[0, 0]' --cov '[[1, 0.9], [0.9, 1]]' --shape '[1000]' --seed 7
    mvn-gpu sample --mean @mean.npy --cov @cov.json --shape '[100000]' --out x.npy
";

const SAMPLE_HELP: &str = "\
mvn-gpu sample — multivariate normal samples (MLX's random.multivariate_normal).
Output shape: broadcast(shape, mean.shape[:-1], cov.shape[:-2]) + (n,), float32.

USAGE:
    mvn-gpu sample --mean ARRAY (--cov ARRAY | --scale-tril ARRAY) [FLAGS]

FLAGS:
    --mean JSON|@FILE        mean, shape (..., n)                                   [required]
    --cov JSON|@FILE         covariance, shape (..., n, n)
    --scale-tril JSON|@FILE  lower-triangular L with cov = L Lᵀ, shape (..., n, n), instead of
                             --cov (nothing is factored; --method/--on-invalid do not apply)
    --shape JSON             sample shape, broadcast with the batch shape            [default: []]
    --seed S | --key K0,K1   the key (see `mvn-gpu --help`)          [default: MLX's sequence]
    --method M               cholesky | eigh | svd (svd reproduces MLX's samples) [default: cholesky]
    --on-invalid P           raise | warn | clip: what an indefinite covariance does [default: raise]
    --tolerance T            relative tolerance of the symmetry/PSD checks  [default: 8 n 2^-23]
    --dtype D                output dtype; only float32 is supported          [default: float32]
    --backend B              gpu | cpu | auto                                     [default: gpu]
    --out FILE               write FILE.npy, FILE.json or FILE.csv instead of stdout
    --report                 print the factorization reports as JSON on stderr (batch_index,
                             method, method_used, rank, min/max eigenvalue, clipped)
    -h, --help               print this help

ARRAYS are inline JSON (nested lists of numbers) or @FILE (.json or .npy <f4/<f8/<i4/<i8).
Warnings (--on-invalid warn) are printed on stderr.

EXAMPLES:
    mvn-gpu sample --mean '[0, 0]' --cov '[[1, 0.9], [0.9, 1]]' --shape '[1000]' --seed 7
    mvn-gpu sample --mean '[1, 2]' --cov '[[1, 0], [0, 1]]' --key 0,42 --method svd --backend cpu
    mvn-gpu sample --mean '[0, 0]' --scale-tril '[[1, 0], [0.5, 2]]' --shape '[10]' --out x.csv
    mvn-gpu sample --mean @mean.npy --cov @cov.npy --shape '[1000000]' --out x.npy --report
";

const NORMAL_HELP: &str = "\
mvn-gpu normal — normal samples with mean loc and standard deviation scale (MLX's random.normal).

USAGE:
    mvn-gpu normal [--shape JSON] [--loc X] [--scale Y] [FLAGS]

FLAGS:
    --shape JSON             output shape                                           [default: []]
    --loc X                  mean                                                    [default: 0]
    --scale Y                standard deviation                                      [default: 1]
    --seed S | --key K0,K1   the key (see `mvn-gpu --help`)          [default: MLX's sequence]
    --dtype D                only float32 is supported                        [default: float32]
    --backend B              gpu | cpu | auto                                     [default: gpu]
    --out FILE               write FILE.npy, FILE.json or FILE.csv instead of stdout
    -h, --help               print this help

EXAMPLES:
    mvn-gpu normal --shape '[2, 3]' --seed 1
    mvn-gpu normal --shape '[1000000]' --loc 5 --scale 0.1 --key 0,7 --out z.npy
";

const UNIFORM_HELP: &str = "\
mvn-gpu uniform — uniform samples in [low, high) (MLX's random.uniform).

USAGE:
    mvn-gpu uniform [--shape JSON] [--low ARRAY] [--high ARRAY] [FLAGS]

FLAGS:
    --shape JSON             output shape                                           [default: []]
    --low JSON|@FILE         lower bound: a number or an array broadcast to shape    [default: 0]
    --high JSON|@FILE        upper bound: a number or an array broadcast to shape    [default: 1]
    --seed S | --key K0,K1   the key (see `mvn-gpu --help`)          [default: MLX's sequence]
    --dtype D                only float32 is supported                        [default: float32]
    --backend B              gpu | cpu | auto                                     [default: gpu]
    --out FILE               write FILE.npy, FILE.json or FILE.csv instead of stdout
    -h, --help               print this help

EXAMPLES:
    mvn-gpu uniform --shape '[5]' --low -1 --high 1 --seed 3
    mvn-gpu uniform --shape '[4, 2]' --low '[0, 10]' --high '[1, 20]' --backend cpu
";

const KEY_HELP: &str = "\
mvn-gpu key — the PRNG key of a seed (MLX's random.key): [seed >> 32, seed & 0xFFFFFFFF].

USAGE:
    mvn-gpu key SEED [--out FILE]

ARGUMENTS:
    SEED                     a decimal integer in [0, 2^64)
    --out FILE               write FILE.npy (<u4), FILE.json or FILE.csv instead of stdout
    -h, --help               print this help

EXAMPLES:
    mvn-gpu key 42           prints {\"shape\": [2], \"data\": [0, 42]}
    mvn-gpu key 4294967296   prints {\"shape\": [2], \"data\": [1, 0]}
";

const SPLIT_HELP: &str = "\
mvn-gpu split — split a key (MLX's random.split).

USAGE:
    mvn-gpu split (--key K0,K1 | --seed S) [--num N] [--out FILE]

FLAGS:
    --key K0,K1              the key to split: two unsigned 32-bit words
    --seed S                 split key(S) instead
    --num N                  number of keys; without it, MLX's split(key) pair (shape [2, 2]);
                             with it, split(key, N) (shape [N, 2])
    --out FILE               write FILE.npy (<u4), FILE.json or FILE.csv instead of stdout
    -h, --help               print this help

EXAMPLES:
    mvn-gpu split --seed 0   prints {\"shape\": [2, 2], \"data\": [4146024105, 967050713, 2718843009, 1272950319]}
    mvn-gpu split --key 0,42 --num 4
";

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// A user-facing error: printed as `error: <message>`, exit status 2.
struct CliError(String);

impl From<mvn_gpu::Error> for CliError {
    fn from(e: mvn_gpu::Error) -> Self {
        CliError(format!("{} ({})", e, e.code()))
    }
}

type CliResult<T> = Result<T, CliError>;

fn fail<T>(msg: impl Into<String>) -> CliResult<T> {
    Err(CliError(msg.into()))
}

/// A library error raised while interpreting the value of `flag`.
fn flag_err(flag: &str, e: mvn_gpu::Error) -> CliError {
    CliError(format!("{flag}: {} ({})", e, e.code()))
}

fn main() -> ExitCode {
    let mut args = Vec::new();
    for a in std::env::args_os().skip(1) {
        match a.into_string() {
            Ok(s) => args.push(s),
            Err(a) => {
                eprintln!("error: argument {a:?} is not valid UTF-8");
                return ExitCode::from(2);
            }
        }
    }
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &[String]) -> CliResult<()> {
    let Some(cmd) = args.first() else {
        return fail("no command given; expected one of sample, normal, uniform, key, split (see `mvn-gpu --help`)");
    };
    let rest = &args[1..];
    match cmd.as_str() {
        "-h" | "--help" => print_help(HELP),
        "-V" | "--version" => print_text(&format!("mvn-gpu {VERSION}\n")),
        "help" => match rest.first().map(String::as_str) {
            None => print_help(HELP),
            Some(c) => match help_of(c) {
                Some(h) => print_help(h),
                None => fail(format!("help: unknown command '{c}'; expected one of sample, normal, uniform, key, split")),
            },
        },
        c => {
            let Some(help) = help_of(c) else {
                if c.starts_with('-') {
                    return fail(format!("unknown flag '{c}' before the command; expected a command (sample, normal, uniform, key, split), --help or --version"));
                }
                return fail(format!("unknown command '{c}'; expected one of sample, normal, uniform, key, split (see `mvn-gpu --help`)"));
            };
            if rest.iter().any(|a| a == "-h" || a == "--help") {
                return print_help(help);
            }
            match c {
                "sample" => cmd_sample(rest),
                "normal" => cmd_normal(rest),
                "uniform" => cmd_uniform(rest),
                "key" => cmd_key(rest),
                "split" => cmd_split(rest),
                _ => unreachable!("help_of knows only these commands"),
            }
        }
    }
}

fn help_of(cmd: &str) -> Option<&'static str> {
    Some(match cmd {
        "sample" => SAMPLE_HELP,
        "normal" => NORMAL_HELP,
        "uniform" => UNIFORM_HELP,
        "key" => KEY_HELP,
        "split" => SPLIT_HELP,
        _ => return None,
    })
}

fn print_help(text: &str) -> CliResult<()> {
    print_text(text)
}

fn print_text(text: &str) -> CliResult<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => fail(format!("cannot write to stdout: {e}")),
    }
}

// ---------------------------------------------------------------------------------------------
// Flag parsing
// ---------------------------------------------------------------------------------------------

struct Flags {
    cmd: &'static str,
    values: HashMap<&'static str, String>,
    switches: HashSet<&'static str>,
    positionals: Vec<String>,
}

impl Flags {
    /// Parses `--flag VALUE`, `--flag=VALUE` and switches; at most `max_pos` positionals.
    fn parse(cmd: &'static str, args: &[String], value_flags: &[&'static str], switch_flags: &[&'static str], max_pos: usize) -> CliResult<Flags> {
        let mut f = Flags { cmd, values: HashMap::new(), switches: HashSet::new(), positionals: Vec::new() };
        let mut i = 0;
        while i < args.len() {
            let tok = &args[i];
            i += 1;
            if let Some(body) = tok.strip_prefix("--") {
                let (name, inline) = match body.split_once('=') {
                    Some((n, v)) => (n, Some(v.to_string())),
                    None => (body, None),
                };
                let flag = format!("--{name}");
                if let Some(&known) = value_flags.iter().find(|&&k| k == flag) {
                    let value = match inline {
                        Some(v) => v,
                        None => match args.get(i) {
                            Some(v) if !v.starts_with("--") => {
                                i += 1;
                                v.clone()
                            }
                            _ => return fail(format!("{cmd}: missing value for {flag}")),
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
            } else if tok.len() > 1 && tok.starts_with('-') && !tok[1..].starts_with(|c: char| c.is_ascii_digit() || c == '.') {
                return fail(format!("{cmd}: unknown flag '{tok}' (see `mvn-gpu {cmd} --help`)"));
            } else if f.positionals.len() < max_pos {
                f.positionals.push(tok.clone());
            } else {
                return fail(format!("{cmd}: unexpected argument '{tok}' (see `mvn-gpu {cmd} --help`)"));
            }
        }
        Ok(f)
    }

    fn get(&self, flag: &str) -> Option<&str> {
        self.values.get(flag).map(String::as_str)
    }

    fn require(&self, flag: &str) -> CliResult<&str> {
        self.get(flag).ok_or_else(|| CliError(format!("{}: missing required flag {flag}", self.cmd)))
    }

    fn has(&self, flag: &str) -> bool {
        self.switches.contains(flag)
    }
}

const RANDOM_FLAGS: [&str; 6] = ["--shape", "--key", "--seed", "--backend", "--dtype", "--out"];

fn with_random_flags(extra: &[&'static str]) -> Vec<&'static str> {
    RANDOM_FLAGS.iter().chain(extra).copied().collect()
}

fn parse_seed(flag: &str, s: &str) -> CliResult<u64> {
    let t = s.trim();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return fail(format!("{flag}: expected a non-negative decimal integer below 2^64, got '{s}'"));
    }
    t.parse::<u64>()
        .map_err(|_| CliError(format!("{flag}: seed '{s}' is out of range; seeds are integers in [0, 2^64) = [0, 18446744073709551615]")))
}

fn parse_key(s: &str) -> CliResult<Key> {
    let bad = || CliError(format!("--key: expected two unsigned 32-bit words 'K0,K1' (e.g. --key 0,42), got '{s}'"));
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
            .map_err(|_| CliError(format!("--key: word '{word}' of '{s}' does not fit in 32 bits (max 4294967295)")))?;
    }
    Ok(Key::new(w[0], w[1]))
}

/// `--key` or `--seed` (not both); `None` when neither is given.
fn key_of(f: &Flags) -> CliResult<Option<Key>> {
    match (f.get("--key"), f.get("--seed")) {
        (Some(_), Some(_)) => fail(format!("{}: give either --key or --seed, not both", f.cmd)),
        (Some(k), None) => parse_key(k).map(Some),
        (None, Some(s)) => Ok(Some(key(parse_seed("--seed", s)?))),
        (None, None) => Ok(None),
    }
}

fn parse_shape(s: &str) -> CliResult<Vec<i64>> {
    let v: Value = serde_json::from_str(s).map_err(|e| CliError(format!("--shape: malformed JSON '{s}': {e}")))?;
    let items = match &v {
        Value::Array(a) => a.clone(),
        Value::Number(_) => vec![v.clone()],
        _ => return fail(format!("--shape: expected a JSON list of integers such as '[1000]' or '[7, 3]', got '{s}'")),
    };
    items
        .iter()
        .map(|d| match d {
            Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
                (Some(i), _, _) => Ok(i),
                (None, Some(_), _) => fail(format!("--shape: dimension {n} is beyond the limit of {} elements per request", mvn_gpu::MAX_ELEMENTS)),
                // Integral floats (2.0, 1e3) are integers as in JavaScript; 1e20 is too large.
                (None, None, Some(x)) if x.fract() == 0.0 && x.abs() < 9.2e18 => Ok(x as i64),
                (None, None, Some(x)) if x.fract() == 0.0 && x > 0.0 => {
                    fail(format!("--shape: dimension {n} is beyond the limit of {} elements per request", mvn_gpu::MAX_ELEMENTS))
                }
                (None, None, Some(x)) if x.fract() == 0.0 => fail(format!("--shape: negative dimension {n}")),
                _ => fail(format!("--shape: dimensions must be integers, got {n}")),
            },
            other => fail(format!("--shape: dimensions must be integers, got {other}")),
        })
        .collect()
}

fn parse_dtype(f: &Flags) -> CliResult<Dtype> {
    match f.get("--dtype") {
        None => Ok(Dtype::Float32),
        Some(s) => s.parse::<Dtype>().map_err(|e| flag_err("--dtype", e)),
    }
}

fn parse_f32(flag: &str, s: &str) -> CliResult<f32> {
    s.trim().parse::<f32>().map_err(|_| CliError(format!("{flag}: expected a number, got '{s}'")))
}

// ---------------------------------------------------------------------------------------------
// Backends
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq)]
enum BackendChoice {
    Gpu,
    Cpu,
    Auto,
}

fn parse_backend(f: &Flags) -> CliResult<BackendChoice> {
    match f.get("--backend").unwrap_or("gpu") {
        "gpu" => Ok(BackendChoice::Gpu),
        "cpu" => Ok(BackendChoice::Cpu),
        "auto" => Ok(BackendChoice::Auto),
        other => fail(format!("--backend: expected 'gpu', 'cpu' or 'auto', got '{other}'")),
    }
}

fn make_sampler(b: BackendChoice) -> CliResult<Sampler> {
    match b {
        BackendChoice::Cpu => Ok(Sampler::cpu()),
        BackendChoice::Gpu => pollster::block_on(Sampler::gpu(&SamplerOptions::default())).map_err(|e| {
            CliError(format!("{} ({}); use --backend cpu, or --backend auto to fall back to the CPU", e, e.code()))
        }),
        BackendChoice::Auto => match pollster::block_on(Sampler::gpu(&SamplerOptions::default())) {
            Ok(s) => Ok(s),
            Err(e) => {
                eprintln!("note: no GPU available ({e}); falling back to the CPU backend");
                Ok(Sampler::cpu())
            }
        },
    }
}

// ---------------------------------------------------------------------------------------------
// Array inputs: inline JSON, @file.json, @file.npy
// ---------------------------------------------------------------------------------------------

fn read_array(flag: &str, arg: &str) -> CliResult<Array> {
    if let Some(path) = arg.strip_prefix('@') {
        if path.is_empty() {
            return fail(format!("{flag}: '@' must be followed by a file name"));
        }
        let bytes = std::fs::read(path).map_err(|e| CliError(format!("{flag}: cannot read '{path}': {e}")))?;
        let is_npy = bytes.starts_with(b"\x93NUMPY") || path.to_ascii_lowercase().ends_with(".npy");
        if is_npy {
            return parse_npy(&bytes).map_err(|m| CliError(format!("{flag}: '{path}' is not a usable .npy file: {m}")));
        }
        let text = std::str::from_utf8(&bytes).map_err(|_| CliError(format!("{flag}: '{path}' is neither a .npy file nor UTF-8 JSON")))?;
        let v: Value = serde_json::from_str(text).map_err(|e| CliError(format!("{flag}: malformed JSON in '{path}': {e}")))?;
        return json_to_array(&v).map_err(|m| CliError(format!("{flag}: in '{path}': {m}")));
    }
    let v: Value = match serde_json::from_str(arg) {
        Ok(v) => v,
        // Bare non-JSON numbers such as `inf`, `-inf`, `nan`.
        Err(e) => match arg.trim().parse::<f32>() {
            Ok(x) => return Ok(Array::scalar(x)),
            Err(_) => return fail(format!("{flag}: malformed JSON '{}': {e}", abbreviate(arg))),
        },
    };
    json_to_array(&v).map_err(|m| CliError(format!("{flag}: {m}")))
}

fn abbreviate(s: &str) -> String {
    if s.chars().count() <= 80 {
        s.to_string()
    } else {
        format!("{}...", s.chars().take(77).collect::<String>())
    }
}

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

fn fmt_index(path: &[usize]) -> String {
    let parts: Vec<String> = path.iter().map(|i| i.to_string()).collect();
    format!("[{}]", parts.join("]["))
}

/// Nested lists of numbers (shape inferred, ragged lists refused), or `{"shape", "data"}`.
fn json_to_array(v: &Value) -> Result<Array, String> {
    if let Value::Object(m) = v {
        let (Some(Value::Array(shape)), Some(Value::Array(data))) = (m.get("shape"), m.get("data")) else {
            return Err("expected nested lists of numbers, or an object {\"shape\": [...], \"data\": [...]}".into());
        };
        let shape: Vec<usize> = shape
            .iter()
            .map(|d| d.as_u64().and_then(|d| usize::try_from(d).ok()).ok_or_else(|| format!("\"shape\" entries must be non-negative integers, got {d}")))
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

// --- .npy reading ---

enum PyVal {
    Str(String),
    Bool(bool),
    Tuple(Vec<u64>),
}

/// Parses the Python dict literal of an .npy header.
fn parse_header_dict(h: &str) -> Result<HashMap<String, PyVal>, String> {
    let b = h.as_bytes();
    let mut i = 0;
    let ws = |i: &mut usize| {
        while *i < b.len() && (b[*i] as char).is_ascii_whitespace() {
            *i += 1;
        }
    };
    let string = |i: &mut usize| -> Result<String, String> {
        let q = b[*i];
        let start = *i + 1;
        let end = b[start..].iter().position(|&c| c == q).ok_or("unterminated string in header")? + start;
        *i = end + 1;
        Ok(h[start..end].to_string())
    };
    ws(&mut i);
    if b.get(i) != Some(&b'{') {
        return Err("header is not a dict".into());
    }
    i += 1;
    let mut out = HashMap::new();
    loop {
        ws(&mut i);
        match b.get(i) {
            Some(b'}') => break,
            Some(b'\'') | Some(b'"') => {}
            _ => return Err("malformed header dict".into()),
        }
        let k = string(&mut i)?;
        ws(&mut i);
        if b.get(i) != Some(&b':') {
            return Err("malformed header dict".into());
        }
        i += 1;
        ws(&mut i);
        let val = match b.get(i) {
            Some(b'\'') | Some(b'"') => PyVal::Str(string(&mut i)?),
            Some(b'T') if h[i..].starts_with("True") => {
                i += 4;
                PyVal::Bool(true)
            }
            Some(b'F') if h[i..].starts_with("False") => {
                i += 5;
                PyVal::Bool(false)
            }
            Some(b'(') => {
                i += 1;
                let mut dims = Vec::new();
                loop {
                    ws(&mut i);
                    match b.get(i) {
                        Some(b')') => {
                            i += 1;
                            break;
                        }
                        Some(c) if c.is_ascii_digit() => {
                            let start = i;
                            while i < b.len() && b[i].is_ascii_digit() {
                                i += 1;
                            }
                            dims.push(h[start..i].parse::<u64>().map_err(|_| "shape entry out of range")?);
                            if b.get(i) == Some(&b'L') {
                                i += 1;
                            }
                            ws(&mut i);
                            match b.get(i) {
                                Some(b',') => i += 1,
                                Some(b')') => {}
                                _ => return Err("malformed shape tuple".into()),
                            }
                        }
                        _ => return Err("malformed shape tuple".into()),
                    }
                }
                PyVal::Tuple(dims)
            }
            _ => return Err(format!("unsupported value for header key '{k}'")),
        };
        out.insert(k, val);
        ws(&mut i);
        match b.get(i) {
            Some(b',') => i += 1,
            Some(b'}') => {}
            _ => return Err("malformed header dict".into()),
        }
    }
    Ok(out)
}

fn parse_npy(bytes: &[u8]) -> Result<Array, String> {
    if !bytes.starts_with(b"\x93NUMPY") {
        return Err("missing the \\x93NUMPY magic".into());
    }
    if bytes.len() < 10 {
        return Err("truncated header".into());
    }
    let (major, minor) = (bytes[6], bytes[7]);
    let (hlen, hstart): (usize, usize) = match major {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 => {
            if bytes.len() < 12 {
                return Err("truncated header".into());
            }
            (u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize, 12)
        }
        _ => return Err(format!("unsupported format version {major}.{minor} (1.0 and 2.0 are supported)")),
    };
    let hend = hstart.checked_add(hlen).filter(|&e| e <= bytes.len()).ok_or("truncated header")?;
    let header = std::str::from_utf8(&bytes[hstart..hend]).map_err(|_| "header is not text")?;
    let dict = parse_header_dict(header)?;
    let descr = match dict.get("descr") {
        Some(PyVal::Str(s)) => s.as_str(),
        _ => return Err("header has no 'descr' string".into()),
    };
    match dict.get("fortran_order") {
        Some(PyVal::Bool(false)) => {}
        Some(PyVal::Bool(true)) => return Err("fortran_order is True; only C-order arrays are supported (save np.ascontiguousarray(x))".into()),
        _ => return Err("header has no 'fortran_order' boolean".into()),
    }
    let shape: Vec<usize> = match dict.get("shape") {
        Some(PyVal::Tuple(d)) => d.iter().map(|&d| usize::try_from(d).map_err(|_| "shape entry out of range".to_string())).collect::<Result<_, _>>()?,
        _ => return Err("header has no 'shape' tuple".into()),
    };
    let count = shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d)).ok_or("shape is too large")?;
    let item = match descr {
        "<f4" | "<i4" => 4,
        "<f8" | "<i8" => 8,
        d if d.starts_with('>') => return Err(format!("dtype '{d}' is big-endian; only little-endian <f4, <f8, <i4, <i8 are supported")),
        d => return Err(format!("unsupported dtype '{d}'; supported: <f4, <f8, <i4, <i8")),
    };
    let payload = &bytes[hend..];
    let want = count.checked_mul(item).ok_or("shape is too large")?;
    if payload.len() != want {
        return Err(format!("data holds {} bytes but shape {:?} of {descr} needs {want}", payload.len(), shape));
    }
    let data: Vec<f32> = match descr {
        "<f4" => payload.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect(),
        "<i4" => payload.chunks_exact(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f32).collect(),
        "<f8" => payload.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")) as f32).collect(),
        _ => payload.chunks_exact(8).map(|c| i64::from_le_bytes(c.try_into().expect("8 bytes")) as f32).collect(),
    };
    Array::new(shape, data).map_err(|e| e.to_string())
}

// ---------------------------------------------------------------------------------------------
// Outputs
// ---------------------------------------------------------------------------------------------

enum Data {
    F32(Vec<f32>),
    U32(Vec<u32>),
}

enum Out {
    Stdout,
    Npy(String),
    Json(String),
    Csv(String),
}

fn parse_out(f: &Flags) -> CliResult<Out> {
    let Some(path) = f.get("--out") else { return Ok(Out::Stdout) };
    let ext = std::path::Path::new(path).extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("npy") => Ok(Out::Npy(path.to_string())),
        Some("json") => Ok(Out::Json(path.to_string())),
        Some("csv") => Ok(Out::Csv(path.to_string())),
        _ => fail(format!("--out: '{path}' must end in .npy, .json or .csv")),
    }
}

fn fmt_f32(x: f32) -> String {
    if x.is_nan() {
        "nan".into()
    } else {
        x.to_string() // shortest text that round-trips; "inf" / "-inf" for infinities
    }
}

fn fmt_f64(x: f64) -> String {
    if x.is_nan() {
        "nan".into()
    } else {
        x.to_string()
    }
}

fn json_f32(x: f32) -> String {
    if x.is_finite() {
        x.to_string()
    } else {
        format!("\"{}\"", fmt_f32(x))
    }
}

fn json_f64(x: f64) -> String {
    if x.is_finite() {
        x.to_string()
    } else {
        format!("\"{}\"", fmt_f64(x))
    }
}

fn join_usize(v: &[usize], sep: &str) -> String {
    v.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(sep)
}

fn write_json(w: &mut dyn Write, shape: &[usize], data: &Data) -> std::io::Result<()> {
    write!(w, "{{\"shape\": [{}], \"data\": [", join_usize(shape, ", "))?;
    match data {
        Data::F32(v) => {
            for (i, &x) in v.iter().enumerate() {
                if i > 0 {
                    w.write_all(b", ")?;
                }
                w.write_all(json_f32(x).as_bytes())?;
            }
        }
        Data::U32(v) => {
            for (i, x) in v.iter().enumerate() {
                if i > 0 {
                    w.write_all(b", ")?;
                }
                write!(w, "{x}")?;
            }
        }
    }
    w.write_all(b"]}\n")
}

fn write_csv(w: &mut dyn Write, shape: &[usize], data: &Data) -> std::io::Result<()> {
    let len = match data {
        Data::F32(v) => v.len(),
        Data::U32(v) => v.len(),
    };
    if len == 0 {
        // No values, no rows: a shape such as [4294967296, 4, 0] must not write 2^34 empty lines.
        return Ok(());
    }
    let (rows, cols) = if shape.len() >= 2 {
        let cols = shape[shape.len() - 1];
        (shape[..shape.len() - 1].iter().product::<usize>(), cols)
    } else {
        (1, len)
    };
    for r in 0..rows {
        for c in 0..cols {
            if c > 0 {
                w.write_all(b",")?;
            }
            let i = r * cols + c;
            match data {
                Data::F32(v) => w.write_all(fmt_f32(v[i]).as_bytes())?,
                Data::U32(v) => write!(w, "{}", v[i])?,
            }
        }
        w.write_all(b"\n")?;
    }
    Ok(())
}

fn npy_bytes(shape: &[usize], data: &Data) -> Vec<u8> {
    let descr = match data {
        Data::F32(_) => "<f4",
        Data::U32(_) => "<u4",
    };
    let shape_txt = match shape {
        [] => "()".to_string(),
        [d] => format!("({d},)"),
        _ => format!("({})", join_usize(shape, ", ")),
    };
    let dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape_txt}, }}");
    // Version 1.0 (2-byte header length) unless the header does not fit, then 2.0.
    let padded = |prefix: usize| format!("{dict}{}\n", " ".repeat((64 - (prefix + dict.len() + 1) % 64) % 64));
    let mut header = padded(10);
    let v1 = header.len() <= u16::MAX as usize;
    if !v1 {
        header = padded(12);
    }
    let prefix = if v1 { 10 } else { 12 };
    let payload_len = match data {
        Data::F32(v) => v.len() * 4,
        Data::U32(v) => v.len() * 4,
    };
    let mut out = Vec::with_capacity(prefix + header.len() + payload_len);
    out.extend_from_slice(b"\x93NUMPY");
    if v1 {
        out.extend_from_slice(&[1, 0]);
        out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    } else {
        out.extend_from_slice(&[2, 0]);
        out.extend_from_slice(&(header.len() as u32).to_le_bytes());
    }
    out.extend_from_slice(header.as_bytes());
    match data {
        Data::F32(v) => v.iter().for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
        Data::U32(v) => v.iter().for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
    }
    out
}

fn emit(out: &Out, shape: &[usize], data: &Data) -> CliResult<()> {
    let write_file = |path: &str, f: &dyn Fn(&mut dyn Write) -> std::io::Result<()>| -> CliResult<()> {
        let file = std::fs::File::create(path).map_err(|e| CliError(format!("--out: cannot create '{path}': {e}")))?;
        let mut w = std::io::BufWriter::new(file);
        f(&mut w).and_then(|_| w.flush()).map_err(|e| CliError(format!("--out: cannot write '{path}': {e}")))
    };
    match out {
        Out::Stdout => {
            let stdout = std::io::stdout();
            let mut w = std::io::BufWriter::new(stdout.lock());
            match write_json(&mut w, shape, data).and_then(|_| w.flush()) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                Err(e) => fail(format!("cannot write to stdout: {e}")),
            }
        }
        Out::Json(p) => write_file(p, &|w| write_json(w, shape, data)),
        Out::Csv(p) => write_file(p, &|w| write_csv(w, shape, data)),
        Out::Npy(p) => {
            let bytes = npy_bytes(shape, data);
            std::fs::write(p, bytes).map_err(|e| CliError(format!("--out: cannot write '{p}': {e}")))
        }
    }
}

fn emit_array(out: &Out, a: Array) -> CliResult<()> {
    let (shape, data) = a.into_parts();
    emit(out, &shape, &Data::F32(data))
}

// ---------------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------------

fn cmd_key(args: &[String]) -> CliResult<()> {
    let f = Flags::parse("key", args, &["--out"], &[], 1)?;
    let out = parse_out(&f)?;
    let Some(s) = f.positionals.first() else {
        return fail("key: missing SEED (usage: mvn-gpu key SEED)");
    };
    let k = key(parse_seed("key: SEED", s)?);
    emit(&out, &[2], &Data::U32(k.words().to_vec()))
}

fn cmd_split(args: &[String]) -> CliResult<()> {
    let f = Flags::parse("split", args, &["--key", "--seed", "--num", "--out"], &[], 0)?;
    let out = parse_out(&f)?;
    let Some(k) = key_of(&f)? else {
        return fail("split: missing --key K0,K1 (or --seed S): the key to split");
    };
    match f.get("--num") {
        None => {
            let (a, b) = split(k);
            emit(&out, &[2, 2], &Data::U32([a.words(), b.words()].concat()))
        }
        Some(n) => {
            let num: i64 = n.trim().parse().map_err(|_| CliError(format!("--num: expected an integer, got '{n}'")))?;
            let keys = split_n(k, num)?;
            let words: Vec<u32> = keys.iter().flat_map(|k| k.words()).collect();
            emit(&out, &[keys.len(), 2], &Data::U32(words))
        }
    }
}

/// What the random commands share: where to write, the backend, the shape and the key.
struct Common {
    out: Out,
    backend: BackendChoice,
    shape: Vec<i64>,
    key: Option<Key>,
}

/// Reads one array argument (`flag`, JSON or `@FILE`). `run` reads every array; the fuzz
/// harness (fuzz/src/cli.rs) skips files and large arrays by returning `None`, which makes the
/// argument parsers below return `None`.
type ArrayReader<'a> = &'a dyn Fn(&str, &str) -> CliResult<Option<Array>>;

fn read_every_array(flag: &str, arg: &str) -> CliResult<Option<Array>> {
    read_array(flag, arg).map(Some)
}

/// `normal`'s arguments, checked in the order the errors are reported: (common, loc, scale).
fn normal_args(args: &[String]) -> CliResult<(Common, f32, f32)> {
    let f = Flags::parse("normal", args, &with_random_flags(&["--loc", "--scale"]), &[], 0)?;
    let out = parse_out(&f)?;
    let shape = parse_shape(f.get("--shape").unwrap_or("[]"))?;
    let loc = f.get("--loc").map(|s| parse_f32("--loc", s)).transpose()?.unwrap_or(0.0);
    let scale = f.get("--scale").map(|s| parse_f32("--scale", s)).transpose()?.unwrap_or(1.0);
    let key = key_of(&f)?;
    parse_dtype(&f)?.require_float32("normal")?;
    let backend = parse_backend(&f)?;
    Ok((Common { out, backend, shape, key }, loc, scale))
}

/// `uniform`'s arguments: (common, low, high), or `None` when `read` skipped an array.
fn uniform_args(args: &[String], read: ArrayReader) -> CliResult<Option<(Common, Array, Array)>> {
    let f = Flags::parse("uniform", args, &with_random_flags(&["--low", "--high"]), &[], 0)?;
    let out = parse_out(&f)?;
    let shape = parse_shape(f.get("--shape").unwrap_or("[]"))?;
    let low = f.get("--low").map(|s| read("--low", s)).transpose()?.unwrap_or(Some(Array::scalar(0.0)));
    let high = f.get("--high").map(|s| read("--high", s)).transpose()?.unwrap_or(Some(Array::scalar(1.0)));
    let key = key_of(&f)?;
    parse_dtype(&f)?.require_float32("uniform")?;
    let backend = parse_backend(&f)?;
    Ok(low.zip(high).map(|(low, high)| (Common { out, backend, shape, key }, low, high)))
}

/// `sample`'s arguments and its distribution (factored here): (common, distribution, whether
/// `--report` was given), or `None` when `read` skipped an array.
fn sample_args(args: &[String], read: ArrayReader) -> CliResult<Option<(Common, MultivariateNormal, bool)>> {
    let f = Flags::parse(
        "sample",
        args,
        &with_random_flags(&["--mean", "--cov", "--scale-tril", "--method", "--on-invalid", "--tolerance"]),
        &["--report"],
        0,
    )?;
    let out = parse_out(&f)?;
    let backend = parse_backend(&f)?;
    let shape = parse_shape(f.get("--shape").unwrap_or("[]"))?;
    let key = key_of(&f)?;
    let dtype = parse_dtype(&f)?;
    let method = f.get("--method").map(|s| s.parse::<Method>().map_err(|e| flag_err("--method", e))).transpose()?;
    let on_invalid = f.get("--on-invalid").map(|s| s.parse::<OnInvalid>().map_err(|e| flag_err("--on-invalid", e))).transpose()?;
    let tolerance = f
        .get("--tolerance")
        .map(|s| s.trim().parse::<f64>().map_err(|_| CliError(format!("--tolerance: expected a number, got '{s}'"))))
        .transpose()?;
    let mean_arg = f.require("--mean")?;
    let dist = match (f.get("--cov"), f.get("--scale-tril")) {
        (Some(_), Some(_)) => return fail("sample: give either --cov or --scale-tril, not both"),
        (None, None) => return fail("sample: missing required flag --cov (or --scale-tril)"),
        (Some(cov), None) => {
            let (Some(mean), Some(cov)) = (read("--mean", mean_arg)?, read("--cov", cov)?) else { return Ok(None) };
            let options = Options { method: method.unwrap_or_default(), dtype, on_invalid: on_invalid.unwrap_or_default(), tolerance };
            MultivariateNormal::new(&mean, &cov, &options)?
        }
        (None, Some(tril)) => {
            for flag in ["--method", "--on-invalid", "--tolerance"] {
                if f.get(flag).is_some() {
                    return fail(format!("sample: {flag} applies to --cov only; --scale-tril is used as given"));
                }
            }
            let (Some(mean), Some(tril)) = (read("--mean", mean_arg)?, read("--scale-tril", tril)?) else { return Ok(None) };
            dtype.require_float32("multivariate_normal")?;
            MultivariateNormal::from_scale_tril(&mean, &tril)?
        }
    };
    Ok(Some((Common { out, backend, shape, key }, dist, f.has("--report"))))
}

fn cmd_normal(args: &[String]) -> CliResult<()> {
    let (c, loc, scale) = normal_args(args)?;
    let sampler = make_sampler(c.backend)?;
    let x = pollster::block_on(sampler.normal(&c.shape, loc, scale, c.key))?;
    emit_array(&c.out, x)
}

fn cmd_uniform(args: &[String]) -> CliResult<()> {
    let Some((c, low, high)) = uniform_args(args, &read_every_array)? else { return Ok(()) };
    let sampler = make_sampler(c.backend)?;
    let x = pollster::block_on(sampler.uniform(&c.shape, low, high, c.key))?;
    emit_array(&c.out, x)
}

fn cmd_sample(args: &[String]) -> CliResult<()> {
    let Some((c, dist, report)) = sample_args(args, &read_every_array)? else { return Ok(()) };
    for w in dist.warnings() {
        eprintln!("warning: {w}");
    }
    if report {
        let items: Vec<String> = dist
            .reports()
            .iter()
            .map(|r| {
                format!(
                    "{{\"batch_index\": {}, \"method\": \"{}\", \"method_used\": \"{}\", \"rank\": {}, \"min_eigenvalue\": {}, \"max_eigenvalue\": {}, \"clipped\": {}}}",
                    r.batch_index,
                    r.method.as_str(),
                    r.method_used.as_str(),
                    r.rank,
                    json_f64(r.min_eigenvalue),
                    json_f64(r.max_eigenvalue),
                    r.clipped
                )
            })
            .collect();
        eprintln!("{{\"reports\": [{}]}}", items.join(", "));
    }
    // Shape errors before the (slow) GPU start.
    dist.output_shape(&c.shape)?;
    let sampler = make_sampler(c.backend)?;
    let x = pollster::block_on(sampler.sample(&dist, &c.shape, c.key))?;
    emit_array(&c.out, x)
}
