//! `cargo run --release --example w1probe`: where W1's fused-kernel time goes on a GPU (no profiler reaches Vulkan): kernels that do
//! part of the work (only the stores; Threefry and stores; normals from cheap bits and stores;
//! Threefry + normals + stores), over W1's 2^23 row pairs of n = 3, ten dispatches per
//! submission, against the library's own fused kernel.
use mvn_gpu::{shaders, Array, MultivariateNormal, Options, Sampler, SamplerOptions};
use pollster::block_on;
use std::time::Instant;

const N: u32 = 3;

fn body(variant: &str) -> String {
    if variant == "full2" {
        // Two row pairs per invocation: i and i + half / 2.
        let one = body("full").replace("let b", "let c").replace("(b", "(c");
        let second = one.replace("w0", "w1").replace("let c", "let d").replace("(c", "(d");
        return format!("{one}    let w1 = w0 + hw / 2u;\n{second}");
    }
    let mut e = String::new();
    for l in 0..N {
        let (x, y) = match variant {
            "store" => (format!("f32(w0 + {l}u)"), format!("f32(w0 + {l}u + hw)")),
            "threefry" => (format!("bitcast<f32>(b{l}.x)"), format!("bitcast<f32>(b{l}.y)")),
            "normal" => (format!("normal_from_bits((w0 + {l}u) * 2654435761u, p.a, 0.0, p.one)"), format!("normal_from_bits((w0 + {l}u + hw) * 2246822519u, p.a, 0.0, p.one)")),
            _ => (format!("normal_from_bits(b{l}.x, p.a, 0.0, p.one)"), format!("normal_from_bits(b{l}.y, p.a, 0.0, p.one)")),
        };
        if variant == "threefry" || variant == "full" {
            e += &format!("    let b{l} = threefry2x32(p.key, vec2<u32>(w0 + {l}u, w0 + {l}u + hw));\n");
        }
        e += &format!("    out[w0 + {l}u] = {x};\n    out[hw + w0 + {l}u] = {y};\n");
    }
    e
}

fn module(variant: &str, half: u32) -> String {
    format!(
        "{}\n{}\nstruct P {{ key: vec2<u32>, gx: u32, one: f32, a: f32, _p0: u32, _p1: u32, _p2: u32 }}\n\
         @group(0) @binding(0) var<storage, read_write> out: array<f32>;\n\
         @group(0) @binding(1) var<storage, read> p: P;\n\
         @compute @workgroup_size(256) fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {{\n\
         let i = (wg.y * p.gx + wg.x) * 256u + lid;\n    if (i >= {lim}u) {{ return; }}\n    let w0 = i * {N}u;\n    let hw = {half}u * {N}u;\n{}}}\n",
        shaders::THREEFRY,
        shaders::NORMAL,
        body(variant),
        lim = if variant == "full2" { half / 2 } else { half },
    )
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

#[allow(non_snake_case)]
fn main() {
    let s = block_on(Sampler::gpu(&SamplerOptions::default())).expect("GPU");
    let (device, queue) = (s.device().unwrap(), s.queue().unwrap());
    // Row pairs: W1's 2^23 (a smaller count where bindings are smaller, e.g. lavapipe's 128 MiB).
    let half: u32 = std::env::var("MVN_PROBE_HALF").ok().and_then(|v| v.parse().ok()).unwrap_or(1 << 23);
    let HALF = half;
    println!("{:?}", s.adapter_info().map(|i| i.name));
    let bytes = 2 * HALF as u64 * N as u64 * 4;
    let out = device.create_buffer(&wgpu::BufferDescriptor { label: None, size: bytes, usage: wgpu::BufferUsages::STORAGE, mapped_at_creation: false });
    let groups = HALF / 256;
    let gx = groups.min(65535);
    assert!(groups <= 65535, "one row of workgroups (the kernels index with p.gx)");
    let mut params = [0u32; 8];
    params[0] = 42;
    params[2] = gx;
    params[3] = 1f32.to_bits();
    params[4] = std::f32::consts::SQRT_2.to_bits();
    use wgpu::util::DeviceExt;
    let pb = device.create_buffer_init(&wgpu::util::BufferInitDescriptor { label: None, contents: bytemuck::cast_slice(&params), usage: wgpu::BufferUsages::STORAGE });
    const PER: usize = 10;
    for variant in ["store", "threefry", "normal", "full", "full2"] {
        let groups = if variant == "full2" { half / 2 / 256 } else { half / 256 };
        let gx = groups.min(65535);
        let gy = groups.div_ceil(gx);
        let m = device.create_shader_module(wgpu::ShaderModuleDescriptor { label: None, source: wgpu::ShaderSource::Wgsl(module(variant, half).into()) });
        let pipe = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor { label: None, layout: None, module: &m, entry_point: Some("main"), compilation_options: Default::default(), cache: None });
        let bg = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: None,
            layout: &pipe.get_bind_group_layout(0),
            entries: &[wgpu::BindGroupEntry { binding: 0, resource: out.as_entire_binding() }, wgpu::BindGroupEntry { binding: 1, resource: pb.as_entire_binding() }],
        });
        let mut t = vec![];
        for rep in 0..8 {
            let t0 = Instant::now();
            let mut enc = device.create_command_encoder(&Default::default());
            for _ in 0..PER {
                let mut pass = enc.begin_compute_pass(&Default::default());
                pass.set_pipeline(&pipe);
                pass.set_bind_group(0, &bg, &[]);
                pass.dispatch_workgroups(gx, gy, 1);
            }
            queue.submit([enc.finish()]);
            device.poll(wgpu::PollType::wait_indefinitely()).unwrap();
            if rep >= 2 {
                t.push(t0.elapsed().as_secs_f64() * 1e3 / PER as f64);
            }
        }
        let ms = median(t);
        println!("{variant:<9} {ms:.4} ms per dispatch  ({:.2} TB/s written)", bytes as f64 / ms / 1e9);
    }
    // The library's fused kernel on the same shape (one covariance, identity mean): per call.
    let mean = Array::new(vec![3], vec![0.0; 3]).unwrap();
    let cov = Array::new(vec![3, 3], vec![2.0, 0.5, 0.1, 0.5, 1.0, 0.2, 0.1, 0.2, 1.5]).unwrap();
    let d = MultivariateNormal::new(&mean, &cov, &Options::default()).unwrap();
    let big = device.create_buffer(&wgpu::BufferDescriptor { label: None, size: bytes, usage: wgpu::BufferUsages::STORAGE, mapped_at_creation: false });
    let mut t = vec![];
    for rep in 0..8 {
        let t0 = Instant::now();
        block_on(s.sample_into(&d, &[2 * HALF as i64], Some(mvn_gpu::key(rep)), &big)).unwrap();
        device.poll(wgpu::PollType::wait_indefinitely()).unwrap();
        if rep >= 2 {
            t.push(t0.elapsed().as_secs_f64() * 1e3);
        }
    }
    println!("library  {:.4} ms per call (one submission, with its host side)", median(t));
}
