//! `shaders/affine.wgsl`'s `affine` (`out = mean + z R`, one invocation per element) and the
//! tiled entry points generated here for one shared covariance (a workgroup-memory matrix
//! product): the second step of the unfused path, after the fill kernel wrote z.

use super::bind::{dispatch, params_entry, storage_entry, whole, Recorder, Region, WORKGROUP};
use super::wgsl::{AFFINE, ROWMAP};
use crate::gpu::chunks::dispatches;
use crate::gpu::pipelines::{compute_pipeline, shader_module};
use std::collections::HashMap;
use std::sync::Mutex;
use bytemuck::{Pod, Zeroable};

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct AffineParams {
    n: u32,
    /// Elements in this dispatch (output tiles, for the tiled entry points).
    count: u32,
    /// Chunk-local index of this dispatch's first element (tile).
    elem_offset: u32,
    /// Global row of the chunk's first row.
    row_offset: u32,
    groups_x: u32,
    triangular: u32,
    /// Rows in the chunk (the tiled entry points' bound).
    chunk_rows: u32,
    _pad: u32,
}

/// The affine module's source: `affine` and the tiled entry points.
pub(crate) fn module_source() -> String {
    format!("{ROWMAP}\n{AFFINE}\n{}", affine_tiled())
}

/// The affine layout and module, and its pipelines by entry point (`affine` at start-up, the
/// tiled ones on first use).
pub(crate) struct Pipelines {
    layout: wgpu::BindGroupLayout,
    module: wgpu::ShaderModule,
    by_entry: Mutex<HashMap<&'static str, wgpu::ComputePipeline>>,
}

impl Pipelines {
    pub fn new(device: &wgpu::Device) -> Pipelines {
        let layout = bind_group_layout(device);
        let module = shader_module(device, "mvn::affine", &module_source());
        let elementwise = compute_pipeline(device, "mvn::affine", &layout, &module, "affine");
        Pipelines { layout, module, by_entry: Mutex::new(HashMap::from([("affine", elementwise)])) }
    }

    /// The pipeline of `variant` (a tiled one is compiled on first use).
    fn get(&self, device: &wgpu::Device, variant: Variant) -> wgpu::ComputePipeline {
        let entry = variant.entry();
        let mut cache = self.by_entry.lock().unwrap_or_else(|e| e.into_inner());
        cache.entry(entry).or_insert_with(|| compute_pipeline(device, entry, &self.layout, &self.module, entry)).clone()
    }
}

fn bind_group_layout(device: &wgpu::Device) -> wgpu::BindGroupLayout {
    device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
        label: Some("mvn::affine"),
        entries: &[
            params_entry(0),
            storage_entry(1, true),
            storage_entry(2, true),
            storage_entry(3, true),
            storage_entry(4, true),
            storage_entry(5, true),
            storage_entry(6, false),
            params_entry(7),
        ],
    })
}

/// Which `affine` entry point runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Variant {
    /// One invocation per element, any batch of covariances.
    Elementwise,
    /// One covariance: 128 x `cols` output tiles per workgroup (`cols` 64 up to n = 64, else 128).
    Tiled { cols: usize },
}

impl Variant {
    /// The variant for dimension `n`, with one factor for every row or not.
    pub fn choose(n: usize, one_factor: bool) -> Variant {
        if one_factor && n > super::fused::FUSED_MAX_N { Variant::Tiled { cols: if n <= 64 { 64 } else { TILE } } } else { Variant::Elementwise }
    }

    /// The entry point's name.
    pub fn entry(self) -> &'static str {
        match self {
            Variant::Elementwise => "affine",
            Variant::Tiled { cols: 64 } => "affine_tiled64",
            Variant::Tiled { .. } => "affine_tiled",
        }
    }
}

/// The buffers one chunk's affine step binds.
pub(crate) struct Bindings<'a> {
    pub z: Region,
    pub factors: &'a wgpu::Buffer,
    pub means: &'a wgpu::Buffer,
    pub factor_map: &'a wgpu::Buffer,
    pub row_index: &'a wgpu::Buffer,
    pub row_maps: &'a wgpu::Buffer,
    pub out: Region,
}

/// Records `out = mean + z R` for rows `[r0, r1)` of an `n`-column output.
#[allow(clippy::too_many_arguments)]
pub(crate) fn encode(r: &Recorder, p: &Pipelines, enc: &mut wgpu::CommandEncoder, variant: Variant, n: usize, r0: usize, r1: usize, triangular: bool, b: &Bindings<'_>) {
    let pipeline = p.get(r.device, variant);
    let (items, per_group) = match variant {
        Variant::Tiled { cols } => (((r1 - r0).div_ceil(TILE) * n.div_ceil(cols)) as u64, 1),
        Variant::Elementwise => (((r1 - r0) * n) as u64, WORKGROUP),
    };
    for (first, c, gx, gy) in dispatches(items, per_group, r.max_workgroups) {
        let params = AffineParams {
            n: n as u32,
            count: c as u32,
            elem_offset: first as u32,
            row_offset: r0 as u32,
            groups_x: gx,
            triangular: triangular as u32,
            chunk_rows: (r1 - r0) as u32,
            _pad: 0,
        };
        let pb = r.params("mvn::affine params", &params);
        let bg = r.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("mvn::affine"),
            layout: &p.layout,
            entries: &[
                whole(0, &pb),
                b.z.entry(1),
                whole(2, b.factors),
                whole(3, b.means),
                whole(4, b.factor_map),
                whole(5, b.row_index),
                b.out.entry(6),
                whole(7, b.row_maps),
            ],
        });
        dispatch(enc, "mvn::affine", &pipeline, &bg, gx, gy);
    }
}

/// Rows (and columns, for `affine_tiled`) of one workgroup's output tile in
/// [`affine_tiled()`] (16 x 16 invocations, each an 8 x 8 block of sums; `affine_tiled64`:
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
    // count = tiles in this dispatch, elem_offset = its first tile.
    let _ = writeln!(e, "    let t = ap.elem_offset + wg.y * ap.groups_x + wg.x;");
    let _ = writeln!(e, "    if (wg.y * ap.groups_x + wg.x >= ap.count) {{ return; }}");
    let _ = writeln!(e, "    let n = ap.n;");
    let _ = writeln!(e, "    let rows = ap.chunk_rows;");
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
