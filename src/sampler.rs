//! `Sampler`: one API over the GPU (wgpu) and CPU backends.

use crate::array::Array;
use crate::distribution::MultivariateNormal;
use crate::error::{Error, ErrorKind, Result};
use crate::gpu::{ChunkLimits, Gpu, OnLoss, SamplerOptions};
#[cfg(not(target_arch = "wasm32"))]
use crate::gpu::{GpuArray, Spread};
use crate::key::Key;
use crate::options::Options;
use crate::request::{SampleRequest, WordsRequest};

/// Where a [`Sampler`] runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// WGSL compute shaders through wgpu.
    Gpu,
    /// The CPU reference implementation.
    Cpu,
}

impl Backend {
    /// `"gpu"` or `"cpu"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Gpu => "gpu",
            Backend::Cpu => "cpu",
        }
    }
}

/// Samples kept on the GPU: a buffer with usage `STORAGE | VERTEX | COPY_SRC` holding
/// `shape` float32 values row-major (so each sample is `n` consecutive floats).
#[derive(Debug)]
pub struct GpuSamples {
    /// The buffer (at least 4 bytes even when empty).
    pub buffer: wgpu::Buffer,
    /// The device that owns `buffer`: the sampler's at the time of the call (a sampler with a
    /// device of its own may have replaced it by the time the call returns).
    pub device: wgpu::Device,
    /// The shape of the samples, `(..., n)`.
    pub shape: Vec<usize>,
}

impl GpuSamples {
    /// Number of float32 values.
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// Whether there are no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Draws MLX-compatible samples on the GPU or on the CPU with one API. A failed call leaves
/// the sampler usable. A sampler with a device of its own ([`Sampler::gpu`]) replaces a lost
/// device on its next call; one on an application's device ([`Sampler::from_device`]) then
/// fails with [`ErrorKind::DeviceLost`].
///
/// ```no_run
/// use mvn_gpu::{Array, MultivariateNormal, Options, Sampler, SamplerOptions, key};
/// let sampler = pollster::block_on(Sampler::gpu(&SamplerOptions::default()))
///     .unwrap_or_else(|_| Sampler::cpu());
/// let mean = Array::new([2], vec![0.0, 0.0])?;
/// let cov = Array::new([2, 2], vec![1.0, 0.5, 0.5, 1.0])?;
/// let mvn = MultivariateNormal::new(&mean, &cov, &Options::default())?;
/// let x = pollster::block_on(sampler.sample(&mvn, &[1 << 20], Some(key(1))))?;
/// assert_eq!(x.shape(), &[1 << 20, 2]);
/// # Ok::<(), mvn_gpu::Error>(())
/// ```
pub struct Sampler {
    gpu: Option<Gpu>,
}

impl Sampler {
    /// The CPU backend.
    pub fn cpu() -> Self {
        Sampler { gpu: None }
    }

    /// A GPU sampler on a device of its own (honours `WGPU_BACKEND` and `WGPU_ADAPTER_NAME`).
    /// When the device is lost (destroyed, driver reset), the next call opens a new one, and a
    /// call the loss interrupted is run again there once: same key, same samples.
    ///
    /// # Errors
    /// [`ErrorKind::NoAdapter`] when no adapter or device can be obtained.
    pub async fn gpu(options: &SamplerOptions) -> Result<Self> {
        Ok(Sampler { gpu: Some(Gpu::open(options).await?) })
    }

    /// A GPU sampler on an application's own device and queue (e.g. a native wgpu app that
    /// renders the samples). `limits` may restrict splitting further ([`ChunkLimits::UNLIMITED`]).
    ///
    /// The sampler sets the device's lost callback to learn of a loss (wgpu keeps one callback
    /// per device natively; on the web it is added to `GPUDevice.lost`): once the device is
    /// lost, calls fail with [`ErrorKind::DeviceLost`] and [`Sampler::device_lost`] says why
    /// (an application that replaces the callback afterwards sees `DEVICE_ERROR` instead).
    pub fn from_device(device: wgpu::Device, queue: wgpu::Queue, limits: ChunkLimits) -> Self {
        Sampler { gpu: Some(Gpu::from_device(device, queue, limits)) }
    }

    /// Whether the GPU device is this sampler's own ([`Sampler::gpu`]), which it may destroy
    /// and replace, rather than an application's ([`Sampler::from_device`]).
    pub fn owns_device(&self) -> bool {
        self.gpu.as_ref().is_some_and(|g| g.owns_device())
    }

    /// Which backend runs the work.
    pub fn backend(&self) -> Backend {
        if self.gpu.is_some() { Backend::Gpu } else { Backend::Cpu }
    }

    /// The adapter (for an application's device, as the device reports it).
    pub fn adapter_info(&self) -> Option<wgpu::AdapterInfo> {
        self.gpu.as_ref().and_then(|g| g.context().adapter_info.clone())
    }

    /// The wgpu device (GPU backend): the current one, after a lost device was replaced.
    pub fn device(&self) -> Option<wgpu::Device> {
        self.gpu.as_ref().map(|g| g.context().device.clone())
    }

    /// The wgpu queue (GPU backend).
    pub fn queue(&self) -> Option<wgpu::Queue> {
        self.gpu.as_ref().map(|g| g.context().queue.clone())
    }

    /// The limits the work is split by (GPU backend).
    pub fn limits(&self) -> Option<ChunkLimits> {
        self.gpu.as_ref().map(|g| g.context().limits)
    }

    /// Why the GPU device was lost, while it is lost and not yet replaced: a sampler with a
    /// device of its own replaces it on its next call; one on an application's device stays
    /// lost. `None` on the CPU backend and while the device works.
    pub fn device_lost(&self) -> Option<String> {
        self.gpu.as_ref().and_then(|g| g.lost())
    }

    /// How many lost devices this sampler replaced with new ones (0 on the CPU backend and on
    /// an application's device).
    pub fn device_replacements(&self) -> u64 {
        self.gpu.as_ref().map_or(0, |g| g.replacements())
    }

    /// Samples `dist` with output shape `broadcast(shape, batch) + (n,)`, read back to the host.
    ///
    /// # Errors
    /// Shape errors as [`MultivariateNormal::output_shape`]; [`ErrorKind::TooLarge`] when the
    /// factors do not fit one GPU binding; [`ErrorKind::Device`] when the GPU fails.
    pub async fn sample(&self, dist: &MultivariateNormal, shape: &[i64], key: Option<Key>) -> Result<Array> {
        self.draw(dist, SampleRequest::new("multivariate_normal", dist, shape, key)?).await
    }

    /// Rows `rows` of [`Sampler::sample`]'s output with its batch dimensions flattened (shape
    /// `[rows.len(), n]`), bit for bit those rows of the whole draw: a large draw can be made
    /// and written a part at a time (the CLI's `--out` does) in bounded memory.
    ///
    /// ```
    /// # use mvn_gpu::{Array, MultivariateNormal, Options, Sampler, key};
    /// let d = MultivariateNormal::new(&Array::new(&[2], vec![0.0, 1.0])?, &Array::new(&[2, 2], vec![1.0, 0.5, 0.5, 2.0])?, &Options::default())?;
    /// let s = Sampler::cpu();
    /// let all = pollster::block_on(s.sample(&d, &[10], Some(key(0))))?;
    /// let part = pollster::block_on(s.sample_rows(&d, &[10], Some(key(0)), 4..7))?;
    /// assert_eq!(part.shape(), &[3, 2]);
    /// assert_eq!(part.data(), &all.data()[8..14]);
    /// # Ok::<(), mvn_gpu::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Sampler::sample`]; [`ErrorKind::InvalidArgument`] when `rows` is not within the
    /// output's rows.
    pub async fn sample_rows(&self, dist: &MultivariateNormal, shape: &[i64], key: Option<Key>, rows: std::ops::Range<usize>) -> Result<Array> {
        let (len, n) = (rows.len(), dist.dim());
        let (_, data) = self.draw(dist, SampleRequest::new("multivariate_normal", dist, shape, key)?.window(rows)?).await?.into_parts();
        Ok(Array::from_parts(vec![len, n], data))
    }

    async fn draw(&self, dist: &MultivariateNormal, req: SampleRequest) -> Result<Array> {
        match &self.gpu {
            None => crate::cpu::sample(dist, &req),
            Some(g) => {
                let r = &req;
                let data = g.run(req.op, OnLoss::Replay, |c| async move { c.sample(dist, r).await }).await?;
                Ok(Array::from_parts(req.drawn_shape(), data))
            }
        }
    }

    /// Samples `dist` into a GPU buffer that stays on the device (usage `STORAGE | VERTEX |
    /// COPY_SRC`), for rendering or further GPU work without a readback.
    ///
    /// # Errors
    /// As [`Sampler::sample`]; [`ErrorKind::InvalidArgument`] on the CPU backend;
    /// [`ErrorKind::TooLarge`] when the samples exceed the device's `max_buffer_size`.
    pub async fn sample_to_buffer(&self, dist: &MultivariateNormal, shape: &[i64], key: Option<Key>) -> Result<GpuSamples> {
        self.to_gpu("sample_to_buffer", dist, shape, key, None).await
    }

    /// Samples `dist` into the caller's GPU buffer (usage must include `STORAGE`; at least
    /// `4 * len` bytes), from offset 0: no allocation at all, e.g. to redraw a vertex buffer
    /// every frame.
    ///
    /// `out` must be a buffer of this sampler's device ([`Sampler::device`]). On the web, where
    /// WebGPU validates it, a buffer of another device is refused; natively wgpu cannot tell a
    /// buffer of another `wgpu::Instance` from one of its own, so that is the caller's duty.
    ///
    /// # Errors
    /// As [`Sampler::sample`]; [`ErrorKind::InvalidArgument`] on the CPU backend, for a buffer
    /// without `STORAGE` usage or too small, or destroyed (nothing is written);
    /// [`ErrorKind::DeviceLost`] when the device (and so `out`) was lost: a sampler with its own
    /// device has a new one for later calls.
    pub async fn sample_into(&self, dist: &MultivariateNormal, shape: &[i64], key: Option<Key>, out: &wgpu::Buffer) -> Result<Vec<usize>> {
        Ok(self.to_gpu("sample_into", dist, shape, key, Some(out)).await?.shape)
    }

    /// Samples kept on the GPU: in a new buffer, or in `into` (one path for both keeps the npm
    /// package's wasm small).
    pub(crate) async fn to_gpu(&self, op: &'static str, dist: &MultivariateNormal, shape: &[i64], key: Option<Key>, into: Option<&wgpu::Buffer>) -> Result<GpuSamples> {
        self.gpu_or_refuse(op)?;
        let req = SampleRequest::new(into.map_or("multivariate_normal", |_| op), dist, shape, key)?;
        let r = &req;
        self.keep_on_gpu(op, r, into, |c| async move { c.sample_to_gpu(dist, r, into).await }).await
    }

    /// The GPU backend, or `op`'s error on the CPU one.
    pub(crate) fn gpu_or_refuse(&self, op: &str) -> Result<&Gpu> {
        self.gpu.as_ref().ok_or_else(|| Error::new(ErrorKind::InvalidArgument, op, "the CPU backend has no GPU buffers; use sample()."))
    }

    /// Runs `draw`, which leaves `req`'s samples in a new buffer or in `into`: a lost device is
    /// replaced and the call replayed only for a new buffer, and a device error with the
    /// caller's buffer says whether that buffer is the cause.
    pub(crate) async fn keep_on_gpu<F, Fut>(&self, op: &'static str, req: &SampleRequest, into: Option<&wgpu::Buffer>, draw: F) -> Result<GpuSamples>
    where
        F: Fn(std::sync::Arc<crate::gpu::GpuContext>) -> Fut,
        Fut: std::future::Future<Output = Result<wgpu::Buffer>>,
    {
        let g = self.gpu_or_refuse(op)?;
        let on_loss = if into.is_some() { OnLoss::Fail } else { OnLoss::Replay };
        let draw = &draw;
        let got = g.run(req.op, on_loss, |c| async move { let device = c.device.clone(); draw(c).await.map(|b| (b, device)) }).await;
        match (got, into) {
            (Ok((buffer, device)), _) => Ok(GpuSamples { buffer, device, shape: req.out_shape.clone() }),
            // A device error on a working device: the caller's buffer may be the cause.
            (Err(e), Some(out)) if e.kind() == ErrorKind::Device && g.lost().is_none() => match g.context().refuses(out).await {
                Some(why) => Err(Error::new(
                    ErrorKind::InvalidArgument,
                    op,
                    format!("the output buffer cannot be used on this sampler's device: it belongs to another device or was destroyed ({why}); nothing was written."),
                )),
                None => Err(e),
            },
            (Err(e), _) => Err(e),
        }
    }

    /// MLX's `multivariate_normal` for a `mean (..., n)` and `cov (..., n, n)` that are already
    /// in this sampler's device's buffers (float32, row-major; see [`GpuArray`]), written into
    /// `out` (`STORAGE` usage, at least `4 * len` bytes) with no readback: e.g. per-splat
    /// covariances a renderer computed on the GPU. The samples are those of
    /// [`Sampler::sample_into`] from [`MultivariateNormal::new`] of the same values and key, to
    /// float32 round-off of the factors.
    ///
    /// For n <= 16 with `cholesky`, the covariances are checked and factored on the device
    /// (Cholesky in double-float arithmetic, to f64-level accuracy) in the same submission as
    /// the sampling, and one status word is read back. A matrix the device cannot factor to
    /// that accuracy (non-finite, not clearly symmetric, ill-conditioned, indefinite), and any
    /// other input (n > 16, `eigh`, `svd`), takes the host path: the inputs are read back and
    /// drawn as [`MultivariateNormal::new`] and [`Sampler::sample_into`] would, with their
    /// errors and fallbacks.
    ///
    /// # Errors
    /// Those of [`MultivariateNormal::new`] and [`Sampler::sample_into`];
    /// [`ErrorKind::InvalidArgument`] on the CPU backend, or for an input whose buffer lacks
    /// `COPY_SRC` usage, whose offset is not a multiple of 4 or whose shape does not fit it.
    #[cfg(not(target_arch = "wasm32"))]
    pub async fn multivariate_normal_from_buffers(&self, mean: &GpuArray<'_>, cov: &GpuArray<'_>, shape: &[i64], key: Option<Key>, options: &Options, out: &wgpu::Buffer) -> Result<Vec<usize>> {
        self.from_buffers(mean, cov, Spread::Cov, shape, key, options, out).await
    }

    /// As [`Sampler::multivariate_normal_from_buffers`] with a lower-triangular factor
    /// `scale_tril (..., n, n)` (`cov = L Lᵀ`) in place of the covariance: nothing is factored;
    /// for n <= 16 the device checks and transposes it.
    ///
    /// # Errors
    /// Those of [`MultivariateNormal::from_scale_tril`] and
    /// [`Sampler::multivariate_normal_from_buffers`].
    #[cfg(not(target_arch = "wasm32"))]
    pub async fn multivariate_normal_from_buffers_tril(&self, mean: &GpuArray<'_>, scale_tril: &GpuArray<'_>, shape: &[i64], key: Option<Key>, out: &wgpu::Buffer) -> Result<Vec<usize>> {
        self.from_buffers(mean, scale_tril, Spread::ScaleTril, shape, key, &Options::default(), out).await
    }

    /// How many [`Sampler::multivariate_normal_from_buffers`] calls on the current device took
    /// the host path (inputs read back) instead of factoring on the device: a renderer can tell
    /// whether its covariances hit the slow path. 0 on the CPU backend.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn host_fallbacks(&self) -> u64 {
        self.gpu.as_ref().map_or(0, |g| g.context().host_fallbacks.load(std::sync::atomic::Ordering::Relaxed))
    }

    #[cfg(not(target_arch = "wasm32"))]
    #[allow(clippy::too_many_arguments)]
    async fn from_buffers(&self, mean: &GpuArray<'_>, spread: &GpuArray<'_>, kind: Spread, shape: &[i64], key: Option<Key>, options: &Options, out: &wgpu::Buffer) -> Result<Vec<usize>> {
        const OP: &str = "multivariate_normal";
        let g = self.gpu.as_ref().ok_or_else(|| Error::new(ErrorKind::InvalidArgument, OP, "the CPU backend has no GPU buffers; use multivariate_normal()."))?;
        options.dtype.require_float32(OP)?;
        let (n, mean_batch, cov_batch) = crate::distribution::shapes_of(mean.shape, spread.shape, kind.name())?;
        let req = SampleRequest::for_shapes(OP, n, &mean_batch, &cov_batch, shape, key)?;
        let r = &req;
        let got = g.run(OP, OnLoss::Fail, |c| async move { c.draw_device(mean, spread, kind, options, r, out).await }).await;
        match got {
            Ok(()) => Ok(req.out_shape),
            // A device error on a working device: one of the caller's buffers may be the cause.
            Err(e) if e.kind() == ErrorKind::Device && g.lost().is_none() => {
                let spread_what = format!("{}'s buffer", kind.name());
                for (what, b) in [("the output buffer", out), ("mean's buffer", mean.buffer), (spread_what.as_str(), spread.buffer)] {
                    if let Some(why) = g.context().refuses(b).await {
                        return Err(Error::new(ErrorKind::InvalidArgument, OP, format!("{what} cannot be used on this sampler's device: it belongs to another device or was destroyed ({why}).")));
                    }
                }
                Err(e)
            }
            Err(e) => Err(e),
        }
    }

    /// Releases the scratch buffers a GPU sampler keeps between calls (they are reused to
    /// avoid allocating hundreds of megabytes per call).
    pub fn trim(&self) {
        if let Some(g) = &self.gpu {
            g.context().trim();
        }
    }

    /// MLX's `multivariate_normal` on this backend (factor, then sample).
    ///
    /// # Errors
    /// Those of [`MultivariateNormal::new`] and [`Sampler::sample`].
    pub async fn multivariate_normal(&self, mean: &Array, cov: &Array, shape: &[i64], key: Option<Key>, options: &Options) -> Result<Array> {
        let dist = MultivariateNormal::new(mean, cov, options)?;
        self.sample(&dist, shape, key).await
    }

    /// MLX's `normal(shape, loc, scale, key)` on this backend.
    ///
    /// # Errors
    /// As [`crate::normal`], and [`ErrorKind::Device`] when the GPU fails.
    pub async fn normal(&self, shape: &[i64], loc: f32, scale: f32, key: Option<Key>) -> Result<Array> {
        let req = WordsRequest::normal(shape, loc, scale, key)?;
        let words = self.words(&req).await?;
        Ok(req.into_floats(words))
    }

    /// MLX's `uniform(shape, low, high, key)` on this backend. Scalar bounds run entirely on
    /// the GPU; array bounds draw the bits on the GPU and apply the bounds on the host.
    ///
    /// # Errors
    /// As [`crate::uniform`], and [`ErrorKind::Device`] when the GPU fails.
    pub async fn uniform(&self, shape: &[i64], low: impl Into<Array>, high: impl Into<Array>, key: Option<Key>) -> Result<Array> {
        let req = WordsRequest::uniform(shape, &low.into(), &high.into(), key)?;
        let words = self.words(&req).await?;
        Ok(req.into_floats(words))
    }

    /// Random 32-bit words of `shape` on this backend (MLX's `random::bits(shape, 4, key)`).
    ///
    /// # Errors
    /// As [`crate::bits`], and [`ErrorKind::Device`] when the GPU fails.
    pub async fn bits(&self, shape: &[i64], key: Option<Key>) -> Result<Array<u32>> {
        self.bits_width(shape, 4, key).await
    }

    /// MLX's `random::bits(shape, width, key)` for widths 1, 2 and 4 bytes on this backend
    /// (the words are drawn on the GPU; narrower elements are cut from them on the host).
    ///
    /// # Errors
    /// As [`crate::bits_width`], and [`ErrorKind::Device`] when the GPU fails.
    pub async fn bits_width(&self, shape: &[i64], width: u32, key: Option<Key>) -> Result<Array<u32>> {
        let req = WordsRequest::bits(shape, width, key)?;
        let words = self.words(&req).await?;
        Ok(req.into_bits(words))
    }

    /// Elements `elements` of [`Sampler::normal`]'s result, flattened (shape
    /// `[elements.len()]`), bit for bit those of the whole draw: a large draw made and written a
    /// part at a time (the CLI's `--out`).
    ///
    /// # Errors
    /// As [`Sampler::normal`]; [`ErrorKind::InvalidArgument`] for elements outside the result.
    #[cfg(not(target_arch = "wasm32"))]
    pub async fn normal_elements(&self, shape: &[i64], loc: f32, scale: f32, key: Option<Key>, elements: std::ops::Range<usize>) -> Result<Array> {
        let req = WordsRequest::normal(shape, loc, scale, key)?.window(elements)?;
        let words = self.words(&req).await?;
        Ok(req.into_floats(words))
    }

    /// As [`Sampler::normal_elements`] for [`Sampler::uniform`].
    ///
    /// # Errors
    /// As [`Sampler::uniform`] and [`Sampler::normal_elements`].
    #[cfg(not(target_arch = "wasm32"))]
    pub async fn uniform_elements(&self, shape: &[i64], low: impl Into<Array>, high: impl Into<Array>, key: Option<Key>, elements: std::ops::Range<usize>) -> Result<Array> {
        let req = WordsRequest::uniform(shape, &low.into(), &high.into(), key)?.window(elements)?;
        let words = self.words(&req).await?;
        Ok(req.into_floats(words))
    }

    /// As [`Sampler::normal_elements`] for [`Sampler::bits_width`]: for widths 1 and 2 the
    /// window starts at a multiple of 4 or 2 elements (whole words).
    ///
    /// # Errors
    /// As [`Sampler::bits_width`] and [`Sampler::normal_elements`].
    #[cfg(not(target_arch = "wasm32"))]
    pub async fn bits_elements(&self, shape: &[i64], width: u32, key: Option<Key>, elements: std::ops::Range<usize>) -> Result<Array<u32>> {
        let req = WordsRequest::bits(shape, width, key)?.window(elements)?;
        let words = self.words(&req).await?;
        Ok(req.into_bits(words))
    }

    /// The GPU backend, `None` on the CPU one.
    pub(crate) fn gpu_backend(&self) -> Option<&Gpu> {
        self.gpu.as_ref()
    }

    /// The words of `req`, on the GPU or the CPU.
    pub(crate) async fn words(&self, req: &WordsRequest) -> Result<Vec<u32>> {
        match &self.gpu {
            None => crate::cpu::words(req),
            Some(g) => g.run(req.op, OnLoss::Replay, |c| async move { c.words(req).await }).await,
        }
    }
}
