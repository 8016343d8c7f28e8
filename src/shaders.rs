//! The WGSL sources of the kernels, as compiled into the crate (for validation and
//! inspection). The files are `shaders/*.wgsl`; the unrolled entry points are generated next to
//! the Rust that binds them (`gpu/kernels/`).

pub use crate::gpu::kernels::affine::{affine_tiled, TILE};
pub use crate::gpu::kernels::fused::{fused_module, FUSED_MAX_N};

/// Threefry-2x32 and MLX's counter layout (library, no entry point).
pub const THREEFRY: &str = include_str!(concat!(env!("OUT_DIR"), "/threefry.wgsl"));
/// `u32 -> f32`, uniform, erfinv and normal conversions (library, no entry point).
pub const NORMAL: &str = include_str!(concat!(env!("OUT_DIR"), "/normal.wgsl"));
/// Entry points `fill_bits`, `fill_uniform`, `fill_normal_pairs` (needs THREEFRY and NORMAL).
pub const FILL: &str = include_str!(concat!(env!("OUT_DIR"), "/fill.wgsl"));
/// Row-to-batch maps shared by the affine and fused kernels (library, no entry point).
pub const ROWMAP: &str = include_str!(concat!(env!("OUT_DIR"), "/rowmap.wgsl"));
/// Entry point `affine`: `out = mean + z R` over a chunk of rows (needs ROWMAP).
pub const AFFINE: &str = include_str!(concat!(env!("OUT_DIR"), "/affine.wgsl"));
/// Entry point `sample_pairs`: the whole of multivariate_normal in one pass for small `n`
/// (needs THREEFRY, NORMAL, ROWMAP and a `const N: u32` prelude; see [`fused_module`]).
pub const FUSED: &str = include_str!(concat!(env!("OUT_DIR"), "/fused.wgsl"));
/// Render entry points `vs_points` / `fs_points`: draw samples from the sample buffer.
pub const POINTS: &str = include_str!(concat!(env!("OUT_DIR"), "/points.wgsl"));

/// The complete modules the pipelines are built from: `(label, source)`.
pub fn modules() -> Vec<(&'static str, String)> {
    vec![("mvn::fill", format!("{THREEFRY}\n{NORMAL}\n{FILL}")), ("mvn::affine", format!("{ROWMAP}\n{AFFINE}\n{}", affine_tiled()))]
}
