//! Inputs found by the fuzz targets in `fuzz/` (docs/fuzzing.md), kept as regression tests:
//! each failed (panicked, hung or was silently wrong) before its fix.

use crate::gpu;
use mvn_gpu::{Array, ErrorKind, MultivariateNormal, Options, Sampler};
use pollster::block_on;
use std::process::Command;
use std::time::{Duration, Instant};

/// validation target, crash-eff6334c: an empty output shape whose other dimensions multiply
/// past usize (`[2^40, 2^40, 0]`) passed `numel` (0 elements) and then overflowed where the
/// rows are counted ("attempt to multiply with overflow" in debug builds). Now TOO_LARGE, as is
/// any empty shape whose non-zero dimensions multiply past the element limit (docs/errors.md);
/// empty shapes whose other dimensions fit the limit are accepted.
#[test]
fn empty_shapes_whose_other_dimensions_overflow_are_too_large() {
    let mean = Array::new([2], vec![0.0, 1.0]).unwrap();
    let cov = Array::new([2, 2], vec![1.0, 0.0, 0.0, 1.0]).unwrap();
    let d = MultivariateNormal::new(&mean, &cov, &Options::default()).unwrap();
    let k = Some(mvn_gpu::key(0));
    let cpu = Sampler::cpu();
    for shape in [vec![1i64 << 40, 1 << 40, 0], vec![0, i64::MAX, i64::MAX], vec![1 << 62, 0, 4], vec![44_294_967_295, 4, 0]] {
        for s in [&cpu, gpu()] {
            let e = block_on(s.sample(&d, &shape, k)).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::TooLarge, "{shape:?}: {e}");
            let e = block_on(s.normal(&shape, 0.0, 1.0, k)).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::TooLarge, "{shape:?}: {e}");
            let e = block_on(s.uniform(&shape, 0.0, 1.0, k)).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::TooLarge, "{shape:?}: {e}");
            let e = block_on(s.bits(&shape, k)).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::TooLarge, "{shape:?}: {e}");
        }
        assert_eq!(d.output_shape(&shape).unwrap_err().kind(), ErrorKind::TooLarge);
    }
    // Empty outputs whose other dimensions fit the limit are fine, on both backends.
    for shape in [vec![1_000_000_000i64, 2, 0], vec![0, 1 << 16, 1 << 14]] {
        for s in [&cpu, gpu()] {
            let x = block_on(s.sample(&d, &shape, k)).unwrap();
            let mut want: Vec<usize> = shape.iter().map(|&v| v as usize).collect();
            want.push(2);
            assert_eq!(x.shape(), &want[..]);
            assert!(x.is_empty());
            assert!(block_on(s.normal(&shape, 0.0, 1.0, k)).unwrap().is_empty());
            assert!(block_on(s.uniform(&shape, 0.0, 1.0, k)).unwrap().is_empty());
            assert!(block_on(s.bits(&shape, k)).unwrap().is_empty());
        }
    }
}

/// Runs the CLI with a deadline; panics if it is still running after `secs`.
fn run_cli_within(args: &[&str], secs: u64) -> std::process::Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mvn-gpu"));
    c.args(args).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
    if std::env::var_os("XDG_RUNTIME_DIR").is_none() {
        c.env("XDG_RUNTIME_DIR", std::env::temp_dir());
    }
    let mut child = c.spawn().expect("the mvn-gpu binary runs");
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(secs) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("mvn-gpu {args:?} still running after {secs} s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// cli_args target, timeout-2cc9e5a9: `uniform --shape [44294967295, 4, 0]` is empty, but the
/// CSV writer wrote one empty line per row: 177 billion lines (the fuzzer's 10 s timeout; a
/// huge file with `--out x.csv`). That shape is now TOO_LARGE; with a billion rows, which is
/// accepted, an empty output writes an empty CSV file at once.
#[test]
fn an_empty_output_with_many_rows_writes_an_empty_csv_at_once() {
    let p = std::env::temp_dir().join(format!("mvn-gpu-fuzz-regression-{}.csv", std::process::id()));
    let path = p.to_str().unwrap();
    for args in [
        vec!["uniform", "--shape", "[1000000000, 4, 0]", "--backend", "cpu", "--seed", "1", "--out", path],
        vec!["sample", "--mean", "[]", "--cov", "{\"shape\": [0, 0], \"data\": []}", "--shape", "[1000000000, 4]", "--backend", "cpu", "--seed", "1", "--out", path],
    ] {
        let o = run_cli_within(&args, 60);
        assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "", "{args:?}");
        let _ = std::fs::remove_file(&p);
    }
}
