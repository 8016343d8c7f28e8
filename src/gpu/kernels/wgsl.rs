//! The WGSL of `shaders/`, embedded (comments stripped by `build.rs`). Public as
//! [`crate::shaders`].

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
/// Entry point `factor_small`: the batched double-float Cholesky of inputs on the device
/// (needs a `const N: u32` prelude; see [`factor_module`]).
#[cfg(not(target_arch = "wasm32"))]
pub const FACTOR: &str = include_str!(concat!(env!("OUT_DIR"), "/factor.wgsl"));
/// Entry point `logpdf`: log-densities from inverse Cholesky factors (needs ROWMAP and a
/// `const N: u32` prelude; see [`logpdf_module`]).
pub const LOGPDF: &str = include_str!(concat!(env!("OUT_DIR"), "/logpdf.wgsl"));
/// Entry point `low_rank`: a draw from `W Wᵀ + diag(d)` (needs ROWMAP).
pub const LOWRANK: &str = include_str!(concat!(env!("OUT_DIR"), "/lowrank.wgsl"));
/// Render entry points `vs_points` / `fs_points`: draw samples from the sample buffer.
pub const POINTS: &str = include_str!(concat!(env!("OUT_DIR"), "/points.wgsl"));
