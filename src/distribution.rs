//! `MultivariateNormal`: mean and covariance validated and factored once, sampled many times.

use crate::array::Array;
use crate::error::{Error, ErrorKind, Result};
use crate::key::Key;
use crate::linalg::{self, FactorMethod, FactorReport};
use crate::options::{Method, Options};
use crate::shape::{broadcast_shapes, check_shape, fmt_shape, numel, BroadcastMap};
use std::collections::HashMap;
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

/// The per-call layout shared by the CPU and GPU paths.
pub(crate) struct Plan {
    pub out_shape: Vec<usize>,
    pub rows: usize,
    pub n: usize,
    pub key: Key,
    pub mean_map: BroadcastMap,
    pub cov_map: BroadcastMap,
}

fn check_finite(what: &str, a: &Array) -> Result<()> {
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
        options.dtype.require_float32(OP)?;
        let (n, mean_batch, cov_batch) = check_shapes(mean, cov, "cov")?;
        check_finite("mean", mean)?;
        check_finite("cov", cov)?;
        let tol = options.tolerance.unwrap_or_else(|| linalg::default_tolerance(n));
        if !(tol >= 0.0 && tol.is_finite()) {
            return Err(Error::new(ErrorKind::InvalidArgument, OP, format!("tolerance must be finite and >= 0, got {tol}.")));
        }
        let num_cov: usize = cov_batch.iter().product();
        // n = 0: every covariance is the same empty matrix, and nothing is ever sampled from
        // it; one entry stands for them all (a batch of 2^31 empty matrices costs nothing).
        let num_cov = if n == 0 { num_cov.min(1) } else { num_cov };
        let nn = n * n;
        // Deduplicate identical matrices so each distinct covariance is factored once.
        let mut distinct: Vec<usize> = Vec::new();
        let mut factor_of_cov = Vec::with_capacity(num_cov);
        let mut seen: HashMap<&[u8], u32> = HashMap::new();
        let bytes: &[u8] = bytemuck::cast_slice(cov.data());
        for c in 0..num_cov {
            let b = &bytes[c * nn * 4..(c + 1) * nn * 4];
            let next = distinct.len() as u32;
            let idx = *seen.entry(b).or_insert(next);
            if idx == next {
                distinct.push(c);
            }
            factor_of_cov.push(idx);
        }
        let factor_one = |&c: &usize| linalg::factor(&cov.data()[c * nn..(c + 1) * nn], n, options.method, options.on_invalid, tol, c);
        #[cfg(not(target_arch = "wasm32"))]
        let results: Vec<Result<linalg::Factored>> = {
            use rayon::prelude::*;
            if distinct.len() > 1 && n <= 64 {
                distinct.par_iter().map(factor_one).collect()
            } else {
                distinct.iter().map(factor_one).collect()
            }
        };
        #[cfg(target_arch = "wasm32")]
        let results: Vec<Result<linalg::Factored>> = distinct.iter().map(factor_one).collect();

        let mut factors = Vec::with_capacity(distinct.len() * nn);
        let mut entries = Vec::with_capacity(distinct.len());
        let mut warnings = Vec::new();
        let mut triangular = true;
        for (res, &c) in results.into_iter().zip(&distinct) {
            let f = res?;
            factors.extend_from_slice(&f.r);
            triangular &= matches!(f.method_used, FactorMethod::Cholesky | FactorMethod::CholeskyPsd);
            if let Some(w) = f.clipped_warning {
                warnings.push(w);
            }
            entries.push(FactorEntry { batch_index: c, method_used: f.method_used, report: f.report });
        }
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

    pub(crate) fn plan(&self, shape: &[i64], key: Option<Key>) -> Result<Plan> {
        let out_shape = self.output_shape(shape)?;
        let batch = &out_shape[..out_shape.len() - 1];
        let rows = batch.iter().product();
        Ok(Plan {
            rows,
            n: self.n,
            key: crate::key::resolve(key),
            mean_map: BroadcastMap::new(batch, &self.mean_batch),
            cov_map: BroadcastMap::new(batch, &self.cov_batch),
            out_shape,
        })
    }

    /// Draws samples on the CPU: output shape `broadcast(shape, batch_shape) + (n,)`. Without a
    /// key the default key sequence is used (one key per call, as MLX).
    ///
    /// # Errors
    /// As [`MultivariateNormal::output_shape`].
    pub fn sample(&self, shape: &[i64], key: Option<Key>) -> Result<Array> {
        let plan = self.plan(shape, key)?;
        crate::cpu::sample(self, &plan)
    }
}
