//! The fused kernel as a tiled product, for one covariance with `16 < n <= 64` and an even
//! number of rows (native only): a workgroup draws the normals of 64 row pairs (rows `r` and
//! `r + R/2`, the two lanes of the same Threefry blocks) 8 columns at a time straight into
//! workgroup memory and multiplies them by the factor there, so z never goes through memory.
//! Same bindings and parameters as `fused.rs`; the same sums in the same order as the unfused
//! tiled product (`affine_tiled64`), so both paths give identical bits.

use super::bind::{dispatch, params_entry, storage_entry, whole, Recorder};
use super::fused::{Bindings, FusedParams, FUSED_MAX_N};
use super::wgsl::{FUSED, NORMAL, ROWMAP, THREEFRY};
use crate::gpu::pipelines::PipelinesByN;

/// Row pairs per workgroup.
pub const PAIRS: u32 = 64;

/// Whether the tiled fused kernel draws `n` columns from one factor.
pub fn applies(n: usize, one_factor: bool) -> bool {
    one_factor && n > FUSED_MAX_N && n <= 64
}

pub(crate) struct Pipelines(PipelinesByN);

impl Pipelines {
    pub fn new(device: &wgpu::Device) -> Pipelines {
        Pipelines(PipelinesByN::new(device, "mvn::fused_tiled", "sample_tiled", module, &[params_entry(0), storage_entry(1, true), storage_entry(2, true), storage_entry(3, true), storage_entry(4, false), params_entry(5), storage_entry(6, false)]))
    }
}

/// Records one dispatch over `params.count` row pairs (`gx x gy` workgroups of [`PAIRS`]).
pub(crate) fn encode(r: &Recorder, p: &Pipelines, enc: &mut wgpu::CommandEncoder, n: usize, params: &FusedParams, gx: u32, gy: u32, b: &Bindings<'_>) {
    let pipeline = p.0.get(r.device, n);
    let pb = r.params("mvn::fused_tiled params", params);
    let entries = [whole(0, &pb), whole(1, b.factors), whole(2, b.means), whole(3, b.factor_map), b.lo.entry(4), whole(5, b.row_maps), b.hi.entry(6)];
    let bg = r.device.create_bind_group(&wgpu::BindGroupDescriptor { label: Some("mvn::fused_tiled"), layout: &p.0.layout, entries: &entries });
    dispatch(enc, "mvn::fused_tiled", &pipeline, &bg, gx, gy);
}

/// The module for dimension `n`. Tile rows 0..64 are the low rows, 64..128 their partners;
/// invocation (tx, ty) keeps the 8 x 4 sums of tile rows ty + 16 i and columns tx + 16 j.
pub fn module(n: usize) -> String {
    use std::fmt::Write;
    let mut e = String::new();
    let w = |e: &mut String, s: &str| {
        let _ = writeln!(e, "{s}");
    };
    w(&mut e, "var<workgroup> zs: array<f32, 1024>;");
    w(&mut e, "var<workgroup> rs: array<f32, 512>;");
    w(&mut e, "@compute @workgroup_size(256)");
    w(&mut e, "fn sample_tiled(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {");
    w(&mut e, "    let h0 = (wg.y * fp.groups_x + wg.x) * 64u;");
    // Uniform per workgroup, so the barriers below stay in uniform control flow.
    w(&mut e, "    if (h0 >= fp.count) { return; }");
    w(&mut e, "    let pairs = min(64u, fp.count - h0);");
    w(&mut e, "    let r0 = fp.row_offset + h0;");
    w(&mut e, "    let hw = fp.half_rows * N;");
    w(&mut e, "    let tx = lid % 16u;");
    w(&mut e, "    let ty = lid / 16u;");
    for i in 0..8 {
        for j in 0..4 {
            let _ = writeln!(e, "    var a{i}_{j} = 0.0;");
        }
    }
    w(&mut e, "    for (var k0 = 0u; k0 < N; k0 = k0 + 8u) {");
    // 512 blocks (64 pairs x 8 columns), two per invocation: lane x to the low row, y to its
    // partner; zeros past column N.
    for q in 0..2 {
        w(&mut e, "        {");
        let _ = writeln!(e, "            let idx = lid + {}u;", 256 * q);
        w(&mut e, "            let kk = idx % 8u;");
        w(&mut e, "            let mm = idx / 8u;");
        w(&mut e, "            let wd = (r0 + mm) * N + k0 + kk;");
        w(&mut e, "            let b = threefry2x32(fp.key, vec2<u32>(wd, wd + hw));");
        w(&mut e, "            let inside = k0 + kk < N;");
        w(&mut e, "            zs[kk * 128u + mm] = select(0.0, normal_from_bits(b.x, fp.a, 0.0, fp.one), inside);");
        w(&mut e, "            zs[kk * 128u + 64u + mm] = select(0.0, normal_from_bits(b.y, fp.a, 0.0, fp.one), inside);");
        w(&mut e, "        }");
    }
    for q in 0..2 {
        w(&mut e, "        {");
        let _ = writeln!(e, "            let idx = lid + {}u;", 256 * q);
        w(&mut e, "            let rk = idx / 64u;");
        w(&mut e, "            let rc = idx % 64u;");
        w(&mut e, "            var v = 0.0;");
        w(&mut e, "            if (k0 + rk < N && rc < N) { v = factors[(k0 + rk) * N + rc]; }");
        w(&mut e, "            rs[rk * 64u + rc] = v;");
        w(&mut e, "        }");
    }
    w(&mut e, "        workgroupBarrier();");
    w(&mut e, "        for (var kk = 0u; kk < 8u; kk = kk + 1u) {");
    for i in 0..8 {
        let _ = writeln!(e, "            let z{i} = zs[kk * 128u + {}u + ty];", 16 * i);
    }
    for j in 0..4 {
        let _ = writeln!(e, "            let f{j} = rs[kk * 64u + {}u + tx];", 16 * j);
    }
    for i in 0..8 {
        for j in 0..4 {
            let _ = writeln!(e, "            a{i}_{j} = fma(z{i}, f{j}, a{i}_{j});");
        }
    }
    w(&mut e, "        }");
    w(&mut e, "        workgroupBarrier();");
    w(&mut e, "    }");
    for i in 0..8 {
        let hi = i >= 4;
        w(&mut e, "    {");
        let _ = writeln!(e, "        let m = ty + {}u;", 16 * (i % 4));
        w(&mut e, "        if (m < pairs) {");
        let row = if hi { "r0 + m + fp.half_rows" } else { "r0 + m" };
        let _ = writeln!(e, "            let mb = mean_row({row}) * N;");
        let base = if hi { "fp.hi_base" } else { "fp.lo_base" };
        let _ = writeln!(e, "            let ob = {base} + (fp.local_first + h0 + m) * N;");
        for j in 0..4 {
            let value = format!("means[mb + c] + a{i}_{j}");
            let store = if hi { format!("store_hi(ob + c, {value});") } else { format!("out_lo[ob + c] = {value};") };
            let _ = writeln!(e, "            {{ let c = tx + {}u; if (c < N) {{ {store} }} }}", 16 * j);
        }
        w(&mut e, "        }");
        w(&mut e, "    }");
    }
    w(&mut e, "}");
    format!("const N: u32 = {n}u;\n{THREEFRY}\n{NORMAL}\n{ROWMAP}\n{FUSED}\n{e}")
}
