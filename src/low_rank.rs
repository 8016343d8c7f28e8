//! [`LowRankMultivariateNormal`]: `cov = W Wᵀ + diag(d)` (torch's `LowRankMultivariateNormal`)
//! held as `W` and `d`, never formed: a draw is `mean + W z₁ + √d ∘ z₂` from `r + n` normals
//! per row (`O(n r)` per sample, so n = 10,000 with rank 16 is cheap), and the log-density
//! comes from the Woodbury identity and the matrix determinant lemma through the `r x r`
//! capacitance `C = I + Wᵀ D⁻¹ W`, in f64. With rank 0 it is the diagonal distribution, with
//! no `n x n` storage at all. The GPU draw is `gpu/low_rank.rs`.

use crate::array::Array;
use crate::density::{broadcast_means, points_of, Array64, LOG_2PI};
use crate::distribution::{check_finite, output_shape_of, OP};
use crate::error::{Error, ErrorKind, Result};
use crate::key::Key;
use crate::linalg::{cholesky_lower, solve_lower};
use crate::request::SampleRequest;
use crate::shape::{broadcast_shapes, fmt_shape, numel, BroadcastMap};


/// A multivariate normal with covariance `W Wᵀ + diag(d)`: `mean (..., n)`, `cov_factor W
/// (..., n, r)`, `cov_diag d (..., n)`, batches broadcast as torch's.
#[derive(Clone, Debug)]
pub struct LowRankMultivariateNormal {
    n: usize,
    rank: usize,
    mean: Vec<f32>,
    mean_batch: Vec<usize>,
    /// `W` and `d` broadcast to their common batch: per covariance, `n x r` and `n` values.
    w: Vec<f32>,
    d: Vec<f32>,
    sqrt_d: Vec<f32>,
    cov_batch: Vec<usize>,
}

/// Copies `a`'s trailing blocks of `block` values to the batch `batch` (broadcast).
fn broadcast_blocks(a: &Array, a_batch: &[usize], batch: &[usize], block: usize) -> Vec<f32> {
    let map = BroadcastMap::new(batch, a_batch);
    let count: usize = batch.iter().product();
    (0..count).flat_map(|b| a.data()[map.index(b) * block..(map.index(b) + 1) * block].iter().copied()).collect()
}

impl LowRankMultivariateNormal {
    /// The distribution of `mean`, `cov_factor` and `cov_diag` (torch's argument names).
    ///
    /// ```
    /// use mvn_gpu::{Array, LowRankMultivariateNormal};
    /// // n = 3, rank 1: cov = w wᵀ + diag(d)
    /// let d = LowRankMultivariateNormal::new(
    ///     &Array::new([3], vec![0.0, 1.0, 2.0])?,
    ///     &Array::new([3, 1], vec![1.0, 1.0, 0.0])?,
    ///     &Array::new([3], vec![0.5, 0.5, 2.0])?,
    /// )?;
    /// assert_eq!(d.covariance().data[..3], [1.5, 1.0, 0.0]);
    /// let x = d.sample(&[1000], Some(mvn_gpu::key(0)))?;
    /// assert_eq!(x.shape(), &[1000, 3]);
    /// # Ok::<(), mvn_gpu::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`ErrorKind::InvalidShape`] for shapes that do not fit `(..., n)`, `(..., n, r)`,
    /// `(..., n)`; [`ErrorKind::BroadcastError`] for batches that do not broadcast;
    /// [`ErrorKind::NonFinite`] for NaN or infinity; [`ErrorKind::NotPositiveSemidefinite`] for
    /// a `cov_diag` entry that is not positive (torch's constraint: it keeps the covariance
    /// positive definite).
    pub fn new(mean: &Array, cov_factor: &Array, cov_diag: &Array) -> Result<Self> {
        let bad = |m: String| Error::new(ErrorKind::InvalidShape, OP, m);
        let (ms, ws, ds) = (mean.shape(), cov_factor.shape(), cov_diag.shape());
        if ms.is_empty() || ds.is_empty() {
            return Err(bad("mean and cov_diag must have at least one dimension: (..., n).".into()));
        }
        if ws.len() < 2 {
            return Err(bad(format!("cov_factor must have shape (..., n, rank), got {}.", fmt_shape(ws))));
        }
        let (n, rank) = (ms[ms.len() - 1], ws[ws.len() - 1]);
        if ws[ws.len() - 2] != n || ds[ds.len() - 1] != n {
            return Err(bad(format!(
                "mean (..., n), cov_factor (..., n, rank) and cov_diag (..., n) must agree on n, got {}, {} and {}.",
                fmt_shape(ms),
                fmt_shape(ws),
                fmt_shape(ds)
            )));
        }
        let (w_batch, d_batch) = (&ws[..ws.len() - 2], &ds[..ds.len() - 1]);
        let cov_batch = broadcast_shapes(OP, w_batch, d_batch, ["cov_factor's batch", "cov_diag's batch"])?;
        let mean_batch = ms[..ms.len() - 1].to_vec();
        broadcast_shapes(OP, &cov_batch, &mean_batch, ["the batch of cov_factor and cov_diag", "mean's batch"])?;
        check_finite("mean", mean)?;
        check_finite("cov_factor", cov_factor)?;
        check_finite("cov_diag", cov_diag)?;
        if let Some(i) = cov_diag.data().iter().position(|&v| v <= 0.0) {
            return Err(Error::new(
                ErrorKind::NotPositiveSemidefinite,
                OP,
                format!("cov_diag must be positive, got {} at flat index {i}.", crate::numtext::f32(cov_diag.data()[i])),
            ));
        }
        numel(OP, &cov_batch)?;
        let w = broadcast_blocks(cov_factor, w_batch, &cov_batch, n * rank);
        let d = broadcast_blocks(cov_diag, d_batch, &cov_batch, n);
        let sqrt_d = d.iter().map(|v| v.sqrt()).collect();
        Ok(LowRankMultivariateNormal { n, rank, mean: mean.data().to_vec(), mean_batch, w, d, sqrt_d, cov_batch })
    }

    /// The diagonal distribution (independent coordinates) of variances `var (..., n)`: rank 0,
    /// nothing factored and nothing of size `n x n` stored.
    ///
    /// # Errors
    /// As [`LowRankMultivariateNormal::new`] with `cov_diag = var`.
    pub fn diag(mean: &Array, var: &Array) -> Result<Self> {
        let mut ws = var.shape().to_vec();
        ws.push(0);
        Self::new(mean, &Array::new(ws, vec![])?, var)
    }

    /// The dimension `n`.
    pub fn dim(&self) -> usize {
        self.n
    }

    /// The rank `r` of `W`.
    pub fn rank(&self) -> usize {
        self.rank
    }

    /// The batch shape, `broadcast(mean.shape[:-1], cov_factor.shape[:-2], cov_diag.shape[:-1])`.
    pub fn batch_shape(&self) -> Vec<usize> {
        broadcast_shapes(OP, &self.cov_batch, &self.mean_batch, ["", ""]).expect("checked when built")
    }

    /// The output shape of a draw with `shape`: `broadcast(shape, batch) + (n,)`.
    ///
    /// # Errors
    /// As [`crate::MultivariateNormal::output_shape`], and [`ErrorKind::TooLarge`] when the
    /// draw needs more than 2³² normals.
    pub fn output_shape(&self, shape: &[i64]) -> Result<Vec<usize>> {
        // A fixed key: the default sequence must not advance for a shape check.
        Ok(self.request(shape, Some(Key::new(0, 0)))?.out_shape)
    }

    pub(crate) fn request(&self, shape: &[i64], key: Option<Key>) -> Result<SampleRequest> {
        // The stream holds r + n normals per row: the request's word count is checked here.
        let out = output_shape_of(self.n, &self.mean_batch, &self.cov_batch, shape)?;
        let rows: usize = out[..out.len() - 1].iter().product();
        let words = rows.checked_mul(self.rank + self.n).filter(|&w| w <= u32::MAX as usize);
        if words.is_none() {
            return Err(Error::new(ErrorKind::TooLarge, OP, format!("{rows} rows of {} normals each exceed the 2^32 words of one key's stream.", self.rank + self.n)));
        }
        SampleRequest::for_shapes(OP, self.n, &self.mean_batch, &self.cov_batch, shape, key)
    }

    /// Samples of shape `broadcast(shape, batch) + (n,)` on the CPU: row `i` is
    /// `mean + W z[i, :r] + √d ∘ z[i, r:]` with `z` the first `rows · (r + n)` standard normals
    /// of the key's stream (MLX's `normal` of shape `(rows, r + n)`). With rank 0 the samples
    /// are bit for bit those of [`crate::MultivariateNormal::from_diag`].
    ///
    /// # Errors
    /// Shape errors as [`crate::MultivariateNormal::output_shape`].
    pub fn sample(&self, shape: &[i64], key: Option<Key>) -> Result<Array> {
        self.sample_cpu(&self.request(shape, key)?)
    }

    /// The rows of `req` (its window's, with shape `[rows, n]` when windowed).
    fn sample_cpu(&self, req: &SampleRequest) -> Result<Array> {
        let per = self.rank + self.n;
        let first = req.first_row() * per;
        let rows = req.drawn_len() / self.n.max(1);
        let z = crate::cpu::standard_normals(OP, req.key.0, first..first + rows * per, req.rows * per, req.is_windowed())?;
        Ok(Array::from_parts(req.drawn_shape(), self.affine(req, &z)))
    }

    /// `mean + W z₁ + √d ∘ z₂` for each row of `z` (`r + n` normals per row): the product
    /// first, then the low-rank terms in increasing k, then the mean (the GPU kernel's order).
    fn affine(&self, req: &SampleRequest, z: &[f32]) -> Vec<f32> {
        let (n, r) = (self.n, self.rank);
        let rows = req.drawn_len() / n.max(1);
        let mut out = vec![0f32; rows * n];
        for (local, x) in out.chunks_exact_mut(n.max(1)).enumerate().take(rows) {
            let row = req.first_row() + local;
            let (mi, ci) = (req.mean_map.index(row), req.cov_map.index(row));
            let zr = &z[local * (r + n)..(local + 1) * (r + n)];
            for j in 0..n {
                let mut acc = zr[r + j] * self.sqrt_d[ci * n + j];
                let w = &self.w[(ci * n + j) * r..(ci * n + j + 1) * r];
                for k in 0..r {
                    acc += zr[k] * w[k];
                }
                x[j] = self.mean[mi * n + j] + acc;
            }
        }
        out
    }

    pub(crate) fn parts(&self) -> (&[f32], &[f32], &[f32]) {
        (&self.w, &self.sqrt_d, &self.mean)
    }

    /// The mean of each batch element, shape `batch_shape + [n]`, in f64.
    pub fn mean(&self) -> Array64 {
        broadcast_means(&self.mean, &self.mean_batch, self.batch_shape(), self.n)
    }

    /// `W Wᵀ + diag(d)` per batch element, shape `batch_shape + [n, n]`, in f64 (formed only
    /// here: `n²` values each).
    pub fn covariance(&self) -> Array64 {
        let (n, r) = (self.n, self.rank);
        let mut shape = self.batch_shape();
        let map = BroadcastMap::new(&shape, &self.cov_batch);
        let count: usize = shape.iter().product();
        let mut data = vec![0f64; count * n * n];
        for (b, c) in data.chunks_exact_mut((n * n).max(1)).enumerate().take(count) {
            let ci = map.index(b);
            let w = &self.w[ci * n * r..(ci + 1) * n * r];
            for i in 0..n {
                for j in 0..n {
                    c[i * n + j] = (0..r).map(|k| w[i * r + k] as f64 * w[j * r + k] as f64).sum::<f64>() + if i == j { self.d[ci * n + i] as f64 } else { 0.0 };
                }
            }
        }
        shape.extend([n, n]);
        Array64 { shape, data }
    }

    /// The lower Cholesky factor of `W Wᵀ + diag(d)` per batch element, shape
    /// `batch_shape + [n, n]`, in f64 (torch's `scale_tril`; `n²` values each).
    ///
    /// # Errors
    /// [`ErrorKind::NotPositiveSemidefinite`] when `d` is so small next to `W Wᵀ` that the
    /// covariance, positive definite in exact arithmetic, does not factor in f64.
    pub fn scale_tril(&self) -> Result<Array64> {
        let n = self.n;
        let mut c = self.covariance();
        let map = BroadcastMap::new(&self.batch_shape(), &self.cov_batch);
        for (b, m) in c.data.chunks_exact_mut((n * n).max(1)).enumerate() {
            let dmin = self.d[map.index(b) * n..(map.index(b) + 1) * n].iter().fold(f64::INFINITY, |a, &v| a.min(v as f64));
            let l = cholesky_lower(n, |i, j| m[i * n + j], trusted_pivot(dmin, n, (0..n).map(|i| m[i * n + i]))).map_err(|_| ill_conditioned("scale_tril", "W Wᵀ + diag(d)", b))?;
            m.copy_from_slice(&l);
        }
        Ok(c)
    }

    /// The same distribution with its `n x n` covariance formed and held as a float32
    /// `scale_tril` ([`crate::MultivariateNormal::from_scale_tril`]), for what needs the dense
    /// form: conditioning, the GPU log-density kernel.
    ///
    /// # Errors
    /// As [`LowRankMultivariateNormal::scale_tril`]; [`ErrorKind::TooLarge`] when the batch's
    /// `n x n` factors exceed an array's size.
    pub fn to_dense(&self) -> Result<crate::MultivariateNormal> {
        let l = self.scale_tril()?;
        let mean = Array::new(&[&self.mean_batch[..], &[self.n]].concat()[..], self.mean.clone())?;
        crate::MultivariateNormal::from_scale_tril(&mean, &Array::new(&l.shape[..], l.data.iter().map(|&v| v as f32).collect())?)
    }

    /// Per covariance: the capacitance's Cholesky factor `L_C` (`C = I + Wᵀ D⁻¹ W`) and
    /// `log det Σ = log det C + Σ log d`.
    fn capacitance(&self, op: &str, ci: usize) -> Result<(Vec<f64>, f64)> {
        let (n, r) = (self.n, self.rank);
        let w = &self.w[ci * n * r..(ci + 1) * n * r];
        let d = &self.d[ci * n..(ci + 1) * n];
        let c = |a: usize, b: usize| (0..n).map(|i| w[i * r + a] as f64 * w[i * r + b] as f64 / d[i] as f64).sum::<f64>() + if a == b { 1.0 } else { 0.0 };
        let l = cholesky_lower(r, c, trusted_pivot(1.0, r, (0..r).map(|k| c(k, k)))).map_err(|_| ill_conditioned(op, "the capacitance I + Wᵀ D⁻¹ W", ci))?;
        let log_det = 2.0 * (0..r).map(|k| l[k * r + k].ln()).sum::<f64>() + d.iter().map(|&v| (v as f64).ln()).sum::<f64>();
        Ok((l, log_det))
    }

    /// The entropy of each batch element, shape `batch_shape`, in f64.
    ///
    /// # Errors
    /// [`ErrorKind::NotPositiveSemidefinite`] as [`LowRankMultivariateNormal::log_prob`].
    pub fn entropy(&self) -> Result<Array64> {
        let shape = self.batch_shape();
        let map = BroadcastMap::new(&shape, &self.cov_batch);
        let count: usize = shape.iter().product();
        let data = (0..count).map(|b| Ok(0.5 * (self.n as f64 * (1.0 + LOG_2PI) + self.capacitance("entropy", map.index(b))?.1))).collect::<Result<_>>()?;
        Ok(Array64 { shape, data })
    }

    /// The log-density at f64 points `x (..., n)`, broadcast against the batch (shape
    /// `broadcast(x.shape[:-1], batch_shape)`), in f64 through the Woodbury identity:
    /// `|x - μ|²_Σ⁻¹ = |x - μ|²_D⁻¹ - |L_C⁻¹ Wᵀ D⁻¹ (x - μ)|²`, `O(n r)` per point.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidShape`], [`ErrorKind::BroadcastError`] and [`ErrorKind::NonFinite`]
    /// as [`crate::MultivariateNormal::log_prob`]; [`ErrorKind::NotPositiveSemidefinite`] when
    /// `d` is so small next to `W` that the capacitance does not factor in f64.
    pub fn log_prob(&self, x_shape: &[usize], x: &[f64]) -> Result<Array64> {
        let (n, r) = (self.n, self.rank);
        let p = points_of(n, &self.mean_batch, &self.cov_batch, x_shape, x.len(), x.iter().position(|v| !v.is_finite()).map(|i| (i, x[i])))?;
        let (count, shape, xm, mm, cm) = (p.count, p.shape, p.x, p.mean, p.cov);
        let caps: Vec<(Vec<f64>, f64)> = (0..self.cov_batch.iter().product::<usize>()).map(|c| self.capacitance("log_prob", c)).collect::<Result<_>>()?;
        let mut u = vec![0f64; r];
        let data = (0..count)
            .map(|i| {
                let (xi, mi, ci) = (xm.index(i), mm.index(i), cm.index(i));
                let (l, log_det) = &caps[ci];
                let (w, d) = (&self.w[ci * n * r..(ci + 1) * n * r], &self.d[ci * n..(ci + 1) * n]);
                u.iter_mut().for_each(|v| *v = 0.0);
                let mut maha = 0.0;
                for j in 0..n {
                    let e = x[xi * n + j] - self.mean[mi * n + j] as f64;
                    let ed = e / d[j] as f64;
                    maha += e * ed;
                    for k in 0..r {
                        u[k] += w[j * r + k] as f64 * ed;
                    }
                }
                solve_lower(l, r, &mut u);
                maha -= u.iter().map(|v| v * v).sum::<f64>();
                -0.5 * (n as f64 * LOG_2PI + log_det + maha)
            })
            .collect();
        Ok(Array64 { shape, data })
    }
}

/// The smallest Cholesky pivot to trust of a matrix `A = D + G` (`G` positive semidefinite,
/// `D ≥ floor`, dimension `n`, diagonal `diag`): in exact arithmetic every pivot is at least
/// `floor` (a Schur complement of `A` is at least `D`'s), so one below half of it has lost its
/// accuracy to rounding, and one within the rounding of the largest diagonal entry is noise.
fn trusted_pivot(floor: f64, n: usize, diag: impl Iterator<Item = f64>) -> f64 {
    (0.5 * floor).max(64.0 * n as f64 * f64::EPSILON * diag.fold(0.0, f64::max))
}

/// The error of a covariance, positive definite in exact arithmetic, that f64 cannot factor.
fn ill_conditioned(op: &str, what: &str, batch_index: usize) -> Error {
    Error::new(ErrorKind::NotPositiveSemidefinite, op, format!("{what} at batch index {batch_index} does not factor in f64: cov_diag is too small next to cov_factor (a condition number past 2^52)."))
}

impl crate::Sampler {
    /// Samples `dist` on this backend, read back: on the GPU the fill kernel draws the `r + n`
    /// normals per row and one kernel writes `mean + W z₁ + √d ∘ z₂` (the same normals as
    /// [`LowRankMultivariateNormal::sample`]; the sums agree to float32 round-off).
    ///
    /// # Errors
    /// As [`LowRankMultivariateNormal::sample`]; [`ErrorKind::TooLarge`] when `W` does not fit
    /// one GPU binding; [`ErrorKind::Device`] when the GPU fails.
    pub async fn sample_low_rank(&self, dist: &LowRankMultivariateNormal, shape: &[i64], key: Option<Key>) -> Result<Array> {
        self.draw_low_rank(dist, dist.request(shape, key)?).await
    }

    /// Samples `dist` into a new GPU buffer that stays on the device (usage `STORAGE | VERTEX |
    /// COPY_SRC`), as [`crate::Sampler::sample_to_buffer`]: the samples of
    /// [`Sampler::sample_low_rank`] for the same key.
    ///
    /// # Errors
    /// As [`Sampler::sample_low_rank`]; [`ErrorKind::InvalidArgument`] on the CPU backend;
    /// [`ErrorKind::TooLarge`] when the samples exceed the device's `max_buffer_size`.
    pub async fn sample_low_rank_to_buffer(&self, dist: &LowRankMultivariateNormal, shape: &[i64], key: Option<Key>) -> Result<crate::GpuSamples> {
        self.low_rank_to_gpu("sample_to_buffer", dist, shape, key, None).await
    }

    /// Samples `dist` into the caller's GPU buffer (`STORAGE` usage, at least `4 * len` bytes)
    /// from offset 0, as [`crate::Sampler::sample_into`].
    ///
    /// # Errors
    /// As [`Sampler::sample_low_rank_to_buffer`]; [`ErrorKind::InvalidArgument`] for a buffer
    /// without `STORAGE` usage, too small, or not this sampler's device's.
    pub async fn sample_low_rank_into(&self, dist: &LowRankMultivariateNormal, shape: &[i64], key: Option<Key>, out: &wgpu::Buffer) -> Result<Vec<usize>> {
        Ok(self.low_rank_to_gpu("sample_into", dist, shape, key, Some(out)).await?.shape)
    }

    pub(crate) async fn low_rank_to_gpu(&self, op: &'static str, dist: &LowRankMultivariateNormal, shape: &[i64], key: Option<Key>, into: Option<&wgpu::Buffer>) -> Result<crate::GpuSamples> {
        self.gpu_or_refuse(op)?;
        let mut req = dist.request(shape, key)?;
        if into.is_some() {
            req.op = op;
        }
        let r = &req;
        self.keep_on_gpu(op, r, into, |c| async move { c.sample_low_rank_to_gpu(dist, r, into).await }).await
    }

    /// Rows `rows` of [`Sampler::sample_low_rank`]'s output with its batch flattened (shape
    /// `[rows.len(), n]`), bit for bit those rows of the whole draw (as
    /// [`Sampler::sample_rows`]).
    ///
    /// # Errors
    /// As [`Sampler::sample_low_rank`]; [`ErrorKind::InvalidArgument`] when `rows` is not within
    /// the output's rows.
    #[cfg(not(target_arch = "wasm32"))]
    pub async fn sample_low_rank_rows(&self, dist: &LowRankMultivariateNormal, shape: &[i64], key: Option<Key>, rows: std::ops::Range<usize>) -> Result<Array> {
        let len = rows.len();
        let (_, data) = self.draw_low_rank(dist, dist.request(shape, key)?.window(rows)?).await?.into_parts();
        Ok(Array::from_parts(vec![len, dist.n], data))
    }

    async fn draw_low_rank(&self, dist: &LowRankMultivariateNormal, req: SampleRequest) -> Result<Array> {
        if let Some(g) = self.gpu_backend() {
            let r = &req;
            let got = g.run(OP, crate::gpu::OnLoss::Replay, |c| async move { c.sample_low_rank(dist, r).await }).await?;
            if let Some(v) = got {
                return Ok(Array::from_parts(req.drawn_shape(), v));
            }
        }
        dist.sample_cpu(&req)
    }
}
