//! `shaders/lowrank.wgsl`'s `low_rank`: `mean + W z₁ + √d ∘ z₂` per output element, from the
//! normals the fill kernel wrote.

use super::bind::{dispatch, params_entry, storage_entry, whole, Recorder, Region, WORKGROUP};
use super::wgsl::{LOWRANK, ROWMAP};
use crate::gpu::chunks::dispatches;
use crate::gpu::pipelines::PipelinesByN;
use bytemuck::{Pod, Zeroable};

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct LowRankParams {
    n: u32,
    r: u32,
    count: u32,
    elem_offset: u32,
    row_offset: u32,
    groups_x: u32,
    out_base: u32,
    _pad: u32,
}

/// The module's source.
pub fn module_source() -> String {
    format!("{ROWMAP}\n{LOWRANK}")
}

/// Compiled on first use (a sampler that never draws low-rank never compiles it).
pub(crate) struct Pipelines(PipelinesByN);

impl Pipelines {
    pub fn new(device: &wgpu::Device) -> Pipelines {
        let entries = [params_entry(0), storage_entry(1, true), storage_entry(2, true), storage_entry(3, true), storage_entry(4, true), params_entry(5), storage_entry(6, false)];
        Pipelines(PipelinesByN::new(device, "mvn::low_rank", "low_rank", |_| module_source(), &entries))
    }
}

/// What the kernel binds.
pub(crate) struct Bindings<'a> {
    pub z: &'a Region,
    pub w: &'a wgpu::Buffer,
    pub sqrt_d: &'a wgpu::Buffer,
    pub means: &'a wgpu::Buffer,
    pub row_maps: &'a wgpu::Buffer,
    /// The chunk's samples, from element `out_base` of the region.
    pub out: &'a Region,
    pub out_base: u32,
}

/// Records the dispatches writing the rows `[r0, r1)` (z and out hold the chunk from its start).
pub(crate) fn encode(rec: &Recorder, p: &Pipelines, enc: &mut wgpu::CommandEncoder, n: usize, r: usize, (r0, r1): (usize, usize), b: &Bindings<'_>) {
    let pipeline = p.0.get(rec.device, 0);
    for (first, c, gx, gy) in dispatches(((r1 - r0) * n) as u64, WORKGROUP, rec.max_workgroups) {
        let params = LowRankParams { n: n as u32, r: r as u32, count: c as u32, elem_offset: first as u32, row_offset: r0 as u32, groups_x: gx, out_base: b.out_base, _pad: 0 };
        let pb = rec.params("mvn::low_rank params", &params);
        let entries = [whole(0, &pb), b.z.entry(1), whole(2, b.w), whole(3, b.sqrt_d), whole(4, b.means), whole(5, b.row_maps), b.out.entry(6)];
        let bg = rec.device.create_bind_group(&wgpu::BindGroupDescriptor { label: Some("mvn::low_rank"), layout: &p.0.layout, entries: &entries });
        dispatch(enc, "mvn::low_rank", &pipeline, &bg, gx, gy);
    }
}
