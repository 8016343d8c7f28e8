//! Symmetric matrices up to 40 x 40 through every factorization (Cholesky with its PSD-safe
//! fallback, eigh, svd; `on_invalid` raise and clip), checked against the matrix itself.
//!
//! Must hold: no panic; no `NOT_SYMMETRIC` (inputs are exactly symmetric); a finite matrix
//! that is positive semidefinite by construction is accepted; on success the factor `R` is
//! finite, upper triangular for the Cholesky methods, and `RᵀR` reproduces the covariance:
//! `‖RᵀR - C‖_F <= 4 ε ‖R‖_F² + 16 n^1.5 ε ‖C‖_F + 2 √n max(0, -λmin)` with ε = 2^-23 and `λmin`
//! the reported smallest eigenvalue (the last term is what clipping removes); the reported rank
//! of a rank-k Gram matrix is at most k.

use crate::{check_error, Bytes};
use mvn_gpu::{Array, ErrorKind, FactorMethod, Method, MultivariateNormal, OnInvalid, Options};

const OP: &str = "multivariate_normal";

/// How the matrix is made.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Mode {
    /// Lower triangle from the stream (edge values included), mirrored.
    Symmetric,
    /// `G Gᵀ` with `G` n x k of small values: PSD of rank at most k.
    Gram,
    /// `D G Gᵀ D` with `D` diagonal powers of two over 2^±24: PSD and badly scaled.
    ScaledGram,
    /// `G Gᵀ - s I`: slightly or grossly indefinite.
    Shifted,
}

/// The harness: decodes `data` and checks every property above (panics on a finding).
pub fn run(data: &[u8]) {
    let mut b = Bytes::new(data);
    let n = 1 + (b.u8() % 40) as usize;
    let mode = [Mode::Symmetric, Mode::Gram, Mode::ScaledGram, Mode::Shifted][(b.u8() % 4) as usize];
    let k = 1 + (b.u8() as usize % n);
    let mut c = vec![0f32; n * n];
    match mode {
        Mode::Symmetric => b.symmetric(&mut c, n),
        Mode::Gram | Mode::ScaledGram | Mode::Shifted => {
            let g: Vec<f64> = (0..n * k).map(|_| (b.u8() as i8) as f64 / 64.0).collect();
            let d: Vec<f64> = (0..n).map(|_| if mode == Mode::ScaledGram { 2f64.powi((b.u8() % 49) as i32 - 24) } else { 1.0 }).collect();
            let shift = if mode == Mode::Shifted { f32::from_bits(b.u32() & 0x7fff_ffff) as f64 } else { 0.0 };
            for i in 0..n {
                for j in 0..=i {
                    let s: f64 = (0..k).map(|l| g[i * k + l] * g[j * k + l]).sum::<f64>() * d[i] * d[j] - if i == j { shift } else { 0.0 };
                    c[i * n + j] = s as f32;
                    c[j * n + i] = s as f32;
                }
            }
        }
    }
    let psd = matches!(mode, Mode::Gram | Mode::ScaledGram);
    let finite = c.iter().all(|v| v.is_finite());
    let mean = Array::new([n], vec![0f32; n]).unwrap();
    let cov = Array::new([n, n], c.clone()).unwrap();
    let cnorm = c.iter().map(|&v| (v as f64).powi(2)).sum::<f64>().sqrt();
    let eps = f32::EPSILON as f64;
    for method in [Method::Cholesky, Method::Eigh, Method::Svd] {
        for on_invalid in [OnInvalid::Raise, OnInvalid::Clip] {
            let id = format!("n {n} mode {mode:?} k {k} {method} {}", on_invalid.as_str());
            let opts = Options { method, on_invalid, ..Options::default() };
            let d = match MultivariateNormal::new(&mean, &cov, &opts) {
                Err(e) => {
                    check_error(&e, OP);
                    assert_ne!(e.kind(), ErrorKind::NotSymmetric, "{id}: exactly symmetric input refused: {e}");
                    assert!(!finite || e.kind() != ErrorKind::NonFinite, "{id}: finite input called non-finite: {e}");
                    if finite {
                        assert!(!psd, "{id}: positive semidefinite input refused: {e}\n{c:?}");
                        assert!(e.kind() == ErrorKind::NotPositiveSemidefinite && on_invalid == OnInvalid::Raise || e.kind() == ErrorKind::NotConverged, "{id}: {e}");
                    }
                    continue;
                }
                Ok(d) => d,
            };
            assert!(finite, "{id}: non-finite input accepted");
            let r = d.factors();
            assert_eq!(r.len(), n * n);
            assert!(r.iter().all(|v| v.is_finite()), "{id}: non-finite factor {r:?}");
            let rep = &d.reports().expect("reports")[0];
            let used = rep.method_used;
            if matches!(used, FactorMethod::Cholesky | FactorMethod::CholeskyPsd) {
                for i in 0..n {
                    for j in 0..i {
                        assert_eq!(r[i * n + j], 0.0, "{id}: {used:?} factor not upper triangular at ({i},{j})");
                    }
                }
            }
            let mut err2 = 0f64;
            let mut rnorm2 = 0f64;
            for i in 0..n {
                for j in 0..n {
                    let rtr: f64 = (0..n).map(|l| r[l * n + i] as f64 * r[l * n + j] as f64).sum();
                    err2 += (rtr - c[i * n + j] as f64).powi(2);
                    rnorm2 += (r[i * n + j] as f64).powi(2);
                }
            }
            let err = err2.sqrt();
            assert!(!rep.min_eigenvalue.is_nan(), "{id}: NaN eigenvalue in {rep:?}");
            let clip_term = if rep.clipped || method == Method::Svd || used == FactorMethod::CholeskyPsd { 2.0 * (n as f64).sqrt() * (-rep.min_eigenvalue).max(0.0) } else { 0.0 };
            let bound = 4.0 * eps * rnorm2 + 16.0 * (n as f64).powf(1.5) * eps * cnorm + clip_term + f32::MIN_POSITIVE as f64;
            assert!(err <= bound, "{id}: ‖RᵀR - C‖ = {err:e} > {bound:e} (‖C‖ {cnorm:e}, report {rep:?})\nC = {c:?}");
            if psd && mode == Mode::Gram && !matches!(used, FactorMethod::Cholesky) {
                assert!(rep.rank <= k, "{id}: rank {} of a rank-{k} Gram matrix", rep.rank);
            }
            if rep.clipped {
                assert_eq!(on_invalid, OnInvalid::Clip, "{id}: clipped with on_invalid = raise");
            }
        }
    }
}
