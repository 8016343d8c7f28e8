//! `shaders/factor.wgsl`: the batched small factorization for inputs already on the device.
//! One invocation per covariance (n <= 16) factors it in double-float arithmetic into the
//! factor buffer, or counts it in `status` for the host to redo; it also checks the means.

use super::bind::{dispatch, params_entry, storage_entry, whole, Recorder, Region};
use super::wgsl::FACTOR;
use crate::gpu::chunks::dispatches;
use crate::gpu::pipelines::PipelinesByN;
use bytemuck::{Pod, Zeroable};

/// Largest `n` factored on the device (as the fused kernel's).
pub const FACTOR_MAX_N: usize = super::fused::FUSED_MAX_N;

/// Invocations per workgroup (`@workgroup_size(64)`: one matrix each, so few per group).
const GROUP: u32 = 64;

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct FactorParams {
    count: u32,
    num_means: u32,
    groups_x: u32,
    tril: u32,
    tol: f32,
    one: f32,
    /// This dispatch's invocations `[first, end)`.
    first: u32,
    end: u32,
    fstride: u32,
    fstep: u32,
}

/// The factor module for dimension `n`.
pub fn factor_module(n: usize) -> String {
    format!("const N: u32 = {n}u;\n{FACTOR}")
}

/// The factor kernel's layout and its pipelines by `n`.
pub(crate) struct Pipelines(PipelinesByN);

impl Pipelines {
    pub fn new(device: &wgpu::Device) -> Pipelines {
        Pipelines(PipelinesByN::new(device, "mvn::factor", "factor_small", factor_module, &[params_entry(0), storage_entry(1, true), storage_entry(2, true), storage_entry(3, false), storage_entry(4, false)]))
    }
}

/// What one factor dispatch reads and writes.
pub(crate) struct Work<'a> {
    pub n: usize,
    /// Covariances (or scale_tril factors) and mean rows.
    pub count: usize,
    pub num_means: usize,
    /// The inputs are scale_tril factors: check and transpose only.
    pub tril: bool,
    pub tol: f32,
    /// Write the factors interleaved (entry k of factor c at `c + k * count`) for the fused
    /// kernel, else one after another.
    pub interleaved: bool,
    pub cov: &'a Region,
    pub means: &'a Region,
    pub factors: &'a Region,
    /// One u32: the number of refused matrices and mean rows (zeroed by the caller).
    pub status: &'a Region,
}

/// Records the factor kernel over `w` (several dispatches when one grid is too small).
pub(crate) fn encode(r: &Recorder, p: &Pipelines, enc: &mut wgpu::CommandEncoder, w: &Work<'_>) {
    let pipeline = p.0.get(r.device, w.n);
    let total = w.count.max(w.num_means) as u64;
    for (first, c, gx, gy) in dispatches(total, GROUP, r.max_workgroups) {
        let params = FactorParams {
            count: w.count as u32,
            num_means: w.num_means as u32,
            groups_x: gx,
            tril: w.tril as u32,
            tol: w.tol,
            one: 1.0,
            first: first as u32,
            end: (first + c) as u32,
            fstride: if w.interleaved { w.count as u32 } else { 1 },
            fstep: if w.interleaved { 1 } else { (w.n * w.n) as u32 },
        };
        let pb = r.params("mvn::factor params", &params);
        let entries = [whole(0, &pb), w.cov.entry(1), w.means.entry(2), w.factors.entry(3), w.status.entry(4)];
        let bg = r.device.create_bind_group(&wgpu::BindGroupDescriptor { label: Some("mvn::factor"), layout: &p.0.layout, entries: &entries });
        dispatch(enc, "mvn::factor", &pipeline, &bg, gx, gy);
    }
}
