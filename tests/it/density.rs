//! `MultivariateNormal::log_prob` against SciPy's `multivariate_normal.logpdf`
//! (tests/fixtures/logpdf.json, from scripts/gen-logpdf-fixtures.py): full-rank covariances of
//! n = 1 to 40 under every method, broadcast batches, and singular ones with `allow_singular`
//! (on their support and off it), plus the errors.

use crate::fixtures::{f32s, load, num, shape};
use mvn_gpu::{Array, ErrorKind, Method, MultivariateNormal, Options};

/// The bound: the stored factor `R` is float32, so the covariance whose density is computed,
/// `Rᵀ R`, is `cov` to float32 round-off (a relative 2⁻²⁴ per entry of `R`); the log-density
/// then moves by about `(n + maha) · κ · n · 2⁻²⁴` for condition number κ. For these cases
/// (κ ≤ 1000, n ≤ 40) that stays below 1e-6 relative to `1 + |logpdf|`.
const REL: f64 = 1e-6;

#[test]
fn log_prob_matches_scipy() {
    let mut worst: f64 = 0.0;
    let mut checked = 0;
    for c in load("logpdf.json") {
        let name = c["name"].as_str().unwrap();
        let method: Method = c["method"].as_str().unwrap().parse().unwrap();
        let mean = Array::new(shape(&c["mean"]), f32s(&c["mean"])).unwrap();
        let cov = Array::new(shape(&c["cov"]), f32s(&c["cov"])).unwrap();
        let d = MultivariateNormal::new(&mean, &cov, &Options::with_method(method)).unwrap();
        let x: Vec<f64> = c["x"]["data"].as_array().unwrap().iter().map(num).collect();
        let singular = c["allow_singular"].as_bool().unwrap();
        let got = d.log_prob(&shape(&c["x"]), &x, singular).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(got.shape, shape(&c["expected"]), "{name}");
        for (i, (g, w)) in got.data.iter().zip(c["expected"]["data"].as_array().unwrap()).enumerate() {
            match w.as_f64() {
                None => assert_eq!(*g, f64::NEG_INFINITY, "{name} [{i}]: off the support"),
                Some(w) => {
                    let rel = (g - w).abs() / (1.0 + w.abs());
                    assert!(rel <= REL, "{name} [{i}]: {g} vs SciPy {w} (relative {rel:e})");
                    worst = worst.max(rel);
                }
            }
            checked += 1;
        }
    }
    assert!(checked > 200);
    println!("log_prob vs SciPy: {checked} values, max |diff| / (1 + |logpdf|) = {worst:.2e}");
}

#[test]
fn entropy_matches_scipy() {
    let mut worst: f64 = 0.0;
    for c in load("logpdf.json") {
        let name = c["name"].as_str().unwrap();
        let method: Method = c["method"].as_str().unwrap().parse().unwrap();
        let mean = Array::new(shape(&c["mean"]), f32s(&c["mean"])).unwrap();
        let cov = Array::new(shape(&c["cov"]), f32s(&c["cov"])).unwrap();
        let d = MultivariateNormal::new(&mean, &cov, &Options::with_method(method)).unwrap();
        let h = d.entropy().unwrap();
        assert_eq!(h.shape, d.batch_shape(), "{name}");
        let want: Vec<f64> = c["entropy"].as_array().unwrap().iter().map(num).collect();
        // Each batch element's covariance (mean's batch broadcast over cov's).
        let covs = want.len();
        for (i, g) in h.data.iter().enumerate() {
            let w = want[i % covs];
            let rel = (g - w).abs() / (1.0 + w.abs());
            assert!(rel <= REL, "{name} [{i}]: entropy {g} vs SciPy {w} (relative {rel:e})");
            worst = worst.max(rel);
        }
    }
    println!("entropy vs SciPy: max |diff| / (1 + |H|) = {worst:.2e}");
}

#[test]
fn log_prob_refuses_bad_points_and_singular_covariances() {
    let mean = Array::new([2], vec![0.0, 0.0]).unwrap();
    let d = MultivariateNormal::new(&mean, &Array::new([2, 2], vec![1.0, 0.0, 0.0, 1.0]).unwrap(), &Options::default()).unwrap();
    assert_eq!(d.log_prob(&[3], &[0.0; 3], false).unwrap_err().kind(), ErrorKind::InvalidShape);
    assert_eq!(d.log_prob(&[2, 2], &[0.0; 3], false).unwrap_err().kind(), ErrorKind::InvalidShape);
    assert_eq!(d.log_prob(&[2], &[0.0, f64::NAN], false).unwrap_err().kind(), ErrorKind::NonFinite);
    let batched = MultivariateNormal::new(&Array::new([3, 2], vec![0.0; 6]).unwrap(), &Array::new([2, 2], vec![1.0, 0.0, 0.0, 1.0]).unwrap(), &Options::default()).unwrap();
    let e = batched.log_prob(&[2, 2], &[0.0; 4], false).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BroadcastError);
    assert!(e.to_string().contains("x's batch"), "{e}");
    let singular = MultivariateNormal::new(&mean, &Array::new([2, 2], vec![1.0, 1.0, 1.0, 1.0]).unwrap(), &Options::default()).unwrap();
    let e = singular.log_prob(&[2], &[0.0, 0.0], false).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert!(e.to_string().contains("allow_singular"), "{e}");
    // On the support (x1 = x2) a density of rank 1; off it -inf.
    let on = singular.log_prob(&[2], &[0.5, 0.5], true).unwrap().data[0];
    let want = -0.5 * ((2.0 * std::f64::consts::PI).ln() + 2f64.ln() + 0.25); // |d|²/λ = 0.5/2
    assert!((on - want).abs() < 1e-6, "{on} vs {want}");
    assert_eq!(singular.log_prob(&[2], &[0.5, -0.5], true).unwrap().data[0], f64::NEG_INFINITY);
}

#[test]
fn from_precision_matches_scipy_with_the_inverse_covariance() {
    let path = format!("{}/tests/fixtures/logpdf.json", env!("CARGO_MANIFEST_DIR"));
    let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut worst: f64 = 0.0;
    for c in doc["precision_cases"].as_array().unwrap() {
        let name = c["name"].as_str().unwrap();
        let mean = Array::new(shape(&c["mean"]), f32s(&c["mean"])).unwrap();
        let p = Array::new(shape(&c["precision"]), f32s(&c["precision"])).unwrap();
        let d = MultivariateNormal::from_precision(&mean, &p).unwrap();
        assert_eq!(d.reports().unwrap()[0].method_used, mvn_gpu::FactorMethod::Precision);
        let x: Vec<f64> = c["x"]["data"].as_array().unwrap().iter().map(num).collect();
        let got = d.log_prob(&shape(&c["x"]), &x, false).unwrap();
        for (g, w) in got.data.iter().zip(c["expected"].as_array().unwrap().iter().map(num)) {
            let rel = (g - w).abs() / (1.0 + w.abs());
            assert!(rel <= REL, "{name}: {g} vs SciPy {w}");
            worst = worst.max(rel);
        }
        // The covariance it samples is inv(P); scale_tril is its Cholesky factor.
        let want: Vec<f64> = c["cov"].as_array().unwrap().iter().map(num).collect();
        let cov = d.covariance();
        let scale = want.iter().fold(0f64, |m, v| m.max(v.abs()));
        for (g, w) in cov.data.iter().zip(&want) {
            assert!((g - w).abs() <= 1e-5 * scale, "{name} covariance: {g} vs {w}");
        }
        let n = d.dim();
        let l = d.scale_tril().unwrap();
        for i in 0..n {
            for j in 0..n {
                let llt: f64 = (0..n).map(|k| l.data[i * n + k] * l.data[j * n + k]).sum();
                assert!((llt - cov.data[i * n + j]).abs() <= 1e-9 * scale, "{name} L Lᵀ");
                if j > i {
                    assert_eq!(l.data[i * n + j], 0.0);
                }
            }
        }
        // Samples: the GPU path (a lower-triangular R) equals the CPU's to the stated bound.
        let key = Some(mvn_gpu::key(9));
        let cpu = d.sample(&[500], key).unwrap();
        let gpu = pollster::block_on(crate::gpu().sample(&d, &[500], key)).unwrap();
        crate::gpu_paths::assert_close(name, &d, key.unwrap(), &cpu, &gpu);
    }
    println!("from_precision log_prob vs SciPy: max relative {worst:.2e}");
    let bad = Array::new([2, 2], vec![1.0, 2.0, 2.0, 1.0]).unwrap();
    let Err(e) = MultivariateNormal::from_precision(&Array::new([2], vec![0.0, 0.0]).unwrap(), &bad) else { panic!("an indefinite precision was accepted") };
    assert_eq!(e.kind(), ErrorKind::NotPositiveSemidefinite, "{e}");
}

#[test]
fn covariance_and_scale_tril_give_back_the_covariance() {
    let cov = [4.0f32, 1.0, 0.5, 1.0, 3.0, 0.25, 0.5, 0.25, 2.0];
    for method in [Method::Cholesky, Method::Eigh, Method::Svd] {
        let d = MultivariateNormal::new(&Array::new([2, 3], vec![0.0; 6]).unwrap(), &Array::new([3, 3], cov.to_vec()).unwrap(), &Options::with_method(method)).unwrap();
        let c = d.covariance();
        assert_eq!(c.shape, vec![2, 3, 3]);
        for (g, w) in c.data.iter().zip(cov.iter().chain(cov.iter())) {
            assert!((g - *w as f64).abs() <= 4.0 * 3.0 * f32::EPSILON as f64, "{method}: {g} vs {w}");
        }
        let l = d.scale_tril().unwrap();
        assert_eq!(l.shape, vec![2, 3, 3]);
        assert_eq!((l.data[1], l.data[2], l.data[5]), (0.0, 0.0, 0.0), "{method}: not lower triangular");
    }
}

#[test]
fn condition_matches_numpys_schur_complements() {
    let path = format!("{}/tests/fixtures/logpdf.json", env!("CARGO_MANIFEST_DIR"));
    let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let (mut worst_mean, mut worst_cov): (f64, f64) = (0.0, 0.0);
    for c in doc["condition_cases"].as_array().unwrap() {
        let name = c["name"].as_str().unwrap();
        let d = MultivariateNormal::new(&Array::new(shape(&c["mean"]), f32s(&c["mean"])).unwrap(), &Array::new(shape(&c["cov"]), f32s(&c["cov"])).unwrap(), &Options::default()).unwrap();
        let idx: Vec<usize> = c["indices"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect();
        let vals: Vec<f64> = c["values"]["data"].as_array().unwrap().iter().map(num).collect();
        let cd = d.condition(&idx, &shape(&c["values"]), &vals).unwrap_or_else(|e| panic!("{name}: {e}"));
        let m = d.dim() - idx.len();
        assert_eq!(cd.dim(), m, "{name}");
        assert_eq!(cd.batch_shape(), vec![3], "{name}");
        // Means: float32 values of the f64 conditional means.
        let want_mean: Vec<f64> = c["expected_mean"]["data"].as_array().unwrap().iter().map(num).collect();
        let samples_mean = cd.sample(&[], Some(mvn_gpu::key(0))).unwrap();
        assert_eq!(samples_mean.shape(), &[3, m]);
        let cov = cd.covariance();
        let want_cov: Vec<f64> = c["expected_cov"]["data"].as_array().unwrap().iter().map(num).collect();
        let scale = want_cov.iter().fold(0f64, |a, v| a.max(v.abs()));
        for b in 0..3 {
            for (g, w) in cov.data[b * m * m..(b + 1) * m * m].iter().zip(&want_cov) {
                let e = (g - w).abs() / scale;
                assert!(e <= 1e-5, "{name} cov: {g} vs NumPy {w}");
                worst_cov = worst_cov.max(e);
            }
        }
        // The conditional means, stored as float32.
        let mean = cd.mean();
        assert_eq!(mean.shape, vec![3, m]);
        for (g, w) in mean.data.iter().zip(&want_mean) {
            let e = (g - w).abs() / (1.0 + w.abs());
            assert!(e <= 2.0 * f32::EPSILON as f64, "{name} mean: {g} vs NumPy {w}");
            worst_mean = worst_mean.max(e);
        }
    }
    println!("condition vs NumPy: max |mean diff| / (1 + |mean|) = {worst_mean:.2e}, max |cov diff| / max|cov| = {worst_cov:.2e}");
    let d = MultivariateNormal::new(&Array::new([2], vec![0.0, 0.0]).unwrap(), &Array::new([2, 2], vec![1.0, 0.0, 0.0, 1.0]).unwrap(), &Options::default()).unwrap();
    for (idx, vs, kind) in [(vec![2usize], vec![1usize], ErrorKind::InvalidArgument), (vec![0, 0], vec![2], ErrorKind::InvalidArgument), (vec![0, 1], vec![2], ErrorKind::InvalidArgument), (vec![0], vec![2], ErrorKind::InvalidShape)] {
        let values = vec![0.0; vs.iter().product()];
        let Err(e) = d.condition(&idx, &vs, &values) else { panic!("{idx:?} accepted") };
        assert_eq!(e.kind(), kind, "{idx:?}: {e}");
    }
}

#[test]
fn from_diag_is_independent_normals() {
    // Closed form: the sum of the coordinates' normal log-densities.
    let var = [0.25f32, 4.0, 0.3, 1e-6];
    let mean = [1.0f32, -2.0, 0.0, 5.0];
    let d = MultivariateNormal::from_diag(&Array::new([4], mean.to_vec()).unwrap(), &Array::new([4], var.to_vec()).unwrap()).unwrap();
    assert_eq!(d.reports().unwrap()[0].method_used, mvn_gpu::FactorMethod::Diag);
    let x = [1.5f64, -1.0, 0.2, 5.001];
    let want: f64 = (0..4).map(|i| -0.5 * ((2.0 * std::f64::consts::PI * var[i] as f64).ln() + (x[i] - mean[i] as f64).powi(2) / var[i] as f64)).sum();
    let got = d.log_prob(&[4], &x, false).unwrap().data[0];
    assert!((got - want).abs() <= 1e-6 * (1.0 + want.abs()), "{got} vs {want}");
    let h: f64 = (0..4).map(|i| 0.5 * (1.0 + (2.0 * std::f64::consts::PI * var[i] as f64).ln())).sum();
    assert!((d.entropy().unwrap().data[0] - h).abs() < 1e-6);
    // Samples: each coordinate's variance (20,000 draws, within 5%), and the GPU path as the CPU's.
    let key = Some(mvn_gpu::key(4));
    let s = d.sample(&[20000], key).unwrap();
    for i in 0..4 {
        let v = s.data().chunks(4).map(|r| (r[i] as f64 - mean[i] as f64).powi(2)).sum::<f64>() / 20000.0;
        assert!((v / var[i] as f64 - 1.0).abs() < 0.05, "coordinate {i}: variance {v} vs {}", var[i]);
    }
    let gpu = pollster::block_on(crate::gpu().sample(&d, &[20000], key)).unwrap();
    crate::gpu_paths::assert_close("diag", &d, key.unwrap(), &s, &gpu);
    let Err(e) = MultivariateNormal::from_diag(&Array::new([2], vec![0.0, 0.0]).unwrap(), &Array::new([2], vec![1.0, -1.0]).unwrap()) else { panic!("a negative variance was accepted") };
    assert_eq!(e.kind(), ErrorKind::NotPositiveSemidefinite);
    let Err(e) = MultivariateNormal::from_diag(&Array::new([2], vec![0.0, 0.0]).unwrap(), &Array::new([3], vec![1.0; 3]).unwrap()) else { panic!("mismatched n accepted") };
    assert_eq!(e.kind(), ErrorKind::InvalidShape);
}
