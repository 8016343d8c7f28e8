//! `shaders/logpdf.wgsl`'s `logpdf`: one log-density per point from the inverse Cholesky
//! factors, generated per dimension `n` (the point's `x - mean` is a private
//! array of `n` floats).

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

pub(crate) struct Pipelines(PipelinesByN);

impl Pipelines {
    pub fn new(device: &wgpu::Device) -> Pipelines {
        let entries = [params_entry(0), storage_entry(1, true), storage_entry(2, true), storage_entry(3, true), storage_entry(4, true), storage_entry(5, true), params_entry(6), storage_entry(7, false)];
        Pipelines(PipelinesByN::new(device, "mvn::logpdf", "logpdf", module, &entries))
    }
}

/// The module for dimension `n`.
pub fn module(n: usize) -> String {
    format!("const N: u32 = {n}u;\n{ROWMAP}\n{LOGPDF}")
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

/// Records the dispatches over the chunk of points `[r0, r1)`.
pub(crate) fn encode(r: &Recorder, p: &Pipelines, enc: &mut wgpu::CommandEncoder, n: usize, (r0, r1): (usize, usize), b: &Bindings<'_>) {
    let pipeline = p.0.get(r.device, n);
    for (first, c, gx, gy) in dispatches((r1 - r0) as u64, WORKGROUP, r.max_workgroups) {
        let params = LogpdfParams { count: c as u32, groups_x: gx, row_offset: r0 as u32, local_first: first as u32, x_base: b.x_base, out_base: b.out_base, _pad: [0; 2] };
        let pb = r.params("mvn::logpdf params", &params);
        let entries = [whole(0, &pb), b.x.entry(1), whole(2, b.inv), whole(3, b.means), whole(4, b.consts), whole(5, b.factor_map), whole(6, b.row_maps), b.out.entry(7)];
        let bg = r.device.create_bind_group(&wgpu::BindGroupDescriptor { label: Some("mvn::logpdf"), layout: &p.0.layout, entries: &entries });
        dispatch(enc, "mvn::logpdf", &pipeline, &bg, gx, gy);
    }
}
