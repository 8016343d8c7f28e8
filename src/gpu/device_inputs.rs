//! `multivariate_normal` for inputs already in wgpu buffers (native), e.g. per-splat
//! covariances a renderer computed on the GPU. For n <= 16 with `cholesky` (or a scale_tril),
//! one submission copies the inputs, runs the factor kernel (checks and a double-float
//! Cholesky per matrix, `kernels/factor.rs`) and the sampling kernel, and the host reads one
//! status word. If the kernel refused anything (non-finite, asymmetric, ill-conditioned,
//! indefinite), and for every other input (n > 16, eigh, svd), the inputs are read back and
//! drawn on the host path, which gives its own errors, reports and fallbacks.

use super::context::GpuContext;
use super::device_array::GpuArray;
use super::execute::Dest;
use super::kernels::factor::FACTOR_MAX_N;
use super::source::{DeviceStage, Source};
use crate::array::Array;
use crate::distribution::{tolerance_of, MultivariateNormal};
use crate::error::Result;
use crate::options::{Method, Options};
use crate::request::SampleRequest;

/// What the second input is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Spread {
    Cov,
    ScaleTril,
}

impl Spread {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Spread::Cov => "cov",
            Spread::ScaleTril => "scale_tril",
        }
    }
}

impl GpuContext {
    /// Draws `req` from `mean` and `spread` (a cov or scale_tril, as `kind` says) into `out`.
    pub(crate) async fn draw_device(&self, mean: &GpuArray<'_>, spread: &GpuArray<'_>, kind: Spread, options: &Options, req: &SampleRequest, out: &wgpu::Buffer) -> Result<()> {
        let op = req.op;
        let n = req.n;
        let (mean_r, cov_r) = (mean.region(op, "mean")?, spread.region(op, kind.name())?);
        let tol = tolerance_of(options, n).ok();
        let factored_here = (1..=FACTOR_MAX_N).contains(&n) && req.len() > 0 && (kind == Spread::ScaleTril || options.method == Method::Cholesky);
        if let (true, Some(tol)) = (factored_here, tol) {
            self.check_upload(op, kind.name(), cov_r.size)?;
            self.check_upload(op, "the means", mean_r.size)?;
            let stage = DeviceStage {
                count: (cov_r.size / 4) as usize / (n * n),
                num_means: (mean_r.size / 4) as usize / n,
                tril: kind == Spread::ScaleTril,
                tol: tol as f32,
                cov: cov_r.clone(),
                mean: mean_r.clone(),
            };
            let (_, status) = self.draw_from(Source::Device(&stage), req, Dest::Into(out)).await?;
            if status.first() == Some(&0) {
                return Ok(());
            }
        }
        // The host path: read the inputs back and draw as a host-input call would.
        self.host_fallbacks.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let words = self.read_regions(op, &[mean_r.clone(), cov_r.clone()]).await?;
        let floats: Vec<f32> = bytemuck::allocation::cast_vec(words);
        let split = (mean_r.size / 4) as usize;
        let (m, c) = (floats[..split].to_vec(), floats[split..].to_vec());
        let mean = Array::new(mean.shape.to_vec(), m)?;
        let spread = Array::new(spread.shape.to_vec(), c)?;
        let dist = match kind {
            Spread::Cov => MultivariateNormal::new(&mean, &spread, options)?,
            Spread::ScaleTril => MultivariateNormal::from_scale_tril(&mean, &spread)?,
        };
        self.draw(&dist, req, Dest::Into(out)).await?;
        Ok(())
    }
}
