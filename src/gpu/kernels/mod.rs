//! The compute kernels as the host sees them: per kernel, its parameter struct (the WGSL
//! struct's twin), its bind-group layout and pipelines, the WGSL generated for it where
//! unrolling pays, and the function that records its dispatches. The WGSL itself is in
//! `shaders/`, embedded by `wgsl.rs` (public as [`crate::shaders`]).

pub(crate) mod affine;
pub(crate) mod bind;
#[cfg(not(target_arch = "wasm32"))]
pub(crate) mod factor;
pub(crate) mod fill;
pub(crate) mod fused;
#[cfg(not(target_arch = "wasm32"))]
pub(crate) mod fused_tiled;
pub(crate) mod logpdf;
pub(crate) mod low_rank;
pub(crate) mod rowmap;
pub(crate) mod wgsl;

pub(crate) use bind::{Recorder, Region, WORKGROUP};

/// The pipelines of every kernel on one device.
pub(crate) struct Kernels {
    pub fill: fill::Pipelines,
    pub affine: affine::Pipelines,
    pub fused: fused::Pipelines,
    /// The fused kernel as a tiled product for one covariance, 16 < n <= 64 (native only).
    #[cfg(not(target_arch = "wasm32"))]
    pub fused_tiled: fused_tiled::Pipelines,
    /// The batched small factorization of inputs on the device (native only).
    #[cfg(not(target_arch = "wasm32"))]
    pub factor: factor::Pipelines,
    /// Log-densities.
    pub logpdf: logpdf::Pipelines,
    /// Low-rank plus diagonal draws.
    pub low_rank: low_rank::Pipelines,
}

impl Kernels {
    pub fn new(device: &wgpu::Device) -> Kernels {
        Kernels {
            fill: fill::Pipelines::new(device),
            affine: affine::Pipelines::new(device),
            fused: fused::Pipelines::new(device),
            #[cfg(not(target_arch = "wasm32"))]
            fused_tiled: fused_tiled::Pipelines::new(device),
            #[cfg(not(target_arch = "wasm32"))]
            factor: factor::Pipelines::new(device),
            logpdf: logpdf::Pipelines::new(device),
            low_rank: low_rank::Pipelines::new(device),
        }
    }
}
