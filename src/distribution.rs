//! `MultivariateNormal`: mean and covariance validated and factored once, sampled many times.

use crate::array::Array;
use crate::error::{Error, ErrorKind, Result};
use crate::linalg::{self, FactorMethod, FactorReport};
use crate::options::{Method, Options};
use crate::shape::{broadcast_shapes, check_shape, fmt_shape, numel};
use std::sync::OnceLock;

const OP: &str = "multivariate_normal";

struct FactorEntry {
    batch_index: usize,
    method_used: FactorMethod,
    report: Option<FactorReport>,
}

/// A multivariate normal distribution `mean (..., n)`, `cov (..., n, n)`, validated and
/// factored once (each distinct covariance of the batch once), then sampled with any key and
/// shape, on the CPU ([`MultivariateNormal::sample`]) or the GPU ([`crate::Sampler::sample`]).
///
/// # Example
/// ```
/// use mvn_gpu::{Array, MultivariateNormal, Options, key};
/// let mean = Array::new([2], vec![1.0, -1.0])?;
/// let cov = Array::new([2, 2], vec![2.0, 0.5, 0.5, 1.0])?;
/// let mvn = MultivariateNormal::new(&mean, &cov, &Options::default())?;
/// let x = mvn.sample(&[1000], Some(key(0)))?;
/// assert_eq!(x.shape(), &[1000, 2]);
/// # Ok::<(), mvn_gpu::Error>(())
/// ```
pub struct MultivariateNormal {
    n: usize,
    method: Method,
    mean: Vec<f32>,
    mean_batch: Vec<usize>,
    cov_batch: Vec<usize>,
    /// `R` matrices (`x = mean + z R`), `n * n` each, one per distinct covariance.
    factors: Vec<f32>,
    /// For each covariance of the batch, the index of its factor.
    factor_of_cov: Vec<u32>,
    entries: Vec<FactorEntry>,
    triangular: bool,
    warnings: Vec<String>,
    reports: OnceLock<Vec<FactorReport>>,
}

fn check_finite(what: &str, a: &Array) -> Result<()> {
    // A branch-free scan per block (vectorizes), in parallel natively for large inputs; the
    // first bad index is then found in order.
    let bad_block = |c: &[f32]| c.iter().fold(false, |acc, v| acc | !v.is_finite());
    #[cfg(not(target_arch = "wasm32"))]
    let any_bad = {
        use rayon::prelude::*;
        if a.data().len() >= 1 << 18 { a.data().par_chunks(1 << 14).any(bad_block) } else { bad_block(a.data()) }
    };
    #[cfg(target_arch = "wasm32")]
    let any_bad = bad_block(a.data());
    if !any_bad {
        return Ok(());
    }
    if let Some(i) = a.data().iter().position(|v| !v.is_finite()) {
        let mut coords = vec![0usize; a.ndim()];
        let mut rem = i;
        for k in (0..a.ndim()).rev() {
            coords[k] = rem % a.shape()[k];
            rem /= a.shape()[k];
        }
        return Err(Error::new(
            ErrorKind::NonFinite,
            OP,
            format!("{what} contains {} at index {}.", a.data()[i], fmt_shape(&coords)),
        ));
    }
    Ok(())
}

fn check_shapes(mean: &Array, cov: &Array, what: &str) -> Result<(usize, Vec<usize>, Vec<usize>)> {
    if mean.ndim() < 1 {
        return Err(Error::new(ErrorKind::InvalidShape, OP, "mean must have at least one dimension."));
    }
    if cov.ndim() < 2 {
        return Err(Error::new(ErrorKind::InvalidShape, OP, format!("{what} must have at least two dimensions.")));
    }
    let (cs, ms) = (cov.shape(), mean.shape());
    if cs[cs.len() - 1] != cs[cs.len() - 2] {
        return Err(Error::new(
            ErrorKind::InvalidShape,
            OP,
            format!("last two dimensions of {what} must be equal, got shape {}.", fmt_shape(cs)),
        ));
    }
    let n = ms[ms.len() - 1];
    if n != cs[cs.len() - 1] {
        return Err(Error::new(
            ErrorKind::InvalidShape,
            OP,
            format!("mean and {what} must have compatible shapes, got {} and {}.", fmt_shape(ms), fmt_shape(cs)),
        ));
    }
    let mean_batch = ms[..ms.len() - 1].to_vec();
    let cov_batch = cs[..cs.len() - 2].to_vec();
    broadcast_shapes(OP, &cov_batch, &mean_batch)?;
    Ok((n, mean_batch, cov_batch))
}

/// The distinct matrices among `num_cov` matrices of `nn` values (their first indices) and, for
/// each matrix, the index of its distinct one. Hashes each matrix's bits (in parallel natively)
/// into an open-addressing table; equal hashes are confirmed bit for bit.
fn dedupe(data: &[f32], num_cov: usize, nn: usize) -> (Vec<usize>, Vec<u32>) {
    let bits: &[u32] = bytemuck::cast_slice(data);
    let hash = |c: usize| -> u64 {
        // Four independent multiply-xor lanes, then a final mix.
        let m = &bits[c * nn..(c + 1) * nn];
        let mut h = [0x9e37_79b9_7f4a_7c15u64, 0xc2b2_ae3d_27d4_eb4f, 0x1656_67b1_9e37_79f9, 0x27d4_eb2f_1656_67c5];
        for (i, &w) in m.iter().enumerate() {
            let l = &mut h[i & 3];
            *l = (*l ^ w as u64).wrapping_mul(0x0000_0100_0000_01b3).rotate_left(29);
        }
        let mut x = h[0] ^ h[1].rotate_left(17) ^ h[2].rotate_left(31) ^ h[3].rotate_left(47) ^ nn as u64;
        x ^= x >> 33;
        x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
        x ^ (x >> 33)
    };
    #[cfg(not(target_arch = "wasm32"))]
    let hashes: Vec<u64> = {
        use rayon::prelude::*;
        if num_cov >= 1024 { (0..num_cov).into_par_iter().map(hash).collect() } else { (0..num_cov).map(hash).collect() }
    };
    #[cfg(target_arch = "wasm32")]
    let hashes: Vec<u64> = (0..num_cov).map(hash).collect();
    let cap = (2 * num_cov).next_power_of_two().max(2);
    let mut table = vec![u32::MAX; cap]; // distinct index, or MAX when empty
    let mut distinct: Vec<usize> = Vec::new();
    let mut factor_of_cov = Vec::with_capacity(num_cov);
    for c in 0..num_cov {
        let h = hashes[c];
        let mut slot = (h as usize) & (cap - 1);
        let idx = loop {
            let d = table[slot];
            if d == u32::MAX {
                table[slot] = distinct.len() as u32;
                distinct.push(c);
                break table[slot];
            }
            let first = distinct[d as usize];
            if hashes[first] == h && bits[first * nn..(first + 1) * nn] == bits[c * nn..(c + 1) * nn] {
                break d;
            }
            slot = (slot + 1) & (cap - 1);
        };
        factor_of_cov.push(idx);
    }
    (distinct, factor_of_cov)
}

impl MultivariateNormal {
    /// Validates `mean (..., n)` and `cov (..., n, n)` and factors every distinct covariance.
    ///
    /// # Errors
    /// - [`ErrorKind::InvalidDtype`] unless `options.dtype` is float32;
    /// - [`ErrorKind::InvalidShape`] for a 0-d mean, a cov with fewer than two dimensions, a
    ///   non-square cov, or a mean whose last dimension differs from cov's;
    /// - [`ErrorKind::BroadcastError`] when the batch shapes do not broadcast;
    /// - [`ErrorKind::NonFinite`] for NaN or infinity in mean or cov;
    /// - [`ErrorKind::NotSymmetric`] for a cov whose asymmetry exceeds the tolerance;
    /// - [`ErrorKind::NotPositiveSemidefinite`] for a negative eigenvalue beyond the tolerance
    ///   with `on_invalid = raise` (the message names the batch index and the eigenvalue).
    pub fn new(mean: &Array, cov: &Array, options: &Options) -> Result<Self> {
        let mut prof = crate::profile::Profile::start();
        options.dtype.require_float32(OP)?;
        let (n, mean_batch, cov_batch) = check_shapes(mean, cov, "cov")?;
        check_finite("mean", mean)?;
        check_finite("cov", cov)?;
        let tol = options.tolerance.unwrap_or_else(|| linalg::default_tolerance(n));
        if !(tol >= 0.0 && tol.is_finite()) {
            return Err(Error::new(ErrorKind::InvalidArgument, OP, format!("tolerance must be finite and >= 0, got {tol}.")));
        }
        // A relative tolerance of 1 or more would accept any matrix as symmetric and PSD.
        if tol >= 1.0 {
            return Err(Error::new(ErrorKind::InvalidArgument, OP, format!("tolerance must be below 1 (a relative tolerance of 1 or more accepts any matrix), got {}.", linalg::g(tol))));
        }
        let num_cov: usize = cov_batch.iter().product();
        // n = 0: every covariance is the same empty matrix, and nothing is ever sampled from
        // it; one entry stands for them all (a batch of 2^31 empty matrices costs nothing).
        let num_cov = if n == 0 { num_cov.min(1) } else { num_cov };
        let nn = n * n;
        prof.mark("validate");
        // Deduplicate identical matrices so each distinct covariance is factored once.
        let (distinct, factor_of_cov) = dedupe(cov.data(), num_cov, nn);
        prof.mark("dedupe");
        let factor_one = |&c: &usize| linalg::factor(&cov.data()[c * nn..(c + 1) * nn], n, options.method, options.on_invalid, tol, c);
        let mut factors = vec![0f32; distinct.len() * nn];
        let mut entries = Vec::with_capacity(distinct.len());
        let mut warnings = Vec::new();
        let mut triangular = true;
        // Batches of small matrices: an allocation-free Cholesky straight into `factors`, in
        // parallel natively; a matrix it does not take goes through `factor` below.
        let mut fast = vec![false; distinct.len()];
        if options.method == Method::Cholesky && n <= linalg::SMALL_BATCH_N && n > 0 {
            let one = |(r, &c): (&mut [f32], &usize)| linalg::small_cholesky_into(&cov.data()[c * nn..(c + 1) * nn], n, tol, r);
            #[cfg(not(target_arch = "wasm32"))]
            {
                use rayon::prelude::*;
                fast = factors.par_chunks_mut(nn).zip(distinct.par_iter()).with_min_len(512).map(one).collect();
            }
            #[cfg(target_arch = "wasm32")]
            {
                fast = factors.chunks_mut(nn).zip(distinct.iter()).map(one).collect();
            }
        }
        let slow: Vec<usize> = (0..distinct.len()).filter(|&i| !fast[i]).collect();
        #[cfg(not(target_arch = "wasm32"))]
        let results: Vec<Result<linalg::Factored>> = {
            use rayon::prelude::*;
            if slow.len() > 1 && n <= 64 {
                slow.par_iter().map(|&i| factor_one(&distinct[i])).collect()
            } else {
                slow.iter().map(|&i| factor_one(&distinct[i])).collect()
            }
        };
        #[cfg(target_arch = "wasm32")]
        let results: Vec<Result<linalg::Factored>> = slow.iter().map(|&i| factor_one(&distinct[i])).collect();
        prof.mark("factor");
        let mut results = slow.iter().copied().zip(results).peekable();
        for (i, &c) in distinct.iter().enumerate() {
            if fast[i] {
                entries.push(FactorEntry { batch_index: c, method_used: FactorMethod::Cholesky, report: None });
                continue;
            }
            let (j, res) = results.next().expect("one result per slow matrix");
            debug_assert_eq!(i, j);
            let f = res?;
            factors[i * nn..(i + 1) * nn].copy_from_slice(&f.r);
            triangular &= matches!(f.method_used, FactorMethod::Cholesky | FactorMethod::CholeskyPsd);
            if let Some(w) = f.clipped_warning {
                warnings.push(w);
            }
            entries.push(FactorEntry { batch_index: c, method_used: f.method_used, report: f.report });
        }
        prof.mark("assemble factors");
        Ok(MultivariateNormal {
            n,
            method: options.method,
            mean: mean.data().to_vec(),
            mean_batch,
            cov_batch,
            factors,
            factor_of_cov,
            entries,
            triangular: triangular && n > 0,
            warnings,
            reports: OnceLock::new(),
        })
    }

    /// A distribution from a lower-triangular factor `scale_tril (..., n, n)` with
    /// `cov = L Lᵀ` (nothing is factored).
    ///
    /// # Errors
    /// As [`MultivariateNormal::new`] for shapes and non-finite values, and
    /// [`ErrorKind::InvalidArgument`] when an entry above the diagonal is not zero.
    pub fn from_scale_tril(mean: &Array, scale_tril: &Array) -> Result<Self> {
        let (n, mean_batch, cov_batch) = check_shapes(mean, scale_tril, "scale_tril")?;
        check_finite("mean", mean)?;
        check_finite("scale_tril", scale_tril)?;
        let nn = n * n;
        let num = cov_batch.iter().product::<usize>();
        let num = if n == 0 { num.min(1) } else { num };
        let mut factors = vec![0f32; num * nn];
        for b in 0..num {
            let l = &scale_tril.data()[b * nn..(b + 1) * nn];
            for i in 0..n {
                for j in 0..n {
                    let v = l[i * n + j];
                    if j > i && v != 0.0 {
                        return Err(Error::new(
                            ErrorKind::InvalidArgument,
                            OP,
                            format!("scale_tril must be lower triangular: batch index {b} has {v} at ({i},{j})."),
                        ));
                    }
                    factors[b * nn + j * n + i] = v; // R = Lᵀ
                }
            }
        }
        Ok(MultivariateNormal {
            n,
            method: Method::Cholesky,
            mean: mean.data().to_vec(),
            mean_batch,
            cov_batch,
            factors,
            factor_of_cov: (0..num as u32).collect(),
            entries: (0..num).map(|b| FactorEntry { batch_index: b, method_used: FactorMethod::ScaleTril, report: None }).collect(),
            triangular: n > 0,
            warnings: Vec::new(),
            reports: OnceLock::new(),
        })
    }

    /// The dimension `n`.
    pub fn dim(&self) -> usize {
        self.n
    }

    /// The broadcast batch shape of mean and cov.
    pub fn batch_shape(&self) -> Vec<usize> {
        broadcast_shapes(OP, &self.cov_batch, &self.mean_batch).expect("checked in new")
    }

    /// The output shape of a draw with `shape`: `broadcast(shape, batch_shape) + (n,)`.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidShape`] for a negative dimension, [`ErrorKind::BroadcastError`]
    /// when `shape` does not broadcast with the batch, [`ErrorKind::TooLarge`] beyond
    /// [`crate::MAX_ELEMENTS`] values.
    pub fn output_shape(&self, shape: &[i64]) -> Result<Vec<usize>> {
        let shape = check_shape(OP, shape)?;
        let mut out = broadcast_shapes(OP, &self.batch_shape(), &shape)?;
        out.push(self.n);
        numel(OP, &out)?;
        Ok(out)
    }

    /// One report per distinct covariance: method used, rank, extreme eigenvalues, clipping.
    pub fn reports(&self) -> &[FactorReport] {
        self.reports.get_or_init(|| {
            let nn = self.n * self.n;
            self.entries
                .iter()
                .enumerate()
                .map(|(i, e)| match &e.report {
                    Some(r) => r.clone(),
                    None => linalg::report_from_r(&self.factors[i * nn..(i + 1) * nn], self.n, self.method, e.method_used, e.batch_index),
                })
                .collect()
        })
    }

    /// Warnings recorded while factoring (`on_invalid = warn`).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Whether every factor is upper triangular in the row-vector form (Cholesky, scale_tril).
    pub fn is_triangular(&self) -> bool {
        self.triangular
    }

    /// The factors `R` (`x = mean + z R`), `n * n` row-major each, one per distinct covariance.
    pub fn factors(&self) -> &[f32] {
        &self.factors
    }

    pub(crate) fn factor_of_cov(&self) -> &[u32] {
        &self.factor_of_cov
    }

    pub(crate) fn mean_data(&self) -> &[f32] {
        &self.mean
    }

    /// The batch shapes of mean and cov, before broadcasting.
    pub(crate) fn batch_shapes(&self) -> (&[usize], &[usize]) {
        (&self.mean_batch, &self.cov_batch)
    }
}
