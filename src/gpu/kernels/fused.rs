//! `shaders/fused.wgsl`: the whole of `multivariate_normal` in one pass for `n <= 16` and an
//! even number of rows. Invocation `r` hashes the blocks of rows `r` and `r + R/2` (their words
//! are the two lanes of the same Threefry blocks), turns them into normals in registers and
//! writes both rows of `mean + z R`. The entry point is generated per `n` with every loop unrolled.

use super::bind::{dispatch, params_entry, storage_entry, whole, Recorder, Region};
use super::wgsl::{FUSED, NORMAL, ROWMAP, THREEFRY};
use crate::gpu::pipelines::PipelinesByN;
use bytemuck::{Pod, Zeroable};

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
pub(crate) struct FusedParams {
    pub key: [u32; 2],
    /// R/2.
    pub half_rows: u32,
    /// Global row r of this dispatch's first invocation.
    pub row_offset: u32,
    /// Invocations in this dispatch.
    pub count: u32,
    pub groups_x: u32,
    pub triangular: u32,
    /// Chunk-local index of this dispatch's first invocation.
    pub local_first: u32,
    /// Element of `out_lo` holding the chunk's first row r0.
    pub lo_base: u32,
    /// Element of `out_hi` (of `out_lo` when `same`) holding row r0 + R/2.
    pub hi_base: u32,
    /// 1: both halves live in `out_lo` (one binding covers them).
    pub same: u32,
    /// 1.0 (see normal.wgsl).
    pub one: f32,
    /// f32(sqrt(2)), at run time like the fill kernel's.
    pub a: f32,
    /// Interleaved factors (`fused_module_interleaved`): elements between one factor's entries.
    pub fstride: u32,
}

/// The fused kernel's pipelines by `n`: for factors one after another, and natively for the
/// factor kernel's interleaved ones.
pub(crate) struct Pipelines {
    one_after_another: PipelinesByN,
    #[cfg(not(target_arch = "wasm32"))]
    interleaved: PipelinesByN,
}

const ENTRIES: [wgpu::BindGroupLayoutEntry; 7] = [params_entry(0), storage_entry(1, true), storage_entry(2, true), storage_entry(3, true), storage_entry(4, false), params_entry(5), storage_entry(6, false)];

impl Pipelines {
    pub fn new(device: &wgpu::Device) -> Pipelines {
        Pipelines {
            one_after_another: PipelinesByN::new(device, "mvn::fused", "sample_pairs", fused_module, &ENTRIES),
            #[cfg(not(target_arch = "wasm32"))]
            interleaved: PipelinesByN::new(device, "mvn::fused", "sample_pairs", fused_module_interleaved, &ENTRIES),
        }
    }
}

/// The buffers the fused kernel binds.
pub(crate) struct Bindings<'a> {
    pub factors: &'a wgpu::Buffer,
    pub means: &'a wgpu::Buffer,
    pub factor_map: &'a wgpu::Buffer,
    pub row_maps: &'a wgpu::Buffer,
    pub lo: &'a Region,
    pub hi: &'a Region,
}

/// Records one dispatch of the fused kernel for dimension `n`.
/// `interleaved`: the factors lie as the factor kernel writes them (native only).
#[allow(clippy::too_many_arguments)]
pub(crate) fn encode(r: &Recorder, p: &Pipelines, enc: &mut wgpu::CommandEncoder, n: usize, interleaved: bool, params: &FusedParams, gx: u32, gy: u32, b: &Bindings<'_>) {
    #[cfg(not(target_arch = "wasm32"))]
    let set = if interleaved { &p.interleaved } else { &p.one_after_another };
    #[cfg(target_arch = "wasm32")]
    let (set, _) = (&p.one_after_another, interleaved);
    let pipeline = set.get(r.device, n);
    let pb = r.params("mvn::fused params", params);
    let entries = [whole(0, &pb), whole(1, b.factors), whole(2, b.means), whole(3, b.factor_map), b.lo.entry(4), whole(5, b.row_maps), b.hi.entry(6)];
    let bg = r.device.create_bind_group(&wgpu::BindGroupDescriptor { label: Some("mvn::fused"), layout: &set.layout, entries: &entries });
    dispatch(enc, "mvn::fused", &pipeline, &bg, gx, gy);
}

/// Largest `n` the fused kernel is built for.
pub const FUSED_MAX_N: usize = 16;

/// The fused kernel's module for dimension `n`: the shared code and an entry point with
/// every loop unrolled (dynamic indexing of per-invocation arrays spills to memory on GPUs).
pub fn fused_module(n: usize) -> String {
    module(n, false)
}

/// [`fused_module`] for factors interleaved as the factor kernel writes them (entry k of factor
/// f at `f + k * fstride`), so that consecutive batch rows read consecutive words.
#[cfg(not(target_arch = "wasm32"))]
pub fn fused_module_interleaved(n: usize) -> String {
    module(n, true)
}

#[inline(always)] // in wasm only `fused_module` calls it: no interleaved branch there
fn module(n: usize, interleaved: bool) -> String {
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
        let _ = writeln!(e, "        let fb = factor_map[cov_row({row})]{};", if interleaved { "" } else { " * N * N" });
        let _ = writeln!(e, "        let ob = fp.{base} + local * N;");
        for (cond, tri) in [("fp.triangular != 0u", true), ("", false)] {
            let _ = writeln!(e, "        {} {{", if cond.is_empty() { "else".to_string() } else { format!("if ({cond})") });
            for j in 0..n {
                let end = if tri { j + 1 } else { n };
                let mut acc = "0.0".to_string();
                for l in 0..end {
                    acc = if interleaved { format!("fma({z}{l}, factors[fb + {}u * fp.fstride], {acc})", l * n + j) } else { format!("fma({z}{l}, factors[fb + {}u], {acc})", l * n + j) };
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
