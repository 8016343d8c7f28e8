//! Log-densities through a [`Sampler`] (native): on the GPU backend the `logpdf` kernel
//! evaluates many points at once in float32 from f64 inverse factors; everything the kernel
//! does not serve (the CPU backend, singular covariances, points broadcast over several
//! results, n above [`crate::shaders::LOGPDF_MAX_N`]) is
//! [`MultivariateNormal::log_prob`]'s f64 path, rounded to float32.

use crate::array::Array;
use crate::density::Points;
use crate::distribution::MultivariateNormal;
use crate::error::{Error, ErrorKind, Result};
use crate::gpu::density::PointSource;
use crate::gpu::kernels::logpdf::LOGPDF_MAX_N;
use crate::gpu::kernels::rowmap::RowMaps;
use crate::gpu::{GpuArray, OnLoss};
use crate::sampler::Sampler;

const OP: &str = "log_prob";

/// The row maps of `points` when the kernel can evaluate them.
fn kernel_maps(dist: &MultivariateNormal, points: &Points) -> Option<RowMaps> {
    let n = dist.dim();
    if points.x_broadcast || n == 0 || n > LOGPDF_MAX_N || points.count == 0 || points.count > u32::MAX as usize / n.max(1) {
        return None;
    }
    RowMaps::of_maps(&points.mean, &points.cov)
}

impl Sampler {
    /// The log-density of `dist` at float32 points `x (..., n)`, broadcast against the batch
    /// (shape `broadcast(x.shape[:-1], batch_shape)`, torch's `log_prob` in float32).
    ///
    /// On the GPU backend many points are evaluated at once by a WGSL kernel: `x - mean` and
    /// `|L⁻¹ (x - mean)|²` in float32, with `L⁻¹` and the log-determinant from f64 (about
    /// `n · 2⁻²³` of the log-density's terms; the tests bound it against the f64 path). The CPU
    /// backend, singular covariances (`allow_singular`), points broadcast over several results
    /// and n above 128 take [`MultivariateNormal::log_prob`]'s f64 path, rounded.
    ///
    /// ```
    /// # use mvn_gpu::{Array, MultivariateNormal, Options, Sampler};
    /// let d = MultivariateNormal::new(&Array::new(&[2], vec![0.0, 0.0])?, &Array::new(&[2, 2], vec![1.0, 0.0, 0.0, 1.0])?, &Options::default())?;
    /// let lp = pollster::block_on(Sampler::cpu().log_prob(&d, &Array::new(&[1, 2], vec![0.0, 0.0])?, false))?;
    /// assert!((lp.data()[0] + 1.837877).abs() < 1e-6); // -log(2π)
    /// # Ok::<(), mvn_gpu::Error>(())
    /// ```
    ///
    /// # Errors
    /// Those of [`MultivariateNormal::log_prob`]; [`ErrorKind::Device`] when the GPU fails.
    pub async fn log_prob(&self, dist: &MultivariateNormal, x: &Array, allow_singular: bool) -> Result<Array> {
        let data = x.data();
        let points = dist.points(x.shape(), data.len(), data.iter().position(|v| !v.is_finite()).map(|i| (i, data[i] as f64)))?;
        if let (Some(g), Some(maps)) = (self.gpu_backend(), kernel_maps(dist, &points)) {
            if let Some(f) = dist.inverse_factors(allow_singular)? {
                let (f, p) = (&f, &points);
                let v = g.run(OP, OnLoss::Replay, |c| async move { c.log_prob(dist, f, p, maps, PointSource::Host(data), None).await }).await?;
                return Ok(Array::from_parts(points.shape, v));
            }
        }
        let x64: Vec<f64> = data.iter().map(|&v| v as f64).collect();
        let lp = dist.log_prob(x.shape(), &x64, allow_singular)?;
        Ok(Array::from_parts(lp.shape, lp.data.iter().map(|&v| v as f32).collect()))
    }

    /// As [`Sampler::log_prob`] for points already in a buffer of this sampler's device
    /// (float32, row-major, `STORAGE | COPY_SRC` usage), written into `out` (`STORAGE` usage, at
    /// least 4 bytes per result) with no readback: the shape of the result is returned. What
    /// the kernel does not serve reads the points back and writes the f64 path's values.
    /// Points on the device are not checked for NaN (a NaN gives a NaN).
    ///
    /// # Errors
    /// As [`Sampler::log_prob`]; [`ErrorKind::InvalidArgument`] on the CPU backend, for buffers
    /// without those usages or too small.
    pub async fn log_prob_into(&self, dist: &MultivariateNormal, x: &GpuArray<'_>, allow_singular: bool, out: &wgpu::Buffer) -> Result<Vec<usize>> {
        self.log_prob_on_device("log_prob_into", dist, x, allow_singular, out).await
    }

    /// [`Sampler::log_prob_into`] with its own errors named `op` (the npm package's
    /// `logProbAsync` of points in a `GPUBuffer` is `log_prob`).
    pub(crate) async fn log_prob_on_device(&self, op: &'static str, dist: &MultivariateNormal, x: &GpuArray<'_>, allow_singular: bool, out: &wgpu::Buffer) -> Result<Vec<usize>> {
        let g = self.gpu_backend().ok_or_else(|| Error::new(ErrorKind::InvalidArgument, op, "the CPU backend has no GPU buffers; use log_prob()."))?;
        let region = x.region(op, "x")?;
        let points = dist.points(x.shape, (region.size / 4) as usize, None)?;
        let need = points.count as u64 * 4;
        for (what, b, usage, bytes) in [("x's buffer", x.buffer, wgpu::BufferUsages::STORAGE, 0), ("the output buffer", out, wgpu::BufferUsages::STORAGE, need)] {
            if !b.usage().contains(usage) || b.size() < bytes {
                return Err(Error::new(ErrorKind::InvalidArgument, op, format!("{what} needs STORAGE usage and {bytes} bytes; it has {:?} and {} bytes.", b.usage(), b.size())));
            }
        }
        let factors = match kernel_maps(dist, &points) {
            Some(maps) => dist.inverse_factors(allow_singular)?.map(|f| (f, maps)),
            None => None,
        };
        let (p, r) = (&points, &region);
        match &factors {
            Some((f, maps)) => {
                let maps = *maps;
                g.run(op, OnLoss::Fail, |c| async move { c.log_prob(dist, f, p, maps, PointSource::Device(r.clone()), Some(out)).await.map(|_| ()) }).await?;
            }
            None => {
                // The f64 path: the points read back, the values written through the queue.
                let words = g.run(op, OnLoss::Fail, |c| async move { c.read_regions(op, std::slice::from_ref(r)).await }).await?;
                let x64: Vec<f64> = words.iter().map(|&w| f32::from_bits(w) as f64).collect();
                let lp = dist.log_prob(x.shape, &x64, allow_singular)?;
                let v: Vec<f32> = lp.data.iter().map(|&v| v as f32).collect();
                g.run(op, OnLoss::Fail, |c| {
                    let v = &v;
                    async move { c.write_words(op, out, bytemuck::cast_slice(v)).await }
                })
                .await?;
            }
        }
        Ok(points.shape)
    }
}
