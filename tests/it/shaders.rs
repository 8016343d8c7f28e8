//! Every WGSL module parses and validates with naga, with no GPU.

use naga::valid::{Capabilities, ValidationFlags, Validator};

fn validate(label: &str, src: &str) -> naga::Module {
    let module = naga::front::wgsl::parse_str(src).unwrap_or_else(|e| panic!("{label}: {}", e.emit_to_string(src)));
    Validator::new(ValidationFlags::all(), Capabilities::empty())
        .validate(&module)
        .unwrap_or_else(|e| panic!("{label}: {}", e.emit_to_string(src)));
    module
}

#[test]
fn every_shader_module_validates_with_naga() {
    let expected = [("mvn::fill", vec!["fill_bits", "fill_uniform", "fill_normal_pairs"]), ("mvn::affine", vec!["affine", "affine_tiled", "affine_tiled64"])];
    let modules = mvn_gpu::shaders::modules();
    assert_eq!(modules.len(), expected.len());
    for ((label, src), (want_label, entries)) in modules.iter().zip(expected) {
        assert_eq!(*label, want_label);
        let m = validate(label, src);
        let names: Vec<&str> = m.entry_points.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, entries, "{label}");
    }
}

#[test]
fn the_fused_kernel_validates_for_every_small_n() {
    for n in 1..=mvn_gpu::shaders::FUSED_MAX_N {
        let m = validate(&format!("fused n={n}"), &mvn_gpu::shaders::fused_module(n));
        assert_eq!(m.entry_points.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(), ["sample_pairs"]);
    }
}

#[test]
fn the_factor_kernel_validates_for_every_small_n() {
    for n in 1..=mvn_gpu::shaders::FUSED_MAX_N {
        let m = validate(&format!("factor n={n}"), &mvn_gpu::shaders::factor_module(n));
        assert_eq!(m.entry_points.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(), ["factor_small"]);
    }
}

#[test]
fn the_log_density_kernel_validates_up_to_its_largest_n() {
    for n in [1, 2, 3, 7, 16, 64, mvn_gpu::shaders::LOGPDF_MAX_N] {
        let m = validate(&format!("logpdf n={n}"), &mvn_gpu::shaders::logpdf_module(n));
        assert_eq!(m.entry_points.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(), ["logpdf"]);
    }
    for n in [17, 31, 64, 65, 100, mvn_gpu::shaders::LOGPDF_MAX_N] {
        let m = validate(&format!("logpdf_tiled n={n}"), &mvn_gpu::shaders::logpdf_tiled_module(n));
        assert!(m.entry_points.iter().any(|e| e.name == "logpdf_tiled"), "n = {n}");
    }
}

#[test]
fn the_low_rank_kernel_validates() {
    let m = validate("low_rank", &mvn_gpu::shaders::low_rank_module());
    assert_eq!(m.entry_points.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(), ["low_rank"]);
}

#[test]
fn the_point_rendering_shader_validates() {
    let m = validate("points", mvn_gpu::shaders::POINTS);
    let names: Vec<&str> = m.entry_points.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["vs_points", "fs_points"]);
}

#[test]
fn shader_libraries_validate_on_their_own() {
    validate("threefry", mvn_gpu::shaders::THREEFRY);
    validate("threefry+normal", &format!("{}\n{}", mvn_gpu::shaders::THREEFRY, mvn_gpu::shaders::NORMAL));
}

/// Runs `fn_name(x)` of the WGSL library on the GPU for each input.
fn gpu_unary(fn_name: &str, xs: &[f32]) -> Vec<f32> {
    use wgpu::util::DeviceExt;
    let s = crate::gpu();
    let (device, queue) = (s.device().unwrap(), s.queue().unwrap());
    let src = format!(
        "{}\n{}\n@group(0) @binding(0) var<storage, read_write> io: array<f32>;\n\
         @compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3<u32>) {{\n\
           if (g.x < arrayLength(&io)) {{ io[g.x] = {fn_name}(io[g.x]); }}\n}}",
        mvn_gpu::shaders::THREEFRY,
        mvn_gpu::shaders::NORMAL
    );
    let module = device.create_shader_module(wgpu::ShaderModuleDescriptor { label: Some("test unary"), source: wgpu::ShaderSource::Wgsl(src.into()) });
    let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: Some("test unary"),
        layout: None,
        module: &module,
        entry_point: Some("main"),
        compilation_options: Default::default(),
        cache: None,
    });
    let buf = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
        label: Some("test io"),
        contents: bytemuck::cast_slice(xs),
        usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
    });
    let bg = device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: None,
        layout: &pipeline.get_bind_group_layout(0),
        entries: &[wgpu::BindGroupEntry { binding: 0, resource: buf.as_entire_binding() }],
    });
    let mut enc = device.create_command_encoder(&Default::default());
    {
        let mut pass = enc.begin_compute_pass(&Default::default());
        pass.set_pipeline(&pipeline);
        pass.set_bind_group(0, &bg, &[]);
        pass.dispatch_workgroups(xs.len().div_ceil(64) as u32, 1, 1);
    }
    queue.submit([enc.finish()]);
    crate::gpu_paths::read_buffer(s, &buf, xs.len())
}

#[test]
fn gpu_erfinv_and_log_match_mlx_on_finite_inputs() {
    // WGSL lets implementations assume no NaN or infinity, so only inputs whose results are
    // finite are portable: erfinv on (-1, 1), log on positive normal floats.
    for c in crate::fixtures::load("erfinv.json") {
        let is_erfinv = c["fn"] == "erfinv";
        let xs = crate::fixtures::f32s(&c["args"]["x"]);
        let want = crate::fixtures::f32s(&c["out"]);
        let keep: Vec<usize> = (0..xs.len())
            .filter(|&i| want[i].is_finite() && if is_erfinv { xs[i].abs() < 1.0 } else { xs[i] >= f32::MIN_POSITIVE })
            .collect();
        let inputs: Vec<f32> = keep.iter().map(|&i| xs[i]).collect();
        let got = gpu_unary(if is_erfinv { "erfinv_f32" } else { "log_f32" }, &inputs);
        let mut worst = 0;
        for (k, &i) in keep.iter().enumerate() {
            let u = crate::fixtures::ulps(got[k], want[i]);
            // Tiny erfinv arguments (|x| < 2^-12) are linear: compare absolutely there.
            let tiny_ok = is_erfinv && xs[i].abs() < 1.0 / 4096.0 && (got[k] - want[i]).abs() <= 4.0 * f32::EPSILON * want[i].abs().max(f32::MIN_POSITIVE);
            // WGSL lets a device flush subnormal results to zero (NVIDIA's Vulkan driver does:
            // erfinv(1e-38) = 8.9e-39 comes out as 0 on an H200).
            let flushed = want[i].abs() < f32::MIN_POSITIVE && got[k] == 0.0;
            assert!(u <= crate::NORMAL_ULP_BOUND || tiny_ok || flushed, "{}({:e}): gpu {:e} mlx {:e} ({u} ulp)", c["fn"], xs[i], got[k], want[i]);
            worst = worst.max(u);
        }
        println!("GPU {} vs MLX: {} finite inputs, max {worst} ulp", c["fn"], keep.len());
    }
}
