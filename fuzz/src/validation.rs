//! Arbitrary shapes, means and covariances through `MultivariateNormal::new` (or
//! `from_scale_tril`) and small CPU draws, with every `Method` and `OnInvalid`.
//!
//! Must hold: no panic; an error is one of the input-error kinds and names the operation; a
//! finite, positive-semidefinite-by-construction covariance with the default tolerance is
//! accepted; on success the factors are finite, the output has the documented shape and every
//! sample is finite; the free function and a CPU `Sampler` give the same bits.

use crate::{check_error, Bytes};
use mvn_gpu::{key, Array, Key, Method, MultivariateNormal, OnInvalid, Options, Sampler};

/// Outputs larger than this are only shape-checked, not drawn.
const MAX_DRAW: usize = 4096;

const OP: &str = "multivariate_normal";

fn dims(b: &mut Bytes, max_ndim: u8, max_dim: u8) -> Vec<usize> {
    let nd = b.u8() % (max_ndim + 1);
    (0..nd).map(|_| (b.u8() % (max_dim + 1)) as usize).collect()
}

/// How the covariance values are made.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Mode {
    /// Every entry from the stream (mostly asymmetric).
    Raw,
    /// The lower triangle mirrored: exactly symmetric, any sign of eigenvalues.
    Symmetric,
    /// `A Aᵀ` of a stream matrix, rounded to float32 once: positive semidefinite.
    Gram,
    /// A `scale_tril` (zero above the diagonal unless the stream says otherwise).
    ScaleTril,
}

/// One decoded input.
#[derive(Debug)]
pub struct Case {
    mean: Array,
    cov: Array,
    mode: Mode,
    options: Options,
    shape: Vec<i64>,
    key: Key,
}

fn decode(data: &[u8]) -> Option<Case> {
    let mut b = Bytes::new(data);
    let sel = b.u8();
    let method = [Method::Cholesky, Method::Eigh, Method::Svd][(sel % 3) as usize];
    let on_invalid = [OnInvalid::Raise, OnInvalid::Warn, OnInvalid::Clip][((sel / 3) % 3) as usize];
    let mode = [Mode::Raw, Mode::Symmetric, Mode::Gram, Mode::ScaleTril][((sel / 9) % 4) as usize];
    let tolerance = match b.u8() % 12 {
        0 => Some(0.0),
        1 => Some(1e-3),
        2 => Some(-1.0),
        3 => Some(f64::NAN),
        4 => Some(f64::INFINITY),
        5 => Some(f32::from_bits(b.u32()) as f64),
        _ => None,
    };
    let n = (b.u8() % 6) as usize;
    let shape_sel = b.u8();
    // Mostly consistent shapes; sometimes a wrong last dimension, a non-square or too-flat cov.
    let n_mean = if shape_sel % 16 == 1 { (b.u8() % 6) as usize } else { n };
    let mut mean_shape = dims(&mut b, 2, 3);
    let mut cov_shape = dims(&mut b, 2, 3);
    mean_shape.push(n_mean);
    match shape_sel % 16 {
        2 => cov_shape.push(n),
        3 => cov_shape.extend([n, (b.u8() % 6) as usize]),
        4 => mean_shape.clear(),
        _ => cov_shape.extend([n, n]),
    }
    let mean_len: usize = mean_shape.iter().product();
    let cov_len: usize = cov_shape.iter().product();
    let mean: Vec<f32> = (0..mean_len).map(|_| b.f32()).collect();
    let mut cov = vec![0f32; cov_len];
    let square = cov_shape.len() >= 2 && cov_shape[cov_shape.len() - 1] == cov_shape[cov_shape.len() - 2];
    let m = if square { cov_shape[cov_shape.len() - 1] } else { 0 };
    if square && m > 0 {
        for c in cov.chunks_mut(m * m) {
            match mode {
                Mode::Raw => c.iter_mut().for_each(|v| *v = b.f32()),
                Mode::Symmetric => b.symmetric(c, m),
                Mode::Gram => {
                    let a: Vec<f64> = (0..m * m).map(|_| b.f32() as f64).collect();
                    for i in 0..m {
                        for j in 0..m {
                            c[i * m + j] = (0..m).map(|k| a[i * m + k] * a[j * m + k]).sum::<f64>() as f32;
                        }
                    }
                }
                Mode::ScaleTril => {
                    let upper = b.u8() % 8 == 0;
                    for i in 0..m {
                        for j in 0..m {
                            c[i * m + j] = if j <= i || upper { b.f32() } else { 0.0 };
                        }
                    }
                }
            }
        }
    } else {
        cov.iter_mut().for_each(|v| *v = b.f32());
    }
    let nd = b.u8() % 4;
    let shape: Vec<i64> = (0..nd)
        .map(|_| match b.u8() {
            255 => -1,
            254 => 1 << 40,
            253 => i64::MAX,
            d => (d % 5) as i64,
        })
        .collect();
    let key = if b.u8() % 2 == 0 { key(b.u32() as u64 | ((b.u32() as u64) << 32)) } else { Key::new(b.u32(), b.u32()) };
    let _ = b.more();
    Some(Case {
        mean: Array::new(mean_shape, mean).ok()?,
        cov: Array::new(cov_shape, cov).ok()?,
        mode,
        options: Options { method, on_invalid, tolerance, ..Options::default() },
        shape,
        key,
    })
}

fn all_normal_or_zero(v: &[f32]) -> bool {
    v.iter().all(|x| *x == 0.0 || x.abs() >= f32::MIN_POSITIVE && x.is_finite())
}

/// The harness: decodes `data` and checks every property above (panics on a finding).
pub fn run(data: &[u8]) {
    let Some(case) = decode(data) else { return };
    let Case { mean, cov, mode, options, shape, key } = &case;
    let result = if *mode == Mode::ScaleTril { MultivariateNormal::from_scale_tril(mean, cov) } else { MultivariateNormal::new(mean, cov, options) };
    let dist = match result {
        Err(e) => {
            check_error(&e, OP);
            // A finite Gram matrix with consistent shapes and the default tolerance is valid.
            let shapes_ok = mean.ndim() >= 1
                && cov.ndim() >= 2
                && cov.shape()[cov.ndim() - 1] == cov.shape()[cov.ndim() - 2]
                && mean.shape()[mean.ndim() - 1] == cov.shape()[cov.ndim() - 1];
            if *mode == Mode::Gram && shapes_ok && options.tolerance.is_none() && all_normal_or_zero(cov.data()) && mean.data().iter().all(|x| x.is_finite()) {
                assert!(
                    e.kind() == mvn_gpu::ErrorKind::BroadcastError,
                    "a positive semidefinite covariance was refused: {e}\n{case:?}"
                );
            }
            return;
        }
        Ok(d) => d,
    };
    assert!(mean.data().iter().all(|x| x.is_finite()) && cov.data().iter().all(|x| x.is_finite()), "non-finite input accepted: {case:?}");
    assert!(dist.factors().iter().all(|x| x.is_finite()), "non-finite factor: {:?}\n{case:?}", dist.factors());
    for r in dist.reports().expect("reports of an accepted distribution") {
        assert!(!r.min_eigenvalue.is_nan() && !r.max_eigenvalue.is_nan(), "NaN eigenvalue in report {r:?}\n{case:?}");
        assert!(r.rank <= dist.dim(), "rank {} > n {}", r.rank, dist.dim());
    }
    if options.on_invalid != OnInvalid::Warn || *mode == Mode::ScaleTril {
        assert!(dist.warnings().is_empty(), "warnings without on_invalid = warn: {:?}", dist.warnings());
    }
    let out_shape = match dist.output_shape(shape) {
        Err(e) => {
            check_error(&e, OP);
            assert!(dist.sample(shape, Some(*key)).is_err(), "output_shape refused {shape:?} but sample did not");
            return;
        }
        Ok(s) => s,
    };
    assert_eq!(out_shape.last(), Some(&dist.dim()));
    if out_shape.iter().product::<usize>() > MAX_DRAW {
        return;
    }
    let x = dist.sample(shape, Some(*key)).unwrap_or_else(|e| panic!("output_shape accepted {shape:?} but sample failed: {e}"));
    assert_eq!(x.shape(), &out_shape[..]);
    // A covariance's factor is at most sqrt(n * f32::MAX) and |z| < 6, so samples from `cov`
    // are always finite; a scale_tril may be as large as f32::MAX itself, and samples from
    // it only have to be finite when they cannot overflow.
    let lmax = dist.factors().iter().fold(0f64, |a, &v| a.max(v.abs() as f64));
    let mmax = mean.data().iter().fold(0f64, |a, &v| a.max(v.abs() as f64));
    let can_overflow = *mode == Mode::ScaleTril && mmax + 6.0 * dist.dim() as f64 * lmax >= f32::MAX as f64;
    if let Some(i) = x.data().iter().position(|v| !v.is_finite()).filter(|_| !can_overflow) {
        panic!("non-finite sample {} at {i} from finite input: {case:?}\nfactors {:?}", x.data()[i], dist.factors());
    }
    let y = pollster::block_on(Sampler::cpu().sample(&dist, shape, Some(*key))).expect("CPU sampler");
    assert!(x.data().iter().zip(y.data()).all(|(a, b)| a.to_bits() == b.to_bits()), "Sampler::cpu differs from sample");
    if *mode != Mode::ScaleTril && options.on_invalid != OnInvalid::Warn {
        let z = mvn_gpu::multivariate_normal(mean, cov, shape, Some(*key), options).expect("free function");
        assert!(x.data().iter().zip(z.data()).all(|(a, b)| a.to_bits() == b.to_bits()), "multivariate_normal differs from sample");
    }
}
