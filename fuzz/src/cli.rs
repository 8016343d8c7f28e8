//! Dry runs of the CLI's commands with the CLI's own functions (the library module
//! `mvn_gpu::cli`, feature `cli`).
//!
//! A dry run reads the command with [`cli::action`], parses its arguments with the CLI's own
//! parsers (`key_args`, `split_args`, `bits_args`, `normal_args`, `uniform_args`, `sample_args`),
//! stops before the backend, then draws on the CPU when the output is small and writes JSON, CSV
//! and .npy into memory. No GPU is started, no file is read or written (`@FILE` arrays and
//! `--out` paths are only parsed; `--key @FILE` stands for the key 0,0) and nothing is printed.
//! What must hold: no panic; every written output reads back to the same values through the
//! CLI's own readers (`json_to_array` via `read_array`, `parse_npy`) and Rust's float parser (CSV).

use mvn_gpu::cli::args::{parse_f32, parse_seed, parse_shape};
use mvn_gpu::cli::commands::{bits_args, condition_args, condition_json, key_args, key_values, log_prob_args, normal_args, sample_args, split_args, split_values, uniform_args, Command, Common};
use mvn_gpu::cli::input::{read_array, Inputs};
use mvn_gpu::cli::keys::parse_key;
use mvn_gpu::cli::npy::{parse_npy, write_npy};
use mvn_gpu::cli::output::report_json;
use mvn_gpu::cli::stream::{write_csv, write_json};
use mvn_gpu::cli::values::{Data, Values};
use mvn_gpu::cli::{self, Action, CliResult};
use mvn_gpu::{split_n, Array, Key, Sampler};

/// Outputs larger than this are not drawn.
const MAX_DRAW: usize = 4096;

/// The inputs of a dry run: an array argument unless it names a file or holds more than
/// `MAX_DRAW` values (the CLI's argument parsers then stop early with `None`); no key file read.
struct DryRun;

impl Inputs for DryRun {
    fn array(&self, flag: &str, arg: &str) -> CliResult<Option<Array>> {
        if arg.starts_with('@') {
            return Ok(None);
        }
        read_array(flag, arg).map(|a| (a.len() <= MAX_DRAW).then_some(a))
    }

    fn key_file(&self, _path: &str) -> CliResult<Key> {
        Ok(Key::new(0, 0))
    }
}

/// `v` as .npy bytes, in memory.
fn npy_bytes(v: &Values) -> Vec<u8> {
    let mut b = Vec::new();
    write_npy(&mut b, v).expect("writing to a Vec");
    b
}

/// Writes `a` in every format and reads it back.
fn round_trip_f32(shape: &[usize], data: &[f32]) {
    let v = Values::f32(shape, data);
    // JSON, through the CLI's own array reader (NaN payloads become the canonical NaN).
    let mut json = Vec::new();
    write_json(&mut json, &v).unwrap();
    let text = String::from_utf8(json).expect("JSON output is UTF-8");
    let back = read_array("--mean", text.trim_end()).unwrap_or_else(|e| panic!("JSON output does not read back: {e}\n{text}"));
    // A 1-element array of shape [] prints as a scalar-shaped object: the shape must survive.
    assert_eq!(back.shape(), shape, "JSON shape changed: {text}");
    for (i, (a, b)) in data.iter().zip(back.data()).enumerate() {
        assert!(a.to_bits() == b.to_bits() || a.is_nan() && b.is_nan(), "JSON value {i} changed: {a:e} ({:#x}) -> {b:e} ({:#x})\n{text}", a.to_bits(), b.to_bits());
    }
    // .npy: exact bits.
    let npy = npy_bytes(&v);
    let back = parse_npy(&npy).unwrap_or_else(|e| panic!(".npy output does not read back: {e}"));
    assert_eq!(back.shape(), shape);
    assert!(data.iter().zip(back.data()).all(|(a, b)| a.to_bits() == b.to_bits()), ".npy values changed");
    // CSV: one row per sample, values parse back with Rust's float parser.
    let mut csv = Vec::new();
    write_csv(&mut csv, &v).unwrap();
    let text = String::from_utf8(csv).unwrap();
    let vals: Vec<f32> = text.lines().filter(|l| !l.is_empty()).flat_map(|l| l.split(',')).map(|t| t.parse::<f32>().unwrap_or_else(|_| panic!("CSV token {t:?}"))).collect();
    if !data.is_empty() {
        assert_eq!(vals.len(), data.len(), "CSV holds {} values for {}\n{text}", vals.len(), data.len());
        for (a, b) in data.iter().zip(&vals) {
            assert!(a.to_bits() == b.to_bits() || a.is_nan() && b.is_nan(), "CSV value changed: {a:e} -> {b:e}");
        }
    }
}

/// Writes key words or bits as JSON and .npy into memory.
fn write_keys(v: &Values) {
    write_json(&mut Vec::new(), v).unwrap();
    let _ = npy_bytes(v);
}

fn dry_key(args: &[String]) -> CliResult<()> {
    let (_out, seed) = key_args(args)?;
    write_keys(&key_values(seed));
    Ok(())
}

fn dry_split(args: &[String]) -> CliResult<()> {
    let (_out, k, num) = split_args(args, &DryRun)?;
    match num {
        None => write_keys(&split_values(k, None)?),
        Some(num) if num <= MAX_DRAW as i64 => {
            let v = split_values(k, Some(num))?;
            assert_eq!(v.shape, [num as usize, 2]);
            write_keys(&v);
        }
        Some(num) if num > (u32::MAX / 2) as i64 + 1 => assert!(split_n(k, num).is_err(), "split_n({num}) accepted"),
        Some(_) => {}
    }
    Ok(())
}

/// Whether `c`'s shape is worth drawing: small, or refused at once (negative). A drawn
/// command gets a fixed key instead of MLX's (global) default sequence.
fn to_draw(c: &mut Common) -> bool {
    let small = c.shape.iter().try_fold(1i64, |a, &d| if d < 0 { None } else { a.checked_mul(d) }).is_some_and(|t| t as usize <= MAX_DRAW);
    c.key.get_or_insert(Key::new(0, 0));
    small || c.shape.iter().any(|&d| d < 0)
}

fn dry_bits(args: &[String]) -> CliResult<()> {
    let mut a = bits_args(args, &DryRun)?;
    if to_draw(&mut a.common) {
        let v = a.draw(&Sampler::cpu())?;
        if let Data::Uint { width, values } = &v.data {
            assert!(values.iter().all(|&x| u64::from(x) < 1 << (8 * width)), "bits wider than --width {width}");
        }
        write_keys(&v);
    }
    Ok(())
}

fn dry_normal(args: &[String]) -> CliResult<()> {
    let mut a = normal_args(args, &DryRun)?;
    if to_draw(&mut a.common) {
        let x = a.draw(&Sampler::cpu())?;
        round_trip_f32(x.shape(), x.data());
    }
    Ok(())
}

fn dry_uniform(args: &[String]) -> CliResult<()> {
    let Some(mut a) = uniform_args(args, &DryRun)? else { return Ok(()) };
    if to_draw(&mut a.common) {
        let x = a.draw(&Sampler::cpu())?;
        round_trip_f32(x.shape(), x.data());
    }
    Ok(())
}

fn dry_sample(args: &[String]) -> CliResult<()> {
    let Some(mut a) = sample_args(args, &DryRun)? else { return Ok(()) };
    if a.report {
        let _ = report_json(a.dist.reports()?);
    }
    let out = a.dist.output_shape(&a.common.shape)?;
    if out.iter().product::<usize>() <= MAX_DRAW {
        a.common.key.get_or_insert(Key::new(0, 0));
        let x = a.draw(&Sampler::cpu())?;
        assert_eq!(x.shape(), &out[..]);
        assert!(x.data().iter().all(|v| v.is_finite()), "non-finite samples from accepted input {args:?}");
        round_trip_f32(x.shape(), x.data());
    }
    Ok(())
}

fn dry_log_prob(args: &[String]) -> CliResult<()> {
    let Some(a) = log_prob_args(args, &DryRun)? else { return Ok(()) };
    if a.x.1.len() <= MAX_DRAW {
        let v = a.evaluate()?;
        assert!(matches!(&v.data, Data::F64(d) if d.iter().all(|x| !x.is_nan())), "NaN log-density from accepted input {args:?}");
    }
    Ok(())
}

/// Dry run of `mvn-gpu ARGS...` (the CLI's dispatcher, without printing help texts).
pub fn fuzz_args(args: &[String]) {
    let r = cli::action(args).and_then(|action| match action {
        Action::Help(_) | Action::Version => Ok(()),
        Action::Run(Command::Sample, rest) => dry_sample(rest),
        Action::Run(Command::Normal, rest) => dry_normal(rest),
        Action::Run(Command::Uniform, rest) => dry_uniform(rest),
        Action::Run(Command::Bits, rest) => dry_bits(rest),
        Action::Run(Command::Key, rest) => dry_key(rest),
        Action::Run(Command::Split, rest) => dry_split(rest),
        Action::Run(Command::LogProb, rest) => dry_log_prob(rest),
        Action::Run(Command::Condition, rest) => condition_args(rest, &DryRun).map(|r| drop(r.map(|(_, d)| condition_json(&d)))),
    });
    if let Err(e) = r {
        assert!(!e.message().is_empty(), "empty error message for {args:?}");
    }
}

/// The argument vector of a fuzz input: NUL-separated UTF-8 strings (invalid UTF-8 is
/// replaced, as the real `main` refuses it before parsing).
pub fn args_of(data: &[u8]) -> Vec<String> {
    data.split(|&b| b == 0).map(|a| String::from_utf8_lossy(a).into_owned()).collect()
}

/// The `array_parse` target: the first byte picks the reader, the rest is its input.
/// `.npy` bytes go through `parse_npy`; text through `read_array` (inline JSON and bare numbers)
/// and `parse_shape`. Whatever parses must survive a round trip through every writer.
pub fn fuzz_array(data: &[u8]) {
    let Some((&sel, rest)) = data.split_first() else { return };
    match sel % 3 {
        0 => {
            if let Ok(a) = parse_npy(rest) {
                round_trip_f32(a.shape(), a.data());
            }
        }
        1 => {
            let text = String::from_utf8_lossy(rest);
            if text.starts_with('@') {
                return;
            }
            if let Ok(a) = read_array("--cov", &text) {
                round_trip_f32(a.shape(), a.data());
            }
        }
        _ => {
            let text = String::from_utf8_lossy(rest);
            let _ = parse_shape(&text);
            let _ = parse_key(&text);
            let _ = parse_seed("--seed", &text);
            let _ = parse_f32("--loc", &text);
        }
    }
}
