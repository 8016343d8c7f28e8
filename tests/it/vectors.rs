//! Every case of the MLX 0.32.4 oracle vectors, through the CPU backend (bit-exact) and the
//! GPU backend (bits and uniforms exact, normals within NORMAL_ULP_BOUND ulp, MVN within the
//! vectors' per-case tolerance).

use crate::fixtures::*;
use crate::{gpu, NORMAL_ULP_BOUND};
use mvn_gpu::{prng, Array, Key, Method, Options, Sampler};
use pollster::block_on;
use serde_json::Value;
use sha2::{Digest, Sha256};

#[test]
fn keys_match_mlx() {
    for c in load("key.json") {
        let seed: u64 = c["args"]["seed"].as_u64().unwrap();
        assert_eq!(mvn_gpu::key(seed).words().to_vec(), u32s(&c["out"]), "{}", c["id"]);
    }
}

#[test]
fn splits_match_mlx() {
    let mut n = 0;
    for c in load("split.json") {
        let k = key(&c["args"]["key"]);
        let want: Vec<u32> = if c["fn"] == "split_pair" {
            ["k1", "k2"].iter().flat_map(|k| c["out"][k].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as u32)).collect()
        } else {
            u32s(&c["out"])
        };
        let got: Vec<u32> = if c["fn"] == "split_pair" {
            let (a, b) = mvn_gpu::split(k);
            [a.words(), b.words()].concat()
        } else {
            let num = c["args"]["num"].as_i64().unwrap();
            mvn_gpu::split_n(k, num).unwrap().iter().flat_map(|k| k.words()).collect()
        };
        assert_eq!(got, want, "{}", c["id"]);
        n += 1;
    }
    assert_eq!(n, 23);
}

#[test]
fn threefry_blocks_match_mlx_through_gpu_bit_streams() {
    // Counter (c0, c0 + H) is words c0 and c0 + H of a 2H-word stream; (F, 0) is the middle
    // word of a (2F + 1)-word stream.
    for c in load("threefry.json") {
        let k = key(&c["args"]["key"]);
        let ctr: Vec<u32> = c["args"]["counter"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as u32).collect();
        let want = u32s(&c["out"]);
        if c["fn"] == "threefry2x32" {
            let words = block_on(gpu().bits(&[2 * (ctr[1] - ctr[0]) as i64], Some(k))).unwrap();
            assert_eq!(vec![words.data()[ctr[0] as usize], words.data()[ctr[1] as usize]], want, "{}", c["id"]);
        } else {
            let words = block_on(gpu().bits(&[2 * ctr[0] as i64 + 1], Some(k))).unwrap();
            assert_eq!(vec![words.data()[ctr[0] as usize]], want, "{}", c["id"]);
        }
    }
}

#[test]
fn threefry_matches_mlx() {
    for c in load("threefry.json") {
        let k = key(&c["args"]["key"]).words();
        let ctr: Vec<u32> = c["args"]["counter"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as u32).collect();
        let out = prng::threefry::threefry2x32(k, [ctr[0], ctr[1]]);
        let want = u32s(&c["out"]);
        if c["fn"] == "threefry2x32" {
            assert_eq!(out.to_vec(), want, "{}", c["id"]);
        } else {
            assert_eq!(vec![out[0]], want, "{}", c["id"]);
        }
    }
}

fn check_bits(s: &Sampler) {
    let mut count = 0;
    for c in load("bits.json") {
        let a = &c["args"];
        let width = a["width"].as_u64().unwrap() as u32;
        let sh = ishape(&a["shape"]);
        let k = Some(key(&a["key"]));
        let got = block_on(s.bits_width(&sh, width, k)).unwrap();
        assert_eq!(got.shape(), &shape(&c["out"])[..], "{}", c["id"]);
        assert_eq!(got.data(), &u32s(&c["out"])[..], "{} ({:?})", c["id"], s.backend());
        count += 1;
    }
    assert_eq!(count, 37);
}

#[test]
fn bits_match_mlx_cpu() {
    check_bits(&Sampler::cpu());
}

#[test]
fn bits_match_mlx_gpu() {
    check_bits(gpu());
}

fn check_uniform(s: &Sampler) {
    for c in load("uniform.json") {
        let a = &c["args"];
        let got = block_on(s.uniform(&ishape(&a["shape"]), bound(&a["low"], 0.0), bound(&a["high"], 1.0), Some(key(&a["key"])))).unwrap();
        assert_eq!(got.shape(), &shape(&c["out"])[..]);
        assert_bits_eq(c["id"].as_str().unwrap(), got.data(), &f32s(&c["out"]));
    }
}

#[test]
fn uniform_matches_mlx_bit_for_bit_cpu() {
    check_uniform(&Sampler::cpu());
}

#[test]
fn uniform_matches_mlx_bit_for_bit_gpu() {
    check_uniform(gpu());
}

/// Checks normals: bit-exact on the CPU, within NORMAL_ULP_BOUND (or the case's atol) on the GPU.
fn compare_normals(id: &str, s: &Sampler, got: &[f32], want: &[f32], atol: f64) -> u32 {
    if s.backend() == mvn_gpu::Backend::Cpu {
        assert_bits_eq(id, got, want);
        return 0;
    }
    let mut worst = 0;
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let u = ulps(*g, *w);
        worst = worst.max(u);
        assert!(u <= NORMAL_ULP_BOUND || (*g as f64 - *w as f64).abs() <= atol, "{id}[{i}]: {g:e} vs {w:e} ({u} ulp)");
    }
    worst
}

fn check_normal(s: &Sampler) -> u32 {
    let mut worst = 0;
    for c in load("normal.json") {
        let a = &c["args"];
        let loc = a["loc"].as_f64().unwrap_or(0.0) as f32;
        let scale = a["scale"].as_f64().unwrap_or(1.0) as f32;
        let got = block_on(s.normal(&ishape(&a["shape"]), loc, scale, Some(key(&a["key"])))).unwrap();
        assert_eq!(got.shape(), &shape(&c["out"])[..]);
        let atol = c["compare"]["atol"].as_f64().unwrap_or(0.0);
        worst = worst.max(compare_normals(c["id"].as_str().unwrap(), s, got.data(), &f32s(&c["out"]), atol));
    }
    worst
}

#[test]
fn normal_matches_mlx_bit_for_bit_cpu() {
    check_normal(&Sampler::cpu());
}

#[test]
fn normal_matches_mlx_within_bound_gpu() {
    let worst = check_normal(gpu());
    println!("GPU normal vs MLX on normal.json: max {worst} ulp (bound {NORMAL_ULP_BOUND})");
}

#[test]
fn erfinv_and_log_match_mlx_bit_for_bit() {
    for c in load("erfinv.json") {
        let x = f32s(&c["args"]["x"]);
        let want = f32s(&c["out"]);
        let got: Vec<f32> = if c["fn"] == "erfinv" {
            x.iter().map(|&v| prng::math::erfinv(v)).collect()
        } else {
            x.iter().map(|&v| prng::math::logf(v)).collect()
        };
        assert_bits_eq(c["id"].as_str().unwrap(), &got, &want);
    }
}

fn check_batched_keys(s: &Sampler) {
    for c in load("batched_keys.json") {
        let a = &c["args"];
        let keys = u32s(&a["keys"]);
        let want = f32s_or_u32(&c["out"]);
        let per = want.len() / (keys.len() / 2);
        for (b, kw) in keys.chunks(2).enumerate() {
            let k = Key::new(kw[0], kw[1]);
            let w = &want[b * per..(b + 1) * per];
            let id = format!("{}[{b}]", c["id"].as_str().unwrap());
            match c["fn"].as_str().unwrap() {
                "split" => {
                    let got: Vec<u32> = mvn_gpu::split_n(k, a["num"].as_i64().unwrap()).unwrap().iter().flat_map(|k| k.words()).collect();
                    assert_eq!(got.iter().map(|&v| v as f64).collect::<Vec<_>>(), w, "{id}");
                }
                "uniform" => {
                    let got = block_on(s.uniform(&ishape(&a["shape"]), bound(&a["low"], 0.0), bound(&a["high"], 1.0), Some(k))).unwrap();
                    let w32: Vec<f32> = w.iter().map(|&v| v as f32).collect();
                    assert_bits_eq(&id, got.data(), &w32);
                }
                "normal" => {
                    let got = block_on(s.normal(&ishape(&a["shape"]), 0.0, 1.0, Some(k))).unwrap();
                    let w32: Vec<f32> = w.iter().map(|&v| v as f32).collect();
                    compare_normals(&id, s, got.data(), &w32, 0.0);
                }
                f => panic!("unexpected fn {f}"),
            }
        }
    }
}

fn f32s_or_u32(v: &Value) -> Vec<f64> {
    v["data"].as_array().unwrap().iter().map(num).collect()
}

#[test]
fn batched_keys_match_mlx_cpu() {
    check_batched_keys(&Sampler::cpu());
}

#[test]
fn batched_keys_match_mlx_gpu() {
    check_batched_keys(gpu());
}

/// Multivariate normal cases: returns the largest `max|ours - mlx| / atol`.
fn check_mvn_file(s: &Sampler, file: &str, method: Method) -> f64 {
    let mut worst: f64 = 0.0;
    for c in load(file) {
        let a = &c["args"];
        let (mean, cov) = (array(&a["mean"]), array(&a["cov"]));
        let k = key(&a["key"]);
        let got = block_on(s.multivariate_normal(&mean, &cov, &ishape(&a["shape"]), Some(k), &Options::with_method(method))).unwrap();
        let want = f32s(&c["out"]);
        assert_eq!(got.shape(), &shape(&c["out"])[..], "{}", c["id"]);
        let atol = c["compare"]["atol"].as_f64().unwrap();
        let d = max_abs_diff(got.data(), &want);
        let id = c["id"].as_str().unwrap();
        assert!(d <= atol, "{id} ({method}, {:?}): max |diff| {d:e} > atol {atol:e}", s.backend());
        worst = worst.max(d / atol);
        // The standard normals under the samples are MLX's own.
        if let Some(z) = c["aux"]["z"].as_object() {
            let z = f32s(&Value::Object(z.clone()));
            let ours = block_on(s.normal(&[z.len() as i64], 0.0, 1.0, Some(k))).unwrap();
            compare_normals(id, s, ours.data(), &z, 0.0);
        }
    }
    worst
}

fn check_all_mvn(s: &Sampler) {
    for method in [Method::Svd, Method::Eigh, Method::Cholesky] {
        if method != Method::Svd {
            // Other square roots give other samples: check them statistically instead (stats.rs).
            continue;
        }
        let mut worst: f64 = 0.0;
        for f in ["mvn_small.json", "mvn_large_d.json", "mvn_batched.json"] {
            worst = worst.max(check_mvn_file(s, f, method));
        }
        println!("{:?} {method}: max |ours - MLX| / atol = {worst:.3}", s.backend());
    }
}

#[test]
fn svd_method_reproduces_mlx_samples_cpu() {
    check_all_mvn(&Sampler::cpu());
}

#[test]
fn svd_method_reproduces_mlx_samples_gpu() {
    check_all_mvn(gpu());
}

#[test]
fn eigh_method_reproduces_mlx_samples_on_psd_input() {
    // For symmetric PSD covariances MLX's U√S Vᵀ is the symmetric square root, so eigh gives
    // the same samples within the same tolerance.
    let mut worst: f64 = 0.0;
    for f in ["mvn_small.json", "mvn_large_d.json", "mvn_batched.json"] {
        worst = worst.max(check_mvn_file(&Sampler::cpu(), f, Method::Eigh));
    }
    println!("CPU eigh: max |ours - MLX| / atol = {worst:.3}");
}

fn sha256_le(data: &[f32]) -> String {
    let mut h = Sha256::new();
    for v in data {
        h.update(v.to_le_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn large_cases_match_mlx_summaries() {
    for c in load("large.json") {
        let a = &c["args"];
        let sum = &c["out_summary"];
        let k = Some(key(&a["key"]));
        let sh = ishape(&a["shape"]);
        let head: Vec<f32> = sum["head"].as_array().unwrap().iter().map(|v| num(v) as f32).collect();
        let tail: Vec<f32> = sum["tail"].as_array().unwrap().iter().map(|v| num(v) as f32).collect();
        let sha = sum["sha256_le"].as_str().unwrap();
        let id = c["id"].as_str().unwrap();
        match c["fn"].as_str().unwrap() {
            "uniform" | "normal" => {
                for s in [&Sampler::cpu(), gpu()] {
                    let got = if c["fn"] == "uniform" {
                        block_on(s.uniform(&sh, 0.0, 1.0, k)).unwrap()
                    } else {
                        block_on(s.normal(&sh, 0.0, 1.0, k)).unwrap()
                    };
                    let d = got.data();
                    if s.backend() == mvn_gpu::Backend::Cpu || c["fn"] == "uniform" {
                        assert_eq!(sha256_le(d), sha, "{id} {:?}", s.backend());
                    } else {
                        compare_normals(id, s, &d[..head.len()], &head, 0.0);
                        compare_normals(id, s, &d[d.len() - tail.len()..], &tail, 0.0);
                    }
                }
            }
            "multivariate_normal" => {
                let (mean, cov) = (array(&a["mean"]), array(&a["cov"]));
                for s in [&Sampler::cpu(), gpu()] {
                    let got = block_on(s.multivariate_normal(&mean, &cov, &sh, k, &Options::with_method(Method::Svd))).unwrap();
                    let d = got.data();
                    assert!(max_abs_diff(&d[..head.len()], &head) < 1e-5, "{id} head");
                    assert!(max_abs_diff(&d[d.len() - tail.len()..], &tail) < 1e-5, "{id} tail");
                    // Summary statistics agree with MLX's to float precision.
                    let want_mean: Vec<f64> = sum["mean"].as_array().unwrap().iter().map(num).collect();
                    let n = want_mean.len();
                    let rows = d.len() / n;
                    for j in 0..n {
                        let m: f64 = (0..rows).map(|r| d[r * n + j] as f64).sum::<f64>() / rows as f64;
                        assert!((m - want_mean[j]).abs() < 1e-6, "{id} mean[{j}] {m} vs {}", want_mean[j]);
                    }
                }
            }
            f => panic!("{f}"),
        }
    }
}

#[test]
fn seed_sequence_matches_mlx() {
    // The only test that uses the default key sequence (it is process-global): CPU, then GPU.
    for s in [&Sampler::cpu(), gpu()] {
        for c in load("seed_sequence.json") {
            check_seed_sequence(s, &c);
        }
    }
}

fn check_seed_sequence(s: &Sampler, c: &Value) {
    for step in c["steps"].as_array().unwrap() {
        let want_state = key(&step["state_after"]);
        match step["call"].as_str().unwrap() {
            "seed" => mvn_gpu::seed(step["seed"].as_u64().unwrap()),
            "uniform" => {
                let got = block_on(s.uniform(&ishape(&step["shape"]), 0.0, 1.0, None)).unwrap();
                assert_bits_eq("seq uniform", got.data(), &f32s(&step["out"]));
            }
            "normal" => {
                let got = block_on(s.normal(&ishape(&step["shape"]), 0.0, 1.0, None)).unwrap();
                compare_normals("seq normal", s, got.data(), &f32s(&step["out"]), 0.0);
            }
            "multivariate_normal" => {
                let (mean, cov) = (array(&step["mean"]), array(&step["cov"]));
                let got = block_on(s.multivariate_normal(&mean, &cov, &ishape(&step["shape"]), None, &Options::with_method(Method::Svd))).unwrap();
                assert!(max_abs_diff(got.data(), &f32s(&step["out"])) <= 1e-5);
            }
            other => panic!("{other}"),
        }
        assert_eq!(mvn_gpu::state(), want_state, "state after {}", step["call"]);
    }
}

#[test]
fn mvn_z_is_mlx_normal_of_the_output_shape() {
    // x = mean + z R with z = normal(out_shape, key): check with identity covariance, exact.
    let mean = Array::new([3], vec![0.0; 3]).unwrap();
    let cov = Array::new([3, 3], vec![1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]).unwrap();
    let k = mvn_gpu::key(5);
    let x = mvn_gpu::multivariate_normal(&mean, &cov, &[7], Some(k), &Options::default()).unwrap();
    let z = mvn_gpu::normal(&[7, 3], 0.0, 1.0, Some(k)).unwrap();
    assert_bits_eq("identity", x.data(), z.data());
}

#[test]
fn gpu_normals_stay_within_the_stated_ulp_bound() {
    // 2^20 normals for each of several keys and sizes (odd and even word counts).
    let mut worst = 0;
    let mut hist = [0usize; 8];
    for (seed, len) in [(0u64, 1i64 << 20), (1, 1_000_003), (77, 1 << 18), (123456789, 333_333)] {
        let k = Some(mvn_gpu::key(seed));
        let cpu = mvn_gpu::normal(&[len], 0.0, 1.0, k).unwrap();
        let gpu = block_on(gpu().normal(&[len], 0.0, 1.0, k)).unwrap();
        for (a, b) in cpu.data().iter().zip(gpu.data()) {
            let u = ulps(*a, *b);
            hist[(u as usize).min(7)] += 1;
            worst = worst.max(u);
        }
    }
    println!("GPU vs CPU normals: max {worst} ulp; histogram of ulp 0..7+: {hist:?}");
    assert!(worst <= NORMAL_ULP_BOUND, "max {worst} ulp > bound {NORMAL_ULP_BOUND}");
}
