//! `multivariate_normal` for inputs already in wgpu buffers (native), e.g. per-splat
//! covariances a renderer computed on the GPU. For n <= 16 with `cholesky` (or a scale_tril),
//! one submission copies the inputs, runs the factor kernel (checks and a double-float
//! Cholesky per matrix, `kernels/factor.rs`) and the sampling kernel, and the host reads one
//! status word. If the kernel refused anything (non-finite, asymmetric, ill-conditioned,
//! indefinite), and for every other input (n > 16, eigh, svd), the inputs are read back and
//! drawn on the host path, which gives its own errors, reports and fallbacks.

use super::context::GpuContext;
use super::execute::{Dest, Job, Readback};
use super::kernels::factor::FACTOR_MAX_N;
use super::kernels::Region;
use super::source::{DeviceStage, Source};
use crate::array::Array;
use crate::distribution::{tolerance_of, MultivariateNormal};
use crate::error::{Error, ErrorKind, Result};
use crate::options::{Method, Options};
use crate::profile::Profile;
use crate::request::SampleRequest;

/// A float32 array in a wgpu buffer: `shape`, row-major and contiguous from byte `offset` (a
/// multiple of 4). The buffer needs `COPY_SRC` usage: the inputs are copied on the device,
/// and read back when the host path takes over.
#[derive(Clone, Copy, Debug)]
pub struct GpuArray<'a> {
    /// The buffer (of the sampler's device).
    pub buffer: &'a wgpu::Buffer,
    /// Where the first value starts, in bytes.
    pub offset: u64,
    /// The array's shape.
    pub shape: &'a [usize],
}

impl<'a> GpuArray<'a> {
    /// `shape` from the start of `buffer`.
    pub fn new(buffer: &'a wgpu::Buffer, shape: &'a [usize]) -> Self {
        GpuArray { buffer, offset: 0, shape }
    }

    /// The bytes this array spans, checked against its buffer.
    pub(crate) fn region(&self, op: &str, what: &str) -> Result<Region> {
        let bad = |msg: String| Error::new(ErrorKind::InvalidArgument, op, format!("{what}: {msg}"));
        if !self.buffer.usage().contains(wgpu::BufferUsages::COPY_SRC) {
            return Err(bad("the buffer needs COPY_SRC usage (its values are copied on the device, and read back when the host path takes over).".into()));
        }
        if !self.offset.is_multiple_of(4) {
            return Err(bad(format!("the offset {} is not a multiple of 4 bytes.", self.offset)));
        }
        let size = self.shape.iter().try_fold(4u64, |a, &d| a.checked_mul(d as u64));
        match size {
            Some(size) if self.offset.checked_add(size).is_some_and(|end| end <= self.buffer.size()) => Ok(Region { buffer: self.buffer.clone(), offset: self.offset, size }),
            _ => Err(bad(format!(
                "shape {} from byte {} does not fit its buffer of {} bytes.",
                crate::shape::fmt_shape(self.shape),
                self.offset,
                self.buffer.size()
            ))),
        }
    }
}

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

/// Reads regions of device buffers back to the host, one after the other.
struct ReadJob<'a> {
    regions: &'a [Region],
}

impl Job for ReadJob<'_> {
    fn begin(&mut self, _: &GpuContext) {}
    fn chunks(&self) -> usize {
        1
    }
    fn staging_bytes(&self) -> u64 {
        self.regions.iter().map(|r| r.size).sum()
    }
    fn encode(&self, _: &GpuContext, _: &mut wgpu::CommandEncoder, _: usize) -> Vec<Readback> {
        let mut at = 0;
        self.regions
            .iter()
            .filter(|r| r.size > 0)
            .map(|r| {
                let rb = Readback { region: r.clone(), at };
                at += (r.size / 4) as usize;
                rb
            })
            .collect()
    }
}

impl GpuContext {
    /// The words of `regions`, one after the other, read back.
    pub(crate) async fn read_regions(&self, op: &str, regions: &[Region]) -> Result<Vec<u32>> {
        let mut words = Vec::new();
        self.execute(op, &mut ReadJob { regions }, &mut words, &mut Profile::start()).await?;
        Ok(words)
    }

    /// Writes `bytes` to the start of `buffer` through the queue (inside the call's lock and
    /// error scopes, so a bad buffer is this call's error).
    pub(crate) async fn write_words(&self, op: &str, buffer: &wgpu::Buffer, bytes: &[u8]) -> Result<()> {
        let _serial = self.lock.lock().await;
        let scopes = super::error_scopes::Scopes::open(&self.device);
        if !bytes.is_empty() {
            self.queue.write_buffer(buffer, 0, bytes);
        }
        self.queue.submit([]);
        scopes.close(op, Ok(())).await
    }

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
