//! `shaders/logpdf.wgsl`'s `logpdf`: one log-density per point from the inverse Cholesky
//! factors, generated per dimension `n` (the point's `x - mean` is a private array of `n`
//! floats); and for one factor with `n > 16`, [`tiled_module`]'s `logpdf_tiled`, the same
//! values as a tiled product `Y = D Mᵀ` through workgroup memory.

use super::bind::{dispatch, params_entry, storage_entry, whole, Recorder, Region, WORKGROUP};
use super::wgsl::{LOGPDF, ROWMAP};
use crate::gpu::chunks::dispatches;
use crate::gpu::pipelines::PipelinesByN;
use bytemuck::{Pod, Zeroable};

/// Largest dimension the kernel serves (beyond it, the private array would spill and the
/// O(n²) product per point is the CPU's job).
pub const LOGPDF_MAX_N: usize = 128;

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct LogpdfParams {
    count: u32,
    groups_x: u32,
    row_offset: u32,
    local_first: u32,
    x_base: u32,
    out_base: u32,
    _pad: [u32; 2],
}

/// Points per workgroup of the tiled kernel.
const TILE_POINTS: u32 = 64;

/// Whether the tiled kernel serves `n` (one factor for every point: the tile shares it).
pub fn tiled_applies(n: usize, one_factor: bool) -> bool {
    one_factor && n > 16 && n <= LOGPDF_MAX_N
}

pub(crate) struct Pipelines {
    plain: PipelinesByN,
    tiled: PipelinesByN,
}

impl Pipelines {
    pub fn new(device: &wgpu::Device) -> Pipelines {
        let entries = [params_entry(0), storage_entry(1, true), storage_entry(2, true), storage_entry(3, true), storage_entry(4, true), storage_entry(5, true), params_entry(6), storage_entry(7, false)];
        Pipelines {
            plain: PipelinesByN::new(device, "mvn::logpdf", "logpdf", module, &entries),
            tiled: PipelinesByN::new(device, "mvn::logpdf_tiled", "logpdf_tiled", tiled_module, &entries),
        }
    }
}

/// The module for dimension `n`.
pub fn module(n: usize) -> String {
    format!("const N: u32 = {n}u;\n{ROWMAP}\n{LOGPDF}")
}

/// The tiled module for dimension `n`: a workgroup takes 64 points; `D` (their `x - mean`) and
/// `M` go through workgroup memory 16 columns at a time, and invocation (tx, ty) keeps the
/// 4 x 4 sums `y[p][k]` of points `ty + 16 a` and rows `kb + tx + 16 b` of `M` (64 rows per
/// pass, `M` lower triangular so columns past the block are skipped); the squares are summed
/// per point across the 16 invocations that share it. The bindings and parameters are
/// `logpdf`'s (shaders/logpdf.wgsl supplies them; its entry point goes unused).
pub fn tiled_module(n: usize) -> String {
    use std::fmt::Write;
    let mut e = String::new();
    let w = |e: &mut String, s: &str| {
        let _ = writeln!(e, "{s}");
    };
    // Rows of 17 floats: the 16 rows one step of the product reads fall in distinct banks.
    w(&mut e, "const NP: u32 = (N + 15u) / 16u * 16u;");
    w(&mut e, "var<workgroup> ds: array<f32, 1088>;");
    w(&mut e, "var<workgroup> ms: array<f32, 1088>;");
    w(&mut e, "var<workgroup> qs: array<f32, 1024>;");
    w(&mut e, "@compute @workgroup_size(256)");
    w(&mut e, "fn logpdf_tiled(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {");
    w(&mut e, "    let p0 = (wg.y * lp.groups_x + wg.x) * 64u;");
    // Uniform per workgroup (workgroup id and read-only storage), so the barriers stay uniform.
    w(&mut e, "    if (p0 >= lp.count) { return; }");
    w(&mut e, "    let pts = min(64u, lp.count - p0);");
    w(&mut e, "    let f = factor_map[cov_row(lp.row_offset + lp.local_first + p0)];");
    w(&mut e, "    let fb = f * N * N;");
    w(&mut e, "    let tx = lid % 16u;");
    w(&mut e, "    let ty = lid / 16u;");
    for a in 0..4 {
        let _ = writeln!(e, "    var q{a} = 0.0;");
    }
    w(&mut e, "    for (var kb = 0u; kb < NP; kb = kb + 64u) {");
    for a in 0..4 {
        for b in 0..4 {
            let _ = writeln!(e, "        var y{a}_{b} = 0.0;");
        }
    }
    w(&mut e, "        let jend = min(NP, kb + 64u);");
    w(&mut e, "        for (var j0 = 0u; j0 < jend; j0 = j0 + 16u) {");
    for t in 0..4 {
        w(&mut e, "            {");
        let _ = writeln!(e, "                let idx = lid + {}u;", 256 * t);
        w(&mut e, "                let p = idx / 16u;");
        w(&mut e, "                let j = j0 + idx % 16u;");
        w(&mut e, "                var v = 0.0;");
        w(&mut e, "                if (p < pts && j < N) {");
        w(&mut e, "                    let local = lp.local_first + p0 + p;");
        w(&mut e, "                    v = x[lp.x_base + local * N + j] - means[mean_row(lp.row_offset + local) * N + j];");
        w(&mut e, "                }");
        w(&mut e, "                ds[p * 17u + idx % 16u] = v;");
        w(&mut e, "                let k = kb + p;");
        w(&mut e, "                var m = 0.0;");
        w(&mut e, "                if (k < N && j <= k) { m = inv[fb + k * N + j]; }");
        w(&mut e, "                ms[p * 17u + idx % 16u] = m;");
        w(&mut e, "            }");
    }
    w(&mut e, "            workgroupBarrier();");
    w(&mut e, "            for (var jj = 0u; jj < 16u; jj = jj + 1u) {");
    for a in 0..4 {
        let _ = writeln!(e, "                let d{a} = ds[(ty + {}u) * 17u + jj];", 16 * a);
    }
    for b in 0..4 {
        let _ = writeln!(e, "                let m{b} = ms[(tx + {}u) * 17u + jj];", 16 * b);
    }
    for a in 0..4 {
        for b in 0..4 {
            let _ = writeln!(e, "                y{a}_{b} = fma(d{a}, m{b}, y{a}_{b});");
        }
    }
    w(&mut e, "            }");
    w(&mut e, "            workgroupBarrier();");
    w(&mut e, "        }");
    for a in 0..4 {
        let _ = writeln!(e, "        q{a} = q{a} + y{a}_0 * y{a}_0 + y{a}_1 * y{a}_1 + y{a}_2 * y{a}_2 + y{a}_3 * y{a}_3;");
    }
    w(&mut e, "    }");
    for a in 0..4 {
        let _ = writeln!(e, "    qs[(ty + {}u) * 16u + tx] = q{a};", 16 * a);
    }
    w(&mut e, "    workgroupBarrier();");
    w(&mut e, "    if (lid < pts) {");
    w(&mut e, "        var q = 0.0;");
    w(&mut e, "        for (var t = 0u; t < 16u; t = t + 1u) { q = q + qs[lid * 16u + t]; }");
    w(&mut e, "        out[lp.out_base + lp.local_first + p0 + lid] = consts[f] - 0.5 * q;");
    w(&mut e, "    }");
    w(&mut e, "}");
    format!("const N: u32 = {n}u;\n{ROWMAP}\n{LOGPDF}\n{e}")
}

/// What the kernel binds.
pub(crate) struct Bindings<'a> {
    /// The chunk's points, from element `x_base` of the region.
    pub x: &'a Region,
    pub x_base: u32,
    pub inv: &'a wgpu::Buffer,
    pub means: &'a wgpu::Buffer,
    pub consts: &'a wgpu::Buffer,
    pub factor_map: &'a wgpu::Buffer,
    pub row_maps: &'a wgpu::Buffer,
    /// The chunk's log-densities, from element `out_base` of the region.
    pub out: &'a Region,
    pub out_base: u32,
}

/// Records the dispatches over the chunk of points `[r0, r1)`; `one_factor`: every point has
/// the same factor (the tiled kernel's condition).
pub(crate) fn encode(r: &Recorder, p: &Pipelines, enc: &mut wgpu::CommandEncoder, n: usize, one_factor: bool, (r0, r1): (usize, usize), b: &Bindings<'_>) {
    let tiled = tiled_applies(n, one_factor);
    let (pipeline, per_group) = if tiled { (p.tiled.get(r.device, n), TILE_POINTS) } else { (p.plain.get(r.device, n), WORKGROUP) };
    let layout = if tiled { &p.tiled.layout } else { &p.plain.layout };
    for (first, c, gx, gy) in dispatches((r1 - r0) as u64, per_group, r.max_workgroups) {
        let params = LogpdfParams { count: c as u32, groups_x: gx, row_offset: r0 as u32, local_first: first as u32, x_base: b.x_base, out_base: b.out_base, _pad: [0; 2] };
        let pb = r.params("mvn::logpdf params", &params);
        let entries = [whole(0, &pb), b.x.entry(1), whole(2, b.inv), whole(3, b.means), whole(4, b.consts), whole(5, b.factor_map), whole(6, b.row_maps), b.out.entry(7)];
        let bg = r.device.create_bind_group(&wgpu::BindGroupDescriptor { label: Some("mvn::logpdf"), layout, entries: &entries });
        dispatch(enc, "mvn::logpdf", &pipeline, &bg, gx, gy);
    }
}
