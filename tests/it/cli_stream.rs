//! `mvn-gpu sample --out` for big jobs: the draw is written a part at a time (`--chunk-rows`),
//! byte for byte the unchunked output in every format and on both backends, in memory bounded
//! by one part, with a progress bar only on a terminal, and Ctrl-C leaves no file behind.

use crate::cli::{cmd, ok_stdout, path_str, text, tmp};
use mvn_gpu::{key, Array, Sampler};
use std::path::Path;

const MEAN: &str = "[0.5, -1, 2]";
const COV: &str = "[[2, 0.5, 0.1], [0.5, 1, 0.2], [0.1, 0.2, 0.5]]";

fn sample(extra: &[&str]) -> Vec<&'static str> {
    let mut v = vec!["sample", "--mean", MEAN, "--cov", COV, "--seed", "11"];
    v.extend(extra.iter().map(|s| -> &'static str { Box::leak(s.to_string().into_boxed_str()) }));
    v
}

fn write(args: &[&str], path: &Path) -> Vec<u8> {
    let p = path_str(path);
    let mut a = args.to_vec();
    a.extend(["--out", &p]);
    let o = cmd(&a).output().expect("mvn-gpu runs");
    assert!(o.status.success(), "{a:?}: {}", text(&o.stderr));
    assert!(o.stderr.is_empty(), "{a:?}: stderr is not a terminal, so no progress bar: {}", text(&o.stderr));
    std::fs::read(path).expect("the output file")
}

#[test]
fn chunked_output_is_byte_for_byte_the_unchunked_output() {
    let mut compared = 0;
    for backend in ["cpu", "gpu"] {
        // An even and an odd number of rows (the GPU pairs rows r and r + rows/2), a batch.
        for shape in ["[1000]", "[1001]", "[3, 37]"] {
            for ext in ["npy", "csv", "json"] {
                let whole = write(&sample(&["--shape", shape, "--backend", backend]), &tmp(&format!("whole.{ext}")));
                for rows in ["1", "7", "499", "500", "1000", "5000"] {
                    let part = write(&sample(&["--shape", shape, "--backend", backend, "--chunk-rows", rows]), &tmp(&format!("part.{ext}")));
                    assert!(part == whole, "{backend} shape {shape} .{ext}: --chunk-rows {rows} changed the output");
                    compared += 1;
                }
            }
            // stdout (JSON) too.
            let whole = ok_stdout(&sample(&["--shape", shape, "--backend", backend]));
            assert_eq!(ok_stdout(&sample(&["--shape", shape, "--backend", backend, "--chunk-rows", "13"])), whole, "{backend} {shape} stdout");
        }
    }
    println!("{compared} chunked files equal the unchunked ones");
}

/// Runs a child to its end: its exit status and its peak resident memory in KiB (Linux's
/// VmHWM, polled: it counts from the exec, unlike rusage, which would count the memory of this
/// large test process that the child was forked from).
#[cfg(target_os = "linux")]
fn run_measured(args: &[&str]) -> (i32, u64) {
    let mut child = cmd(args).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null()).spawn().expect("mvn-gpu runs");
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    loop {
        if let Ok(s) = std::fs::read_to_string(&status_file) {
            if let Some(kib) = s.lines().find_map(|l| l.strip_prefix("VmHWM:")).and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok()) {
                peak = peak.max(kib);
            }
        }
        if let Some(status) = child.try_wait().unwrap() {
            return (status.code().unwrap_or(-1), peak);
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

#[test]
#[cfg(target_os = "linux")]
fn a_draw_larger_than_memory_needs_only_one_part() {
    // 30 million rows of 3 floats: 360 MB of output, written in parts of 16 MiB.
    let path = tmp("big.npy");
    let p = path_str(&path);
    let (code, kib) = run_measured(&sample(&["--shape", "[30000000]", "--backend", "cpu", "--out", &p]));
    assert_eq!(code, 0);
    let size = std::fs::metadata(&path).unwrap().len();
    assert_eq!(size, 128 + 30_000_000 * 12);
    println!("360 MB of samples written with a peak resident set of {} MiB", kib / 1024);
    assert!(kib < 96 * 1024, "peak resident set {kib} KiB: the draw was not written in bounded parts");
    // Its last row is the library's last row of the whole draw.
    let bytes = std::fs::read(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let last: Vec<f32> = bytes[bytes.len() - 12..].chunks(4).map(|c| f32::from_le_bytes(c.try_into().unwrap())).collect();
    let mean = Array::new(&[3], vec![0.5, -1.0, 2.0]).unwrap();
    let cov = Array::new(&[3, 3], vec![2.0, 0.5, 0.1, 0.5, 1.0, 0.2, 0.1, 0.2, 0.5]).unwrap();
    let d = mvn_gpu::MultivariateNormal::new(&mean, &cov, &mvn_gpu::Options::default()).unwrap();
    let want = pollster::block_on(Sampler::cpu().sample_rows(&d, &[30_000_000], Some(key(11)), 29_999_999..30_000_000)).unwrap();
    assert_eq!(last, want.data());
}

#[test]
#[cfg(target_os = "linux")] // libc is a dependency on Linux only
fn ctrl_c_leaves_no_partial_file_and_keeps_the_old_one() {
    let dir = tmp("interrupt-dir");
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("x.npy");
    std::fs::write(&out, b"the old file").unwrap();
    let p = path_str(&out);
    // Parts of 1000 rows: a long run of small parts, each a chance to stop.
    let child = cmd(&sample(&["--shape", "[200000000]", "--backend", "cpu", "--chunk-rows", "1000", "--out", &p]))
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("mvn-gpu runs");
    let parts = || std::fs::read_dir(&dir).unwrap().filter_map(|e| e.ok()).filter(|e| e.file_name().to_string_lossy().ends_with(".part")).count();
    let start = std::time::Instant::now();
    while parts() == 0 {
        assert!(start.elapsed().as_secs() < 60, "no temporary file appeared");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::thread::sleep(std::time::Duration::from_millis(200));
    // SAFETY: a signal to our own child.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
    let o = child.wait_with_output().unwrap();
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(130), "stderr: {err}");
    assert!(err.contains("interrupted (Ctrl-C)") && err.contains("was not written"), "{err}");
    assert_eq!(std::fs::read(&out).unwrap(), b"the old file", "the old file is kept");
    assert_eq!(parts(), 0, "the temporary file is removed");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
#[cfg(target_os = "linux")]
fn a_terminal_shows_a_progress_bar() {
    // `script` gives the command a pseudo-terminal for stdout and stderr.
    let path = tmp("bar.npy");
    let bin = env!("CARGO_BIN_EXE_mvn-gpu");
    let line = format!("{bin} sample --mean '{MEAN}' --cov '{COV}' --shape '[300000]' --backend cpu --chunk-rows 1000 --out {}", path_str(&path));
    let o = std::process::Command::new("script").args(["-qec", &line, "/dev/null"]).env("XDG_RUNTIME_DIR", std::env::temp_dir()).output().expect("script (util-linux) runs");
    assert!(o.status.success(), "{}", text(&o.stderr));
    let shown = text(&o.stdout);
    assert!(shown.contains("rows") && shown.contains("300,000"), "no progress bar on the terminal: {shown:?}");
    assert!(path.exists());
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn low_rank_and_diagonal_draws_stream_and_match_the_library() {
    let w = "[[1, 0.5], [0.2, -1], [0, 0.3]]";
    let dg = "[0.5, 1, 2]";
    for backend in ["cpu", "gpu"] {
        let lr = |extra: &[&str]| {
            let mut v = vec!["sample", "--mean", MEAN, "--cov-factor", w, "--cov-diag", dg, "--seed", "4", "--shape", "[301]", "--backend", backend];
            v.extend_from_slice(extra);
            v.iter().map(|s| s.to_string()).collect::<Vec<_>>()
        };
        let whole = write(&lr(&[]).iter().map(String::as_str).collect::<Vec<_>>(), &tmp("lr.npy"));
        let part = write(&lr(&["--chunk-rows", "17"]).iter().map(String::as_str).collect::<Vec<_>>(), &tmp("lr-part.npy"));
        assert!(whole == part, "{backend}: low-rank chunks changed the output");
        // The library's draw, bit for bit.
        let mean = Array::new(&[3], vec![0.5, -1.0, 2.0]).unwrap();
        let d = mvn_gpu::LowRankMultivariateNormal::new(&mean, &Array::new(&[3, 2], vec![1.0, 0.5, 0.2, -1.0, 0.0, 0.3]).unwrap(), &Array::new(&[3], vec![0.5, 1.0, 2.0]).unwrap()).unwrap();
        let s = if backend == "cpu" { Sampler::cpu() } else { pollster::block_on(Sampler::gpu(&Default::default())).unwrap() };
        let want = pollster::block_on(s.sample_low_rank(&d, &[301], Some(key(4)))).unwrap();
        let got: Vec<f32> = whole[128..].chunks(4).map(|c| f32::from_le_bytes(c.try_into().unwrap())).collect();
        assert_eq!(got, want.data(), "{backend}");
        // --diag streams too.
        let dg_args = ["sample", "--mean", MEAN, "--diag", dg, "--seed", "4", "--shape", "[301]", "--backend", backend];
        let a = write(&dg_args, &tmp("dg.csv"));
        let mut chunked = dg_args.to_vec();
        chunked.extend(["--chunk-rows", "10"]);
        assert!(a == write(&chunked, &tmp("dg-part.csv")), "{backend}: --diag chunks");
    }
}

#[test]
fn log_prob_of_low_rank_and_diagonal_equals_the_dense_covariance() {
    let x = "[[0, 0, 0], [1, -2, 3], [0.5, -1, 2]]";
    let lp = |args: &[&str]| -> Vec<f64> {
        let mut v = vec!["log-prob", "--mean", MEAN, "--x", x];
        v.extend_from_slice(args);
        let j: serde_json::Value = serde_json::from_str(&ok_stdout(&v)).unwrap();
        j["data"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect()
    };
    // W Wᵀ + diag(d) written out.
    let dense = lp(&["--cov", "[[1.75, -0.3, 0.15], [-0.3, 2.04, -0.3], [0.15, -0.3, 2.09]]"]);
    let low = lp(&["--cov-factor", "[[1, 0.5], [0.2, -1], [0, 0.3]]", "--cov-diag", "[0.5, 1, 2]"]);
    for (a, b) in low.iter().zip(&dense) {
        assert!((a - b).abs() / (1.0 + b.abs()) < 1e-6, "low rank {a} vs dense {b}");
    }
    let diag = lp(&["--diag", "[0.5, 1, 2]"]);
    let dense_diag = lp(&["--cov", "[[0.5, 0, 0], [0, 1, 0], [0, 0, 2]]"]);
    for (a, b) in diag.iter().zip(&dense_diag) {
        assert!((a - b).abs() / (1.0 + b.abs()) < 1e-6, "diag {a} vs dense {b}");
    }
}

#[test]
fn normal_uniform_and_bits_stream_byte_for_byte() {
    let mut compared = 0;
    for backend in ["cpu", "gpu"] {
        for (name, args) in [
            ("normal", vec!["normal", "--shape", "[37, 5]", "--loc", "1", "--scale", "2"]),
            ("uniform", vec!["uniform", "--shape", "[37, 5]", "--low", "[0, 1, 2, 3, 4]", "--high", "9"]),
            ("bits 4", vec!["bits", "--shape", "[37, 5]"]),
            ("bits 2", vec!["bits", "--shape", "[37, 5]", "--width", "2"]),
            ("bits 1", vec!["bits", "--shape", "[185]", "--width", "1"]),
        ] {
            let base: Vec<&str> = args.iter().copied().chain(["--seed", "3", "--backend", backend]).collect();
            for ext in ["npy", "csv", "json"] {
                let whole = write(&base, &tmp(&format!("w.{ext}")));
                for v in ["1", "7", "64", "1000"] {
                    let mut a = base.clone();
                    a.extend(["--chunk-values", v]);
                    assert!(write(&a, &tmp(&format!("p.{ext}"))) == whole, "{backend} {name} .{ext}: --chunk-values {v} changed the output");
                    compared += 1;
                }
            }
            let mut a = base.clone();
            a.extend(["--chunk-values", "5"]);
            assert_eq!(ok_stdout(&a), ok_stdout(&base), "{backend} {name}: stdout");
        }
    }
    println!("{compared} chunked normal/uniform/bits files equal the unchunked ones");
}
