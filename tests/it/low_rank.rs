//! `LowRankMultivariateNormal` (`cov = W Wᵀ + diag(d)`): its log-density and entropy against
//! the dense f64 path of the same covariance (checked against SciPy in density.rs), its
//! samples' moments, rank 0 against `MultivariateNormal::from_diag` bit for bit, the GPU draw
//! against the CPU's, n = 10,000 with rank 16, and the errors.

use crate::gpu;
use mvn_gpu::{key, Array, ErrorKind, LowRankMultivariateNormal, MultivariateNormal, Options, Sampler};
use pollster::block_on;

/// A seeded case: mean (batch.., n), W (n, r), d (n) in [0.2, 1.2).
fn case(batch: &[usize], n: usize, r: usize, seed: u64) -> (Array, Array, Array) {
    let m: usize = batch.iter().product::<usize>() * n;
    let mut ms = batch.to_vec();
    ms.push(n);
    let mean = Array::new(ms, mvn_gpu::normal(&[m as i64], 0.0, 1.0, Some(key(seed))).unwrap().into_data()).unwrap();
    let w = mvn_gpu::normal(&[(n * r) as i64], 0.0, 0.7, Some(key(seed + 1))).unwrap();
    let u = mvn_gpu::uniform(&[n as i64], 0.2, 1.2, Some(key(seed + 2))).unwrap();
    (mean, Array::new([n, r], w.into_data()).unwrap(), Array::new([n], u.into_data()).unwrap())
}

fn dense(d: &LowRankMultivariateNormal, mean: &Array) -> MultivariateNormal {
    let c = d.covariance();
    let n = d.dim();
    let cov: Vec<f32> = c.data[..n * n].iter().map(|&v| v as f32).collect();
    MultivariateNormal::new(mean, &Array::new([n, n], cov).unwrap(), &Options::default()).unwrap()
}

#[test]
fn log_prob_and_entropy_match_the_dense_covariance() {
    let mut worst: f64 = 0.0;
    for (i, &(n, r)) in [(1, 1), (3, 1), (5, 2), (8, 0), (20, 4), (40, 16)].iter().enumerate() {
        let (mean, w, dg) = case(&[], n, r, 10 * i as u64);
        let d = LowRankMultivariateNormal::new(&mean, &w, &dg).unwrap();
        let full = dense(&d, &mean);
        let x = block_on(Sampler::cpu().sample(&full, &[50], Some(key(i as u64)))).unwrap();
        let x64: Vec<f64> = x.data().iter().map(|&v| 1.5 * v as f64).collect();
        let got = d.log_prob(x.shape(), &x64).unwrap();
        let want = full.log_prob(x.shape(), &x64, false).unwrap();
        assert_eq!(got.shape, want.shape);
        for (g, w) in got.data.iter().zip(&want.data) {
            let rel = (g - w).abs() / (1.0 + w.abs());
            // The dense path sees the covariance rounded to float32 (about n 2⁻²⁴ relative).
            assert!(rel < 2e-6, "n = {n}, r = {r}: {g} vs dense {w} ({rel:e})");
            worst = worst.max(rel);
        }
        let (he, hd) = (d.entropy().unwrap().data[0], full.entropy().unwrap().data[0]);
        assert!((he - hd).abs() / (1.0 + hd.abs()) < 2e-6, "entropy n = {n}: {he} vs {hd}");
        assert_eq!(d.mean().data, mean.data().iter().map(|&v| v as f64).collect::<Vec<_>>());
    }
    println!("low-rank log_prob vs the dense f64 path: worst relative {worst:.2e}");
}

#[test]
fn samples_have_the_low_rank_covariance() {
    let (n, r, rows) = (5, 2, 200_000);
    let (mean, w, dg) = case(&[], n, r, 3);
    let d = LowRankMultivariateNormal::new(&mean, &w, &dg).unwrap();
    let x = d.sample(&[rows as i64], Some(key(9))).unwrap();
    let c = d.covariance().data;
    let mut worst: f64 = 0.0;
    for i in 0..n {
        for j in 0..n {
            let s: f64 = x.data().chunks(n).map(|v| (v[i] - mean.data()[i]) as f64 * (v[j] - mean.data()[j]) as f64).sum::<f64>() / rows as f64;
            // The standard error of a sample covariance: sqrt((Σii Σjj + Σij²) / rows).
            let se = ((c[i * n + i] * c[j * n + j] + c[i * n + j].powi(2)) / rows as f64).sqrt();
            let z = (s - c[i * n + j]) / se;
            assert!(z.abs() < 5.0, "({i},{j}): sample {s} vs {} ({z:.1} standard errors)", c[i * n + j]);
            worst = worst.max(z.abs());
        }
    }
    println!("sample covariance within {worst:.2} standard errors of W Wᵀ + diag(d)");
}

#[test]
fn rank_zero_is_from_diag_bit_for_bit() {
    let (mean, _, var) = case(&[4], 6, 0, 5);
    let lr = LowRankMultivariateNormal::diag(&mean, &var).unwrap();
    let full = MultivariateNormal::from_diag(&mean, &var).unwrap();
    let (a, b) = (lr.sample(&[100, 4], Some(key(1))).unwrap(), full.sample(&[100, 4], Some(key(1))).unwrap());
    assert_eq!(a.shape(), b.shape());
    assert!(a.data().iter().zip(b.data()).all(|(x, y)| x.to_bits() == y.to_bits()), "rank 0 differs from from_diag");
}

#[test]
fn the_gpu_draw_matches_the_cpu_draw() {
    for (i, &(batch, n, r, shape)) in [(&[][..], 3usize, 1usize, &[1001i64][..]), (&[2], 16, 4, &[50, 2]), (&[], 7, 0, &[64]), (&[3], 40, 16, &[9, 3])].iter().enumerate() {
        let (mean, w, dg) = case(batch, n, r, 20 + i as u64);
        let d = LowRankMultivariateNormal::new(&mean, &w, &dg).unwrap();
        let cpu = d.sample(shape, Some(key(i as u64))).unwrap();
        let g = block_on(gpu().sample_low_rank(&d, shape, Some(key(i as u64)))).unwrap();
        assert_eq!(g.shape(), cpu.shape());
        let z = mvn_gpu::normal(&[(cpu.len() / n * (r + n)) as i64], 0.0, 1.0, Some(key(i as u64))).unwrap();
        let wmax = w.data().iter().fold(1f32, |m, v| m.max(v.abs())) as f64;
        for (k, (a, b)) in cpu.data().iter().zip(g.data()).enumerate() {
            let row = k / n;
            let zs: f64 = z.data()[row * (r + n)..(row + 1) * (r + n)].iter().map(|v| v.abs() as f64).sum();
            // Normals within NORMAL_ULP_BOUND ulp, then r + 2 roundings of terms up to |z| max(|W|, √d).
            let bound = (crate::NORMAL_ULP_BOUND as f64 + r as f64 + 3.0) * f32::EPSILON as f64 * (a.abs() as f64 + zs * wmax.max(1.1));
            assert!(((a - b) as f64).abs() <= bound, "case {i} [{k}]: cpu {a} gpu {b}");
        }
    }
}

#[test]
fn ten_thousand_dimensions_of_rank_sixteen_are_cheap() {
    let (n, r) = (10_000, 16);
    let (mean, w, dg) = case(&[], n, r, 40);
    let t = std::time::Instant::now();
    let d = LowRankMultivariateNormal::new(&mean, &w, &dg).unwrap();
    let x = block_on(gpu().sample_low_rank(&d, &[200], Some(key(1)))).unwrap();
    let lp = d.log_prob(&[200, n], &x.data().iter().map(|&v| v as f64).collect::<Vec<_>>()).unwrap();
    println!("n = 10,000, rank 16: 200 samples and their log-densities in {:.0} ms (a dense covariance would be 400 MB)", t.elapsed().as_secs_f64() * 1e3);
    assert_eq!(x.shape(), &[200, n]);
    // Samples of the distribution have log-densities near the entropy's negative.
    let mean_lp = lp.data.iter().sum::<f64>() / 200.0;
    let h = d.entropy().unwrap().data[0];
    assert!((mean_lp + h).abs() < 5.0 * (n as f64 / 2.0 / 200.0).sqrt() + 1.0, "mean log p {mean_lp} vs -entropy {}", -h);
}

#[test]
fn bad_inputs_are_refused() {
    let m = Array::new([2], vec![0.0, 0.0]).unwrap();
    let w = Array::new([2, 1], vec![1.0, 1.0]).unwrap();
    let ok = Array::new([2], vec![1.0, 1.0]).unwrap();
    let cases = [
        (Array::new([3], vec![0.0; 3]).unwrap(), w.clone(), ok.clone(), ErrorKind::InvalidShape, "must agree on n"),
        (m.clone(), Array::new([2], vec![1.0, 1.0]).unwrap(), ok.clone(), ErrorKind::InvalidShape, "cov_factor must have shape"),
        (m.clone(), w.clone(), Array::new([2], vec![1.0, 0.0]).unwrap(), ErrorKind::NotPositiveSemidefinite, "cov_diag must be positive"),
        (m.clone(), Array::new([2, 1], vec![f32::NAN, 1.0]).unwrap(), ok.clone(), ErrorKind::NonFinite, "cov_factor contains NaN"),
        (Array::new([3, 2], vec![0.0; 6]).unwrap(), Array::new([2, 2, 1], vec![1.0; 4]).unwrap(), ok.clone(), ErrorKind::BroadcastError, ""),
    ];
    for (mean, w, d, kind, needle) in cases {
        let e = LowRankMultivariateNormal::new(&mean, &w, &d).unwrap_err();
        assert_eq!(e.kind(), kind, "{e}");
        assert!(e.to_string().contains(needle), "{e}");
    }
    let d = LowRankMultivariateNormal::new(&m, &w, &ok).unwrap();
    assert_eq!(d.log_prob(&[1, 3], &[0.0; 3]).unwrap_err().kind(), ErrorKind::InvalidShape);
    assert_eq!(d.log_prob(&[1, 2], &[f64::NAN, 0.0]).unwrap_err().kind(), ErrorKind::NonFinite);
}

#[test]
fn windows_are_the_whole_draws_rows() {
    let (mean, w, dg) = case(&[3], 6, 2, 50);
    let d = LowRankMultivariateNormal::new(&mean, &w, &dg).unwrap();
    for s in [&Sampler::cpu(), gpu()] {
        let whole = block_on(s.sample_low_rank(&d, &[37, 3], Some(key(2)))).unwrap();
        for rows in [0..111, 0..0, 5..6, 50..111, 7..80] {
            let part = block_on(s.sample_low_rank_rows(&d, &[37, 3], Some(key(2)), rows.clone())).unwrap();
            assert_eq!(part.shape(), &[rows.len(), 6]);
            assert!(part.data().iter().zip(&whole.data()[rows.start * 6..rows.end * 6]).all(|(a, b)| a.to_bits() == b.to_bits()), "{:?} rows {rows:?}", s.backend());
        }
        assert_eq!(block_on(s.sample_low_rank_rows(&d, &[37, 3], Some(key(2)), 100..112)).unwrap_err().kind(), ErrorKind::InvalidArgument);
    }
}

/// Against SciPy (tests/fixtures/logpdf.json's `low_rank_cases`, `cov = W Wᵀ + diag(d)` formed
/// in float64 there): log-densities at the float32 points, entropies, the covariance, and
/// `scale_tril` and `to_dense` through `L Lᵀ = cov`.
#[test]
fn low_rank_matches_scipy() {
    use crate::fixtures::{f32s, shape};
    let path = format!("{}/tests/fixtures/logpdf.json", env!("CARGO_MANIFEST_DIR"));
    let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let (mut worst, mut checked) = (0f64, 0);
    let rel = |g: f64, w: f64| (g - w).abs() / (1.0 + w.abs());
    for c in doc["low_rank_cases"].as_array().unwrap() {
        let name = c["name"].as_str().unwrap();
        let arr = |k: &str| Array::new(shape(&c[k]), f32s(&c[k])).unwrap();
        let d = LowRankMultivariateNormal::new(&arr("mean"), &arr("cov_factor"), &arr("cov_diag")).unwrap();
        let x: Vec<f64> = f32s(&c["x"]).iter().map(|&v| v as f64).collect();
        let lp = d.log_prob(&shape(&c["x"]), &x).unwrap();
        assert_eq!(lp.shape, shape(&c["expected"]), "{name}");
        for (g, w) in lp.data.iter().zip(c["expected"]["data"].as_array().unwrap()) {
            let e = rel(*g, w.as_f64().unwrap());
            assert!(e <= 1e-9, "{name}: log_prob {g} vs SciPy {w} ({e:e})");
            worst = worst.max(e);
            checked += 1;
        }
        let want_h: Vec<f64> = c["entropy"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        for (g, w) in d.entropy().unwrap().data.iter().zip(&want_h) {
            assert!(rel(*g, *w) <= 1e-12, "{name}: entropy {g} vs SciPy {w}");
        }
        let want_cov: Vec<f64> = c["cov"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        let cov = d.covariance();
        assert!(cov.data.iter().zip(&want_cov).all(|(g, w)| (g - w).abs() <= 1e-12 * (1.0 + w.abs())), "{name}: covariance");
        let (l, n) = (d.scale_tril().unwrap(), d.dim());
        for (b, m) in l.data.chunks_exact(n * n).enumerate() {
            for i in 0..n {
                for j in 0..n {
                    let llt: f64 = (0..n).map(|k| m[i * n + k] * m[j * n + k]).sum();
                    assert!(j <= i || m[i * n + j] == 0.0, "{name}: scale_tril not lower triangular");
                    assert!((llt - want_cov[b * n * n + i * n + j]).abs() <= 1e-12 * (1.0 + want_cov[b * n * n + i * n + j].abs()), "{name}: L Lᵀ [{b}][{i}][{j}]");
                }
            }
        }
        // The dense form holds cov to float32 round-off: its f64 log-density stays within 1e-6.
        let dense = d.to_dense().unwrap();
        for (g, w) in dense.log_prob(&shape(&c["x"]), &x, false).unwrap().data.iter().zip(&lp.data) {
            assert!(rel(*g, *w) <= 1e-6, "{name}: to_dense log_prob {g} vs {w}");
        }
    }
    assert!(checked >= 36);
    println!("low-rank log_prob vs SciPy: {checked} values, worst relative {worst:.2e}");
}

/// A covariance positive definite in exact arithmetic that f64 cannot factor (two equal columns
/// of W at 10¹⁰ over d = 10⁻¹⁰) is a typed error, not a panic, everywhere it is factored.
#[test]
fn an_ill_conditioned_low_rank_covariance_is_an_error() {
    let d = LowRankMultivariateNormal::new(&Array::new([2], vec![0.0, 0.0]).unwrap(), &Array::new([2, 2], vec![1e10; 4]).unwrap(), &Array::new([2], vec![1e-10; 2]).unwrap()).unwrap();
    for e in [d.log_prob(&[2], &[0.0, 0.0]).unwrap_err(), d.entropy().unwrap_err(), d.scale_tril().unwrap_err(), d.to_dense().err().expect("to_dense fails")] {
        assert_eq!(e.kind(), ErrorKind::NotPositiveSemidefinite, "{e}");
        assert!(e.message().contains("cov_diag is too small"), "{e}");
    }
    // Sampling needs no factorization.
    assert_eq!(d.sample(&[3], Some(key(0))).unwrap().shape(), &[3, 2]);
}

/// Samples kept on the GPU (a new buffer, the caller's) are the readback's bit for bit, also
/// under tiny binding limits (chunks written from an aligned offset inside the buffer), and
/// nothing past them is written.
#[test]
fn samples_kept_on_the_gpu_are_the_readbacks() {
    use crate::gpu_paths::{read_buffer, tiny};
    for (i, (s, n, r, shape)) in [(gpu(), 3usize, 2usize, &[1001i64][..]), (gpu(), 16, 4, &[50, 2]), (tiny(), 5, 2, &[37, 2])].into_iter().enumerate() {
        let batch: &[usize] = if shape.len() > 1 { &[2] } else { &[] };
        let (mean, w, dg) = case(batch, n, r, 40 + i as u64);
        let d = LowRankMultivariateNormal::new(&mean, &w, &dg).unwrap();
        let want = block_on(s.sample_low_rank(&d, shape, Some(key(7)))).unwrap();
        let g = block_on(s.sample_low_rank_to_buffer(&d, shape, Some(key(7)))).unwrap();
        assert_eq!(g.shape, want.shape(), "case {i}");
        assert_eq!(read_buffer(s, &g.buffer, want.len()), want.data(), "case {i}: sample_low_rank_to_buffer");
        let device = s.device().unwrap();
        let bytes = want.len() as u64 * 4 + 64;
        let out = device.create_buffer(&wgpu::BufferDescriptor { label: None, size: bytes, usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST, mapped_at_creation: false });
        s.queue().unwrap().write_buffer(&out, 0, bytemuck::cast_slice(&vec![7.5f32; bytes as usize / 4]));
        assert_eq!(block_on(s.sample_low_rank_into(&d, shape, Some(key(7)), &out)).unwrap(), want.shape());
        let got = read_buffer(s, &out, bytes as usize / 4);
        assert_eq!(&got[..want.len()], want.data(), "case {i}: sample_low_rank_into");
        assert!(got[want.len()..].iter().all(|&v| v == 7.5), "case {i}: wrote past the samples");
    }
    // The CPU backend has no buffers; a buffer too small is refused before anything runs.
    let (mean, w, dg) = case(&[], 3, 1, 1);
    let d = LowRankMultivariateNormal::new(&mean, &w, &dg).unwrap();
    assert_eq!(block_on(Sampler::cpu().sample_low_rank_to_buffer(&d, &[4], None)).unwrap_err().kind(), ErrorKind::InvalidArgument);
    let small = gpu().device().unwrap().create_buffer(&wgpu::BufferDescriptor { label: None, size: 16, usage: wgpu::BufferUsages::STORAGE, mapped_at_creation: false });
    let e = block_on(gpu().sample_low_rank_into(&d, &[4], None, &small)).unwrap_err();
    assert!(e.kind() == ErrorKind::InvalidArgument && e.message().starts_with("[sample_into] the output buffer needs STORAGE usage and 48 bytes"), "{e}");
}
