//! The CLI (`src/bin/mvn-gpu.rs`, copied without its `//!` lines by `build.rs`) compiled as
//! this module, so the harnesses below reach its private parsers, and dry runs of its commands.
//!
//! A dry run parses a command's arguments with the CLI's own functions (`normal_args`,
//! `uniform_args`, `sample_args`), stops before the backend, then draws on the CPU when the
//! output is small and writes JSON, CSV and .npy into memory. No GPU is started, no file is read or written (`@FILE` arrays and `--out` paths are
//! only parsed) and nothing is printed. What must hold: no panic; every written output reads
//! back to the same values through the CLI's own readers (`json_to_array`, `parse_npy`) and
//! Rust's float parser (CSV).

#![allow(dead_code, unused_imports, clippy::all)]

include!(concat!(env!("OUT_DIR"), "/mvn_gpu_cli.rs"));

/// Outputs larger than this are not drawn.
const MAX_DRAW: usize = 4096;

/// An array argument unless it names a file or holds more than `MAX_DRAW` values (the CLI's
/// argument parsers then stop early with `None`).
fn dry_array(flag: &str, arg: &str) -> CliResult<Option<Array>> {
    if arg.starts_with('@') {
        return Ok(None);
    }
    read_array(flag, arg).map(|a| (a.len() <= MAX_DRAW).then_some(a))
}

/// Writes `a` in every format and reads it back.
fn round_trip_f32(shape: &[usize], data: &[f32]) {
    let d = Data::F32(data.to_vec());
    // JSON, through the CLI's own array reader (NaN payloads become the canonical NaN).
    let mut json = Vec::new();
    write_json(&mut json, shape, &d).unwrap();
    let text = String::from_utf8(json).expect("JSON output is UTF-8");
    let back = read_array("--mean", text.trim_end()).unwrap_or_else(|e| panic!("JSON output does not read back: {}\n{text}", e.0));
    // A 1-element array of shape [] prints as a scalar-shaped object: the shape must survive.
    assert_eq!(back.shape(), shape, "JSON shape changed: {text}");
    for (i, (a, b)) in data.iter().zip(back.data()).enumerate() {
        assert!(a.to_bits() == b.to_bits() || a.is_nan() && b.is_nan(), "JSON value {i} changed: {a:e} ({:#x}) -> {b:e} ({:#x})\n{text}", a.to_bits(), b.to_bits());
    }
    // .npy: exact bits.
    let npy = npy_bytes(shape, &d);
    let back = parse_npy(&npy).unwrap_or_else(|e| panic!(".npy output does not read back: {e}"));
    assert_eq!(back.shape(), shape);
    assert!(data.iter().zip(back.data()).all(|(a, b)| a.to_bits() == b.to_bits()), ".npy values changed");
    // CSV: one row per sample, values parse back with Rust's float parser.
    let mut csv = Vec::new();
    write_csv(&mut csv, shape, &d).unwrap();
    let text = String::from_utf8(csv).unwrap();
    let vals: Vec<f32> = text.lines().filter(|l| !l.is_empty()).flat_map(|l| l.split(',')).map(|t| t.parse::<f32>().unwrap_or_else(|_| panic!("CSV token {t:?}"))).collect();
    if !data.is_empty() {
        assert_eq!(vals.len(), data.len(), "CSV holds {} values for {}\n{text}", vals.len(), data.len());
        for (a, b) in data.iter().zip(&vals) {
            assert!(a.to_bits() == b.to_bits() || a.is_nan() && b.is_nan(), "CSV value changed: {a:e} -> {b:e}");
        }
    }
}

fn emit_dry(shape: &[usize], data: &[f32]) {
    round_trip_f32(shape, data);
}

fn dry_key(args: &[String]) -> CliResult<()> {
    let f = Flags::parse("key", args, &["--out"], &[], 1)?;
    let _out = parse_out(&f)?;
    let Some(s) = f.positionals.first() else { return fail("key: missing SEED") };
    let k = key(parse_seed("key: SEED", s)?);
    let mut v = Vec::new();
    write_json(&mut v, &[2], &Data::U32(k.words().to_vec())).unwrap();
    let _ = npy_bytes(&[2], &Data::U32(k.words().to_vec()));
    Ok(())
}

fn dry_split(args: &[String]) -> CliResult<()> {
    let f = Flags::parse("split", args, &["--key", "--seed", "--num", "--out"], &[], 0)?;
    let _out = parse_out(&f)?;
    let Some(k) = key_of(&f)? else { return fail("split: missing --key") };
    match f.get("--num") {
        None => {
            let _ = split(k);
        }
        Some(n) => {
            let num: i64 = n.trim().parse().map_err(|_| CliError(format!("--num: expected an integer, got '{n}'")))?;
            if num <= MAX_DRAW as i64 {
                let keys = split_n(k, num)?;
                assert_eq!(keys.len() as i64, num);
            } else if num > (u32::MAX / 2) as i64 + 1 {
                assert!(split_n(k, num).is_err(), "split_n({num}) accepted");
            }
        }
    }
    Ok(())
}

fn small(shape: &[i64]) -> bool {
    shape.iter().try_fold(1i64, |a, &d| if d < 0 { None } else { a.checked_mul(d) }).is_some_and(|t| t as usize <= MAX_DRAW)
}

fn dry_normal(args: &[String]) -> CliResult<()> {
    let (c, loc, scale) = normal_args(args)?;
    if small(&c.shape) || c.shape.iter().any(|&d| d < 0) {
        let x = pollster::block_on(Sampler::cpu().normal(&c.shape, loc, scale, Some(c.key.unwrap_or(Key::new(0, 0)))))?;
        emit_dry(x.shape(), x.data());
    }
    Ok(())
}

fn dry_uniform(args: &[String]) -> CliResult<()> {
    let Some((c, low, high)) = uniform_args(args, &dry_array)? else { return Ok(()) };
    if small(&c.shape) || c.shape.iter().any(|&d| d < 0) {
        let x = pollster::block_on(Sampler::cpu().uniform(&c.shape, low, high, Some(c.key.unwrap_or(Key::new(0, 0)))))?;
        emit_dry(x.shape(), x.data());
    }
    Ok(())
}

fn dry_sample(args: &[String]) -> CliResult<()> {
    let Some((c, dist, report)) = sample_args(args, &dry_array)? else { return Ok(()) };
    if report {
        for r in dist.reports() {
            let _ = (json_f64(r.min_eigenvalue), json_f64(r.max_eigenvalue), r.method_used.as_str());
        }
    }
    let out = dist.output_shape(&c.shape)?;
    if out.iter().product::<usize>() <= MAX_DRAW {
        let x = pollster::block_on(Sampler::cpu().sample(&dist, &c.shape, Some(c.key.unwrap_or(Key::new(0, 0)))))?;
        assert_eq!(x.shape(), &out[..]);
        assert!(x.data().iter().all(|v| v.is_finite()), "non-finite samples from accepted input {args:?}");
        emit_dry(x.shape(), x.data());
    }
    Ok(())
}

/// Dry run of `mvn-gpu ARGS...` (the dispatcher of `run`, without printing help texts).
pub fn fuzz_args(args: &[String]) {
    let Some(cmd) = args.first() else { return };
    let rest = &args[1..];
    let r = match cmd.as_str() {
        "-h" | "--help" | "-V" | "--version" => Ok(()),
        "help" => Ok(()),
        c => {
            if help_of(c).is_none() || rest.iter().any(|a| a == "-h" || a == "--help") {
                return;
            }
            match c {
                "sample" => dry_sample(rest),
                "normal" => dry_normal(rest),
                "uniform" => dry_uniform(rest),
                "key" => dry_key(rest),
                "split" => dry_split(rest),
                _ => unreachable!(),
            }
        }
    };
    if let Err(CliError(msg)) = r {
        assert!(!msg.is_empty(), "empty error message for {args:?}");
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
