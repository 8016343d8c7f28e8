//! The shader modules, bind-group layouts and compute pipelines of one device: the fill and
//! elementwise affine pipelines built at start-up, the tiled and per-`n` fused ones built on
//! first use and cached.

use super::kernels::{affine, fill, fused};
use std::collections::HashMap;
use std::sync::Mutex;

pub(crate) struct Pipelines {
    pub fill_layout: wgpu::BindGroupLayout,
    pub affine_layout: wgpu::BindGroupLayout,
    pub fused_layout: wgpu::BindGroupLayout,
    pub fill_bits: wgpu::ComputePipeline,
    pub fill_uniform: wgpu::ComputePipeline,
    pub fill_normal_pairs: wgpu::ComputePipeline,
    affine_module: wgpu::ShaderModule,
    /// Affine pipelines by entry point (`affine` at start-up, the tiled ones on first use).
    affine: Mutex<HashMap<&'static str, wgpu::ComputePipeline>>,
    /// Fused pipelines by `n`, built on first use.
    fused: Mutex<HashMap<usize, wgpu::ComputePipeline>>,
}

/// A shader module. On Vulkan (native), naga's injected checks are left out: index clamping,
/// loop bounding and integer-division guards (about 15% of W2's and W3's kernel time on an
/// H100). Our kernels index within their arrays and bindings by construction, and Vulkan's
/// robust buffer access, which wgpu enables, still bounds every buffer access. Elsewhere
/// (Metal, DX12, WebGPU) the checks stay. `MVN_GPU_CHECKED=1` keeps them on Vulkan too.
fn shader_module(device: &wgpu::Device, label: &str, source: &str) -> wgpu::ShaderModule {
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

fn compute_pipeline(device: &wgpu::Device, label: &str, layout: &wgpu::BindGroupLayout, module: &wgpu::ShaderModule, entry: &str) -> wgpu::ComputePipeline {
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

impl Pipelines {
    pub fn new(device: &wgpu::Device) -> Pipelines {
        let mods = crate::shaders::modules();
        let fill_module = shader_module(device, mods[0].0, &mods[0].1);
        let affine_module = shader_module(device, mods[1].0, &mods[1].1);
        let fill_layout = fill::bind_group_layout(device);
        let affine_layout = affine::bind_group_layout(device);
        let fused_layout = fused::bind_group_layout(device);
        let fill = |name: &str| compute_pipeline(device, &format!("mvn::{name}"), &fill_layout, &fill_module, name);
        let elementwise = compute_pipeline(device, "mvn::affine", &affine_layout, &affine_module, "affine");
        Pipelines {
            fill_bits: fill("fill_bits"),
            fill_uniform: fill("fill_uniform"),
            fill_normal_pairs: fill("fill_normal_pairs"),
            affine: Mutex::new(HashMap::from([("affine", elementwise)])),
            fill_layout,
            affine_layout,
            fused_layout,
            affine_module,
            fused: Default::default(),
        }
    }

    /// The affine pipeline of `variant` (a tiled one is compiled on first use).
    pub fn affine(&self, device: &wgpu::Device, variant: affine::Variant) -> wgpu::ComputePipeline {
        let entry = variant.entry();
        let mut cache = self.affine.lock().unwrap_or_else(|e| e.into_inner());
        cache.entry(entry).or_insert_with(|| compute_pipeline(device, entry, &self.affine_layout, &self.affine_module, entry)).clone()
    }

    /// The fused pipeline for dimension `n` (compiled on first use).
    pub fn fused(&self, device: &wgpu::Device, n: usize) -> wgpu::ComputePipeline {
        let mut cache = self.fused.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .entry(n)
            .or_insert_with(|| {
                let module = shader_module(device, "mvn::fused", &fused::fused_module(n));
                compute_pipeline(device, "mvn::fused", &self.fused_layout, &module, "sample_pairs")
            })
            .clone()
    }
}
