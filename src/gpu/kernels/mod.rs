//! The compute kernels as the host sees them: per kernel, its parameter struct (the WGSL
//! struct's twin), its bind-group layout, the WGSL generated for it where unrolling pays, and
//! the function that records its dispatches. The WGSL itself is in `shaders/` ([`crate::shaders`]).

pub(crate) mod affine;
pub(crate) mod fill;
pub(crate) mod fused;
pub(crate) mod rowmap;

/// Invocations per workgroup of the fill, affine and fused kernels (`WORKGROUP_SIZE`).
pub(crate) const WORKGROUP: u32 = 256;

/// A byte range of a buffer that a kernel binds.
#[derive(Clone, Debug)]
pub(crate) struct Region {
    pub buffer: wgpu::Buffer,
    pub offset: u64,
    pub size: u64,
}

impl Region {
    /// The first `size` bytes of `buffer`.
    pub fn start_of(buffer: &wgpu::Buffer, size: u64) -> Region {
        Region { buffer: buffer.clone(), offset: 0, size }
    }

    fn entry(&self, binding: u32) -> wgpu::BindGroupEntry<'_> {
        wgpu::BindGroupEntry {
            binding,
            resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding { buffer: &self.buffer, offset: self.offset, size: wgpu::BufferSize::new(self.size) }),
        }
    }
}

fn whole(binding: u32, buffer: &wgpu::Buffer) -> wgpu::BindGroupEntry<'_> {
    wgpu::BindGroupEntry { binding, resource: buffer.as_entire_binding() }
}

pub(crate) fn storage_entry(binding: u32, read_only: bool) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::Buffer { ty: wgpu::BufferBindingType::Storage { read_only }, has_dynamic_offset: false, min_binding_size: None },
        count: None,
    }
}

/// Kernel parameters are bound as read-only storage, not uniforms: Mesa's lavapipe inlines
/// uniform values into the shader and recompiles it for each new key (about a second each).
pub(crate) fn params_entry(binding: u32) -> wgpu::BindGroupLayoutEntry {
    storage_entry(binding, true)
}

/// One compute pass: `pipeline` over a `gx x gy` grid with bind group 0.
fn dispatch(enc: &mut wgpu::CommandEncoder, label: &str, pipeline: &wgpu::ComputePipeline, bind_group: &wgpu::BindGroup, gx: u32, gy: u32) {
    let mut pass = enc.begin_compute_pass(&wgpu::ComputePassDescriptor { label: Some(label), timestamp_writes: None });
    pass.set_pipeline(pipeline);
    pass.set_bind_group(0, bind_group, &[]);
    pass.dispatch_workgroups(gx, gy, 1);
}
