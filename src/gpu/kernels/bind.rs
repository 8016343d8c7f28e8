//! What every kernel's host side shares: bind-group layout entries, bound buffer ranges, one
//! compute pass, and the `Recorder` a kernel records its dispatches with.

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

    pub fn entry(&self, binding: u32) -> wgpu::BindGroupEntry<'_> {
        wgpu::BindGroupEntry {
            binding,
            resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding { buffer: &self.buffer, offset: self.offset, size: wgpu::BufferSize::new(self.size) }),
        }
    }
}

pub(crate) fn whole(binding: u32, buffer: &wgpu::Buffer) -> wgpu::BindGroupEntry<'_> {
    wgpu::BindGroupEntry { binding, resource: buffer.as_entire_binding() }
}

pub(crate) const fn storage_entry(binding: u32, read_only: bool) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::Buffer { ty: wgpu::BufferBindingType::Storage { read_only }, has_dynamic_offset: false, min_binding_size: None },
        count: None,
    }
}

/// Kernel parameters are bound as read-only storage, not uniforms: Mesa's lavapipe inlines
/// uniform values into the shader and recompiles it for each new key (about a second each).
pub(crate) const fn params_entry(binding: u32) -> wgpu::BindGroupLayoutEntry {
    storage_entry(binding, true)
}

/// One compute pass: `pipeline` over a `gx x gy` grid with bind group 0.
pub(crate) fn dispatch(enc: &mut wgpu::CommandEncoder, label: &str, pipeline: &wgpu::ComputePipeline, bind_group: &wgpu::BindGroup, gx: u32, gy: u32) {
    let mut pass = enc.begin_compute_pass(&wgpu::ComputePassDescriptor { label: Some(label), timestamp_writes: None });
    pass.set_pipeline(pipeline);
    pass.set_bind_group(0, bind_group, &[]);
    pass.dispatch_workgroups(gx, gy, 1);
}

/// Makes a kernel's parameter buffer (the device's context does: on the web its call's lock
/// destroys the buffer when the call ends).
pub(crate) trait ParamsSink {
    fn params_buffer(&self, label: &str, bytes: &[u8]) -> wgpu::Buffer;
}

/// What recording a kernel's dispatches needs from the device's context.
pub(crate) struct Recorder<'a> {
    pub device: &'a wgpu::Device,
    /// Workgroups per dispatch dimension.
    pub max_workgroups: u32,
    pub params: &'a dyn ParamsSink,
}

impl Recorder<'_> {
    /// A parameter buffer holding `v`.
    pub fn params<T: bytemuck::Pod>(&self, label: &str, v: &T) -> wgpu::Buffer {
        self.params.params_buffer(label, bytemuck::bytes_of(v))
    }
}
