//! The log-density of a factored multivariate normal, as SciPy's
//! `multivariate_normal.logpdf` and torch's `MultivariateNormal.log_prob` compute it, from the
//! stored factors (`x = mean + z R`, so the covariance sampled is `Rᵀ R`), in f64 on the CPU.
//!
//! Per distinct factor: `Σ = Rᵀ R` in f64 and its Cholesky factor `L`, then per point
//! `-(n log 2π + log det Σ + |L⁻¹ (x - μ)|²) / 2`. A singular `Σ` is an error unless
//! `allow_singular`, which (as SciPy) uses the pseudo-determinant and the pseudo-inverse on the
//! support and gives `-inf` off it.

use crate::distribution::MultivariateNormal;
use crate::error::{Error, ErrorKind, Result};
use crate::linalg::{cholesky_lower, solve_lower};
use crate::shape::{broadcast_shapes, fmt_shape, numel, BroadcastMap};

const OP: &str = "log_prob";
pub(crate) const LOG_2PI: f64 = 1.8378770664093453;

/// An f64 result (log-densities, entropies, covariances): row-major `data` of `shape`.
#[derive(Clone, Debug, PartialEq)]
pub struct Array64 {
    /// The shape.
    pub shape: Vec<usize>,
    /// The values, row-major.
    pub data: Vec<f64>,
}

/// What one factor needs for its points.
enum Prepared {
    /// `Σ = L Lᵀ` with `L` lower triangular (row-major `n x n`), and `log det Σ`.
    Full { l: Vec<f64>, log_det: f64 },
    /// Singular (`allow_singular`): the range's eigenvectors scaled by `1/√λ` (rows), the
    /// null space's eigenvectors (rows), the rank, `log pdet Σ` and the support tolerance.
    Singular { w: Vec<f64>, null: Vec<f64>, rank: usize, log_pdet: f64, eps: f64 },
}

/// Eigenvalues at or below `n 2⁻²³ λmax` are the float32 factor's round-off, not variance: the
/// stored `R` resolves `Σ` only to float32 (SciPy's own cut, `10⁶ 2⁻⁵² λmax`, assumes f64 input).
fn singular_cut(n: usize, lmax: f64) -> f64 {
    n as f64 * f32::EPSILON as f64 * lmax
}

/// `Σ = Rᵀ R`, row-major and symmetric (products of float32 values are exact in f64; the sums
/// round once each).
fn gram(r: &[f32], n: usize) -> Vec<f64> {
    let mut s = vec![0f64; n * n];
    for k in 0..n {
        let row = &r[k * n..(k + 1) * n];
        for i in 0..n {
            let a = row[i] as f64;
            if a != 0.0 {
                for j in 0..=i {
                    s[i * n + j] += a * row[j] as f64;
                }
            }
        }
    }
    for i in 0..n {
        for j in 0..i {
            s[j * n + i] = s[i * n + j];
        }
    }
    s
}

/// `Rᵀ` in f64 (row-major `n x n`).
fn transposed(r: &[f32], n: usize) -> Vec<f64> {
    (0..n * n).map(|k| r[(k % n) * n + k / n] as f64).collect()
}

fn prepare(r: &[f32], n: usize, allow_singular: bool, batch_index: usize) -> Result<Prepared> {
    prepare_with(r, n, allow_singular, batch_index, false)
}

/// As [`prepare`]; `exact_triangular`: `R` is an upper-triangular factor of full rank where its
/// diagonal is (`scale_tril`, `diag`), so `L = Rᵀ` exactly and no small variance is mistaken for
/// float32 round-off.
fn prepare_with(r: &[f32], n: usize, allow_singular: bool, batch_index: usize, exact_triangular: bool) -> Result<Prepared> {
    if exact_triangular && (0..n).all(|j| r[j * n + j] != 0.0) {
        let l = transposed(r, n);
        let log_det = 2.0 * (0..n).map(|j| (r[j * n + j] as f64).abs().ln()).sum::<f64>();
        return Ok(Prepared::Full { l, log_det });
    }
    let s = gram(r, n);
    let lmax = (0..n).fold(0f64, |m, i| m.max(s[i * n + i]));
    let cut = singular_cut(n, lmax);
    if let (true, Ok(l)) = (lmax > 0.0, cholesky_lower(n, |i, j| s[i * n + j], cut)) {
        let log_det = 2.0 * (0..n).map(|i| l[i * n + i].ln()).sum::<f64>();
        return Ok(Prepared::Full { l, log_det });
    }
    if !allow_singular {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            OP,
            format!("the covariance at batch index {batch_index} is singular: its density exists only on a subspace. Pass allow_singular (allowSingular in JavaScript, --allow-singular in the CLI) for SciPy's pseudo-determinant density there (and -inf off it)."),
        ));
    }
    let m = faer::Mat::<f64>::from_fn(n, n, |i, j| if i >= j { s[i * n + j] } else { s[j * n + i] });
    let (vals, vecs) = crate::linalg::eigen(&m).ok_or_else(|| Error::new(ErrorKind::NotConverged, OP, "the eigendecomposition of the covariance did not converge."))?;
    let (mut w, mut null) = (Vec::new(), Vec::new());
    let mut log_pdet = 0.0;
    for c in 0..n {
        let lam = vals[c];
        let v = (0..n).map(|i| vecs[(i, c)]);
        if lam > cut {
            log_pdet += lam.ln();
            w.extend(v.map(|x| x / lam.sqrt()));
        } else {
            null.extend(v);
        }
    }
    let rank = w.len() / n.max(1);
    Ok(Prepared::Singular { w, null, rank, log_pdet, eps: cut.sqrt() })
}

/// The log-density at `x - μ = d` (`d` is overwritten).
fn log_density(p: &Prepared, d: &mut [f64], n: usize) -> f64 {
    match p {
        Prepared::Full { l, log_det } => {
            // L y = d: |y|² is the Mahalanobis distance.
            solve_lower(l, n, d);
            let maha: f64 = d.iter().map(|v| v * v).sum();
            -0.5 * (n as f64 * LOG_2PI + log_det + maha)
        }
        Prepared::Singular { w, null, rank, log_pdet, eps } => {
            let dot = |row: &[f64]| row.iter().zip(d.iter()).map(|(a, b)| a * b).sum::<f64>();
            let residual = null.chunks(n).map(|v| dot(v).powi(2)).sum::<f64>().sqrt();
            let scale = d.iter().map(|v| v * v).sum::<f64>().sqrt();
            if residual > eps + 16.0 * f32::EPSILON as f64 * scale {
                return f64::NEG_INFINITY;
            }
            let maha: f64 = w.chunks(n).map(|v| dot(v).powi(2)).sum();
            -0.5 * (*rank as f64 * LOG_2PI + log_pdet + maha)
        }
    }
}

impl MultivariateNormal {
    /// Whether factor `f` is a triangular factor given as it is meant (`scale_tril`, `diag`):
    /// of full rank wherever its diagonal is nonzero. A Cholesky factor is not: a singular
    /// covariance can pass Cholesky on round-off, so its rank is judged from `Rᵀ R`'s pivots.
    fn exact_triangular(&self, f: usize) -> bool {
        use crate::FactorMethod as M;
        matches!(self.method_used_of(f), M::ScaleTril | M::Diag) && self.is_triangular()
    }

    /// The mean of each batch element, shape `batch_shape + [n]` (torch's `mean`), in f64.
    ///
    /// ```
    /// use mvn_gpu::{Array, MultivariateNormal, Options};
    /// let d = MultivariateNormal::new(&Array::new([2], vec![1.0, 2.0])?, &Array::new([3, 2, 2], [1.0, 0.0, 0.0, 1.0].repeat(3))?, &Options::default())?;
    /// assert_eq!(d.mean().shape, vec![3, 2]);
    /// # Ok::<(), mvn_gpu::Error>(())
    /// ```
    pub fn mean(&self) -> Array64 {
        broadcast_means(self.mean_data(), self.batch_shapes().0, self.batch_shape(), self.dim())
    }

    /// The covariance sampled, `Σ = Rᵀ R` from the stored factors in f64, one per batch element:
    /// shape `batch_shape + [n, n]` (torch's `covariance_matrix`).
    ///
    /// ```
    /// use mvn_gpu::{Array, MultivariateNormal, Options};
    /// let d = MultivariateNormal::new(&Array::new([2], vec![0.0, 0.0])?, &Array::new([2, 2], vec![2.0, 0.5, 0.5, 1.0])?, &Options::default())?;
    /// let c = d.covariance();
    /// assert_eq!(c.shape, vec![2, 2]);
    /// assert!((c.data[1] - 0.5).abs() < 1e-6);
    /// # Ok::<(), mvn_gpu::Error>(())
    /// ```
    pub fn covariance(&self) -> Array64 {
        self.per_batch_matrix(|r, n| gram(r, n))
    }

    /// A lower-triangular `L` with `L Lᵀ = Σ` per batch element, shape `batch_shape + [n, n]`
    /// (torch's `scale_tril`), in f64: `Rᵀ` where the stored factor is upper triangular, else the
    /// Cholesky factor of `Σ`.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidArgument`] for a singular `Σ` whose stored factor is not triangular
    /// (it has no Cholesky factor).
    pub fn scale_tril(&self) -> Result<Array64> {
        let n = self.dim();
        let upper = |r: &[f32]| (0..n).all(|i| (0..i).all(|j| r[i * n + j] == 0.0));
        let mut failed = false;
        let out = self.per_batch_matrix(|r, n| {
            if upper(r) {
                return transposed(r, n);
            }
            match prepare(r, n, false, 0) {
                Ok(Prepared::Full { l, .. }) => l,
                _ => {
                    failed = true;
                    vec![f64::NAN; n * n]
                }
            }
        });
        if failed {
            return Err(Error::new(ErrorKind::InvalidArgument, "scale_tril", "a singular covariance factored by eigh or svd has no Cholesky factor; use covariance() or method cholesky."));
        }
        Ok(out)
    }

    /// `f(R, n)` (an `n x n` matrix) for each batch element's factor, stacked.
    fn per_batch_matrix(&self, mut f: impl FnMut(&[f32], usize) -> Vec<f64>) -> Array64 {
        let n = self.dim();
        let mut shape = self.batch_shape();
        let count: usize = shape.iter().product();
        let (_, cov_batch) = self.batch_shapes();
        let cmap = BroadcastMap::new(&shape, cov_batch);
        let mut by_factor: Vec<Option<Vec<f64>>> = vec![None; self.num_factors()];
        let mut data = Vec::with_capacity(count * n * n);
        for i in 0..count {
            let fi = self.factor_of_cov()[cmap.index(i)] as usize;
            let m = by_factor[fi].get_or_insert_with(|| f(&self.factors()[fi * n * n..(fi + 1) * n * n], n));
            data.extend_from_slice(m);
        }
        shape.extend([n, n]);
        Array64 { shape, data }
    }

    /// The differential entropy of each distribution of the batch, in nats, shape
    /// `batch_shape` (SciPy's `entropy`, torch's `entropy`): `(n (1 + log 2π) + log det Σ) / 2`
    /// for `Σ = Rᵀ R`, in f64. A singular `Σ` gives SciPy's value with `allow_singular`: its rank
    /// and pseudo-determinant in place of `n` and the determinant.
    ///
    /// ```
    /// use mvn_gpu::{Array, MultivariateNormal, Options};
    /// let d = MultivariateNormal::new(&Array::new([1], vec![0.0])?, &Array::new([1, 1], vec![1.0])?, &Options::default())?;
    /// assert!((d.entropy()?.data[0] - 1.4189385332046727).abs() < 1e-12); // (1 + log 2π) / 2
    /// # Ok::<(), mvn_gpu::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`ErrorKind::NotConverged`] when the eigendecomposition of a singular `Σ` fails.
    pub fn entropy(&self) -> Result<Array64> {
        let n = self.dim();
        let shape = self.batch_shape();
        let count = numel(OP, &shape)?;
        let (_, cov_batch) = self.batch_shapes();
        let cmap = BroadcastMap::new(&shape, cov_batch);
        let mut by_factor: Vec<Option<f64>> = vec![None; self.num_factors()];
        let factor_of_cov = self.factor_of_cov();
        let mut data = Vec::with_capacity(count);
        for i in 0..count {
            let c = cmap.index(i);
            let f = factor_of_cov[c] as usize;
            if by_factor[f].is_none() {
                let h = match prepare_with(&self.factors()[f * n * n..(f + 1) * n * n], n, true, c, self.exact_triangular(f))? {
                    Prepared::Full { log_det, .. } => 0.5 * (n as f64 * (1.0 + LOG_2PI) + log_det),
                    Prepared::Singular { rank, log_pdet, .. } => 0.5 * (rank as f64 * (1.0 + LOG_2PI) + log_pdet),
                };
                by_factor[f] = Some(h);
            }
            data.push(by_factor[f].expect("computed"));
        }
        Ok(Array64 { shape, data })
    }

    /// The log-density at points `x (..., n)`, broadcast against the batch: shape
    /// `broadcast(x.shape[:-1], batch_shape)`, in f64 (SciPy's `logpdf`, torch's `log_prob`).
    /// The points are f64, so that float32 rounding of the inputs need not dominate.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidShape`] when `x`'s last dimension is not `n` or its data does not fill
    /// its shape; [`ErrorKind::BroadcastError`] when its batch does not broadcast;
    /// [`ErrorKind::NonFinite`] for NaN or infinity in `x`; [`ErrorKind::InvalidArgument`] for a
    /// singular covariance without `allow_singular`.
    ///
    /// ```
    /// use mvn_gpu::{Array, MultivariateNormal, Options};
    /// let d = MultivariateNormal::new(&Array::new([2], vec![0.0, 0.0])?, &Array::new([2, 2], vec![1.0, 0.0, 0.0, 1.0])?, &Options::default())?;
    /// let lp = d.log_prob(&[2], &[0.0, 0.0], false)?;
    /// assert!((lp.data[0] + 1.8378770664093453).abs() < 1e-12); // -log(2π)
    /// # Ok::<(), mvn_gpu::Error>(())
    /// ```
    pub fn log_prob(&self, x_shape: &[usize], x: &[f64], allow_singular: bool) -> Result<Array64> {
        let n = self.dim();
        let points = self.points(x_shape, x.len(), x.iter().position(|v| !v.is_finite()).map(|i| (i, x[i])))?;
        // Each distinct factor once (the first covariance that uses it names it in errors).
        let factor_of_cov = self.factor_of_cov();
        let mut prepared: Vec<Option<Prepared>> = (0..self.num_factors()).map(|_| None).collect();
        for (c, &f) in factor_of_cov.iter().enumerate() {
            let f = f as usize;
            if prepared[f].is_none() {
                prepared[f] = Some(prepare_with(&self.factors()[f * n * n..(f + 1) * n * n], n, allow_singular, c, self.exact_triangular(f))?);
            }
        }
        let means = self.mean_data();
        let one = |i: usize, d: &mut [f64]| {
            let (xi, mi, ci) = (points.x.index(i), points.mean.index(i), points.cov.index(i));
            for j in 0..n {
                d[j] = x[xi * n + j] - means[mi * n + j] as f64;
            }
            log_density(prepared[factor_of_cov[ci] as usize].as_ref().expect("prepared"), d, n)
        };
        let mut data = vec![0f64; points.count];
        // Natively, many points in parallel (each point's value is the same either way).
        #[cfg(not(target_arch = "wasm32"))]
        {
            use rayon::prelude::*;
            data.par_chunks_mut(4096).enumerate().for_each(|(c, out)| {
                let mut d = vec![0f64; n];
                out.iter_mut().enumerate().for_each(|(k, o)| *o = one(c * 4096 + k, &mut d));
            });
        }
        #[cfg(target_arch = "wasm32")]
        {
            let mut d = vec![0f64; n];
            data.iter_mut().enumerate().for_each(|(i, o)| *o = one(i, &mut d));
        }
        Ok(Array64 { shape: points.shape, data })
    }

    /// Checks points of shape `x_shape` (`len` values, `non_finite` the first NaN or infinity
    /// among them, with its index) against this distribution (see [`points_of`]).
    pub(crate) fn points(&self, x_shape: &[usize], len: usize, non_finite: Option<(usize, f64)>) -> Result<Points> {
        let (mean_batch, cov_batch) = self.batch_shapes();
        points_of(self.dim(), mean_batch, cov_batch, x_shape, len, non_finite)
    }

    /// What the GPU's log-density kernel needs of each factor: `M = L⁻¹` (lower triangular,
    /// row-major, from f64) and `-(n log 2π + log det Σ) / 2`; `None` when a factor is singular
    /// with `allow_singular` (the f64 path handles its support and pseudo-determinant).
    ///
    /// # Errors
    /// As [`MultivariateNormal::log_prob`] for a singular covariance without `allow_singular`.
    pub(crate) fn inverse_factors(&self, allow_singular: bool) -> Result<Option<InverseFactors>> {
        let n = self.dim();
        let count = self.num_factors();
        let (mut inv, mut consts) = (vec![0f32; count * n * n], vec![0f32; count]);
        let mut first_cov = vec![usize::MAX; count];
        for (c, &f) in self.factor_of_cov().iter().enumerate() {
            first_cov[f as usize] = first_cov[f as usize].min(c);
        }
        for f in 0..count {
            let p = prepare_with(&self.factors()[f * n * n..(f + 1) * n * n], n, allow_singular, first_cov[f], self.exact_triangular(f))?;
            let Prepared::Full { l, log_det } = p else { return Ok(None) };
            for (d, &v) in inv[f * n * n..(f + 1) * n * n].iter_mut().zip(&crate::linalg::inverse_lower(&l, n)) {
                *d = v as f32;
            }
            consts[f] = (-0.5 * (n as f64 * LOG_2PI + log_det)) as f32;
        }
        Ok(Some(InverseFactors { inv, consts }))
    }
}

/// The means of `mean` (batch `mean_batch`) broadcast to `batch`: shape `batch + [n]`, in f64.
pub(crate) fn broadcast_means(mean: &[f32], mean_batch: &[usize], mut batch: Vec<usize>, n: usize) -> Array64 {
    let map = BroadcastMap::new(&batch, mean_batch);
    let count: usize = batch.iter().product();
    let data = (0..count).flat_map(|b| mean[map.index(b) * n..(map.index(b) + 1) * n].iter().map(|&v| v as f64)).collect();
    batch.push(n);
    Array64 { shape: batch, data }
}

/// Checks points of shape `x_shape` (`len` values, `non_finite` the first NaN or infinity among
/// them, with its index) against a distribution of dimension `n` and these batches: the
/// result's shape and each result's maps (the rule every log-density shares).
pub(crate) fn points_of(n: usize, mean_batch: &[usize], cov_batch: &[usize], x_shape: &[usize], len: usize, non_finite: Option<(usize, f64)>) -> Result<Points> {
    if x_shape.last() != Some(&n) {
        return Err(Error::new(ErrorKind::InvalidShape, OP, format!("x must have shape (..., {n}), got {}.", fmt_shape(x_shape))));
    }
    if numel(OP, x_shape)? != len {
        return Err(Error::new(ErrorKind::InvalidShape, OP, format!("x has {len} values, its shape {} needs {}.", fmt_shape(x_shape), numel(OP, x_shape)?)));
    }
    if let Some((i, v)) = non_finite {
        return Err(Error::new(ErrorKind::NonFinite, OP, format!("x contains {} at flat index {i}.", crate::numtext::f64(v))));
    }
    let x_batch = &x_shape[..x_shape.len() - 1];
    let batch = broadcast_shapes(OP, cov_batch, mean_batch, ["", ""])?;
    let shape = broadcast_shapes(OP, x_batch, &batch, ["x's batch", "the batch of mean and cov"])?;
    let count = numel(OP, &shape)?;
    Ok(Points {
        x: BroadcastMap::new(&shape, x_batch),
        mean: BroadcastMap::new(&shape, mean_batch),
        cov: BroadcastMap::new(&shape, cov_batch),
        x_broadcast: x_batch != shape.as_slice(),
        count,
        shape,
    })
}

/// Points checked against a distribution ([`MultivariateNormal::points`]).
pub(crate) struct Points {
    /// The result's shape, `broadcast(x.shape[:-1], batch)`, and its number of values.
    pub shape: Vec<usize>,
    pub count: usize,
    /// Each result's point, mean and covariance.
    pub x: BroadcastMap,
    pub mean: BroadcastMap,
    pub cov: BroadcastMap,
    /// Whether a point serves several results (the GPU kernel reads points one per result).
    pub x_broadcast: bool,
}

/// The GPU's log-density factors ([`MultivariateNormal::inverse_factors`]).
pub(crate) struct InverseFactors {
    pub inv: Vec<f32>,
    pub consts: Vec<f32>,
}

impl MultivariateNormal {
    /// The conditional distribution of the other coordinates given `x[indices] = values`
    /// (`values (..., k)`, broadcast against the batch): Schur complements of `Σ = Rᵀ R` in f64,
    /// `μ_u + Σ_uo Σ_oo⁻¹ (v - μ_o)` and `Σ_uu - Σ_uo Σ_oo⁻¹ Σ_ou`, as a new distribution ready
    /// to sample (factored with Cholesky). The remaining coordinates keep their order.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidArgument`] for an index out of range or repeated, or no coordinate
    /// left; [`ErrorKind::InvalidShape`] when `values`' last dimension is not `indices.len()`;
    /// [`ErrorKind::BroadcastError`], [`ErrorKind::NonFinite`]; [`ErrorKind::NotPositiveSemidefinite`]
    /// when the observed coordinates' covariance is singular.
    ///
    /// ```
    /// use mvn_gpu::{Array, MultivariateNormal, Options};
    /// let d = MultivariateNormal::new(&Array::new([2], vec![0.0, 0.0])?, &Array::new([2, 2], vec![1.0, 0.8, 0.8, 1.0])?, &Options::default())?;
    /// let c = d.condition(&[0], &[1], &[1.0])?; // x1 given x0 = 1: mean 0.8, variance 0.36
    /// assert!((c.covariance().data[0] - 0.36).abs() < 1e-6);
    /// # Ok::<(), mvn_gpu::Error>(())
    /// ```
    pub fn condition(&self, indices: &[usize], values_shape: &[usize], values: &[f64]) -> Result<MultivariateNormal> {
        const OP: &str = "condition";
        let n = self.dim();
        let k = indices.len();
        let mut seen = vec![false; n];
        for &i in indices {
            if i >= n || std::mem::replace(&mut seen[i], true) {
                // An index past isize::MAX is a negative integer the npm package cast (shown as given).
                return Err(Error::new(ErrorKind::InvalidArgument, OP, format!("indices must be distinct coordinates in [0, {n}), got {}{}.", i as isize, if i < n { " twice" } else { "" })));
            }
        }
        let rest: Vec<usize> = (0..n).filter(|&i| !seen[i]).collect();
        let m = rest.len();
        if m == 0 {
            return Err(Error::new(ErrorKind::InvalidArgument, OP, "every coordinate is observed: nothing is left to condition."));
        }
        if values_shape.last() != Some(&k) || numel(OP, values_shape)? != values.len() {
            return Err(Error::new(ErrorKind::InvalidShape, OP, format!("values must have shape (..., {k}) and fill it, got {} values of shape {}.", values.len(), fmt_shape(values_shape))));
        }
        if let Some(i) = values.iter().position(|v| !v.is_finite()) {
            return Err(Error::new(ErrorKind::NonFinite, OP, format!("values contains {} at flat index {i}.", crate::numtext::f64(values[i]))));
        }
        let (mean_batch, cov_batch) = self.batch_shapes();
        let v_batch = &values_shape[..values_shape.len() - 1];
        let out_batch = broadcast_shapes(OP, &broadcast_shapes(OP, mean_batch, cov_batch, ["mean's batch", "cov's batch"])?, v_batch, ["the batch of mean and cov", "values' batch"])?;
        // Per covariance of cov's batch: A = Σ_uo Σ_oo⁻¹ (m x k) and the conditional covariance.
        let num_cov: usize = cov_batch.iter().product();
        let mut gains: Vec<Vec<f64>> = Vec::with_capacity(num_cov);
        let mut covs = Vec::with_capacity(num_cov * m * m);
        for c in 0..num_cov {
            let f = self.factor_of_cov()[c] as usize;
            let s = gram(&self.factors()[f * n * n..(f + 1) * n * n], n);
            // Cholesky of Σ_oo.
            let lmax = indices.iter().fold(0f64, |a, &i| a.max(s[i * n + i]));
            let l = cholesky_lower(k, |i, j| s[indices[i] * n + indices[j]], singular_cut(n, lmax)).map_err(|_| {
                Error::new(ErrorKind::NotPositiveSemidefinite, OP, format!("the covariance of the observed coordinates is singular at batch index {c}: they are (nearly) determined by one another."))
            })?;
            // Row r of A solves Σ_oo aᵀ = Σ_o,rest[r] (forward then back substitution).
            let mut a = vec![0f64; m * k];
            let mut y = vec![0f64; k];
            for (r, &u) in rest.iter().enumerate() {
                for (i, yi) in y.iter_mut().enumerate() {
                    *yi = s[u * n + indices[i]];
                }
                solve_lower(&l, k, &mut y);
                for i in (0..k).rev() {
                    a[r * k + i] = (y[i] - (i + 1..k).map(|t| l[t * k + i] * a[r * k + t]).sum::<f64>()) / l[i * k + i];
                }
            }
            for (r, &u) in rest.iter().enumerate() {
                for &w in &rest {
                    let schur = s[u * n + w] - (0..k).map(|t| a[r * k + t] * s[indices[t] * n + w]).sum::<f64>();
                    covs.push(schur);
                }
            }
            // Symmetric to the last bit (the two triangles round differently).
            let base = covs.len() - m * m;
            for r in 0..m {
                for q in 0..r {
                    let v = 0.5 * (covs[base + r * m + q] + covs[base + q * m + r]);
                    covs[base + r * m + q] = v;
                    covs[base + q * m + r] = v;
                }
            }
            gains.push(a);
        }
        let count = numel(OP, &out_batch)?;
        let (mmap, cmap, vmap) = (BroadcastMap::new(&out_batch, mean_batch), BroadcastMap::new(&out_batch, cov_batch), BroadcastMap::new(&out_batch, v_batch));
        let means = self.mean_data();
        let mut mean = Vec::with_capacity(count * m);
        for b in 0..count {
            let (mi, ci, vi) = (mmap.index(b), cmap.index(b), vmap.index(b));
            let a = &gains[ci];
            for (r, &u) in rest.iter().enumerate() {
                let shift: f64 = (0..k).map(|t| a[r * k + t] * (values[vi * k + t] - means[mi * n + indices[t]] as f64)).sum();
                mean.push((means[mi * n + u] as f64 + shift) as f32);
            }
        }
        let mut mshape = out_batch.clone();
        mshape.push(m);
        let mut cshape = cov_batch.to_vec();
        cshape.extend([m, m]);
        let mean = crate::Array::new(mshape, mean)?;
        let cov = crate::Array::new(cshape, covs.into_iter().map(|v| v as f32).collect())?;
        MultivariateNormal::new(&mean, &cov, &crate::Options::default())
    }
}
