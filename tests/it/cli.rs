//! The `mvn-gpu` command-line tool, run as a child process: outputs against MLX's oracle
//! vectors and the library, file formats parsed independently here, and every error path.

use crate::fixtures::{self, load};
use mvn_gpu::{key, Array, Method, MultivariateNormal, OnInvalid, Options};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

pub(crate) fn cmd(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mvn-gpu"));
    c.args(args);
    if std::env::var_os("XDG_RUNTIME_DIR").is_none() {
        c.env("XDG_RUNTIME_DIR", std::env::temp_dir());
    }
    c
}

pub(crate) fn run(args: &[&str]) -> Output {
    cmd(args).output().expect("the mvn-gpu binary runs")
}

pub(crate) fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Runs a command that must succeed and returns its stdout.
pub(crate) fn ok_stdout(args: &[&str]) -> String {
    let o = run(args);
    assert!(o.status.success(), "mvn-gpu {args:?} failed ({:?}): {}", o.status.code(), text(&o.stderr));
    text(&o.stdout)
}

/// Runs a command that must succeed and parses its JSON stdout.
fn ok_json(args: &[&str]) -> Value {
    let out = ok_stdout(args);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("mvn-gpu {args:?}: stdout is not JSON ({e}): {out}"))
}

/// Runs a command that must fail with exit status 2, `error: ...` on stderr naming `needle`,
/// and nothing on stdout. Returns stderr.
pub(crate) fn fails(args: &[&str], needle: &str) -> String {
    let o = run(args);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "mvn-gpu {args:?}: want exit 2, got {:?}; stderr: {err}", o.status.code());
    assert!(err.starts_with("error: "), "mvn-gpu {args:?}: stderr should start with 'error: ': {err}");
    assert!(err.contains(needle), "mvn-gpu {args:?}: stderr should mention {needle:?}: {err}");
    assert!(!err.contains("panicked"), "mvn-gpu {args:?} panicked: {err}");
    assert!(o.stdout.is_empty(), "mvn-gpu {args:?}: stdout should be empty on error: {}", text(&o.stdout));
    err
}

/// A fresh path under the temp dir, unique per process and call.
pub(crate) fn tmp(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let p = std::env::temp_dir().join(format!("mvn-gpu-cli-{}-{n}-{name}", std::process::id()));
    let _ = std::fs::remove_file(&p);
    p
}

pub(crate) fn path_str(p: &Path) -> String {
    p.to_str().expect("temp path is UTF-8").to_string()
}

fn shape_of(v: &Value) -> Vec<usize> {
    fixtures::shape(v)
}

fn floats(v: &Value) -> Vec<f32> {
    fixtures::f32s(v)
}

fn words(v: &Value) -> Vec<u64> {
    v["data"].as_array().unwrap().iter().map(|x| x.as_u64().unwrap()).collect()
}

fn assert_bits(id: &str, got: &[f32], want: &[f32]) {
    fixtures::assert_bits_eq(id, got, want);
}

/// The JSON text of an array, in the `{"shape", "data"}` form the CLI accepts.
fn obj(v: &Value) -> String {
    serde_json::to_string(v).unwrap()
}

// --- .npy, parsed and written independently of the binary ---

struct Npy {
    major: u8,
    descr: String,
    fortran: bool,
    shape: Vec<usize>,
    header_total: usize,
    payload: Vec<u8>,
}

fn read_npy(path: &PathBuf) -> Npy {
    let b = std::fs::read(path).unwrap();
    assert_eq!(&b[..6], b"\x93NUMPY", "magic");
    let major = b[6];
    assert_eq!(b[7], 0, "minor version");
    let (hlen, start) = match major {
        1 => (u16::from_le_bytes([b[8], b[9]]) as usize, 10),
        2 => (u32::from_le_bytes([b[8], b[9], b[10], b[11]]) as usize, 12),
        v => panic!("version {v}"),
    };
    let header = std::str::from_utf8(&b[start..start + hlen]).unwrap();
    assert!(header.ends_with('\n'), "header ends with a newline: {header:?}");
    let field = |k: &str| -> String {
        let at = header.find(&format!("'{k}':")).unwrap_or_else(|| panic!("no {k} in {header}")) + k.len() + 3;
        header[at..].trim_start().to_string()
    };
    let descr = field("descr");
    let descr = descr[1..].split('\'').next().unwrap().to_string();
    let fortran = field("fortran_order").starts_with("True");
    let sh = field("shape");
    let sh = &sh[1..sh.find(')').unwrap()];
    let shape = sh.split(',').map(str::trim).filter(|s| !s.is_empty()).map(|s| s.parse().unwrap()).collect();
    Npy { major, descr, fortran, shape, header_total: start + hlen, payload: b[start + hlen..].to_vec() }
}

impl Npy {
    fn f32s(&self) -> Vec<f32> {
        assert_eq!(self.descr, "<f4");
        self.payload.chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().unwrap())).collect()
    }
    fn u32s(&self) -> Vec<u32> {
        assert_eq!(self.descr, "<u4");
        self.payload.chunks_exact(4).map(|c| u32::from_le_bytes(c.try_into().unwrap())).collect()
    }
}

/// Writes a version 1.0 .npy file by hand with `descr` and little-endian `payload`.
fn write_npy(path: &PathBuf, descr: &str, fortran: bool, shape: &[usize], payload: &[u8]) {
    let sh = match shape {
        [d] => format!("({d},)"),
        _ => format!("({})", shape.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ")),
    };
    let f = if fortran { "True" } else { "False" };
    let mut header = format!("{{'descr': '{descr}', 'fortran_order': {f}, 'shape': {sh}, }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut b = b"\x93NUMPY\x01\x00".to_vec();
    b.extend_from_slice(&(header.len() as u16).to_le_bytes());
    b.extend_from_slice(header.as_bytes());
    b.extend_from_slice(payload);
    std::fs::write(path, b).unwrap();
}

fn f4(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn f8(v: &[f64]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

// --- A fixed 3-d distribution used by several tests ---

const MEAN: &str = "[1.0, -2.0, 0.5]";
const COV: &str = "[[2.0, 0.3, -0.4], [0.3, 1.0, 0.2], [-0.4, 0.2, 0.5]]";
const MEAN_V: [f32; 3] = [1.0, -2.0, 0.5];
const COV_V: [f32; 9] = [2.0, 0.3, -0.4, 0.3, 1.0, 0.2, -0.4, 0.2, 0.5];

fn mean_arr() -> Array {
    Array::new([3], MEAN_V.to_vec()).unwrap()
}

fn cov_arr() -> Array {
    Array::new([3, 3], COV_V.to_vec()).unwrap()
}

// ---------------------------------------------------------------------------------------------
// key and split
// ---------------------------------------------------------------------------------------------

#[test]
fn cli_key_prints_mlx_keys() {
    let v = ok_json(&["key", "42"]);
    assert_eq!(shape_of(&v), [2]);
    assert_eq!(words(&v), [0, 42]);
    assert_eq!(ok_stdout(&["key", "42"]).trim(), r#"{"shape": [2], "data": [0, 42]}"#);
    assert_eq!(words(&ok_json(&["key", "4294967296"])), [1, 0]);
    assert_eq!(words(&ok_json(&["key", "18446744073709551615"])), [4294967295, 4294967295]);
    // MLX's own keys.
    for c in load("key.json") {
        let seed = c["args"]["seed"].as_u64().unwrap().to_string();
        let want: Vec<u64> = fixtures::u32s(&c["out"]).into_iter().map(u64::from).collect();
        assert_eq!(words(&ok_json(&["key", &seed])), want, "{}", c["id"]);
    }
}

#[test]
fn cli_split_matches_mlx() {
    let v = ok_json(&["split", "--seed", "0"]);
    assert_eq!(shape_of(&v), [2, 2]);
    assert_eq!(words(&v), [4146024105, 967050713, 2718843009, 1272950319]);
    assert_eq!(words(&ok_json(&["split", "--key", "0,0"])), words(&v));
    let mut n = 0;
    for c in load("split.json") {
        let k = fixtures::key(&c["args"]["key"]).words();
        let ks = format!("{},{}", k[0], k[1]);
        let (got, want): (Value, Vec<u64>) = if c["fn"] == "split_pair" {
            let want = ["k1", "k2"].iter().flat_map(|w| c["out"][w].as_array().unwrap().iter().map(|x| x.as_u64().unwrap())).collect();
            let got = ok_json(&["split", "--key", &ks]);
            assert_eq!(shape_of(&got), [2, 2]);
            (got, want)
        } else {
            let num = c["args"]["num"].as_i64().unwrap().to_string();
            let got = ok_json(&["split", "--key", &ks, "--num", &num]);
            assert_eq!(shape_of(&got), shape_of(&c["out"]), "{}", c["id"]);
            (got, words(&c["out"]))
        };
        assert_eq!(words(&got), want, "{}", c["id"]);
        n += 1;
    }
    assert_eq!(n, 23);
    // --num 0 is an empty [0, 2] array.
    let v = ok_json(&["split", "--seed", "5", "--num", "0"]);
    assert_eq!(shape_of(&v), [0, 2]);
    assert!(words(&v).is_empty());
}

// ---------------------------------------------------------------------------------------------
// sample
// ---------------------------------------------------------------------------------------------

#[test]
fn cli_sample_cpu_svd_equals_library_bit_for_bit() {
    let want = mvn_gpu::multivariate_normal(&mean_arr(), &cov_arr(), &[50], Some(key(7)), &Options::with_method(Method::Svd)).unwrap();
    let v = ok_json(&["sample", "--mean", MEAN, "--cov", COV, "--shape", "[50]", "--seed", "7", "--method", "svd", "--backend", "cpu"]);
    assert_eq!(shape_of(&v), [50, 3]);
    assert_bits("cli svd seed 7", &floats(&v), want.data());
    // --key 0,7 is key(7); --flag=value works too.
    let v2 = ok_json(&["sample", "--mean", MEAN, "--cov", COV, "--shape=[50]", "--key=0,7", "--method=svd", "--backend", "cpu"]);
    assert_bits("cli svd key 0,7", &floats(&v2), want.data());
    // Every method: CLI == library.
    for m in [Method::Cholesky, Method::Eigh, Method::Svd] {
        let want = mvn_gpu::multivariate_normal(&mean_arr(), &cov_arr(), &[4, 5], Some(key(1234)), &Options::with_method(m)).unwrap();
        let v = ok_json(&["sample", "--mean", MEAN, "--cov", COV, "--shape", "[4, 5]", "--seed", "1234", "--method", m.as_str(), "--backend", "cpu"]);
        assert_eq!(shape_of(&v), [4, 5, 3]);
        assert_bits(m.as_str(), &floats(&v), want.data());
    }
    // Default method is cholesky, default shape [] gives one sample of shape [3].
    let want = mvn_gpu::multivariate_normal(&mean_arr(), &cov_arr(), &[], Some(key(3)), &Options::default()).unwrap();
    let v = ok_json(&["sample", "--mean", MEAN, "--cov", COV, "--seed", "3", "--backend", "cpu"]);
    assert_eq!(shape_of(&v), [3]);
    assert_bits("defaults", &floats(&v), want.data());
}

#[test]
fn cli_sample_svd_reproduces_mlx_vectors() {
    for c in load("mvn_small.json") {
        let a = &c["args"];
        let k = fixtures::key(&a["key"]).words();
        let ks = format!("{},{}", k[0], k[1]);
        let shape = serde_json::to_string(&a["shape"]).unwrap();
        let v = ok_json(&[
            "sample", "--mean", &obj(&a["mean"]), "--cov", &obj(&a["cov"]), "--shape", &shape, "--key", &ks, "--method", "svd", "--backend", "cpu",
        ]);
        assert_eq!(shape_of(&v), shape_of(&c["out"]), "{}", c["id"]);
        let atol = c["compare"]["atol"].as_f64().unwrap();
        let d = fixtures::max_abs_diff(&floats(&v), &floats(&c["out"]));
        assert!(d <= atol, "{}: max |cli - MLX| {d:e} > atol {atol:e}", c["id"]);
    }
}

#[test]
fn cli_sample_gpu_backend_matches_cpu() {
    let base = ["sample", "--mean", MEAN, "--cov", COV, "--shape", "[200]", "--seed", "7", "--method", "svd"];
    let cpu = floats(&ok_json(&[&base[..], &["--backend", "cpu"]].concat()));
    let gpu = ok_json(&[&base[..], &["--backend", "gpu"]].concat());
    assert_eq!(shape_of(&gpu), [200, 3]);
    let gpu = floats(&gpu);
    assert_eq!(gpu.len(), cpu.len());
    for (i, (g, c)) in gpu.iter().zip(&cpu).enumerate() {
        assert!((g - c).abs() <= 1e-5 * c.abs().max(1.0), "[{i}] gpu {g} cpu {c}");
    }
    // gpu is the default backend.
    let dflt = floats(&ok_json(&base));
    assert_bits("default backend is the GPU", &dflt, &gpu);
    // Batched mean on the GPU: shape broadcast(shape, batch) + (n,).
    let v = ok_json(&["sample", "--mean", "[[0, 0], [10, -10]]", "--cov", "[[1, 0.5], [0.5, 1]]", "--shape", "[4, 2]", "--seed", "9", "--backend", "gpu"]);
    assert_eq!(shape_of(&v), [4, 2, 2]);
    let cpu = ok_json(&["sample", "--mean", "[[0, 0], [10, -10]]", "--cov", "[[1, 0.5], [0.5, 1]]", "--shape", "[4, 2]", "--seed", "9", "--backend", "cpu"]);
    assert!(fixtures::max_abs_diff(&floats(&v), &floats(&cpu)) <= 1e-4);
}

#[test]
fn cli_normal_and_uniform_match_mlx_and_the_library() {
    // MLX's own normals and uniforms, bit for bit on the CPU backend.
    for c in load("normal.json") {
        let a = &c["args"];
        let k = fixtures::key(&a["key"]).words();
        let ks = format!("{},{}", k[0], k[1]);
        let shape = serde_json::to_string(&a["shape"]).unwrap();
        let mut args = vec!["normal".to_string(), "--shape".into(), shape, "--key".into(), ks, "--backend".into(), "cpu".into()];
        for (flag, name) in [("--loc", "loc"), ("--scale", "scale")] {
            if !a[name].is_null() {
                args.push(flag.into());
                args.push(fixtures::num(&a[name]).to_string());
            }
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let v = ok_json(&args);
        assert_eq!(shape_of(&v), shape_of(&c["out"]), "{}", c["id"]);
        assert_bits(c["id"].as_str().unwrap(), &floats(&v), &floats(&c["out"]));
    }
    for c in load("uniform.json") {
        let a = &c["args"];
        let k = fixtures::key(&a["key"]).words();
        let ks = format!("{},{}", k[0], k[1]);
        let shape = serde_json::to_string(&a["shape"]).unwrap();
        let mut args = vec!["uniform".to_string(), "--shape".into(), shape, "--key".into(), ks, "--backend".into(), "cpu".into()];
        for (flag, name) in [("--low", "low"), ("--high", "high")] {
            if !a[name].is_null() {
                args.push(flag.into());
                args.push(obj(&a[name]));
            }
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let v = ok_json(&args);
        assert_eq!(shape_of(&v), shape_of(&c["out"]), "{}", c["id"]);
        assert_bits(c["id"].as_str().unwrap(), &floats(&v), &floats(&c["out"]));
    }
    // The GPU backend: uniforms exact, normals within the crate's ulp bound.
    let want = mvn_gpu::normal(&[64], 2.0, 0.5, Some(key(11))).unwrap();
    let v = ok_json(&["normal", "--shape", "[64]", "--loc", "2", "--scale", "0.5", "--seed", "11", "--backend", "gpu"]);
    for (i, (g, w)) in floats(&v).iter().zip(want.data()).enumerate() {
        assert!(fixtures::ulps(*g, *w) <= crate::NORMAL_ULP_BOUND, "normal[{i}] gpu {g} cpu {w}");
    }
    let want = mvn_gpu::uniform(&[4, 2], Array::from_vec(vec![0.0, 10.0]), Array::from_vec(vec![1.0, 20.0]), Some(key(3))).unwrap();
    let v = ok_json(&["uniform", "--shape", "[4, 2]", "--low", "[0, 10]", "--high", "[1, 20]", "--seed", "3", "--backend", "gpu"]);
    assert_eq!(shape_of(&v), [4, 2]);
    assert_bits("uniform gpu array bounds", &floats(&v), want.data());
    let want = mvn_gpu::uniform(&[5], -1.0, 1.0, Some(key(3))).unwrap();
    let v = ok_json(&["uniform", "--shape", "[5]", "--low", "-1", "--high", "1", "--seed", "3", "--backend", "gpu"]);
    assert_bits("uniform gpu scalar bounds", &floats(&v), want.data());
    // Defaults: shape [], uniform in [0, 1).
    let v = ok_json(&["uniform", "--seed", "1", "--backend", "cpu"]);
    assert_eq!(shape_of(&v), Vec::<usize>::new());
    assert_bits("uniform defaults", &floats(&v), mvn_gpu::uniform(&[], 0.0, 1.0, Some(key(1))).unwrap().data());
}

// ---------------------------------------------------------------------------------------------
// bits
// ---------------------------------------------------------------------------------------------

#[test]
fn cli_bits_match_mlx_and_the_library() {
    // MLX's oracle vectors: every case on the CPU, the narrow widths and the larger shapes on the GPU.
    let mut n = 0;
    for c in load("bits.json") {
        let a = &c["args"];
        let k = fixtures::key(&a["key"]).words();
        let (shape, width) = (obj(&a["shape"]), a["width"].to_string());
        let want: Vec<u64> = fixtures::u32s(&c["out"]).into_iter().map(u64::from).collect();
        let gpu_too = width != "4" || want.len() >= 12;
        for b in if gpu_too { &["cpu", "gpu"][..] } else { &["cpu"] } {
            let v = ok_json(&["bits", "--shape", &shape, "--width", &width, "--key", &format!("{},{}", k[0], k[1]), "--backend", b]);
            assert_eq!(shape_of(&v), shape_of(&c["out"]), "{} {b}", c["id"]);
            assert_eq!(words(&v), want, "{} {b}", c["id"]);
        }
        n += 1;
    }
    assert_eq!(n, 37);
    // The library's bits_width on both backends, as JSON, .npy (|u1, <u2, <u4) and CSV; width 4 by default.
    for (width, descr) in [(1u32, "|u1"), (2, "<u2"), (4, "<u4")] {
        let want = mvn_gpu::bits_width(&[3, 1001], width, Some(key(5))).unwrap();
        let want64: Vec<u64> = want.data().iter().map(|&x| u64::from(x)).collect();
        for b in ["cpu", "gpu"] {
            let args = ["bits", "--shape", "[3, 1001]", "--width", &width.to_string(), "--seed", "5", "--backend", b];
            let v = ok_json(&args);
            assert_eq!((shape_of(&v), words(&v)), (vec![3, 1001], want64.clone()), "width {width} {b}");
            let p = tmp("bits.npy");
            ok_stdout(&[&args[..], &["--out", &path_str(&p)]].concat());
            let npy = read_npy(&p);
            assert_eq!((npy.descr.as_str(), npy.shape.as_slice(), npy.header_total % 64), (descr, &[3, 1001][..], 0), "width {width} {b}");
            let got: Vec<u32> = npy.payload.chunks_exact(width as usize).map(|c| c.iter().rev().fold(0u32, |a, &x| a << 8 | u32::from(x))).collect();
            assert_eq!(got, want.data(), "width {width} {b} .npy");
            let pc = tmp("bits.csv");
            ok_stdout(&[&args[..], &["--out", &path_str(&pc)]].concat());
            let csv = std::fs::read_to_string(&pc).unwrap();
            let rows: Vec<Vec<u32>> = csv.lines().map(|l| l.split(',').map(|x| x.parse().unwrap()).collect()).collect();
            assert_eq!((rows.len(), rows.concat()), (3, want.data().to_vec()), "width {width} {b} .csv");
            let _ = (std::fs::remove_file(p), std::fs::remove_file(pc));
        }
    }
    assert_eq!(ok_json(&["bits", "--shape", "[4]", "--seed", "2", "--backend", "cpu"]), ok_json(&["bits", "--shape", "[4]", "--width", "4", "--seed", "2", "--backend", "cpu"]));
    // Shapes as for the other commands: [] is one element, 0 an empty array; errors from the library name bits.
    let v = ok_json(&["bits", "--seed", "1", "--backend", "cpu"]);
    assert_eq!((shape_of(&v), words(&v).len()), (vec![], 1));
    assert_eq!(shape_of(&ok_json(&["bits", "--shape", "[2, 0]", "--width", "1", "--seed", "1", "--backend", "cpu"])), [2, 0]);
    fails(&["bits", "--shape", "[-1]", "--seed", "1", "--backend", "cpu"], "[bits] Negative");
    fails(&["bits", "--shape", "[1099511627776]", "--backend", "cpu"], "(TOO_LARGE)");
}

#[test]
fn cli_non_finite_values_print_as_strings() {
    // A finite scale so large that scale * z overflows float32 for |z| > 1.42 (non-finite
    // loc and scale are refused: tests/it/catalogue_cli.rs).
    let args = ["normal", "--shape", "[200]", "--scale", "2.4e38", "--seed", "0", "--backend", "cpu"];
    let out = ok_stdout(&args);
    assert!(out.contains("\"inf\"") && out.contains("\"-inf\""), "{out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_bits("overflowing normal", &floats(&v), mvn_gpu::normal(&[200], 0.0, 2.4e38, Some(key(0))).unwrap().data());
}

#[test]
fn cli_default_key_sequence_without_key_or_seed() {
    // Without --key/--seed, MLX's clock-seeded default sequence: valid samples of the right shape.
    let v = ok_json(&["sample", "--mean", MEAN, "--cov", COV, "--shape", "[10]", "--backend", "cpu"]);
    assert_eq!(shape_of(&v), [10, 3]);
    assert!(floats(&v).iter().all(|x| x.is_finite()));
    let v = ok_json(&["normal", "--shape", "[3]", "--backend", "cpu"]);
    assert_eq!(floats(&v).len(), 3);
}

#[test]
fn cli_scale_tril_equals_library() {
    let l = Array::new([2, 2], vec![1.5, 0.0, 0.5, 2.0]).unwrap();
    let mean = Array::new([2], vec![1.0, -1.0]).unwrap();
    let want = MultivariateNormal::from_scale_tril(&mean, &l).unwrap().sample(&[20], Some(key(5))).unwrap();
    let v = ok_json(&["sample", "--mean", "[1, -1]", "--scale-tril", "[[1.5, 0], [0.5, 2]]", "--shape", "[20]", "--seed", "5", "--backend", "cpu"]);
    assert_eq!(shape_of(&v), [20, 2]);
    assert_bits("scale_tril", &floats(&v), want.data());
    fails(&["sample", "--mean", "[1, -1]", "--scale-tril", "[[1.5, 1], [0.5, 2]]", "--backend", "cpu"], "[multivariate_normal] scale_tril must be lower triangular");
    fails(&["sample", "--mean", "[1, -1]", "--scale-tril", "[[1, 0], [0, 1]]", "--method", "svd"], "--method");
    fails(&["sample", "--mean", "[1, -1]", "--scale-tril", "[[1, 0], [0, 1]]", "--cov", "[[1, 0], [0, 1]]"], "--scale-tril");
}

#[test]
fn cli_warnings_and_reports_go_to_stderr() {
    // eigenvalues 3 and -1: warn clips and prints a warning; the samples equal the library's.
    let cov = Array::new([2, 2], vec![1.0, 2.0, 2.0, 1.0]).unwrap();
    let mean = Array::new([2], vec![0.0, 0.0]).unwrap();
    let opts = Options { on_invalid: OnInvalid::Warn, ..Options::default() };
    let dist = MultivariateNormal::new(&mean, &cov, &opts).unwrap();
    let want = dist.sample(&[6], Some(key(2))).unwrap();
    let o = run(&["sample", "--mean", "[0, 0]", "--cov", "[[1, 2], [2, 1]]", "--on-invalid", "warn", "--shape", "[6]", "--seed", "2", "--backend", "cpu", "--report"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_bits("warn", &floats(&v), want.data());
    let err = text(&o.stderr);
    assert!(err.lines().any(|l| l.starts_with("warning: [multivariate_normal]") && l.contains("not positive semidefinite")), "{err}");
    let rep_line = err.lines().find(|l| l.starts_with('{')).unwrap_or_else(|| panic!("no report: {err}"));
    let rep: Value = serde_json::from_str(rep_line).unwrap();
    let r = &rep["reports"][0];
    assert_eq!(r["batch_index"], 0);
    assert_eq!(r["method_used"], dist.reports().unwrap()[0].method_used.as_str());
    assert_eq!(r["rank"], 1);
    assert_eq!(r["clipped"], true);
    assert!((r["min_eigenvalue"].as_f64().unwrap() + 1.0).abs() < 1e-9, "{r}");
    assert!((r["max_eigenvalue"].as_f64().unwrap() - 3.0).abs() < 1e-9, "{r}");
    // clip is silent; raise refuses it.
    let o = run(&["sample", "--mean", "[0, 0]", "--cov", "[[1, 2], [2, 1]]", "--on-invalid", "clip", "--seed", "2", "--backend", "cpu"]);
    assert!(o.status.success() && o.stderr.is_empty(), "{}", text(&o.stderr));
    // A report per distinct covariance, with the analytic eigenvalues of diag(2, 0.5).
    let o = run(&["sample", "--mean", "[0, 0]", "--cov", "[[[2, 0], [0, 0.5]], [[2, 0], [0, 0.5]], [[1, 0], [0, 1]]]", "--seed", "1", "--backend", "cpu", "--method", "eigh", "--report"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(shape_of(&v), [3, 2]);
    let rep: Value = serde_json::from_str(text(&o.stderr).trim()).unwrap();
    let reps = rep["reports"].as_array().unwrap();
    assert_eq!(reps.len(), 2);
    assert_eq!(reps[0]["batch_index"], 0);
    assert_eq!(reps[1]["batch_index"], 2);
    assert_eq!(reps[0]["method_used"], "eigh");
    assert_eq!(reps[0]["rank"], 2);
    assert!((reps[0]["min_eigenvalue"].as_f64().unwrap() - 0.5).abs() < 1e-9);
    assert!((reps[0]["max_eigenvalue"].as_f64().unwrap() - 2.0).abs() < 1e-9);
    assert_eq!(reps[0]["clipped"], false);
}

// ---------------------------------------------------------------------------------------------
// Files: --out and @inputs
// ---------------------------------------------------------------------------------------------

#[test]
fn cli_npy_output_round_trips() {
    let args = ["sample", "--mean", MEAN, "--cov", COV, "--shape", "[7, 4]", "--seed", "21", "--backend", "cpu"];
    let want = ok_json(&args);
    let p = tmp("x.npy");
    let out = ok_stdout(&[&args[..], &["--out", &path_str(&p)]].concat());
    assert!(out.is_empty(), "nothing on stdout with --out: {out}");
    let npy = read_npy(&p);
    assert_eq!(npy.major, 1);
    assert_eq!(npy.descr, "<f4");
    assert!(!npy.fortran);
    assert_eq!(npy.shape, [7, 4, 3]);
    assert_eq!(npy.header_total % 64, 0, "header is 64-byte aligned");
    assert_bits("npy", &npy.f32s(), &floats(&want));
    // ... and reads back as an input: a 1-d mean from a <f4 file written by the tool.
    let pm = tmp("mean_out.npy");
    ok_stdout(&["normal", "--shape", "[3]", "--seed", "4", "--backend", "cpu", "--out", &path_str(&pm)]);
    let mean_vals = read_npy(&pm).f32s();
    let from_file = ok_json(&["sample", "--mean", &format!("@{}", path_str(&pm)), "--cov", COV, "--seed", "8", "--backend", "cpu"]);
    let inline = serde_json::to_string(&mean_vals.iter().map(|&x| x as f64).collect::<Vec<_>>()).unwrap();
    let want = ok_json(&["sample", "--mean", &inline, "--cov", COV, "--seed", "8", "--backend", "cpu"]);
    assert_bits("npy mean", &floats(&from_file), &floats(&want));
    // 0-d output: shape ().
    let p0 = tmp("scalar.npy");
    ok_stdout(&["normal", "--seed", "1", "--backend", "cpu", "--out", &path_str(&p0)]);
    let n0 = read_npy(&p0);
    assert!(n0.shape.is_empty());
    assert_bits("0-d", &n0.f32s(), mvn_gpu::normal(&[], 0.0, 1.0, Some(key(1))).unwrap().data());
    // key and split write <u4.
    let pk = tmp("key.npy");
    ok_stdout(&["split", "--seed", "0", "--out", &path_str(&pk)]);
    let k = read_npy(&pk);
    assert_eq!(k.shape, [2, 2]);
    assert_eq!(k.u32s(), [4146024105, 967050713, 2718843009, 1272950319]);
    let pk1 = tmp("key1.npy");
    ok_stdout(&["key", "42", "--out", &path_str(&pk1)]);
    let k1 = read_npy(&pk1);
    assert_eq!(k1.shape, [2]);
    assert_eq!(k1.u32s(), [0, 42]);
    for f in [p, pm, p0, pk, pk1] {
        let _ = std::fs::remove_file(f);
    }
}

#[test]
fn cli_json_and_csv_outputs() {
    let args = ["sample", "--mean", MEAN, "--cov", COV, "--shape", "[5]", "--seed", "13", "--backend", "cpu"];
    let want = ok_json(&args);
    let pj = tmp("x.json");
    assert!(ok_stdout(&[&args[..], &["--out", &path_str(&pj)]].concat()).is_empty());
    let from_file: Value = serde_json::from_str(&std::fs::read_to_string(&pj).unwrap()).unwrap();
    assert_eq!(from_file, want);
    // CSV: one row per sample, n columns, the same floats.
    let pc = tmp("x.csv");
    assert!(ok_stdout(&[&args[..], &["--out", &path_str(&pc)]].concat()).is_empty());
    let csv = std::fs::read_to_string(&pc).unwrap();
    let rows: Vec<Vec<f32>> = csv.lines().map(|l| l.split(',').map(|x| x.parse().unwrap()).collect()).collect();
    assert_eq!(rows.len(), 5);
    assert!(rows.iter().all(|r| r.len() == 3));
    assert_bits("csv", &rows.concat(), &floats(&want));
    // Batch dims flatten into rows: [2, 3, 3] -> 6 rows of 3.
    let pc2 = tmp("b.csv");
    ok_stdout(&["sample", "--mean", MEAN, "--cov", COV, "--shape", "[2, 3]", "--seed", "1", "--backend", "cpu", "--out", &path_str(&pc2)]);
    let csv = std::fs::read_to_string(&pc2).unwrap();
    assert_eq!(csv.lines().count(), 6);
    assert!(csv.lines().all(|l| l.split(',').count() == 3));
    // 0-d and 1-d outputs are one row.
    let pc3 = tmp("one.csv");
    ok_stdout(&["normal", "--shape", "[4]", "--seed", "1", "--backend", "cpu", "--out", &path_str(&pc3)]);
    let csv = std::fs::read_to_string(&pc3).unwrap();
    assert_eq!(csv.lines().count(), 1);
    let row: Vec<f32> = csv.trim().split(',').map(|x| x.parse().unwrap()).collect();
    assert_bits("1-d csv", &row, mvn_gpu::normal(&[4], 0.0, 1.0, Some(key(1))).unwrap().data());
    let pc4 = tmp("zero.csv");
    ok_stdout(&["normal", "--seed", "1", "--backend", "cpu", "--out", &path_str(&pc4)]);
    assert_eq!(std::fs::read_to_string(&pc4).unwrap().lines().count(), 1);
    // split as CSV: two rows of two words.
    let pc5 = tmp("split.csv");
    ok_stdout(&["split", "--seed", "0", "--out", &path_str(&pc5)]);
    assert_eq!(std::fs::read_to_string(&pc5).unwrap(), "4146024105,967050713\n2718843009,1272950319\n");
    for f in [pj, pc, pc2, pc3, pc4, pc5] {
        let _ = std::fs::remove_file(f);
    }
}

#[test]
fn cli_reads_json_and_npy_input_files() {
    let want = ok_json(&["sample", "--mean", MEAN, "--cov", COV, "--shape", "[9]", "--seed", "77", "--backend", "cpu"]);
    let check = |mean: &str, cov: &str, what: &str| {
        let v = ok_json(&["sample", "--mean", mean, "--cov", cov, "--shape", "[9]", "--seed", "77", "--backend", "cpu"]);
        assert_bits(what, &floats(&v), &floats(&want));
    };
    // JSON files with the same nested lists.
    let mj = tmp("mean.json");
    let cj = tmp("cov.json");
    std::fs::write(&mj, MEAN).unwrap();
    std::fs::write(&cj, COV).unwrap();
    check(&format!("@{}", path_str(&mj)), &format!("@{}", path_str(&cj)), "json files");
    // .npy files written by hand: <f8 mean and <f4 cov, then <f4 mean and <f8 cov.
    let m8 = tmp("mean8.npy");
    let c4 = tmp("cov4.npy");
    let m4 = tmp("mean4.npy");
    let c8 = tmp("cov8.npy");
    write_npy(&m8, "<f8", false, &[3], &f8(&MEAN_V.map(f64::from)));
    write_npy(&c4, "<f4", false, &[3, 3], &f4(&COV_V));
    write_npy(&m4, "<f4", false, &[3], &f4(&MEAN_V));
    write_npy(&c8, "<f8", false, &[3, 3], &f8(&COV_V.map(f64::from)));
    check(&format!("@{}", path_str(&m8)), &format!("@{}", path_str(&c4)), "<f8 mean, <f4 cov");
    check(&format!("@{}", path_str(&m4)), &format!("@{}", path_str(&c8)), "<f4 mean, <f8 cov");
    // Integer .npy (<i4, <i8) converts to float32.
    let mi = tmp("meani.npy");
    let ci = tmp("covi.npy");
    write_npy(&mi, "<i4", false, &[2], &[1i32, -2].iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<_>>());
    write_npy(&ci, "<i8", false, &[2, 2], &[2i64, 1, 1, 3].iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<_>>());
    let v = ok_json(&["sample", "--mean", &format!("@{}", path_str(&mi)), "--cov", &format!("@{}", path_str(&ci)), "--seed", "3", "--backend", "cpu"]);
    let w = ok_json(&["sample", "--mean", "[1, -2]", "--cov", "[[2, 1], [1, 3]]", "--seed", "3", "--backend", "cpu"]);
    assert_bits("integer npy", &floats(&v), &floats(&w));
    // Fortran order is refused, naming the flag.
    let cf = tmp("covf.npy");
    write_npy(&cf, "<f4", true, &[3, 3], &f4(&COV_V));
    fails(&["sample", "--mean", MEAN, "--cov", &format!("@{}", path_str(&cf))], "--cov");
    let e = fails(&["sample", "--mean", MEAN, "--cov", &format!("@{}", path_str(&cf))], "fortran_order");
    assert!(e.contains("C-order") || e.contains("C order"), "{e}");
    // Unsupported dtype and truncated data.
    let cu = tmp("covu.npy");
    write_npy(&cu, "<f2", false, &[3, 3], &[0u8; 18]);
    fails(&["sample", "--mean", MEAN, "--cov", &format!("@{}", path_str(&cu))], "--cov");
    let ct = tmp("covt.npy");
    write_npy(&ct, "<f4", false, &[3, 3], &f4(&COV_V[..8]));
    fails(&["sample", "--mean", MEAN, "--cov", &format!("@{}", path_str(&ct))], "--cov");
    // Malformed JSON file.
    let bad = tmp("bad.json");
    std::fs::write(&bad, "[1, 2").unwrap();
    fails(&["sample", "--mean", &format!("@{}", path_str(&bad)), "--cov", COV], "--mean");
    for f in [mj, cj, m8, c4, m4, c8, mi, ci, cf, cu, ct, bad] {
        let _ = std::fs::remove_file(f);
    }
}

// ---------------------------------------------------------------------------------------------
// Errors, help, version
// ---------------------------------------------------------------------------------------------

#[test]
fn cli_errors_exit_2_with_a_clear_message() {
    fn s<'a>(extra: &[&'a str]) -> Vec<&'a str> {
        [&["sample", "--mean", "[0, 0]", "--cov", "[[1, 0], [0, 1]]", "--backend", "cpu"][..], extra].concat()
    }
    // Malformed JSON and ragged lists name the flag.
    fails(&["sample", "--mean", "[0, 0", "--cov", "[[1, 0], [0, 1]]"], "--mean");
    fails(&["sample", "--mean", "[0, 0]", "--cov", "[[1, 0], [0, 1]"], "--cov");
    let e = fails(&["sample", "--mean", "[0, 0]", "--cov", "[[1, 0], [0]]"], "--cov");
    assert!(e.contains("ragged"), "{e}");
    fails(&["sample", "--mean", "[0, [0]]", "--cov", "[[1, 0], [0, 1]]"], "ragged");
    fails(&["sample", "--mean", "[0, true]", "--cov", "[[1, 0], [0, 1]]"], "--mean");
    // Shapes: negative -> the library's error; fractional or non-numeric -> CLI error.
    let e = fails(&s(&["--shape", "[-1]"]), "[multivariate_normal]");
    assert!(e.contains("INVALID_SHAPE"), "{e}");
    fails(&["normal", "--shape", "[2, -3]", "--backend", "cpu"], "[normal]");
    fails(&s(&["--shape", "[1.5]"]), "--shape");
    fails(&s(&["--shape", "[\"a\"]"]), "--shape");
    fails(&s(&["--shape", "[1,"]), "--shape");
    // Library errors carry the op and the code.
    let e = fails(&["sample", "--mean", "[0, 0]", "--cov", "[[1, 2], [2, 1]]", "--backend", "cpu"], "[multivariate_normal]");
    assert!(e.contains("(NOT_POSITIVE_SEMIDEFINITE)"), "{e}");
    fails(&["sample", "--mean", "[0, 0]", "--cov", "[[1, 0.5], [0, 1]]", "--backend", "cpu"], "(NOT_SYMMETRIC)");
    fails(&["sample", "--mean", "[0, 0, 0]", "--cov", "[[1, 0], [0, 1]]", "--backend", "cpu"], "(INVALID_SHAPE)");
    fails(&["sample", "--mean", "[0, \"nan\"]", "--cov", "[[1, 0], [0, 1]]", "--backend", "cpu"], "(NON_FINITE)");
    fails(&["uniform", "--shape", "[3]", "--low", "[0, 1]", "--backend", "cpu"], "[uniform]");
    fails(&["split", "--seed", "0", "--num", "-1"], "[split]");
    // Option values.
    let e = fails(&s(&["--method", "qr"]), "--method");
    assert!(e.contains("qr") && e.contains("svd"), "{e}");
    fails(&s(&["--on-invalid", "ignore"]), "--on-invalid");
    fails(&s(&["--dtype", "float16"]), "(INVALID_DTYPE)");
    fails(&s(&["--dtype", "complex"]), "--dtype");
    fails(&["normal", "--dtype", "int32", "--backend", "cpu"], "[normal]");
    fails(&s(&["--backend", "tpu"]), "--backend");
    fails(&s(&["--tolerance", "abc"]), "--tolerance");
    fails(&["normal", "--loc", "abc", "--backend", "cpu"], "--loc");
    fails(&["split", "--seed", "0", "--num", "2.5"], "--num");
    // Keys and seeds.
    fails(&s(&["--key", "1,2,3"]), "--key");
    fails(&s(&["--key", "1"]), "--key");
    fails(&s(&["--key", "4294967296,0"]), "--key");
    fails(&s(&["--key", "-1,0"]), "--key");
    fails(&s(&["--key", "a,b"]), "--key");
    fails(&s(&["--seed", "18446744073709551616"]), "--seed");
    fails(&s(&["--seed", "-1"]), "--seed");
    fails(&s(&["--seed", "1", "--key", "0,1"]), "--seed");
    fails(&["key", "18446744073709551616"], "SEED");
    fails(&["key", "-5"], "SEED");
    fails(&["key", "abc"], "SEED");
    fails(&["key"], "SEED");
    fails(&["key", "1", "2"], "'2'");
    fails(&["split"], "--key");
    // Flags and commands.
    fails(&s(&["--frobnicate"]), "--frobnicate");
    fails(&s(&["--frobnicate=1"]), "--frobnicate");
    fails(&["normal", "-x"], "-x");
    fails(&["sample", "--mean", "[0]", "--cov", "[[1]]", "stray"], "stray");
    fails(&["sample", "--mean"], "--mean");
    fails(&["sample", "--mean", "[0]", "--cov"], "--cov");
    fails(&["sample", "--mean", "[0]", "--mean", "[1]", "--cov", "[[1]]"], "--mean");
    fails(&["frobnicate"], "frobnicate");
    fails(&["--frobnicate"], "--frobnicate");
    fails(&[], "command");
    fails(&["help", "nope"], "nope");
    fails(&["sample", "--cov", "[[1, 0], [0, 1]]"], "--mean");
    fails(&["sample", "--mean", "[0, 0]"], "--cov");
    fails(&["key", "1", "--report"], "--report");
    // Files.
    let missing = tmp("does-not-exist.json");
    fails(&["sample", "--mean", &format!("@{}", path_str(&missing)), "--cov", "[[1]]"], "--mean");
    fails(&["sample", "--mean", "@", "--cov", "[[1]]"], "--mean");
    // --out: bad extension (nothing written), unwritable path.
    let bad = tmp("x.txt");
    fails(&s(&["--out", &path_str(&bad)]), "--out");
    assert!(!bad.exists());
    fails(&["key", "1", "--out", "noext"], "--out");
    let dir = tmp("no-such-dir").join("x.npy");
    fails(&s(&["--out", &path_str(&dir)]), "--out");
}

#[test]
#[cfg(target_os = "linux")]
fn cli_gpu_backend_fails_without_an_adapter_and_auto_falls_back() {
    // WGPU_BACKEND=metal leaves no adapter on Linux.
    let args = ["normal", "--shape", "[3]", "--seed", "1"];
    let o = cmd(&args).env("WGPU_BACKEND", "metal").output().unwrap();
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.starts_with("error: [Sampler]") && err.contains("(NO_ADAPTER)"), "{err}");
    assert!(o.stdout.is_empty());
    let o = cmd(&[&args[..], &["--backend", "gpu"]].concat()).env("WGPU_BACKEND", "metal").output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let o = cmd(&[&args[..], &["--backend", "auto"]].concat()).env("WGPU_BACKEND", "metal").output().unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("falling back to the CPU"));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_bits("auto -> cpu", &floats(&v), mvn_gpu::normal(&[3], 0.0, 1.0, Some(key(1))).unwrap().data());
    // With the GPU present, auto uses it (no note).
    let o = run(&[&args[..], &["--backend", "auto"]].concat());
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(!text(&o.stderr).contains("falling back"), "{}", text(&o.stderr));
}

#[test]
fn cli_help_and_version() {
    for args in [&["--help"][..], &["-h"], &["help"]] {
        let out = ok_stdout(args);
        for sub in ["sample", "normal", "uniform", "bits", "key", "split"] {
            assert!(out.contains(sub), "top-level help should mention {sub}");
        }
        for word in ["--backend", "--out", ".npy", ".csv", "--seed", "--key", "--key @FILE", "EXAMPLES"] {
            assert!(out.contains(word), "top-level help should mention {word}");
        }
    }
    let flags: [(&str, &[&str]); 6] = [
        ("sample", &["--mean", "--cov", "--scale-tril", "--shape", "--seed", "--key", "--method", "--on-invalid", "--backend", "--dtype", "--out", "--report"]),
        ("normal", &["--shape", "--loc", "--scale", "--seed", "--key", "--backend", "--dtype", "--out"]),
        ("uniform", &["--shape", "--low", "--high", "--seed", "--key", "--backend", "--dtype", "--out"]),
        ("bits", &["--shape", "--width", "--seed", "--key", "--backend", "--out", "|u1", "<u2"]),
        ("key", &["SEED", "--out"]),
        ("split", &["--key", "--seed", "--num", "--out"]),
    ];
    for (sub, fl) in flags {
        for h in ["--help", "-h"] {
            let out = ok_stdout(&[sub, h]);
            for f in fl {
                assert!(out.contains(f), "`{sub} {h}` should document {f}");
            }
            assert!(out.contains("EXAMPLES"), "`{sub} {h}` should have examples");
        }
        assert_eq!(ok_stdout(&["help", sub]), ok_stdout(&[sub, "--help"]));
        // --help wins over other (even invalid) arguments.
        assert_eq!(ok_stdout(&[sub, "--bogus", "--help"]), ok_stdout(&[sub, "--help"]));
    }
    assert_eq!(ok_stdout(&["--version"]).trim(), format!("mvn-gpu {}", env!("CARGO_PKG_VERSION")));
}

#[test]
fn log_prob_matches_scipy_and_writes_float64() {
    // The SciPy fixtures through the CLI: JSON in, float64 JSON out (the first case of each kind).
    let cases = crate::fixtures::load("logpdf.json");
    let mut checked = 0;
    for c in cases.iter().filter(|c| ["n=3 cholesky", "n=17 eigh", "batched broadcast", "singular n=4 rank=2 cholesky"].contains(&c["name"].as_str().unwrap())) {
        let (mean, cov, x) = (obj(&c["mean"]), obj(&c["cov"]), obj(&c["x"]));
        let mut args = vec!["log-prob", "--mean", &mean, "--cov", &cov, "--x", &x, "--method", c["method"].as_str().unwrap()];
        if c["allow_singular"].as_bool().unwrap() {
            args.push("--allow-singular");
        }
        let got = ok_json(&args);
        assert_eq!(shape_of(&got), shape_of(&c["expected"]));
        for (g, w) in got["data"].as_array().unwrap().iter().zip(c["expected"]["data"].as_array().unwrap()) {
            match w.as_f64() {
                None => assert_eq!(g.as_str(), Some("-inf")),
                Some(w) => {
                    let g = g.as_f64().unwrap();
                    assert!((g - w).abs() <= 1e-6 * (1.0 + w.abs()), "{}: {g} vs SciPy {w}", c["name"]);
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= 20, "{checked}");
    // .npy output is <f8 with the same values as the JSON.
    let p = tmp("lp.npy");
    let args = ["log-prob", "--mean", "[0, 0]", "--cov", "[[1, 0.5], [0.5, 2]]", "--x", "[[0, 0], [1, -1]]"];
    let json = ok_json(&args);
    ok_stdout(&[&args[..], &["--out", &path_str(&p)]].concat());
    let npy = read_npy(&p);
    assert_eq!((npy.descr.as_str(), npy.shape.clone()), ("<f8", vec![2]));
    let vals: Vec<f64> = npy.payload.chunks_exact(8).map(|b| f64::from_le_bytes(b.try_into().unwrap())).collect();
    assert_eq!(vals, json["data"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect::<Vec<_>>());
    // The covariance of the float32 factor: within float32 round-off of the exact density.
    assert!((vals[0] - (-(2.0 * std::f64::consts::PI).ln() - 0.5 * 1.75f64.ln())).abs() < 1e-7);
    // From a precision matrix, and the errors.
    let prec = ok_json(&["log-prob", "--mean", "[0]", "--precision", "[[4]]", "--x", "[0]"]);
    assert!((prec["data"][0].as_f64().unwrap() - (-0.5 * (2.0 * std::f64::consts::PI).ln() + 0.5 * 4f64.ln())).abs() < 1e-12);
    fails(&["log-prob", "--mean", "[0, 0]", "--cov", "[[1, 1], [1, 1]]", "--x", "[1, 1]"], "allow_singular");
    fails(&["log-prob", "--mean", "[0, 0]", "--cov", "[[1, 0], [0, 1]]", "--x", "[1, 1, 1]"], "x must have shape (..., 2)");
    fails(&["log-prob", "--mean", "[0, 0]", "--cov", "[[1, 0], [0, 1]]", "--precision", "[[1, 0], [0, 1]]", "--x", "[1, 1]"], "not --cov and --precision");
    fails(&["log-prob", "--mean", "[0, 0]", "--cov", "[[1, 0], [0, 1]]"], "--x");
    assert!(ok_stdout(&["log-prob", "--help"]).contains("SciPy's"));
}

#[test]
fn condition_prints_the_conditional_mean_and_covariance() {
    let path = format!("{}/tests/fixtures/logpdf.json", env!("CARGO_MANIFEST_DIR"));
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    for c in doc["condition_cases"].as_array().unwrap() {
        let (mean, cov, idx, vals) = (obj(&c["mean"]), obj(&c["cov"]), obj(&c["indices"]), obj(&c["values"]));
        let got = ok_json(&["condition", "--mean", &mean, "--cov", &cov, "--indices", &idx, "--values", &vals]);
        let m = shape_of(&c["expected_cov"])[0];
        assert_eq!(shape_of(&got["mean"]), vec![3, m]);
        assert_eq!(shape_of(&got["cov"]), vec![3, m, m]);
        let want: Vec<f64> = c["expected_mean"]["data"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        for (g, w) in got["mean"]["data"].as_array().unwrap().iter().zip(&want) {
            assert!((g.as_f64().unwrap() - w).abs() <= 1e-6 * (1.0 + w.abs()), "{}: mean {g} vs NumPy {w}", c["name"]);
        }
        let want: Vec<f64> = c["expected_cov"]["data"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        let scale = want.iter().fold(0f64, |a, v| a.max(v.abs()));
        for (g, w) in got["cov"]["data"].as_array().unwrap().iter().zip(want.iter().cycle()) {
            assert!((g.as_f64().unwrap() - w).abs() <= 1e-5 * scale, "{}: cov {g} vs NumPy {w}", c["name"]);
        }
    }
    // A file, atomically; and the errors.
    let p = tmp("cond.json");
    ok_stdout(&["condition", "--mean", "[0, 0]", "--cov", "[[1, 0.8], [0.8, 1]]", "--indices", "[0]", "--values", "[1]", "--out", &path_str(&p)]);
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
    assert!((v["cov"]["data"][0].as_f64().unwrap() - 0.36).abs() < 1e-6);
    fails(&["condition", "--mean", "[0, 0]", "--cov", "[[1, 0], [0, 1]]", "--indices", "[2]", "--values", "[1]"], "distinct coordinates");
    fails(&["condition", "--mean", "[0, 0]", "--cov", "[[1, 0], [0, 1]]", "--indices", "[0]", "--values", "[1, 2]"], "values must have shape (..., 1)");
    fails(&["condition", "--mean", "[0, 0]", "--cov", "[[1, 0], [0, 1]]", "--indices", "[0]", "--values", "[1]", "--out", "x.npy"], "must be a .json file");
    assert!(ok_stdout(&["condition", "--help"]).contains("Schur"));
}

/// `log-prob --cov-factor W --cov-diag d` against SciPy with `cov = W Wᵀ + diag(d)` formed in
/// float64 (logpdf.json's `low_rank_cases`), on both backends.
#[test]
fn log_prob_of_low_rank_matches_scipy() {
    let path = format!("{}/tests/fixtures/logpdf.json", env!("CARGO_MANIFEST_DIR"));
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut worst: f64 = 0.0;
    for c in doc["low_rank_cases"].as_array().unwrap() {
        let (mean, w, d, x) = (obj(&c["mean"]), obj(&c["cov_factor"]), obj(&c["cov_diag"]), obj(&c["x"]));
        for backend in ["cpu", "gpu"] {
            let got = ok_json(&["log-prob", "--mean", &mean, "--cov-factor", &w, "--cov-diag", &d, "--x", &x, "--backend", backend]);
            assert_eq!(shape_of(&got), shape_of(&c["expected"]), "{}", c["name"]);
            for (g, e) in got["data"].as_array().unwrap().iter().zip(c["expected"]["data"].as_array().unwrap()) {
                let (g, e) = (g.as_f64().unwrap(), e.as_f64().unwrap());
                let rel = (g - e).abs() / (1.0 + e.abs());
                assert!(rel <= 1e-9, "{} ({backend}): {g} vs SciPy {e}", c["name"]);
                worst = worst.max(rel);
            }
        }
    }
    println!("CLI low-rank log-prob vs SciPy: worst relative {worst:.2e}");
}
