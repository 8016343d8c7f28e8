//! The log-density benchmark (issue 16): L1-L3, `log_prob` of many points against one
//! covariance on our GPU backend, points from the host (`Sampler::log_prob`) and on the device
//! (`Sampler::log_prob_into`, as the peers' arrays are). Inputs are closed formulas that
//! benches/peers/logprob.py computes identically, so each impl's sum of log-densities is
//! compared too. Each timing is a whole call, synchronized; median of `--reps` after `--warmup`.
//!
//! `cargo bench --bench logprob -- [--reps 10] [--warmup 3] [--json FILE]`

use mvn_gpu::{Array, GpuArray, MultivariateNormal, Options, Sampler, SamplerOptions};
use pollster::block_on;
use std::time::Instant;

/// (name, n, points).
const WORKLOADS: [(&str, usize, usize); 3] = [("L1", 3, 10_000_000), ("L2", 16, 1_000_000), ("L3", 64, 1 << 18)];

/// mean_j = 0.1 j; cov = I/2 + 0.5^(|i-j|+1) (both exact in float32).
fn inputs(n: usize) -> (Array, Array) {
    let mean = (0..n).map(|j| (0.1 * j as f64) as f32).collect();
    let cov = (0..n * n).map(|k| {
        let (i, j) = (k / n, k % n);
        (if i == j { 0.5 } else { 0.0 } + 0.5f64.powi((i.abs_diff(j) + 1) as i32)) as f32
    });
    (Array::new(vec![n], mean).unwrap(), Array::new(vec![n, n], cov.collect()).unwrap())
}

/// x_k = 6 u_k - 3 with u_k = (k · 2654435761 mod 2³²) / 2³², rounded to float32.
fn points(n: usize, count: usize) -> Array {
    let x = (0..(n * count) as u64).map(|k| ((k.wrapping_mul(2654435761) % (1u64 << 32)) as f64 / 4294967296.0 * 6.0 - 3.0) as f32).collect();
    Array::new(vec![count, n], x).unwrap()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn main() {
    let (mut reps, mut warmup) = (10usize, 3usize);
    let mut json: Option<String> = None;
    let smoke = !std::env::args().any(|a| a == "--bench");
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--reps" => reps = it.next().expect("--reps").parse().expect("--reps"),
            "--warmup" => warmup = it.next().expect("--warmup").parse().expect("--warmup"),
            "--json" => json = Some(it.next().expect("--json")),
            "--bench" => {}
            other => panic!("unknown argument {other}"),
        }
    }
    if smoke {
        (reps, warmup) = (1, 0);
    }
    let sampler = block_on(Sampler::gpu(&SamplerOptions::default())).expect("GPU adapter");
    let device = sampler.device().unwrap();
    let info = sampler.adapter_info().map(|i| format!("{:?} {}", i.backend, i.name)).unwrap_or_default();
    let mut results = vec![];
    for (name, n, count) in WORKLOADS {
        let count = if smoke { count / 1000 } else { count };
        let (mean, cov) = inputs(n);
        let x = points(n, count);
        let dist = MultivariateNormal::new(&mean, &cov, &Options::default()).expect("factor");
        // Points from the host, the result read back.
        let mut host = vec![];
        let mut sum = 0.0;
        for rep in 0..warmup + reps {
            let t = Instant::now();
            let lp = block_on(sampler.log_prob(&dist, &x, false)).expect("log_prob");
            if rep >= warmup {
                host.push(t.elapsed().as_secs_f64() * 1e3);
            }
            sum = lp.data().iter().map(|&v| v as f64).sum::<f64>();
        }
        // Points on the device, the result left there (factoring the covariance included, as
        // the peers' calls that take a covariance do).
        use wgpu::util::DeviceExt;
        let usage = wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC;
        let xb = device.create_buffer_init(&wgpu::util::BufferInitDescriptor { label: Some("bench x"), contents: bytemuck::cast_slice(x.data()), usage });
        let out = device.create_buffer(&wgpu::BufferDescriptor { label: Some("bench lp"), size: count as u64 * 4, usage, mapped_at_creation: false });
        let xa = GpuArray::new(&xb, x.shape());
        let mut dev = vec![];
        for rep in 0..warmup + reps {
            let t = Instant::now();
            let d = MultivariateNormal::new(&mean, &cov, &Options::default()).expect("factor");
            block_on(sampler.log_prob_into(&d, &xa, false, &out)).expect("log_prob_into");
            device.poll(wgpu::PollType::wait_indefinitely()).expect("poll");
            if rep >= warmup {
                dev.push(t.elapsed().as_secs_f64() * 1e3);
            }
        }
        // The f64 path on a sample of the points: the kernel's error on this machine.
        let step = (count / 20_000).max(1);
        let idx: Vec<usize> = (0..count).step_by(step).collect();
        let sub: Vec<f64> = idx.iter().flat_map(|&i| x.data()[i * n..(i + 1) * n].iter().map(|&v| v as f64)).collect();
        let want = dist.log_prob(&[idx.len(), n], &sub, false).unwrap();
        let got = block_on(sampler.log_prob(&dist, &Array::new(vec![idx.len(), n], sub.iter().map(|&v| v as f32).collect()).unwrap(), false)).unwrap();
        let max_rel = got.data().iter().zip(&want.data).map(|(&g, &w)| (g as f64 - w).abs() / (1.0 + w.abs())).fold(0f64, f64::max);
        let (h, d) = (median(host), median(dev));
        println!("{name} n={n:<3} points {count:>9}  host points {h:8.3} ms  device points {d:8.3} ms  sum {sum:.6e}  max rel vs f64 {max_rel:.2e}");
        results.push(format!("{{\"workload\": \"{name}\", \"n\": {n}, \"points\": {count}, \"host_ms\": {h:.4}, \"device_ms\": {d:.4}, \"sum\": {sum:.10e}, \"max_rel_vs_f64\": {max_rel:.3e}}}"));
    }
    let doc = format!("{{\"impl\": \"mvn-gpu\", \"device\": {info:?}, \"reps\": {reps}, \"warmup\": {warmup}, \"results\": [{}]}}", results.join(", "));
    if let Some(p) = json {
        std::fs::write(p, &doc).expect("write json");
    }
    println!("{doc}");
}
