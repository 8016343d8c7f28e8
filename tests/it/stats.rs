//! Statistical checks of every method on both backends: sample mean and covariance within
//! bounds that shrink as 1/sqrt(N), and Kolmogorov-Smirnov tests of the whitened marginals.
//! Seeds are fixed, so these are deterministic; the bounds hold with high probability
//! (5 sigma for moments, KS at p = 0.001) for any correct sampler.

use crate::gpu;
use crate::gpu_paths::spd;
use mvn_gpu::{Array, Method, MultivariateNormal, Options, Sampler};
use pollster::block_on;

/// Standard normal CDF.
fn phi(x: f64) -> f64 {
    0.5 * erfc(-x / std::f64::consts::SQRT_2)
}

/// Complementary error function (W. J. Cody's rational approximations via erfc = 1 - erf
/// would lose accuracy in the tails; this uses the Numerical Recipes erfc, |rel err| < 1.2e-7).
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t * (-z * z - 1.26551223
        + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))))
        .exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

/// KS statistic of `xs` against N(0, 1).
fn ks(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = xs.len() as f64;
    xs.iter().enumerate().fold(0.0f64, |d, (i, &x)| {
        let f = phi(x);
        d.max((f - i as f64 / n).abs()).max(((i + 1) as f64 / n - f).abs())
    })
}

/// Cholesky in f64 (test reference, independent of the library's faer path).
fn chol(c: &[f64], n: usize) -> Vec<f64> {
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let s: f64 = c[i * n + j] - (0..j).map(|k| l[i * n + k] * l[j * n + k]).sum::<f64>();
            l[i * n + j] = if i == j { s.sqrt() } else { s / l[j * n + j] };
        }
    }
    l
}

/// Checks mean, covariance and whitened marginals of `x` (rows of n) against `(mean, cov)`.
fn check(id: &str, x: &[f32], mean: &[f32], cov: &[f32], n: usize) -> (f64, f64) {
    let rows = x.len() / n;
    let nf = rows as f64;
    let m: Vec<f64> = (0..n).map(|j| (0..rows).map(|r| x[r * n + j] as f64).sum::<f64>() / nf).collect();
    let c = |i: usize, j: usize| cov[i * n + j] as f64;
    let mut worst_moment: f64 = 0.0;
    for j in 0..n {
        let z = (m[j] - mean[j] as f64) / (c(j, j) / nf).sqrt();
        assert!(z.abs() < 5.0, "{id}: mean[{j}] off by {z:.2} sigma");
        worst_moment = worst_moment.max(z.abs());
    }
    for i in 0..n {
        for j in 0..n {
            let s: f64 = (0..rows).map(|r| (x[r * n + i] as f64 - m[i]) * (x[r * n + j] as f64 - m[j])).sum::<f64>() / nf;
            let sd = ((c(i, i) * c(j, j) + c(i, j).powi(2)) / nf).sqrt();
            let z = (s - c(i, j)) / sd;
            assert!(z.abs() < 5.0, "{id}: cov[{i},{j}] = {s} vs {} ({z:.2} sigma)", c(i, j));
            worst_moment = worst_moment.max(z.abs());
        }
    }
    // Whiten with an independent f64 Cholesky: w = L^-1 (x - mean) should be iid N(0,1).
    let l = chol(&cov.iter().map(|&v| v as f64).collect::<Vec<_>>(), n);
    let mut cols = vec![Vec::with_capacity(rows); n];
    for r in 0..rows {
        let mut w = vec![0.0; n];
        for i in 0..n {
            let s: f64 = x[r * n + i] as f64 - mean[i] as f64 - (0..i).map(|k| l[i * n + k] * w[k]).sum::<f64>();
            w[i] = s / l[i * n + i];
            cols[i].push(w[i]);
        }
    }
    let mut worst_ks: f64 = 0.0;
    for (i, col) in cols.into_iter().enumerate() {
        let d = ks(col) * nf.sqrt();
        assert!(d < 1.95, "{id}: KS sqrt(N) D = {d:.3} on whitened marginal {i}");
        worst_ks = worst_ks.max(d);
    }
    (worst_moment, worst_ks)
}

#[test]
fn every_method_and_backend_has_the_right_mean_covariance_and_marginals() {
    let n = 4;
    let cov = spd(n, 42);
    let mean = vec![1.0f32, -2.0, 0.5, 3.0];
    let (ma, ca) = (Array::new([n], mean.clone()).unwrap(), Array::new([n, n], cov.clone()).unwrap());
    let rows = 100_000i64;
    let mut summary = Vec::new();
    for method in [Method::Cholesky, Method::Eigh, Method::Svd] {
        let d = MultivariateNormal::new(&ma, &ca, &Options::with_method(method)).unwrap();
        for (s, name) in [(&Sampler::cpu(), "cpu"), (gpu(), "gpu")] {
            for seed in [1u64, 2] {
                let x = block_on(s.sample(&d, &[rows], Some(mvn_gpu::key(seed)))).unwrap();
                let (zm, dk) = check(&format!("{method}/{name}/{seed}"), x.data(), &mean, &cov, n);
                summary.push(format!("{method}/{name}/{seed}: moments {zm:.2} sigma, KS {dk:.2}"));
            }
        }
    }
    println!("{}", summary.join("\n"));
}

#[test]
fn moment_errors_shrink_as_one_over_sqrt_n() {
    // The covariance error at 16x the samples is about 1/4 of that at 1x (averaged over keys).
    let n = 3;
    let cov = spd(n, 7);
    let d = MultivariateNormal::new(&Array::new([n], vec![0.0; 3]).unwrap(), &Array::new([n, n], cov.clone()).unwrap(), &Options::default()).unwrap();
    let err = |rows: i64| -> f64 {
        (0..8u64)
            .map(|seed| {
                let x = d.sample(&[rows], Some(mvn_gpu::key(100 + seed))).unwrap();
                let x = x.data();
                let mut e: f64 = 0.0;
                for i in 0..n {
                    for j in 0..n {
                        let s: f64 = x.chunks(n).map(|r| r[i] as f64 * r[j] as f64).sum::<f64>() / rows as f64;
                        e += (s - cov[i * n + j] as f64).powi(2);
                    }
                }
                e.sqrt()
            })
            .sum::<f64>()
            / 8.0
    };
    let (small, large) = (err(4_000), err(64_000));
    let ratio = small / large;
    println!("covariance error 4k: {small:.4}, 64k: {large:.4}, ratio {ratio:.2} (expected ~4)");
    assert!((2.5..6.5).contains(&ratio), "ratio {ratio}");
}

#[test]
fn singular_psd_covariances_sample_correctly_with_every_method() {
    // Rank 2 in 3-D: cov = B Bᵀ with B 3x2; samples must lie in the column space of B.
    let b = [1.0f64, 0.0, 0.5, 1.0, -1.0, 2.0];
    let mut cov = vec![0f32; 9];
    for i in 0..3 {
        for j in 0..3 {
            cov[i * 3 + j] = (0..2).map(|k| b[i * 2 + k] * b[j * 2 + k]).sum::<f64>() as f32;
        }
    }
    // Normal to the column space: cross product of B's columns.
    let (c0, c1) = ([b[0], b[2], b[4]], [b[1], b[3], b[5]]);
    let nv = [c0[1] * c1[2] - c0[2] * c1[1], c0[2] * c1[0] - c0[0] * c1[2], c0[0] * c1[1] - c0[1] * c1[0]];
    let mean = Array::new([3], vec![0.0; 3]).unwrap();
    let ca = Array::new([3, 3], cov.clone()).unwrap();
    for method in [Method::Cholesky, Method::Eigh, Method::Svd] {
        let d = MultivariateNormal::new(&mean, &ca, &Options::with_method(method)).unwrap();
        let r = &d.reports().unwrap()[0];
        assert_eq!(r.rank, 2, "{method}");
        assert!(r.min_eigenvalue.abs() < 1e-5, "{method}: {}", r.min_eigenvalue);
        if method == Method::Cholesky {
            assert_eq!(r.method_used, mvn_gpu::FactorMethod::CholeskyPsd, "cholesky says it fell back");
        }
        for (s, name) in [(&Sampler::cpu(), "cpu"), (gpu(), "gpu")] {
            let x = block_on(s.sample(&d, &[50_000], Some(mvn_gpu::key(9)))).unwrap();
            let off: f64 = x.data().chunks(3).map(|p| (0..3).map(|i| p[i] as f64 * nv[i]).sum::<f64>().abs()).fold(0.0, f64::max);
            assert!(off < 1e-3, "{method}/{name}: component off the subspace {off}");
            let rows = x.len() / 3;
            for i in 0..3 {
                for j in 0..3 {
                    let s: f64 = x.data().chunks(3).map(|p| p[i] as f64 * p[j] as f64).sum::<f64>() / rows as f64;
                    let sd = ((cov[i * 4] as f64 * cov[j * 4] as f64 + (cov[i * 3 + j] as f64).powi(2)) / rows as f64).sqrt();
                    assert!((s - cov[i * 3 + j] as f64).abs() < 5.0 * sd + 1e-6, "{method}/{name} cov[{i},{j}]");
                }
            }
        }
    }
    // The zero covariance returns the mean exactly (as MLX).
    let z = mvn_gpu::multivariate_normal(&mean, &Array::new([3, 3], vec![0.0; 9]).unwrap(), &[4], Some(mvn_gpu::key(1)), &Options::default()).unwrap();
    assert!(z.data().iter().all(|&v| v == 0.0));
}

#[test]
fn badly_conditioned_covariances_give_finite_correct_samples() {
    // Condition number 1e12 in f64 terms (1e6 vs 1e-6 variances, rotated).
    let (c, s) = (0.6f64, 0.8f64);
    let (l1, l2) = (1e6f64, 1e-6f64);
    let cov = vec![(c * c * l1 + s * s * l2) as f32, (c * s * (l1 - l2)) as f32, (c * s * (l1 - l2)) as f32, (s * s * l1 + c * c * l2) as f32];
    let mean = Array::new([2], vec![0.0; 2]).unwrap();
    for method in [Method::Cholesky, Method::Eigh, Method::Svd] {
        let d = MultivariateNormal::new(&mean, &Array::new([2, 2], cov.clone()).unwrap(), &Options::with_method(method)).unwrap();
        let x = d.sample(&[20_000], Some(mvn_gpu::key(5))).unwrap();
        assert!(x.data().iter().all(|v| v.is_finite()));
        let var: f64 = x.data().chunks(2).map(|p| (p[0] as f64).powi(2)).sum::<f64>() / 20_000.0;
        assert!((var / cov[0] as f64 - 1.0).abs() < 0.05, "{method}: var {var}");
    }
}
