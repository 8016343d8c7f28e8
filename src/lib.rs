//! # mvn-gpu
//!
//! MLX's `random` module — `key`, `split`, `bits`, `uniform`, `normal` and
//! `multivariate_normal` — bit-compatible with MLX on the CPU and run as WGSL compute shaders
//! through wgpu on the GPU (Vulkan, Metal, DX12, WebGPU).
//!
//! Shapes follow MLX: `mean: (..., n)`, `cov: (..., n, n)`, and the output of
//! `multivariate_normal` is `broadcast(shape, mean.shape[:-1], cov.shape[:-2]) + (n,)`,
//! float32. Keys are explicit ([`key`], [`split`]) or drawn from the default sequence
//! ([`seed`]) when `None` is passed, exactly as MLX does.
//!
//! ```
//! use mvn_gpu::{key, multivariate_normal, Array, Options};
//! let mean = Array::new([2], vec![1.0, 2.0])?;
//! let cov = Array::new([2, 2], vec![1.0, 0.5, 0.5, 2.0])?;
//! let x = multivariate_normal(&mean, &cov, &[1000], Some(key(42)), &Options::default())?;
//! assert_eq!(x.shape(), &[1000, 2]);
//! # Ok::<(), mvn_gpu::Error>(())
//! ```
//!
//! The GPU path is [`Sampler`]: it creates its own device or takes an application's
//! `wgpu::Device` and `wgpu::Queue`, and returns samples read back or kept in a
//! `wgpu::Buffer`.

#![warn(missing_docs)]

mod array;
// The `mvn-gpu` command-line tool (feature `cli`; native only: it blocks on the GPU with pollster).
#[cfg(all(feature = "cli", not(target_arch = "wasm32")))]
pub mod cli;
mod cpu;
mod distribution;
mod error;
mod gpu;
mod key;
mod linalg;
mod options;
pub mod prng;
mod random;
mod sampler;
pub mod shape;
#[cfg(target_arch = "wasm32")]
mod wasm;

pub use array::Array;
pub use distribution::MultivariateNormal;
pub use error::{Error, ErrorKind, Result};
pub use gpu::ChunkLimits;
pub use key::{key, next_key, seed, split, split_n, state, Key};
pub use linalg::{FactorMethod, FactorReport};
pub use options::{Dtype, Method, OnInvalid, Options};
pub use random::{bits, bits_width, multivariate_normal, normal, uniform};
pub use sampler::{Backend, GpuSamples, Sampler, SamplerOptions};
pub use shape::MAX_ELEMENTS;

/// The README's Rust examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// The WGSL sources of the kernels, as compiled into the crate (for validation and inspection).
pub mod shaders {
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
    /// Largest `n` the fused kernel is built for.
    pub const FUSED_MAX_N: usize = 16;

    /// The fused kernel's module for dimension `n`: the shared code and an entry point with
    /// every loop unrolled (dynamic indexing of per-invocation arrays spills to memory on GPUs).
    pub fn fused_module(n: usize) -> String {
        use std::fmt::Write;
        let mut e = String::new();
        let _ = writeln!(e, "@compute @workgroup_size(WORKGROUP_SIZE)");
        let _ = writeln!(e, "fn sample_pairs(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {{");
        let _ = writeln!(e, "    let i = (wg.y * fp.groups_x + wg.x) * WORKGROUP_SIZE + lid;");
        let _ = writeln!(e, "    if (i >= fp.count) {{ return; }}");
        let _ = writeln!(e, "    let r = fp.row_offset + i;");
        let _ = writeln!(e, "    let local = fp.local_first + i;");
        let _ = writeln!(e, "    let r2 = r + fp.half_rows;");
        let _ = writeln!(e, "    let w0 = r * N;");
        let _ = writeln!(e, "    let hw = fp.half_rows * N;");
        for l in 0..n {
            let _ = writeln!(e, "    let b{l} = threefry2x32(fp.key, vec2<u32>(w0 + {l}u, w0 + {l}u + hw));");
            let _ = writeln!(e, "    let p{l} = normal_from_bits(b{l}.x, fp.a, 0.0, fp.one);");
            let _ = writeln!(e, "    let q{l} = normal_from_bits(b{l}.y, fp.a, 0.0, fp.one);");
        }
        for (row, z, out, base) in [("r", "p", "out_lo", "lo_base"), ("r2", "q", "out_hi", "hi_base")] {
            let _ = writeln!(e, "    {{");
            let _ = writeln!(e, "        let mb = mean_row({row}) * N;");
            let _ = writeln!(e, "        let fb = factor_map[cov_row({row})] * N * N;");
            let _ = writeln!(e, "        let ob = fp.{base} + local * N;");
            for (cond, tri) in [("fp.triangular != 0u", true), ("", false)] {
                let _ = writeln!(e, "        {} {{", if cond.is_empty() { "else".to_string() } else { format!("if ({cond})") });
                for j in 0..n {
                    let end = if tri { j + 1 } else { n };
                    let mut acc = "0.0".to_string();
                    for l in 0..end {
                        acc = format!("fma({z}{l}, factors[fb + {}u], {acc})", l * n + j);
                    }
                    if out == "out_lo" {
                        let _ = writeln!(e, "            out_lo[ob + {j}u] = means[mb + {j}u] + {acc};");
                    } else {
                        let _ = writeln!(e, "            store_hi(ob + {j}u, means[mb + {j}u] + {acc});");
                    }
                }
                let _ = writeln!(e, "        }}");
            }
            let _ = writeln!(e, "    }}");
        }
        let _ = writeln!(e, "}}");
        format!("const N: u32 = {n}u;\n{THREEFRY}\n{NORMAL}\n{ROWMAP}\n{FUSED}\n{e}")
    }
    /// Rows (and columns, for `affine_tiled`) of one workgroup's output tile in
    /// [`affine_tiled`] (16 x 16 invocations, each an 8 x 8 block of sums; `affine_tiled64`:
    /// 64 columns, 8 x 4 sums).
    pub const TILE: usize = 128;

    /// Entry points `affine_tiled` and `affine_tiled64` (appended to the affine module, same bindings): `out = mean +
    /// z R` for one covariance, as a tiled matrix product. A workgroup computes a 128 x 128 tile
    /// of the output, staging 8-deep slices of z and R in workgroup memory; each invocation
    /// keeps its 8 x 8 sums in registers (generated as scalars: per-invocation arrays with
    /// dynamic indices spill to memory). A triangular R skips the slices below the diagonal.
    /// Each sum runs over k in ascending order with fma, as `affine` does.
    pub fn affine_tiled() -> String {
        const BK: usize = 8;
        format!(
            "var<workgroup> zs: array<f32, {}>;\nvar<workgroup> rs: array<f32, {}>;\n{}{}",
            BK * TILE,
            BK * TILE,
            tiled_entry("affine_tiled", 8),
            tiled_entry("affine_tiled64", 4)
        )
    }

    /// One tiled entry point: 128 rows x (16 `tn`) columns per workgroup, `8 x tn` sums per
    /// invocation.
    fn tiled_entry(name: &str, tn: usize) -> String {
        use std::fmt::Write;
        const T: usize = 8;
        const BK: usize = 8;
        let bn = 16 * tn;
        let mut e = String::new();
        let _ = writeln!(e, "@compute @workgroup_size(256)");
        let _ = writeln!(e, "fn {name}(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {{");
        // count = tiles in this dispatch, elem_offset = its first tile, _pad0 = rows in the chunk.
        let _ = writeln!(e, "    let t = ap.elem_offset + wg.y * ap.groups_x + wg.x;");
        let _ = writeln!(e, "    if (wg.y * ap.groups_x + wg.x >= ap.count) {{ return; }}");
        let _ = writeln!(e, "    let n = ap.n;");
        let _ = writeln!(e, "    let rows = ap._pad0;");
        let _ = writeln!(e, "    let ctiles = (n + {}u) / {bn}u;", bn - 1);
        let _ = writeln!(e, "    let rt = t / ctiles;");
        let _ = writeln!(e, "    let m0 = rt * {TILE}u;");
        let _ = writeln!(e, "    let c0 = (t - rt * ctiles) * {bn}u;");
        let _ = writeln!(e, "    let tx = lid % 16u;");
        let _ = writeln!(e, "    let ty = lid / 16u;");
        let _ = writeln!(e, "    var kend = n;");
        let _ = writeln!(e, "    if (ap.triangular != 0u) {{ kend = min(n, c0 + {bn}u); }}");
        for i in 0..T {
            for j in 0..tn {
                let _ = writeln!(e, "    var a{i}_{j} = 0.0;");
            }
        }
        let _ = writeln!(e, "    for (var k0 = 0u; k0 < kend; k0 = k0 + {BK}u) {{");
        // Stage z[m0.., k0..k0+8) as zs[k][m] and R[k0..k0+8, c0..) as rs[k][c]; zeros outside.
        for q in 0..(BK * TILE / 256) {
            let _ = writeln!(e, "        {{");
            let _ = writeln!(e, "            let idx = lid + {}u;", 256 * q);
            let _ = writeln!(e, "            let kk = idx % {BK}u;");
            let _ = writeln!(e, "            let mm = idx / {BK}u;");
            let _ = writeln!(e, "            var v = 0.0;");
            let _ = writeln!(e, "            if (m0 + mm < rows && k0 + kk < n) {{ v = z[(m0 + mm) * n + k0 + kk]; }}");
            let _ = writeln!(e, "            zs[kk * {TILE}u + mm] = v;");
            let _ = writeln!(e, "        }}");
        }
        for q in 0..(BK * bn / 256) {
            let _ = writeln!(e, "        {{");
            let _ = writeln!(e, "            let idx = lid + {}u;", 256 * q);
            let _ = writeln!(e, "            let rk = idx / {bn}u;");
            let _ = writeln!(e, "            let rc = idx % {bn}u;");
            let _ = writeln!(e, "            var w = 0.0;");
            let _ = writeln!(e, "            if (k0 + rk < n && c0 + rc < n) {{ w = factors[(k0 + rk) * n + c0 + rc]; }}");
            let _ = writeln!(e, "            rs[rk * {bn}u + rc] = w;");
            let _ = writeln!(e, "        }}");
        }
        let _ = writeln!(e, "        workgroupBarrier();");
        // The k loop inside a slice stays a loop (drivers unroll it; unrolling it here makes
        // Mesa's compiler take minutes).
        let _ = writeln!(e, "        for (var kk = 0u; kk < {BK}u; kk = kk + 1u) {{");
        for i in 0..T {
            let _ = writeln!(e, "            let z{i} = zs[kk * {TILE}u + {}u + ty];", 16 * i);
        }
        for j in 0..tn {
            let _ = writeln!(e, "            let r{j} = rs[kk * {bn}u + {}u + tx];", 16 * j);
        }
        for i in 0..T {
            for j in 0..tn {
                let _ = writeln!(e, "            a{i}_{j} = fma(z{i}, r{j}, a{i}_{j});");
            }
        }
        let _ = writeln!(e, "        }}");
        let _ = writeln!(e, "        workgroupBarrier();");
        let _ = writeln!(e, "    }}");
        for i in 0..T {
            let _ = writeln!(e, "    {{");
            let _ = writeln!(e, "        let row = m0 + ty + {}u;", 16 * i);
            let _ = writeln!(e, "        if (row < rows) {{");
            let _ = writeln!(e, "            var mi: u32;");
            let _ = writeln!(e, "            if (rm.ndim_mean == 0xffffffffu) {{ mi = row_index[2u * row]; }} else {{ mi = mean_row(ap.row_offset + row); }}");
            for j in 0..tn {
                let _ = writeln!(e, "            {{ let c = c0 + tx + {}u; if (c < n) {{ out[row * n + c] = means[mi * n + c] + a{i}_{j}; }} }}", 16 * j);
            }
            let _ = writeln!(e, "        }}");
            let _ = writeln!(e, "    }}");
        }
        let _ = writeln!(e, "}}");
        e
    }
    /// Render entry points `vs_points` / `fs_points`: draw samples from the sample buffer.
    pub const POINTS: &str = include_str!(concat!(env!("OUT_DIR"), "/points.wgsl"));

    /// The complete modules the pipelines are built from: `(label, source)`.
    pub fn modules() -> Vec<(&'static str, String)> {
        vec![
            ("mvn::fill", format!("{THREEFRY}\n{NORMAL}\n{FILL}")),
            ("mvn::affine", format!("{ROWMAP}\n{AFFINE}\n{}", affine_tiled())),
        ]
    }
}
