//! Building shader modules and compute pipelines (each kernel keeps its own, `kernels/`).

/// A shader module. On Vulkan (native), naga's injected checks are left out: index clamping,
/// loop bounding and integer-division guards (about 15% of W2's and W3's kernel time on an
/// H100). Our kernels index within their arrays and bindings by construction, and Vulkan's
/// robust buffer access, which wgpu enables, still bounds every buffer access. Elsewhere
/// (Metal, DX12, WebGPU) the checks stay. `MVN_GPU_CHECKED=1` keeps them on Vulkan too.
pub(crate) fn shader_module(device: &wgpu::Device, label: &str, source: &str) -> wgpu::ShaderModule {
    let desc = wgpu::ShaderModuleDescriptor { label: Some(label), source: wgpu::ShaderSource::Wgsl(source.into()) };
    #[cfg(not(target_arch = "wasm32"))]
    if device.adapter_info().backend == wgpu::Backend::Vulkan && std::env::var_os("MVN_GPU_CHECKED").is_none() {
        // SAFETY: the kernels' indices are in range by construction (chunk sizes, tile bounds
        // and row maps are checked on the host), their loops are bounded and their divisors
        // non-zero (n >= 1 and the row maps' dims >= 1 on every path that reaches a kernel).
        return unsafe { device.create_shader_module_trusted(desc, wgpu::ShaderRuntimeChecks::unchecked()) };
    }
    device.create_shader_module(desc)
}

pub(crate) fn compute_pipeline(device: &wgpu::Device, label: &str, layout: &wgpu::BindGroupLayout, module: &wgpu::ShaderModule, entry: &str) -> wgpu::ComputePipeline {
    let pl = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor { label: Some(label), bind_group_layouts: &[Some(layout)], immediate_size: 0 });
    device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: Some(label),
        layout: Some(&pl),
        module,
        entry_point: Some(entry),
        compilation_options: Default::default(),
        cache: None,
    })
}


/// A kernel whose module is generated per dimension `n`: one layout, and the pipelines by `n`
/// (each compiled on first use).
pub(crate) struct PipelinesByN {
    label: &'static str,
    entry: &'static str,
    module_source: fn(usize) -> String,
    pub layout: wgpu::BindGroupLayout,
    by_n: std::sync::Mutex<std::collections::HashMap<usize, wgpu::ComputePipeline>>,
}

impl PipelinesByN {
    pub fn new(device: &wgpu::Device, label: &'static str, entry: &'static str, module_source: fn(usize) -> String, entries: &[wgpu::BindGroupLayoutEntry]) -> Self {
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor { label: Some(label), entries });
        PipelinesByN { label, entry, module_source, layout, by_n: Default::default() }
    }

    /// The pipeline for dimension `n`.
    pub fn get(&self, device: &wgpu::Device, n: usize) -> wgpu::ComputePipeline {
        let mut cache = self.by_n.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .entry(n)
            .or_insert_with(|| {
                let module = shader_module(device, self.label, &(self.module_source)(n));
                compute_pipeline(device, self.label, &self.layout, &module, self.entry)
            })
            .clone()
    }
}
