//! The WGSL sources of the kernels, as compiled into the crate (for validation and
//! inspection). The files are `shaders/*.wgsl`; the unrolled entry points are generated next to
//! the Rust that binds them (`gpu/kernels/`), where these all live.

pub use crate::gpu::kernels::affine::{affine_tiled, TILE};
pub use crate::gpu::kernels::fused::{fused_module, FUSED_MAX_N};
pub use crate::gpu::kernels::wgsl::{AFFINE, FILL, FUSED, NORMAL, POINTS, ROWMAP, THREEFRY};
#[cfg(not(target_arch = "wasm32"))]
pub use crate::gpu::kernels::{factor::factor_module, wgsl::FACTOR};
pub use crate::gpu::kernels::{logpdf::module as logpdf_module, logpdf::tiled_module as logpdf_tiled_module, logpdf::LOGPDF_MAX_N, low_rank::module_source as low_rank_module, wgsl::LOGPDF, wgsl::LOWRANK};

/// The complete modules the start-up pipelines are built from: `(label, source)`.
pub fn modules() -> Vec<(&'static str, String)> {
    use crate::gpu::kernels::{affine, fill};
    vec![("mvn::fill", fill::module_source()), ("mvn::affine", affine::module_source())]
}
