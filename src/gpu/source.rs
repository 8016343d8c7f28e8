//! What a multivariate-normal draw samples from: a distribution factored on the host, or
//! inputs on the device that the factor kernel factors first, in the same submission.

#[cfg(not(target_arch = "wasm32"))]
use super::{context::GpuContext, kernels::factor, kernels::Region};
use crate::distribution::MultivariateNormal;

/// What a draw samples from.
pub(crate) enum Source<'a> {
    /// A factored distribution on the host: its factors, means and factor map are uploaded.
    Host(&'a MultivariateNormal),
    /// Inputs on the device, factored by the factor kernel in the same submission.
    #[cfg(not(target_arch = "wasm32"))]
    Device(&'a DeviceStage),
}

impl Source<'_> {
    pub fn triangular(&self) -> bool {
        match self {
            Source::Host(d) => d.is_triangular(),
            #[cfg(not(target_arch = "wasm32"))]
            Source::Device(_) => true, // a Cholesky factor or a scale_tril's transpose
        }
    }

    /// For the fused kernel: the factor count when the factors are interleaved (the factor
    /// kernel writes them so, entry k of factor f at `f + k * count`, and consecutive batch rows
    /// then read consecutive words: W4 through the device path 0.48-0.62 -> 0.36-0.45 ms on the
    /// H200), else 0 (one after another).
    pub fn interleaved_count(&self) -> u32 {
        match self {
            Source::Host(_) => 0,
            #[cfg(not(target_arch = "wasm32"))]
            Source::Device(stage) => stage.count as u32,
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
/// The factor kernel's part of a device-input draw (recorded before the first chunk).
pub(crate) struct DeviceStage {
    /// Covariances (or scale_tril factors).
    pub count: usize,
    /// Mean rows.
    pub num_means: usize,
    /// The inputs are scale_tril factors.
    pub tril: bool,
    /// The symmetry tolerance.
    pub tol: f32,
    /// The caller's inputs.
    pub cov: Region,
    pub mean: Region,
}

#[cfg(not(target_arch = "wasm32"))]
impl DeviceStage {
    fn status_buffer(ctx: &GpuContext) -> wgpu::Buffer {
        use wgpu::BufferUsages as U;
        ctx.scratch("mvn::device status", 4, U::STORAGE | U::COPY_SRC | U::COPY_DST)
    }

    /// The factor, mean and factor-map buffers the sampling kernels bind.
    pub fn buffers(&self, ctx: &GpuContext, n: usize) -> (wgpu::Buffer, wgpu::Buffer, wgpu::Buffer) {
        use wgpu::BufferUsages as U;
        let factors = ctx.scratch("mvn::device factors", (self.count * n * n * 4) as u64, U::STORAGE);
        let means = ctx.scratch("mvn::device means", self.mean.size, U::STORAGE | U::COPY_DST);
        let identity: Vec<u32> = (0..self.count as u32).collect();
        (factors, means, ctx.input("mvn::factor_map", bytemuck::cast_slice(&identity)))
    }

    /// Copies the inputs, zeroes the status and records the factor kernel into `factors`.
    /// `interleaved`: for the fused kernel (see `factor::Work`).
    pub fn encode_factor(&self, ctx: &GpuContext, enc: &mut wgpu::CommandEncoder, n: usize, interleaved: bool, factors: &wgpu::Buffer, means: &wgpu::Buffer) {
        use wgpu::BufferUsages as U;
        let cov = ctx.scratch("mvn::device cov", self.cov.size, U::STORAGE | U::COPY_DST);
        enc.copy_buffer_to_buffer(&self.cov.buffer, self.cov.offset, &cov, 0, self.cov.size);
        enc.copy_buffer_to_buffer(&self.mean.buffer, self.mean.offset, means, 0, self.mean.size);
        let status = Self::status_buffer(ctx);
        enc.clear_buffer(&status, 0, None);
        let work = factor::Work {
            n,
            count: self.count,
            num_means: self.num_means,
            tril: self.tril,
            tol: self.tol,
            interleaved,
            cov: &Region::start_of(&cov, self.cov.size),
            means: &Region::start_of(means, self.mean.size),
            factors: &Region::start_of(factors, (self.count * n * n * 4) as u64),
            status: &Region::start_of(&status, 4),
        };
        factor::encode(&ctx.recorder(), &ctx.kernels.factor, enc, &work);
    }

    /// The status word: how many matrices and mean rows the kernel refused.
    pub fn status(&self, ctx: &GpuContext) -> Region {
        Region::start_of(&Self::status_buffer(ctx), 4)
    }
}

