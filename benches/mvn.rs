//! The benchmark binary: the workloads of ../shared/bench/WORKLOADS.md on our GPU (wgpu) or CPU
//! backend. Each timing is a whole call: factor the covariance(s), draw the samples, and wait
//! until they are ready on the device (GPU) or in memory (CPU); readback is timed separately.
//!
//! `cargo bench --bench mvn -- [--backend gpu|cpu] [--workloads W1,W2 | C1,...] [--reps 10] [--warmup 3] [--json FILE]`

use mvn_gpu::{key, Array, GpuArray, Method, MultivariateNormal, Options, Sampler, SamplerOptions};
use pollster::block_on;
use std::time::Instant;

struct Workload {
    name: &'static str,
    d: usize,
    /// Sample shape; with `covs > 1` the covariance batch is the last axis.
    shape: Vec<i64>,
    covs: usize,
}

fn workloads() -> Vec<Workload> {
    let w = |name, d, shape: &[i64], covs| Workload { name, d, shape: shape.to_vec(), covs };
    vec![
        w("W1", 3, &[1 << 24], 1),
        w("W2", 64, &[1 << 20], 1),
        w("W3", 512, &[1 << 16], 1),
        w("W4", 8, &[64, 16384], 16384),
        w("C1", 3, &[1 << 20], 1),
        w("C2", 64, &[1 << 16], 1),
        w("C3", 512, &[1 << 12], 1),
        w("C4", 8, &[16, 4096], 4096),
    ]
}

/// Covariances `A Aᵀ / d + I` (A standard normal, seeded) and standard normal means.
fn inputs(w: &Workload) -> (Array, Array) {
    let d = w.d;
    let a = mvn_gpu::normal(&[(w.covs * d * d) as i64], 0.0, 1.0, Some(key(1))).unwrap();
    let a = a.data();
    let mut cov = vec![0f32; w.covs * d * d];
    for b in 0..w.covs {
        let ab = &a[b * d * d..(b + 1) * d * d];
        let cb = &mut cov[b * d * d..(b + 1) * d * d];
        for i in 0..d {
            for j in 0..=i {
                let s: f64 = (0..d).map(|k| ab[i * d + k] as f64 * ab[j * d + k] as f64).sum();
                let v = (s / d as f64 + if i == j { 1.0 } else { 0.0 }) as f32;
                cb[i * d + j] = v;
                cb[j * d + i] = v;
            }
        }
    }
    let mean = mvn_gpu::normal(&[(w.covs * d) as i64], 0.0, 1.0, Some(key(2))).unwrap().into_data();
    let (mshape, cshape) = if w.covs > 1 { (vec![w.covs, d], vec![w.covs, d, d]) } else { (vec![d], vec![d, d]) };
    (Array::new(mshape, mean).unwrap(), Array::new(cshape, cov).unwrap())
}

/// The lower Cholesky factors of a batch of `d x d` covariances (f64), for the `scale_tril` input.
fn tril(cov: &Array, d: usize) -> Array {
    let mut l = vec![0f32; cov.data().len()];
    for (c, lb) in cov.data().chunks(d * d).zip(l.chunks_mut(d * d)) {
        let mut a: Vec<f64> = c.iter().map(|&v| v as f64).collect();
        for j in 0..d {
            let s = (a[j * d + j] - (0..j).map(|k| a[j * d + k] * a[j * d + k]).sum::<f64>()).sqrt();
            a[j * d + j] = s;
            for i in j + 1..d {
                a[i * d + j] = (a[i * d + j] - (0..j).map(|k| a[i * d + k] * a[j * d + k]).sum::<f64>()) / s;
            }
        }
        for i in 0..d {
            for j in 0..=i {
                lb[i * d + j] = a[i * d + j] as f32;
            }
        }
    }
    Array::new(cov.shape().to_vec(), l).unwrap()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn main() {
    let mut backend = "gpu".to_string();
    let mut names: Option<Vec<String>> = None;
    let (mut reps, mut warmup) = (10usize, 3usize);
    let mut json: Option<String> = None;
    let mut method = Method::Cholesky;
    // `cargo bench` passes --bench; `cargo test --all-targets` runs this binary without it: then
    // only a quick smoke run of every workload at a tiny size (that it builds and runs).
    let smoke = !std::env::args().any(|a| a == "--bench");
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--backend" => backend = it.next().expect("--backend"),
            "--workloads" => names = Some(it.next().expect("--workloads").split(',').map(String::from).collect()),
            "--reps" => reps = it.next().expect("--reps").parse().expect("--reps"),
            "--warmup" => warmup = it.next().expect("--warmup").parse().expect("--warmup"),
            "--json" => json = Some(it.next().expect("--json")),
            "--method" => method = it.next().expect("--method").parse().expect("--method"),
            "--bench" => {}
            other => panic!("unknown argument {other}"),
        }
    }
    if smoke {
        reps = 1;
        warmup = 0;
    }
    let gpu = backend == "gpu";
    let sampler = if gpu { block_on(Sampler::gpu(&SamplerOptions::default())).expect("GPU adapter") } else { Sampler::cpu() };
    let device = sampler.adapter_info().map(|i| format!("{:?} {}", i.backend, i.name)).unwrap_or_else(|| "cpu".into());
    let default: Vec<&str> = if gpu { vec!["W1", "W2", "W3", "W4"] } else { vec!["C1", "C2", "C3", "C4"] };
    let mut results = Vec::new();
    for w in workloads() {
        let wanted = names.as_ref().map(|n| n.iter().any(|x| x == w.name)).unwrap_or(default.contains(&w.name));
        if !wanted {
            continue;
        }
        let w = match (smoke, w.covs > 1) {
            (false, _) => w,
            (true, false) => Workload { shape: w.shape.iter().map(|&s| (s / 4096).max(2)).collect(), ..w },
            (true, true) => Workload { shape: vec![2, 16], covs: 16, ..w },
        };
        let (mean, cov) = inputs(&w);
        let opts = Options::with_method(method);
        // The output buffer is allocated once, as the peers' caching allocators do.
        let out_bytes_u = w.shape.iter().product::<i64>() as u64 * w.d as u64 * 4;
        let out_buf = sampler.device().map(|d| {
            d.create_buffer(&wgpu::BufferDescriptor {
                label: Some("bench out"),
                size: out_bytes_u,
                usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::VERTEX | wgpu::BufferUsages::COPY_SRC,
                mapped_at_creation: false,
            })
        });
        let (mut total, mut factor, mut sample, mut with_readback) = (vec![], vec![], vec![], vec![]);
        // The timed calls first, back to back; the calls with readback afterwards, so that
        // their large staging buffers do not disturb the timed ones.
        for rep in 0..warmup + reps {
            let k = Some(key(100 + rep as u64));
            let t0 = Instant::now();
            let dist = MultivariateNormal::new(&mean, &cov, &opts).expect("factor");
            let t1 = Instant::now();
            if gpu {
                block_on(sampler.sample_into(&dist, &w.shape, k, out_buf.as_ref().unwrap())).expect("sample");
                let tp = Instant::now();
                sampler.device().unwrap().poll(wgpu::PollType::wait_indefinitely()).expect("poll");
                if std::env::var_os("MVN_GPU_PROFILE").is_some() {
                    eprintln!("mvn-gpu profile: {:<24} {:9.3} ms", "bench: wait for GPU", tp.elapsed().as_secs_f64() * 1e3);
                }
            } else {
                std::hint::black_box(block_on(sampler.sample(&dist, &w.shape, k)).expect("sample"));
            }
            let t2 = Instant::now();
            if rep >= warmup {
                total.push((t2 - t0).as_secs_f64() * 1e3);
                factor.push((t1 - t0).as_secs_f64() * 1e3);
                sample.push((t2 - t1).as_secs_f64() * 1e3);
            }
        }
        if gpu {
            let dist = MultivariateNormal::new(&mean, &cov, &opts).expect("factor");
            for rep in 0..1 + reps.min(5) {
                let t = Instant::now();
                std::hint::black_box(block_on(sampler.sample(&dist, &w.shape, Some(key(200 + rep as u64)))).expect("sample"));
                if rep >= 1 {
                    with_readback.push(t.elapsed().as_secs_f64() * 1e3);
                }
            }
        }
        // Inputs already on the device (uploaded once, as the peers' arrays are): for n <= 16
        // the factorization runs on the GPU in the same submission as the sampling.
        let mut on_device = vec![];
        if gpu && w.d <= 16 {
            use wgpu::util::DeviceExt;
            let device = sampler.device().unwrap();
            let usage = wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC;
            let up = |a: &Array| device.create_buffer_init(&wgpu::util::BufferInitDescriptor { label: Some("bench input"), contents: bytemuck::cast_slice(a.data()), usage });
            let (mb, cb) = (up(&mean), up(&cov));
            let (m, c) = (GpuArray::new(&mb, mean.shape()), GpuArray::new(&cb, cov.shape()));
            for rep in 0..warmup + reps {
                let t = Instant::now();
                block_on(sampler.multivariate_normal_from_buffers(&m, &c, &w.shape, Some(key(300 + rep as u64)), &opts, out_buf.as_ref().unwrap())).expect("sample");
                device.poll(wgpu::PollType::wait_indefinitely()).expect("poll");
                if rep >= warmup {
                    on_device.push(t.elapsed().as_secs_f64() * 1e3);
                }
            }
            // Where the device path's time goes: the same draw from `scale_tril` (no
            // factorization, only a check), and the floor of any call that reads a status word
            // back (an empty submission, then a 4-byte map).
            let lb = up(&tril(&cov, w.d));
            let l = GpuArray::new(&lb, cov.shape());
            let status = device.create_buffer(&wgpu::BufferDescriptor { label: Some("bench status"), size: 4, usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST, mapped_at_creation: false });
            let (mut from_tril, mut floor) = (vec![], vec![]);
            for rep in 0..warmup + reps {
                let t = Instant::now();
                block_on(sampler.multivariate_normal_from_buffers_tril(&m, &l, &w.shape, Some(key(300 + rep as u64)), out_buf.as_ref().unwrap())).expect("sample");
                device.poll(wgpu::PollType::wait_indefinitely()).expect("poll");
                let t1 = Instant::now();
                sampler.queue().unwrap().submit([device.create_command_encoder(&Default::default()).finish()]);
                status.map_async(wgpu::MapMode::Read, .., |r| r.expect("map"));
                device.poll(wgpu::PollType::wait_indefinitely()).expect("poll");
                status.unmap();
                if rep >= warmup {
                    from_tril.push((t1 - t).as_secs_f64() * 1e3);
                    floor.push(t1.elapsed().as_secs_f64() * 1e3);
                }
            }
            println!("{:<3} inputs on the device: from scale_tril {:.3} ms; an empty submission and a 4-byte map {:.3} ms", w.name, median(from_tril), median(floor));
        }
        let out_bytes = w.shape.iter().product::<i64>() as f64 * w.d as f64 * 4.0;
        let (t, f, s) = (median(total), median(factor), median(sample));
        let rb = if with_readback.is_empty() { None } else { Some(median(with_readback) - s) };
        let dev = if on_device.is_empty() { None } else { Some(median(on_device)) };
        println!(
            "{:<3} d={:<4} total {:9.3} ms  factor {:8.3} ms  sample {:8.3} ms  readback {}  inputs on the device {}  ({:.1} GB/s written)",
            w.name,
            w.d,
            t,
            f,
            s,
            rb.map(|r| format!("{r:8.3} ms")).unwrap_or_else(|| "      -".into()),
            dev.map(|r| format!("{r:8.3} ms")).unwrap_or_else(|| "      -".into()),
            out_bytes / (s * 1e-3) / 1e9
        );
        results.push(format!(
            "{{\"workload\": \"{}\", \"d\": {}, \"total_ms\": {t:.4}, \"factor_ms\": {f:.4}, \"sample_ms\": {s:.4}, \"readback_ms\": {}, \"device_inputs_ms\": {}, \"out_bytes\": {out_bytes}}}",
            w.name,
            w.d,
            rb.map(|r| format!("{r:.4}")).unwrap_or_else(|| "null".into()),
            dev.map(|r| format!("{r:.4}")).unwrap_or_else(|| "null".into())
        ));
    }
    let doc = format!(
        "{{\"impl\": \"mvn-gpu\", \"backend\": \"{backend}\", \"device\": {device:?}, \"method\": \"{method}\", \"reps\": {reps}, \"warmup\": {warmup}, \"results\": [{}]}}",
        results.join(", ")
    );
    if let Some(path) = json {
        std::fs::write(&path, &doc).expect("write json");
    }
    println!("{doc}");
}
