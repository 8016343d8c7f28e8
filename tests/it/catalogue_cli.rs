//! The bad- and edge-input catalogue of docs/errors.md through the `mvn-gpu` command line.
//! Every refusal: exit status 2, nothing on stdout, `error: ...` on stderr naming the flag or
//! the operation and the problem (library errors end with their code), never a panic. Valid
//! edge cases are compared with the library or with independent truth.

use mvn_gpu::{key, Array, MultivariateNormal, Options};
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

fn run(args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mvn-gpu"));
    c.args(args);
    if std::env::var_os("XDG_RUNTIME_DIR").is_none() {
        c.env("XDG_RUNTIME_DIR", std::env::temp_dir());
    }
    c.output().expect("the mvn-gpu binary runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A refused command line: exit 2, empty stdout, `error: ` + every word on stderr, no panic.
#[track_caller]
fn refused(id: &str, args: &[&str], words: &[&str]) {
    let o = run(args);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{id}: mvn-gpu {args:?}: want exit 2; stderr: {err}");
    assert!(err.starts_with("error: "), "{id}: mvn-gpu {args:?}: {err}");
    assert!(!err.contains("panicked"), "{id}: mvn-gpu {args:?} panicked: {err}");
    assert!(o.stdout.is_empty(), "{id}: mvn-gpu {args:?}: stdout on error: {}", text(&o.stdout));
    for w in words {
        assert!(err.contains(w), "{id}: mvn-gpu {args:?}: stderr lacks {w:?}: {err}");
    }
}

/// A command line that must succeed: its JSON output.
#[track_caller]
fn ok(id: &str, args: &[&str]) -> (Vec<usize>, Vec<f32>) {
    let o = run(args);
    assert!(o.status.success(), "{id}: mvn-gpu {args:?} failed: {}", text(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{id}: not JSON ({e})"));
    (crate::fixtures::shape(&v), crate::fixtures::f32s(&v))
}

fn tmp(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!("mvn-gpu-catalogue-{}-{n}-{name}", std::process::id()))
}

/// A file holding `bytes`, removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, bytes: &[u8]) -> Self {
        let p = tmp(name);
        std::fs::write(&p, bytes).unwrap();
        TempFile(p)
    }
    fn arg(&self) -> String {
        format!("@{}", self.0.to_str().unwrap())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// An .npy file with a free-form header dict and payload (version `major`.0).
fn npy(major: u8, dict: &str, payload: &[u8]) -> Vec<u8> {
    let prefix = if major == 1 { 10 } else { 12 };
    let mut header = dict.to_string();
    while (prefix + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut b = b"\x93NUMPY".to_vec();
    b.extend_from_slice(&[major, 0]);
    if major == 1 {
        b.extend_from_slice(&(header.len() as u16).to_le_bytes());
    } else {
        b.extend_from_slice(&(header.len() as u32).to_le_bytes());
    }
    b.extend_from_slice(header.as_bytes());
    b.extend_from_slice(payload);
    b
}

fn f4(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

const I2: &str = "[[1, 0], [0, 1]]";
const Z2: &str = "[0, 0]";

/// `sample` on the CPU with mean `m`, cov `c` and extra flags.
fn s<'a>(m: &'a str, c: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    [&["sample", "--mean", m, "--cov", c, "--backend", "cpu"][..], extra].concat()
}

#[test]
fn cli_catalogue_invalid_values() {
    refused("V01", &s("[0, \"nan\"]", I2, &[]), &["[multivariate_normal]", "mean contains NaN", "(NON_FINITE)"]);
    refused("V02", &s(Z2, "[[1, \"inf\"], [\"inf\", 1]]", &[]), &["cov contains inf", "(NON_FINITE)"]);
    refused("V03", &s("[\"-inf\", 0]", I2, &[]), &["mean contains -inf", "(NON_FINITE)"]);
    refused("V04", &s(Z2, "[[1e39, 0], [0, 1]]", &[]), &["cov contains inf", "(NON_FINITE)"]);
    let f8 = TempFile::new("big.npy", &npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", &[1e300f64, 0.0].iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<_>>()));
    refused("V04", &s(&f8.arg(), I2, &[]), &["mean contains inf", "(NON_FINITE)"]);
    refused("V05", &["sample", "--mean", Z2, "--scale-tril", "[[1, 0], [\"nan\", 1]]", "--backend", "cpu"], &["scale_tril contains NaN", "(NON_FINITE)"]);
    refused("V06", &["normal", "--loc", "nan", "--backend", "cpu"], &["[normal] loc must be finite", "(NON_FINITE)"]);
    refused("V06", &["normal", "--scale", "inf", "--backend", "cpu"], &["[normal] scale must be finite", "(NON_FINITE)"]);
    refused("V06", &["normal", "--scale", "3e38", "--backend", "cpu"], &["overflows float32", "(NON_FINITE)"]);
    refused("V07", &["uniform", "--low", "nan", "--backend", "cpu"], &["[uniform] low must be finite", "(NON_FINITE)"]);
    refused("V07", &["uniform", "--shape", "[2]", "--high", "[1, \"inf\"]", "--backend", "cpu"], &["high must be finite", "(NON_FINITE)"]);
    refused("V08", &["uniform", "--low", "-3e38", "--high", "3e38", "--backend", "cpu"], &["high - low overflows", "(NON_FINITE)"]);
    refused("V09", &s("[0, true]", I2, &[]), &["--mean", "not a number: true"]);
    refused("V09", &s("[0, null]", I2, &[]), &["--mean", "not a number: null"]);
    refused("V09", &s("{\"shape\": [2], \"data\": [0, \"x\"]}", I2, &[]), &["--mean", "\"data\"[1] is not a number"]);
}

#[test]
fn cli_catalogue_shapes_and_broadcasting() {
    let op = "[multivariate_normal]";
    refused("S01", &s("0", "[[1]]", &[]), &[op, "mean must have at least one dimension", "(INVALID_SHAPE)"]);
    refused("S02", &s(Z2, "[1, 1]", &[]), &["cov must have at least two dimensions", "(INVALID_SHAPE)"]);
    refused("S03", &s(Z2, "[[1, 0, 0], [0, 1, 0]]", &[]), &["last two dimensions of cov must be equal", "(INVALID_SHAPE)"]);
    refused("S04", &s("[0, 0, 0]", I2, &[]), &["compatible shapes", "(3)", "(2,2)", "(INVALID_SHAPE)"]);
    let cov4 = format!("[{}]", [I2; 4].join(", "));
    refused("S05", &s("[[0, 0], [0, 0], [0, 0]]", &cov4, &[]), &["cannot be broadcast", "(BROADCAST_ERROR)"]);
    refused("S06", &s("[[0, 0], [0, 0]]", I2, &["--shape", "[3]"]), &["cannot be broadcast", "(BROADCAST_ERROR)"]);
    refused("S07", &s(Z2, I2, &["--shape", "[-1]"]), &[op, "Negative dimensions", "(INVALID_SHAPE)"]);
    refused("S07", &["normal", "--shape", "[2, -3]", "--backend", "cpu"], &["[normal] Negative", "(INVALID_SHAPE)"]);
    refused("S07", &["split", "--seed", "0", "--num", "-1"], &["[split] Negative", "(INVALID_SHAPE)"]);
    refused("S07", &s(Z2, I2, &["--shape", "[-1e20]"]), &["--shape", "negative dimension"]);
    refused("S08", &s(Z2, I2, &["--shape", "[1.5]"]), &["--shape", "dimensions must be integers, got 1.5"]);
    refused("S09", &s(Z2, I2, &["--shape", "[\"a\"]"]), &["--shape", "dimensions must be integers"]);
    refused("S09", &s(Z2, I2, &["--shape", "[null]"]), &["--shape", "dimensions must be integers"]);
    refused("S09", &s(Z2, I2, &["--shape", "{\"a\": 1}"]), &["--shape", "expected a JSON list of integers"]);
    refused("S09", &s(Z2, I2, &["--shape", "abc"]), &["--shape", "malformed JSON"]);
    refused("S10", &s(Z2, I2, &["--shape", "[9223372036854775807]"]), &["4294967295", "(TOO_LARGE)"]);
    refused("S10", &s(Z2, I2, &["--shape", "[18446744073709551615]"]), &["--shape", "beyond the limit of 4294967295"]);
    refused("S10", &s(Z2, I2, &["--shape", "[1e20]"]), &["--shape", "beyond the limit of 4294967295"]);
    refused("S11", &s(Z2, I2, &["--shape", "[1099511627776, 0]"]), &["empty", "4294967295", "(TOO_LARGE)"]);
    refused("S12", &s(Z2, "[[1, 0], [0]]", &[]), &["--cov", "ragged"]);
    refused("S12", &s("[0, [0]]", I2, &[]), &["--mean", "ragged"]);
    refused("S13", &s("{\"shape\": [3], \"data\": [1, 2]}", I2, &[]), &["--mean", "[array] data of length 2 does not fill shape (3)"]);
    refused("S14", &s("{\"shape\": [18446744073709551615, 0], \"data\": []}", I2, &[]), &["--mean", "4294967295"]);
    refused("S15", &["uniform", "--shape", "[2]", "--low", "[0, 0, 0]", "--backend", "cpu"], &["[uniform]", "(2) and (3)", "(BROADCAST_ERROR)"]);
    refused("S16", &["uniform", "--shape", "[3]", "--low", "[[0], [0], [0]]", "--backend", "cpu"], &["from broadcasted shape (3,3)", "(BROADCAST_ERROR)"]);
}

#[test]
fn cli_catalogue_covariance_checks() {
    for m in ["cholesky", "eigh", "svd"] {
        refused("C01", &s(Z2, "[[1, 0.5], [0, 1]]", &["--method", m]), &["not symmetric", "batch index 0", "(NOT_SYMMETRIC)"]);
        refused("C02", &s(Z2, "[[1, 2], [2, 1]]", &["--method", m]), &["eigenvalue -1", "(NOT_POSITIVE_SEMIDEFINITE)"]);
        refused("C03", &s(Z2, "[[-2, 0], [0, -2]]", &["--method", m]), &["eigenvalue -2", "(NOT_POSITIVE_SEMIDEFINITE)"]);
        refused("C04", &s(Z2, "[[[1, 0], [0, 1]], [[1, 0], [0, 1]], [[1, 2], [2, 1]]]", &["--method", m]), &["batch index 2", "(NOT_POSITIVE_SEMIDEFINITE)"]);
        refused("C06", &s(Z2, "[[1, 0.5], [0.50001, 1]]", &["--method", m]), &["tolerance 1.90735e-6", "(NOT_SYMMETRIC)"]);
        let (shape, data) = ok("C06", &s(Z2, "[[1, 0.5], [0.50001, 1]]", &["--method", m, "--tolerance", "1e-4", "--shape", "[4]", "--seed", "1"]));
        assert_eq!(shape, vec![4, 2], "C06");
        assert!(data.iter().all(|v| v.is_finite()), "C06");
    }
    refused("C05", &["sample", "--mean", Z2, "--scale-tril", "[[1, 0.5], [0, 1]]", "--backend", "cpu"], &["lower triangular", "(INVALID_ARGUMENT)"]);
    // C09: low rank plus diagonal that f64 cannot factor: its log-density is refused, its samples are drawn.
    let ill = ["--mean", Z2, "--cov-factor", "[[1e10, 1e10], [1e10, 1e10]]", "--cov-diag", "[1e-10, 1e-10]"];
    refused("C09", &[&["log-prob"][..], &ill, &["--x", "[0, 0]"]].concat(), &["[log_prob]", "cov_diag is too small next to cov_factor", "(NOT_POSITIVE_SEMIDEFINITE)"]);
    let (shape, _) = ok("C09", &[&["sample"][..], &ill, &["--shape", "[3]", "--seed", "1"]].concat());
    assert_eq!(shape, [3, 2], "C09: samples");
    // C07: accepted within a loose tolerance, and the report says the matrix was clipped.
    let o = run(&["sample", "--mean", Z2, "--cov", "[[1, 2], [2, 1]]", "--tolerance", "0.5", "--shape", "[4]", "--seed", "1", "--backend", "cpu", "--report"]);
    let (id, err) = ("C07", text(&o.stderr));
    assert!(o.status.success(), "{id}: {err}");
    assert!(err.contains("\"clipped\": true") || err.contains("\"clipped\":true"), "{id}: the report should say clipped: {err}");
}

/// C08: a small genuine variance survives every method: the report's smallest eigenvalue and
/// the samples' variance show it.
#[test]
fn cli_catalogue_small_variances() {
    let id = "C08";
    let tiny = 1e-17f32 as f64;
    for m in ["cholesky", "eigh", "svd"] {
        let o = run(&s(Z2, "[[1, 0], [0, 1e-17]]", &["--method", m, "--shape", "[20000]", "--seed", "3", "--report"]));
        assert!(o.status.success(), "{id} {m}: {}", text(&o.stderr));
        let report: Value = serde_json::from_slice(&o.stderr).unwrap_or_else(|e| panic!("{id} {m}: report not JSON ({e}): {}", text(&o.stderr)));
        let got = report["reports"][0]["min_eigenvalue"].as_f64().unwrap();
        assert!((got - tiny).abs() <= 1e-6 * tiny, "{id} {m}: min_eigenvalue {got:e}");
        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
        let x = crate::fixtures::f32s(&v);
        let var = x.chunks(2).map(|r| r[1] as f64 * r[1] as f64).sum::<f64>() / 20000.0;
        assert!((var / tiny - 1.0).abs() < 0.05, "{id} {m}: variance {var:e} of the small coordinate");
    }
}

/// L13: within the limits but beyond the memory allowed (`ulimit -v` 2 GiB): `split` into 10^9
/// keys (8 GB) is refused with TOO_LARGE; no abort, nothing on stdout.
#[test]
fn cli_catalogue_memory_limit() {
    let id = "L13";
    let o = std::process::Command::new("bash")
        .args(["-c", "ulimit -v 2097152 && exec \"$0\" split --seed 0 --num 1000000000"])
        .arg(env!("CARGO_BIN_EXE_mvn-gpu"))
        .output()
        .unwrap();
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{id}: {err}");
    assert!(err.starts_with("error: ") && err.contains("[split]") && err.contains("cannot allocate") && err.contains("(TOO_LARGE)"), "{id}: {err}");
    assert!(o.stdout.is_empty(), "{id}: stdout");
}

#[test]
fn cli_catalogue_sizes_and_limits() {
    let t = std::time::Instant::now();
    for b in ["cpu", "gpu"] {
        refused("L01", &["sample", "--mean", Z2, "--cov", I2, "--shape", "[1099511627776]", "--backend", b], &["[multivariate_normal]", "4294967295", "(TOO_LARGE)"]);
    }
    refused("L02", &["normal", "--shape", "[1099511627776]", "--backend", "cpu"], &["[normal]", "4294967295", "(TOO_LARGE)"]);
    refused("L02", &["uniform", "--shape", "[1048576, 1048576]", "--backend", "cpu"], &["[uniform]", "4294967295", "(TOO_LARGE)"]);
    refused("L03", &["split", "--seed", "0", "--num", "1099511627776"], &["[split]", "limit", "(TOO_LARGE)"]);
    refused("L04", &["sample", "--mean", "[0]", "--cov", "[[1]]", "--shape", "[4294967296]", "--backend", "cpu"], &["4294967295", "(TOO_LARGE)"]);
    assert!(t.elapsed().as_secs_f64() < 20.0, "L01-L04: refusals must not allocate ({:?})", t.elapsed());
}

#[test]
fn cli_catalogue_keys_and_seeds() {
    for k in ["1,2,3", "1", ""] {
        refused("K01", &s(Z2, I2, &["--key", k]), &["--key", "two unsigned 32-bit words"]);
    }
    for k in ["a,b", "1.5,2", "0x1,2"] {
        refused("K03", &s(Z2, I2, &["--key", k]), &["--key", "two unsigned 32-bit words"]);
    }
    refused("K04", &s(Z2, I2, &["--key", "4294967296,0"]), &["--key", "does not fit in 32 bits"]);
    refused("K04", &s(Z2, I2, &["--key=-1,0"]), &["--key", "two unsigned 32-bit words"]);
    refused("K05", &s(Z2, I2, &["--seed", "18446744073709551616"]), &["--seed", "out of range", "2^64"]);
    refused("K05", &["key", "18446744073709551616"], &["SEED", "out of range"]);
    for seed in ["-1", "1.5", "abc", "1e3"] {
        refused("K06", &s(Z2, I2, &[&format!("--seed={seed}")]), &["--seed", "non-negative decimal integer"]);
    }
    refused("K06", &["key", "-5"], &["SEED"]);
    let (shape, data) = ok("K08", &["key", "18446744073709551615"]);
    assert_eq!((shape, data), (vec![2], vec![4294967295.0, 4294967295.0]), "K08");
    refused("K09", &["split", "--seed", "0", "--num", "2.5"], &["--num", "expected an integer"]);
    refused("K09", &["split", "--seed", "0", "--num", "abc"], &["--num", "expected an integer"]);
    refused("K10", &s(Z2, I2, &["--seed", "1", "--key", "0,1"]), &["either --key or --seed"]);
}

#[test]
fn cli_catalogue_options() {
    refused("O01", &s(Z2, I2, &["--method", "qr"]), &["--method", "Unknown method 'qr'", "(INVALID_ARGUMENT)"]);
    refused("O02", &["sample", "--mean", Z2, "--cov", I2, "--backend", "tpu"], &["--backend", "'tpu'"]);
    refused("O02", &["normal", "--backend", "cuda"], &["--backend", "'cuda'"]);
    for dt in ["float16", "bfloat16", "float64", "int32"] {
        refused("O03", &s(Z2, I2, &["--dtype", dt]), &["[multivariate_normal] dtype must be float32", dt, "(INVALID_DTYPE)"]);
    }
    refused("O03", &["normal", "--dtype", "int32", "--backend", "cpu"], &["[normal]", "(INVALID_DTYPE)"]);
    refused("O03", &["uniform", "--dtype", "float64", "--backend", "cpu"], &["[uniform]", "(INVALID_DTYPE)"]);
    refused("O03", &["sample", "--mean", Z2, "--scale-tril", I2, "--dtype", "float16", "--backend", "cpu"], &["(INVALID_DTYPE)"]);
    refused("O04", &s(Z2, I2, &["--dtype", "complex128"]), &["--dtype", "'complex128'", "(INVALID_DTYPE)"]);
    refused("O05", &s(Z2, I2, &["--on-invalid", "ignore"]), &["--on-invalid", "'ignore'", "(INVALID_ARGUMENT)"]);
    for tol in ["-1", "nan", "inf"] {
        refused("O06", &s(Z2, I2, &["--tolerance", tol]), &["tolerance must be finite and >= 0", "(INVALID_ARGUMENT)"]);
    }
    refused("O06", &s(Z2, I2, &["--tolerance", "abc"]), &["--tolerance", "expected a number"]);
    refused("O06", &s(Z2, "[[1, 2], [2, 1]]", &["--tolerance", "1e300"]), &["tolerance must be below 1", "(INVALID_ARGUMENT)"]);
    refused("O06", &s(Z2, "[[1, 0], [100, 1]]", &["--tolerance", "2"]), &["tolerance must be below 1"]);
    for flag in [["--method", "eigh"], ["--on-invalid", "clip"], ["--tolerance", "1e-3"]] {
        refused("O10", &["sample", "--mean", Z2, "--scale-tril", I2, flag[0], flag[1], "--backend", "cpu"], &[flag[0], "applies to --cov only"]);
        refused("O10", &["log-prob", "--mean", Z2, "--diag", "[1, 1]", "--x", "[0, 0]", flag[0], flag[1]], &[flag[0], "applies to --cov only; --diag is used as given"]);
    }
}

#[test]
fn cli_catalogue_arguments_and_files() {
    refused("F01", &s("[0, 0", I2, &[]), &["--mean", "malformed JSON"]);
    refused("F01", &s(Z2, "[[1, 0], [0, 1]", &[]), &["--cov", "malformed JSON"]);
    refused("F01", &s(Z2, "[[1, 0], [0, 1e400]]", &[]), &["--cov", "malformed JSON"]);
    let missing = tmp("missing.json");
    refused("F02", &s(&format!("@{}", missing.to_str().unwrap()), I2, &[]), &["--mean", "cannot read"]);
    refused("F03", &s("@", I2, &[]), &["--mean", "'@' must be followed by a file name"]);
    let bad = TempFile::new("bad.json", b"[1, 2");
    refused("F04", &s(&bad.arg(), I2, &[]), &["--mean", "malformed JSON in"]);
    let empty = TempFile::new("empty.json", b"");
    refused("F04", &s(&empty.arg(), I2, &[]), &["--mean", "malformed JSON in"]);
    let cov = f4(&[1.0, 0.0, 0.0, 1.0]);
    for (descr, words) in [("<c8", "unsupported dtype '<c8'"), ("|b1", "unsupported dtype '|b1'"), ("<u2", "unsupported dtype '<u2'"), (">f4", "big-endian")] {
        let f = TempFile::new("dtype.npy", &npy(1, &format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': (2, 2), }}"), &cov));
        refused("F05", &s(Z2, &f.arg(), &[]), &["--cov", "not a usable .npy file", words]);
    }
    let f = TempFile::new("fortran.npy", &npy(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", &cov));
    refused("F06", &s(Z2, &f.arg(), &[]), &["--cov", "fortran_order is True"]);
    let full = npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", &cov);
    let short = TempFile::new("short.npy", &full[..full.len() - 3]);
    refused("F07", &s(Z2, &short.arg(), &[]), &["--cov", "data holds 13 bytes but shape [2, 2] of <f4 needs 16"]);
    let cut = TempFile::new("cut.npy", &full[..30]);
    refused("F07", &s(Z2, &cut.arg(), &[]), &["--cov", "truncated header"]);
    let magic = TempFile::new("magic.npy", b"\x93NUMPY");
    refused("F07", &s(Z2, &magic.arg(), &[]), &["--cov", "truncated header"]);
    let v2 = TempFile::new("v2cut.npy", b"\x93NUMPY\x02\x00\xff");
    refused("F07", &s(Z2, &v2.arg(), &[]), &["--cov", "truncated header"]);
    let f = TempFile::new("vec.npy", &npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", &f4(&[1.0, 2.0, 3.0])));
    refused("F08", &s(Z2, &f.arg(), &[]), &["cov must have at least two dimensions", "(INVALID_SHAPE)"]);
    let f = TempFile::new("mean22.npy", &npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", &cov));
    refused("F08", &s(&f.arg(), "[[1, 0, 0], [0, 1, 0], [0, 0, 1]]", &[]), &["compatible shapes", "(INVALID_SHAPE)"]);
    let f = TempFile::new("v9.npy", &npy(2, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", &cov).iter().enumerate().map(|(i, &b)| if i == 6 { 9 } else { b }).collect::<Vec<_>>());
    refused("F09", &s(Z2, &f.arg(), &[]), &["--cov", "unsupported format version 9.0"]);
    for dict in ["{'descr': '<f4', 'shape': (2, 2), }", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, x), }", "not a dict"] {
        let f = TempFile::new("hdr.npy", &npy(1, dict, &cov));
        refused("F09", &s(Z2, &f.arg(), &[]), &["--cov", "not a usable .npy file"]);
    }
    let garbage = TempFile::new("garbage.bin", &[0xff, 0xfe, 0x00, 0x80, 0x12]);
    refused("F10", &s(Z2, &garbage.arg(), &[]), &["--cov", "neither a .npy file nor UTF-8 JSON"]);
    refused("F11", &s(Z2, I2, &["--frobnicate"]), &["unknown flag '--frobnicate'"]);
    refused("F11", &s(Z2, I2, &["--frobnicate=1"]), &["unknown flag '--frobnicate'"]);
    refused("F11", &s(Z2, I2, &["-x"]), &["unknown flag '-x'"]);
    refused("F11", &s(Z2, I2, &["stray"]), &["unexpected argument 'stray'"]);
    refused("F11", &["frobnicate"], &["unknown command 'frobnicate'"]);
    refused("F11", &["--frobnicate"], &["unknown flag '--frobnicate' before the command"]);
    refused("F11", &[], &["no command given"]);
    refused("F12", &["sample", "--mean"], &["missing value for --mean"]);
    refused("F12", &["sample", "--mean", Z2, "--cov", I2, "--shape", "--seed", "1"], &["missing value for --shape"]);
    refused("F12", &["sample", "--mean", Z2, "--cov", I2, "--report=1"], &["--report takes no value"]);
    refused("F13", &["sample", "--mean", Z2, "--mean", Z2, "--cov", I2], &["--mean given more than once"]);
    refused("F14", &["sample", "--cov", I2], &["missing required flag --mean"]);
    refused("F14", &["sample", "--mean", Z2], &["missing required flag --cov"]);
    refused("F14", &["key"], &["missing SEED"]);
    refused("F14", &["split"], &["missing --key"]);
    refused("F14", &["sample", "--mean", Z2, "--cov-factor", "[[1], [1]]"], &["--cov-factor W needs --cov-diag d"]);
    refused("F14", &["log-prob", "--mean", Z2, "--cov-diag", "[1, 1]", "--x", "[0, 0]"], &["--cov-diag goes with --cov-factor"]);
    refused("F15", &["sample", "--mean", Z2, "--diag", "[1, 1]", "--cov-diag", "[1, 1]"], &["--cov-diag goes with --cov-factor, not --diag"]);
    refused("F15", &["sample", "--mean", Z2, "--cov", I2, "--scale-tril", I2], &["give one of --cov, --scale-tril, --precision, --diag and --cov-factor, not --cov and --scale-tril"]);
    let out_txt = tmp("x.txt");
    refused("F16", &s(Z2, I2, &["--out", out_txt.to_str().unwrap()]), &["--out", "must end in .npy, .json or .csv"]);
    assert!(!out_txt.exists(), "F16");
    let nodir = tmp("no-such-dir").join("x.npy");
    refused("F16", &s(Z2, I2, &["--out", nodir.to_str().unwrap()]), &["--out", "cannot write"]);
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let o = Command::new(env!("CARGO_BIN_EXE_mvn-gpu")).arg("key").arg(std::ffi::OsStr::from_bytes(b"\xff\xfe")).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "F17");
        assert!(text(&o.stderr).starts_with("error: argument") && text(&o.stderr).contains("not valid UTF-8"), "F17: {}", text(&o.stderr));
    }
    // F18: a header that claims far more data than the file holds: refused, nothing allocated.
    let f = TempFile::new("huge.npy", &npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000,), }", &cov));
    refused("F18", &s(&f.arg(), I2, &[]), &["--mean", "data holds 16 bytes"]);
    let f = TempFile::new("overflow.npy", &npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4294967296), }", &cov));
    refused("F18", &s(&f.arg(), I2, &[]), &["--mean", "shape is too large"]);
    // F21: a malformed --shape is abbreviated in the message.
    let long = format!("[{}", "1, ".repeat(40_000));
    let o = run(&["normal", "--shape", &long, "--backend", "cpu"]);
    let (id, err) = ("F21", text(&o.stderr));
    assert_eq!(o.status.code(), Some(2), "{id}");
    assert!(err.contains("--shape: malformed JSON") && err.len() < 400, "{id}: {} bytes of stderr", err.len());
    // F22: an object array with a key other than shape and data.
    refused("F22", &s(r#"{"shape": [2], "data": [0, 0], "shpae": [2]}"#, I2, &[]), &["unexpected key \"shpae\""]);
    // F23: an integral float in the shape of an object array, as in --shape.
    let id = "F23";
    let a = ok(id, &s(r#"{"shape": [2.0], "data": [1, 2]}"#, I2, &["--shape", "[3]", "--seed", "4"]));
    let b = ok(id, &s("[1, 2]", I2, &["--shape", "[3]", "--seed", "4"]));
    assert_eq!(a, b, "{id}");
    // F19: a write that fails midway (a 4 KiB file-size limit, SIGXFSZ ignored) leaves the old
    // file untouched and no temporary file behind.
    let dir = tmp("f19");
    std::fs::create_dir_all(&dir).unwrap();
    let target = dir.join("x.npy");
    std::fs::write(&target, b"old").unwrap();
    let bin = env!("CARGO_BIN_EXE_mvn-gpu");
    let o = Command::new("sh")
        .arg("-c")
        .arg(format!("trap '' XFSZ; ulimit -f 8; exec '{bin}' sample --mean '[0, 0]' --cov '{I2}' --shape '[100000]' --seed 1 --backend cpu --out '{}'", target.display()))
        .output()
        .unwrap();
    let (id, err) = ("F19", text(&o.stderr));
    assert_eq!(o.status.code(), Some(2), "{id}: {err}");
    assert!(err.contains("--out: cannot write") && !err.contains("panicked"), "{id}: {err}");
    assert_eq!(std::fs::read(&target).unwrap(), b"old", "{id}: the old file was changed");
    let left: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left.len(), 1, "{id}: files left behind: {left:?}");
    std::fs::remove_dir_all(&dir).unwrap();
    // F20: a stderr that cannot be written: exit 2 when there is something to say, not a panic.
    let full = || std::process::Stdio::from(std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap());
    let with_full_stderr = |args: &[&str]| Command::new(bin).args(args).stderr(full()).output().unwrap();
    let id = "F20";
    let o = with_full_stderr(&["sample", "--mean", "[0, 0]", "--cov", I2, "--shape", "[2]", "--seed", "1", "--backend", "cpu", "--report"]);
    assert_eq!(o.status.code(), Some(2), "{id}: --report to a full stderr");
    let o = with_full_stderr(&["sample", "--mean", "[0, 0]", "--cov", "[[1, 2], [2, 1]]", "--on-invalid", "warn", "--seed", "1", "--backend", "cpu"]);
    assert_eq!(o.status.code(), Some(2), "F20: a warning to a full stderr");
    let o = with_full_stderr(&["key", "42"]);
    assert_eq!(o.status.code(), Some(0), "F20: nothing to say on stderr");
    assert_eq!(text(&o.stdout).trim(), text(&run(&["key", "42"]).stdout).trim(), "F20");
}

/// F34: a stdout the caller closed (`>&-`): what would be printed is an error (exit 2), not a
/// silent success; with `--out FILE` nothing goes to stdout and the run succeeds.
#[test]
fn cli_catalogue_closed_stdout() {
    let id = "F34";
    let closed = |args: &str| {
        std::process::Command::new("bash").args(["-c", &format!("exec \"$0\" {args} >&-")]).arg(env!("CARGO_BIN_EXE_mvn-gpu")).output().unwrap()
    };
    for args in ["key 42", "normal --shape [3] --seed 1 --backend cpu"] {
        let o = closed(args);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{id}: {args}: {err}");
        assert!(err.starts_with("error: cannot write to stdout: it is closed"), "{id}: {args}: {err}");
    }
    let f = tmp("closed-stdout.json");
    let o = closed(&format!("normal --shape [3] --seed 1 --backend cpu --out {}", f.display()));
    assert!(o.status.success(), "{id}: --out with stdout closed: {}", text(&o.stderr));
    let v: Value = serde_json::from_slice(&std::fs::read(&f).unwrap()).unwrap();
    assert_eq!(crate::fixtures::shape(&v), vec![3], "{id}");
    let _ = std::fs::remove_file(&f);
}

#[test]
fn cli_catalogue_valid_edge_cases() {
    let (shape, data) = ok("E01", &s("[1, 2]", I2, &["--seed", "3"]));
    assert_eq!((shape.as_slice(), data.len()), (&[2][..], 2), "E01");
    for b in ["cpu", "gpu"] {
        let (shape, data) = ok("E02", &["sample", "--mean", Z2, "--cov", I2, "--shape", "[0]", "--seed", "1", "--backend", b]);
        assert_eq!((shape, data.len()), (vec![0, 2], 0), "E02 {b}");
        let (shape, _) = ok("E03", &["sample", "--mean", Z2, "--cov", "{\"shape\": [0, 2, 2], \"data\": []}", "--seed", "1", "--backend", b]);
        assert_eq!(shape, vec![0, 2], "E03 {b}");
        let n0 = ["sample", "--mean", "[]", "--cov", "{\"shape\": [0, 0], \"data\": []}", "--seed", "1", "--backend", b];
        assert_eq!(ok("E04", &n0).0, vec![0], "E04 {b}");
        assert_eq!(ok("E04", &[&n0[..], &["--shape", "[3]"]].concat()).0, vec![3, 0], "E04 {b}");
        // E05: n = 1 is 3 + 2 z with z the normals of the same key.
        let (_, x) = ok("E05", &["sample", "--mean", "[3]", "--cov", "[[4]]", "--shape", "[100]", "--seed", "5", "--backend", b]);
        let z = mvn_gpu::normal(&[100, 1], 0.0, 1.0, Some(key(5))).unwrap();
        assert!(x.iter().zip(z.data()).all(|(v, z)| (v - (3.0 + 2.0 * z)).abs() <= 1e-5), "E05 {b}");
        // E06: zero covariance: every sample is the mean.
        let (_, x) = ok("E06", &["sample", "--mean", "[1, -2]", "--cov", "[[0, 0], [0, 0]]", "--shape", "[50]", "--seed", "1", "--backend", b]);
        assert!(x.chunks(2).all(|r| r == [1.0, -2.0]), "E06 {b}");
    }
    // E07: rank 1 (v vᵀ, v = (1, 2)): x = t v.
    let (_, x) = ok("E07", &s(Z2, "[[1, 2], [2, 4]]", &["--shape", "[500]", "--seed", "2"]));
    assert!(x.chunks(2).all(|r| (r[1] - 2.0 * r[0]).abs() <= 1e-5 * (1.0 + r[0].abs())), "E07");
    // E08: condition 1e12: finite and equal to the library's samples.
    let args = s(Z2, "[[1e12, 5e5], [5e5, 1]]", &["--shape", "[100]", "--seed", "4"]);
    let (_, x) = ok("E08", &args);
    let cov = Array::new([2, 2], vec![1e12, 5e5, 5e5, 1.0]).unwrap();
    let want = mvn_gpu::multivariate_normal(&Array::new([2], vec![0.0, 0.0]).unwrap(), &cov, &[100], Some(key(4)), &Options::default()).unwrap();
    assert!(x.iter().all(|v| v.is_finite()), "E08");
    assert_eq!(x, want.data(), "E08");
    // E09: round-off asymmetry accepted.
    let (_, x) = ok("E09", &s(Z2, "[[2, 0.6], [0.6000001, 1]]", &["--shape", "[10]", "--seed", "4"]));
    assert!(x.iter().all(|v| v.is_finite()), "E09");
    // E13, E14: empty normal, uniform and split.
    assert_eq!(ok("E13", &["normal", "--shape", "[0]", "--backend", "cpu"]).0, vec![0], "E13");
    assert_eq!(ok("E13", &["uniform", "--shape", "[2, 0]", "--backend", "cpu"]).0, vec![2, 0], "E13");
    assert_eq!(ok("E14", &["split", "--seed", "0", "--num", "0"]).0, vec![0, 2], "E14");
    // E16: a finite scale so large that samples overflow: "inf" strings, never NaN (the
    // formatting is checked in cli::cli_non_finite_values_print_as_strings).
    let (_, z) = ok("E16", &["normal", "--shape", "[200]", "--scale", "2.4e38", "--seed", "0", "--backend", "cpu"]);
    assert!(z.iter().any(|v| v.is_infinite()) && z.iter().all(|v| !v.is_nan()), "E16");
    // E17: --on-invalid clip samples the clipped matrix (rank one along (1, 1)).
    let (_, x) = ok("E17", &s(Z2, "[[1, 2], [2, 1]]", &["--on-invalid", "clip", "--shape", "[100]", "--seed", "1"]));
    assert!(x.chunks(2).all(|r| (r[0] - r[1]).abs() < 1e-4), "E17");
    let d = MultivariateNormal::new(&Array::new([2], vec![0.0, 0.0]).unwrap(), &Array::new([2, 2], vec![1.0, 2.0, 2.0, 1.0]).unwrap(), &Options { on_invalid: mvn_gpu::OnInvalid::Clip, ..Options::default() }).unwrap();
    assert_eq!(x, d.sample(&[100], Some(key(1))).unwrap().data(), "E17");
}

/// An .npy file holding `payload` after the raw `header` bytes (no padding added).
fn npy_raw(header: &str, payload: &[u8]) -> Vec<u8> {
    let mut b = b"\x93NUMPY\x01\x00".to_vec();
    b.extend_from_slice(&(header.len() as u16).to_le_bytes());
    b.extend_from_slice(header.as_bytes());
    b.extend_from_slice(payload);
    b
}

#[test]
fn cli_catalogue_inputs() {
    // F24: a key given twice in an object is refused, wherever the JSON comes from.
    let dup = r#"{"shape": [2], "shape": [2], "data": [0, 0]}"#;
    refused("F24", &s(dup, I2, &[]), &["--mean: duplicate key \"shape\" in {\"shape\", \"data\"} at line 1 column"]);
    refused("F24", &s(Z2, r#"{"shape": [2, 2], "data": [1, 0, 0, 1], "data": [2, 0, 0, 2]}"#, &[]), &["--cov", "duplicate key \"data\""]);
    refused("F24", &s(Z2, r#"{"shape": [2, 2], "data": [1, 0, 0, 1], "dtype": "float32", "dtype": "float32"}"#, &[]), &["--cov", "duplicate key \"dtype\""]);
    refused("F24", &s("[{\"a\": 1, \"a\": 2}, 0]", I2, &[]), &["--mean", "duplicate key \"a\" in a JSON object"]);
    refused("F24", &["uniform", "--low", r#"{"shape": [], "data": [0], "data": [1]}"#, "--backend", "cpu"], &["--low", "duplicate key \"data\""]);
    refused("F24", &["normal", "--shape", r#"{"a": 1, "a": 2}"#, "--backend", "cpu"], &["--shape", "duplicate key \"a\""]);
    let f = TempFile::new("dup.json", dup.as_bytes());
    refused("F24", &s(&f.arg(), I2, &[]), &["--mean: in '", "duplicate key \"shape\""]);
    let k = TempFile::new("dupkey.json", br#"{"shape": [2], "data": [0, 1], "data": [0, 2]}"#);
    refused("F24", &["normal", "--key", &k.arg(), "--backend", "cpu"], &["--key: in '", "duplicate key \"data\""]);
    // The same objects without the repeat are accepted.
    let id = "F24";
    assert_eq!(ok(id, &s(r#"{"shape": [2], "data": [0, 0]}"#, I2, &["--seed", "2"])), ok(id, &s(Z2, I2, &["--seed", "2"])), "{id}");

    // F25: anything but padding after an .npy header dict, a key other than numpy's three, or a
    // key twice.
    let cov = f4(&[1.0, 0.0, 0.0, 1.0]);
    let dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }";
    for (bad, words) in [
        (format!("{dict} xyz"), "unexpected \"xyz\" after the header dict; only padding spaces and the final newline may follow its '}'"),
        (format!("{dict}}}"), "unexpected \"}\" after the header dict"),
        (format!("{dict}\n\tjunk"), "unexpected \"\\tjunk\" after the header dict"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), 'extra': 'x', }".to_string(), "header has the unexpected key 'extra'; an .npy header holds 'descr', 'fortran_order' and 'shape'"),
        ("{'descr': '<f4', 'fortran_order': False, 'version': 1, 'shape': (2, 2), }".to_string(), "header has the unexpected key 'version'"),
        ("{'descr': '<f8', 'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }".to_string(), "header has the key 'descr' twice"),
    ] {
        let f = TempFile::new("garbage.npy", &npy(1, &bad, &cov));
        refused("F25", &s(Z2, &f.arg(), &[]), &["--cov", "is not a usable .npy file", words]);
    }
    // Padding spaces and newlines, and a header without its final newline, are read as numpy reads them.
    let id = "F25";
    let want = ok(id, &s(Z2, I2, &["--seed", "3"]));
    for header in [format!("{dict}     \n"), format!("{dict}\n\n"), dict.to_string()] {
        let f = TempFile::new("padded.npy", &npy_raw(&header, &cov));
        assert_eq!(ok(id, &s(Z2, &f.arg(), &["--seed", "3"])), want, "{id}: {header:?}");
    }

    // F26: bytes after the array are refused (np.load would ignore them).
    let long = TempFile::new("long.npy", &npy(1, dict, &f4(&[1.0, 0.0, 0.0, 1.0, 7.0])));
    refused("F26", &s(Z2, &long.arg(), &[]), &["--cov", "data holds 20 bytes but shape [2, 2] of <f4 needs 16: 4 bytes follow the array"]);

    // F27: a UTF-8 byte-order mark is skipped: a file, an inline argument and a key file give
    // what they give without it.
    let id = "F27";
    let want = ok(id, &s("[1, 2]", I2, &["--seed", "5"]));
    let bom = TempFile::new("bom.json", b"\xef\xbb\xbf[1, 2]");
    assert_eq!(ok(id, &s(&bom.arg(), I2, &["--seed", "5"])), want, "{id}: file");
    let bom_obj = TempFile::new("bom-obj.json", b"\xef\xbb\xbf{\"shape\": [2], \"data\": [1, 2]}");
    assert_eq!(ok(id, &s(&bom_obj.arg(), I2, &["--seed", "5"])), want, "{id}: object file");
    assert_eq!(ok(id, &s("\u{feff}[1, 2]", I2, &["--seed", "5"])), want, "{id}: inline");
    assert_eq!(ok(id, &s("[1, 2]", I2, &["--seed", "5", "--shape", "\u{feff}[]"])), want, "{id}: --shape");
    let want = ok(id, &["normal", "--shape", "[3]", "--key", "0,42", "--backend", "cpu"]);
    for (name, bytes) in [("bom-key.json", &b"\xef\xbb\xbf{\"shape\": [2], \"data\": [0, 42]}\n"[..]), ("bom-key.csv", b"\xef\xbb\xbf0,42\n")] {
        let k = TempFile::new(name, bytes);
        assert_eq!(ok(id, &["normal", "--shape", "[3]", "--key", &k.arg(), "--backend", "cpu"]), want, "{id}: {name}");
    }
}

#[test]
fn cli_catalogue_key_files() {
    let normal = |k: &str| ok("F28", &["normal", "--shape", "[5]", "--key", k, "--backend", "cpu"]);
    let split3 = |k: &str| text(&run(&["split", "--key", k, "--num", "3"]).stdout);
    let w = mvn_gpu::split_n(key(3), 1).unwrap()[0].words();
    // F28: what `key` and `split --num 1` write, on stdout and in every --out format, is a key.
    for (made_by, words) in [(vec!["key", "42"], "0,42".to_string()), (vec!["split", "--seed", "3", "--num", "1"], format!("{},{}", w[0], w[1]))] {
        let (id, want, want_split) = ("F28", normal(&words), split3(&words));
        let o = run(&made_by);
        assert!(o.status.success(), "{id}: {made_by:?}");
        let stdout = TempFile::new("stdout-key.json", &o.stdout);
        assert_eq!(normal(&stdout.arg()), want, "{id}: {made_by:?} stdout");
        assert_eq!(split3(&stdout.arg()), want_split, "{id}: split --key from {made_by:?} stdout");
        for ext in ["json", "npy", "csv", "NPY"] {
            let f = TempFile(tmp(&format!("key.{ext}")));
            let o = run(&[&made_by[..], &["--out", f.0.to_str().unwrap()]].concat());
            assert!(o.status.success(), "{id}: {made_by:?} --out .{ext}: {}", text(&o.stderr));
            assert_eq!(normal(&f.arg()), want, "{id}: {made_by:?} .{ext}");
            assert_eq!(split3(&f.arg()), want_split, "{id}: split --key from {made_by:?} .{ext}");
        }
    }
    let id = "F28";
    let list = TempFile::new("list.json", b"[0, 42]");
    assert_eq!(normal(&list.arg()), normal("0,42"), "{id}: a plain list");
    let (shape, x) = ok(id, &["sample", "--mean", Z2, "--cov", I2, "--key", &list.arg(), "--backend", "cpu"]);
    assert_eq!((shape, x), ok(id, &s(Z2, I2, &["--key", "0,42"])), "{id}: sample");

    // F29: a file of several keys, of no key or of other values is refused, saying what it holds.
    for (made_by, ext, n) in [(&["split", "--seed", "0"][..], "json", "2 keys (shape [2, 2])"), (&["split", "--seed", "0", "--num", "3"], "npy", "3 keys (shape [3, 2])"), (&["split", "--seed", "0"], "csv", "2 keys (shape [2, 2])"), (&["split", "--seed", "0", "--num", "0"], "json", "0 keys (shape [0, 2])")] {
        let f = TempFile(tmp(&format!("keys.{ext}")));
        assert!(run(&[made_by, &["--out", f.0.to_str().unwrap()]].concat()).status.success());
        refused("F29", &["normal", "--key", &f.arg(), "--backend", "cpu"], &["--key: '", &format!("holds {n}; --key takes one")]);
    }
    let floats = TempFile(tmp("floats.npy"));
    assert!(run(&["normal", "--shape", "[2]", "--seed", "1", "--backend", "cpu", "--out", floats.0.to_str().unwrap()]).status.success());
    refused("F29", &["normal", "--key", &floats.arg(), "--backend", "cpu"], &["--key", "not a usable .npy file", "dtype '<f4' cannot hold key words", "<u4"]);
    let floats = TempFile::new("floats.json", b"{\"shape\": [2], \"data\": [0.5, 1]}");
    refused("F29", &["normal", "--key", &floats.arg(), "--backend", "cpu"], &["--key: in '", "\"data\"[0] is not an unsigned 32-bit word: 0.5"]);
    let big = TempFile::new("big.json", b"[0, 4294967296]");
    refused("F29", &["normal", "--key", &big.arg(), "--backend", "cpu"], &["--key", "element [1] is not an unsigned 32-bit word"]);
    let three = TempFile::new("three.json", b"[1, 2, 3]");
    refused("F29", &["normal", "--key", &three.arg(), "--backend", "cpu"], &["--key", "holds an array of shape [3], not a key"]);
    let csv = TempFile::new("bad.csv", b"0,x\n");
    refused("F29", &["normal", "--key", &csv.arg(), "--backend", "cpu"], &["--key: in '", "row 1: 'x' is not an unsigned 32-bit word"]);
    let ragged = TempFile::new("ragged.csv", b"0,1\n2\n");
    refused("F29", &["normal", "--key", &ragged.arg(), "--backend", "cpu"], &["row 2 has 1 values but row 1 has 2"]);
    refused("F29", &["normal", "--key", "@", "--backend", "cpu"], &["--key: '@' must be followed by a file name"]);
    refused("F29", &["split", "--key", &format!("@{}", tmp("missing.json").display())], &["--key: cannot read"]);
    refused("F29", &["normal", "--key", "@k.json", "--seed", "1", "--backend", "cpu"], &["either --key or --seed"]);
}

/// The JSON and CSV text of `data` as the CLI writes it (through its own writers).
fn texts(data: &[f32]) -> (String, String) {
    use mvn_gpu::cli::stream::{write_csv, write_json};
    let v = mvn_gpu::cli::values::Values::f32(&[data.len()], data);
    let (mut json, mut csv) = (Vec::new(), Vec::new());
    write_json(&mut json, &v).unwrap();
    write_csv(&mut csv, &v).unwrap();
    (String::from_utf8(json).unwrap(), String::from_utf8(csv).unwrap())
}

/// Checks one float's text: it reads back (serde_json and Rust) as the same float32, and it has
/// an exponent exactly when |x| < 1e-6 or |x| >= 1e21 (JavaScript's Number#toString notation).
#[track_caller]
fn check_float_text(id: &str, x: f32, t: &str) {
    let v: Value = serde_json::from_str(t).unwrap_or_else(|e| panic!("{id}: {x:e} printed as {t:?}, not JSON: {e}"));
    let back = v.as_f64().unwrap() as f32;
    assert_eq!(back.to_bits(), x.to_bits(), "{id}: {x:e} printed as {t:?} reads back as {back:e} through serde_json");
    assert_eq!(t.parse::<f32>().unwrap().to_bits(), x.to_bits(), "{id}: {t:?}");
    let a = x.abs();
    let exp = a != 0.0 && !(1e-6..1e21).contains(&a);
    assert_eq!(t.contains('e'), exp, "{id}: {x:e} printed as {t:?}");
    assert!(t.len() <= 22 && !t.contains('+'), "{id}: {x:e} printed as {t:?}");
}

/// `mvn-gpu ARGS` under `ulimit -v KB`, with one rayon thread and one malloc arena (so that the
/// address space it needs does not depend on the machine's cores).
fn under_limit(kb: u64, args: &[&str]) -> Output {
    let bin = env!("CARGO_BIN_EXE_mvn-gpu");
    let args: Vec<String> = args.iter().map(|a| format!("'{a}'")).collect();
    Command::new("bash")
        .arg("-c")
        .arg(format!("ulimit -v {kb}; exec '{bin}' {}", args.join(" ")))
        .env("RAYON_NUM_THREADS", "1")
        .env("MALLOC_ARENA_MAX", "1")
        .output()
        .unwrap()
}

#[test]
fn cli_catalogue_outputs() {
    // F30: floats print as the shortest text that reads back as the same float32, with an
    // exponent below 1e-6 and from 1e21 on; ordinary values as before.
    let id = "F30";
    let cases: [(f32, &str); 20] = [
        (1e38, "1e38"),
        (-1e38, "-1e38"),
        (f32::MAX, "3.4028235e38"),
        (f32::MIN, "-3.4028235e38"),
        (f32::MIN_POSITIVE, "1.1754944e-38"),
        (f32::from_bits(1), "1e-45"),
        (f32::from_bits(0x007f_ffff), "1.1754942e-38"),
        (1.5e-30, "1.5e-30"),
        (1e-30, "1e-30"),
        (1e21, "1e21"),
        (1e20, "100000000000000000000"),
        (1e-6, "0.000001"),
        (1e-7, "1e-7"),
        (-2.5e-7, "-2.5e-7"),
        (0.0, "0"),
        (-0.0, "-0"),
        (0.1, "0.1"),
        (-2.5, "-2.5"),
        (123456.79, "123456.79"),
        (16777216.0, "16777216"),
    ];
    let xs: Vec<f32> = cases.iter().map(|c| c.0).collect();
    let (json, csv) = texts(&xs);
    let want: Vec<&str> = cases.iter().map(|c| c.1).collect();
    assert_eq!(json, format!("{{\"shape\": [{}], \"data\": [{}]}}\n", xs.len(), want.join(", ")), "{id}");
    assert_eq!(csv, format!("{}\n", want.join(",")), "{id}");
    for (x, t) in cases {
        check_float_text(id, x, t);
    }
    assert_eq!(texts(&[f32::NAN, f32::INFINITY, f32::NEG_INFINITY]).0, "{\"shape\": [3], \"data\": [\"nan\", \"inf\", \"-inf\"]}\n", "{id}");
    // Every 65521st float32 (about 65 000, subnormals and both signs included).
    let xs: Vec<f32> = (0..=u32::MAX).step_by(65_521).map(f32::from_bits).filter(|x| x.is_finite()).collect();
    let (json, _) = texts(&xs);
    let body = json.split("\"data\": [").nth(1).unwrap().trim_end().trim_end_matches("]}");
    for (x, t) in xs.iter().zip(body.split(", ")) {
        check_float_text(id, *x, t);
    }
    // Through the binary: samples equal to the mean (zero covariance), on stdout and in CSV.
    let mean = "[1e38, 3.4028235e38, 1.1754944e-38, 1e-45, 1.5e-30, 1e21, 1e20, 0.000001, 1e-7, 0.1, -123.456]";
    let zeros = format!("[{}]", vec![format!("[{}]", ["0"; 11].join(", ")); 11].join(", "));
    let args = s(mean, &zeros, &["--seed", "1"]);
    let want_data = "1e38, 3.4028235e38, 1.1754944e-38, 1e-45, 1.5e-30, 1e21, 100000000000000000000, 0.000001, 1e-7, 0.1, -123.456";
    assert_eq!(text(&run(&args).stdout), format!("{{\"shape\": [11], \"data\": [{want_data}]}}\n"), "{id}");
    let out = TempFile(tmp("extremes.csv"));
    assert!(run(&[&args[..], &["--out", out.0.to_str().unwrap()]].concat()).status.success(), "{id}");
    assert_eq!(std::fs::read_to_string(&out.0).unwrap(), format!("{}\n", want_data.replace(", ", ",")), "{id}");
    // ... and in the --report (float64 eigenvalues).
    let o = run(&s(Z2, "[[1e-30, 0], [0, 2e-30]]", &["--method", "eigh", "--seed", "1", "--report"]));
    let err = text(&o.stderr);
    assert!(o.status.success(), "{id}: {err}");
    let (lo, hi) = (1e-30f32 as f64, 2e-30f32 as f64);
    assert!(err.contains(&format!("\"min_eigenvalue\": {lo:e}, \"max_eigenvalue\": {hi:e}")) && !err.contains("0.000000"), "{id}: {err}");
    let rep: Value = serde_json::from_str(err.trim()).unwrap();
    assert_eq!((rep["reports"][0]["min_eigenvalue"].as_f64(), rep["reports"][0]["max_eigenvalue"].as_f64()), (Some(lo), Some(hi)), "{id}");

    // F32: `--out FILE.npy` is written straight from the result, the bytes as numpy lays them
    // out: the header padded with spaces to 128 bytes, then exactly 4 bytes per value.
    let id = "F32";
    let out = TempFile(tmp("large.npy"));
    let o = run(&["normal", "--shape", "[1000, 1000]", "--seed", "9", "--backend", "cpu", "--out", out.0.to_str().unwrap()]);
    assert!(o.status.success(), "{id}: {}", text(&o.stderr));
    let bytes = std::fs::read(&out.0).unwrap();
    let dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (1000, 1000), }";
    let mut header = b"\x93NUMPY\x01\x00\x76\x00".to_vec();
    header.extend_from_slice(format!("{dict}{}\n", " ".repeat(128 - 10 - dict.len() - 1)).as_bytes());
    assert_eq!(&bytes[..128], &header[..], "{id}: header");
    assert_eq!(bytes.len(), 128 + 4_000_000, "{id}: size");
    let want = mvn_gpu::normal(&[1000, 1000], 0.0, 1.0, Some(key(9))).unwrap();
    assert!(bytes[128..].chunks_exact(4).zip(want.data()).all(|(b, w)| f32::from_le_bytes(b.try_into().unwrap()).to_bits() == w.to_bits()), "{id}: values");

    // F33: what the CLI allocates beyond the library's result is bounded: under an address-space
    // limit that holds the result once but not twice, `normal` writes .npy and JSON (it aborted,
    // exit 134, building the .npy bytes in memory).
    let id = "F33";
    let small = TempFile(tmp("small.npy"));
    let fits = |kb: u64| under_limit(kb, &["normal", "--shape", "[1]", "--seed", "1", "--backend", "cpu", "--out", small.0.to_str().unwrap()]).status.success();
    let base = (4..256u64).map(|mb| mb * 4096).find(|&kb| fits(kb)).expect("mvn-gpu runs within 1 GiB");
    let n = 10_000_000u64;
    let limit = base + 4 * n / 1024 + 16 * 1024;
    for ext in ["npy", "json"] {
        let out = TempFile(tmp(&format!("bounded.{ext}")));
        let o = under_limit(limit, &["normal", "--shape", &format!("[{n}]"), "--seed", "1", "--backend", "cpu", "--out", out.0.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "{id}: .{ext} under ulimit -v {limit} (base {base}): {}", text(&o.stderr));
        let size = std::fs::metadata(&out.0).unwrap().len();
        assert!(if ext == "npy" { size == 128 + 4 * n } else { size > 8 * n }, "{id}: .{ext} of {size} bytes");
    }
}

#[test]
fn cli_catalogue_bits() {
    // F31: `bits --width` other than 1, 2 or 4.
    for w in ["0", "3", "8", "x", "-1", "1.0", ""] {
        refused("F31", &["bits", "--shape", "[2]", "--seed", "1", &format!("--width={w}")], &["--width: expected 1, 2 or 4 (bytes per element: uint8, uint16, uint32)", &format!("got '{w}'")]);
    }
    refused("F31", &["bits", "--shape", "[2]", "--dtype", "uint8"], &["bits: unknown flag '--dtype'"]);
}
