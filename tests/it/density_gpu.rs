//! `Sampler::log_prob` and `log_prob_into`: the GPU kernel against the f64 path (which
//! tests/it/density.rs checks against SciPy) on SciPy's cases and random ones, under chunking,
//! with points on the device, and the f64 fallbacks (singular, broadcast points, large n), with
//! the same errors as the f64 path.

use crate::fixtures::{f32s, load, num, shape};
use crate::gpu;
use crate::gpu_paths::{dist, tiny};
use mvn_gpu::{Array, ErrorKind, GpuArray, Method, MultivariateNormal, Options, Sampler};
use pollster::block_on;

/// The kernel's bound against the f64 path at the same float32 points: `x - mean` and the
/// product `L⁻¹ (x - mean)` round in float32 (about `n · 2⁻²⁴` of each term of the Mahalanobis
/// distance, times the condition of `L`), and the result to float32. For these cases
/// (condition ≤ 1000, n ≤ 128) it stays below 2e-6 of `1 + |log p| + maha`.
const REL: f64 = 2e-6;

fn check(id: &str, d: &MultivariateNormal, x: &Array, s: &Sampler, allow_singular: bool) -> f64 {
    let got = block_on(s.log_prob(d, x, allow_singular)).unwrap_or_else(|e| panic!("{id}: {e}"));
    let x64: Vec<f64> = x.data().iter().map(|&v| v as f64).collect();
    let want = d.log_prob(x.shape(), &x64, allow_singular).unwrap();
    assert_eq!(got.shape(), want.shape.as_slice(), "{id}");
    // The constant -(n log 2π + log det)/2 bounds the Mahalanobis term's size from below.
    let mut worst: f64 = 0.0;
    for (i, (&g, &w)) in got.data().iter().zip(&want.data).enumerate() {
        if w == f64::NEG_INFINITY {
            assert_eq!(g, f32::NEG_INFINITY, "{id} [{i}]");
            continue;
        }
        let scale = 1.0 + 3.0 * w.abs();
        let rel = (g as f64 - w).abs() / scale;
        assert!(rel <= REL, "{id} [{i}]: GPU {g} vs f64 {w} (relative {rel:e})");
        worst = worst.max(rel);
    }
    worst
}

#[test]
fn gpu_log_prob_matches_the_f64_path_on_scipys_cases() {
    let mut worst: f64 = 0.0;
    for c in load("logpdf.json") {
        let name = c["name"].as_str().unwrap();
        let method: Method = c["method"].as_str().unwrap().parse().unwrap();
        let mean = Array::new(shape(&c["mean"]), f32s(&c["mean"])).unwrap();
        let cov = Array::new(shape(&c["cov"]), f32s(&c["cov"])).unwrap();
        let d = MultivariateNormal::new(&mean, &cov, &Options::with_method(method)).unwrap();
        let x = Array::new(shape(&c["x"]), c["x"]["data"].as_array().unwrap().iter().map(|v| num(v) as f32).collect()).unwrap();
        worst = worst.max(check(name, &d, &x, gpu(), c["allow_singular"].as_bool().unwrap()));
    }
    println!("GPU log_prob vs f64 on SciPy's cases: worst relative {worst:.2e} (bound {REL:e})");
}

/// Points around the mean, a few standard deviations out.
fn points(d: &MultivariateNormal, shape: &[i64], seed: u64) -> Array {
    let x = block_on(Sampler::cpu().sample(d, shape, Some(mvn_gpu::key(seed)))).unwrap();
    let spread: Vec<f32> = x.data().iter().enumerate().map(|(i, &v)| v * (1.0 + (i % 3) as f32)).collect();
    Array::new(x.shape().to_vec(), spread).unwrap()
}

#[test]
fn gpu_log_prob_matches_the_f64_path_on_batches_and_under_chunking() {
    let mut worst: f64 = 0.0;
    // (mean shape, cov batch, n, sample shape): one covariance, batches, broadcast means.
    // One covariance with n > 16 takes the tiled kernel (64 points a workgroup): partial tiles,
    // per-point means, and n past one 64-row block of M.
    let layouts: [(&[usize], &[usize], usize, &[i64]); 11] = [
        (&[3], &[], 3, &[5000]),
        (&[1], &[], 1, &[777]),
        (&[4, 2], &[4], 2, &[300, 4]),
        (&[16], &[], 16, &[1001]),
        (&[2, 1, 5], &[3], 5, &[7, 2, 3]),
        (&[64], &[], 64, &[257]),
        (&[128], &[], 128, &[65]),
        (&[20], &[], 20, &[1000]),
        (&[3, 40], &[], 40, &[130, 3]),
        (&[100], &[], 100, &[129]),
        (&[2, 33], &[2], 33, &[70, 2]),
    ];
    for (i, (ms, cb, n, shape)) in layouts.iter().enumerate() {
        let d = dist(ms, cb, *n, Method::Cholesky, 70 + i as u64);
        let x = points(&d, shape, i as u64);
        worst = worst.max(check(&format!("layout {i}"), &d, &x, gpu(), false));
        // Chunks of a few points under tiny binding limits (where the factors fit).
        if *n <= 5 || *n == 20 {
            worst = worst.max(check(&format!("layout {i}, tiny limits"), &d, &x, tiny(), false));
        }
    }
    println!("GPU log_prob vs f64 on random batches: worst relative {worst:.2e} (bound {REL:e})");
}

#[test]
fn what_the_kernel_does_not_serve_is_the_f64_path() {
    let s = gpu();
    // Points broadcast over a batch of covariances, n above 128, a singular covariance.
    let d = dist(&[3], &[6], 3, Method::Cholesky, 5);
    let x = Array::new(&[1, 3], vec![0.5, -0.5, 1.0]).unwrap();
    let got = block_on(s.log_prob(&d, &x, false)).unwrap();
    let want = d.log_prob(&[1, 3], &[0.5, -0.5, 1.0], false).unwrap();
    assert_eq!(got.shape(), &[6]);
    assert_eq!(got.data(), want.data.iter().map(|&v| v as f32).collect::<Vec<_>>().as_slice());
    let big = dist(&[130], &[], 130, Method::Cholesky, 6);
    let xb = points(&big, &[4], 1);
    let got = block_on(s.log_prob(&big, &xb, false)).unwrap();
    let want = big.log_prob(xb.shape(), &xb.data().iter().map(|&v| v as f64).collect::<Vec<_>>(), false).unwrap();
    assert_eq!(got.data(), want.data.iter().map(|&v| v as f32).collect::<Vec<_>>().as_slice());
    let sing = MultivariateNormal::new(&Array::new(&[2], vec![0.0, 0.0]).unwrap(), &Array::new(&[2, 2], vec![1.0, 1.0, 1.0, 1.0]).unwrap(), &Options::default()).unwrap();
    let xs = Array::new(&[2, 2], vec![1.0, 1.0, 1.0, 0.0]).unwrap();
    let got = block_on(s.log_prob(&sing, &xs, true)).unwrap();
    assert!(got.data()[0].is_finite() && got.data()[1] == f32::NEG_INFINITY, "{:?}", got.data());
    // The errors are the f64 path's.
    for (x, kind) in [
        (Array::new(&[2, 2], vec![1.0, 1.0, 1.0, 0.0]).unwrap(), ErrorKind::InvalidArgument),
        (Array::new(&[1, 2], vec![f32::NAN, 0.0]).unwrap(), ErrorKind::NonFinite),
        (Array::new(&[1, 3], vec![0.0; 3]).unwrap(), ErrorKind::InvalidShape),
    ] {
        for sampler in [s, &Sampler::cpu()] {
            let e = block_on(sampler.log_prob(&sing, &x, false)).unwrap_err();
            assert_eq!(e.kind(), kind, "{e}");
        }
    }
}

#[test]
fn points_on_the_device_give_the_same_values() {
    let s = gpu();
    let device = s.device().unwrap();
    let queue = s.queue().unwrap();
    let upload = |v: &[f32], usage: wgpu::BufferUsages| {
        let b = device.create_buffer(&wgpu::BufferDescriptor { label: None, size: (v.len() * 4).max(4) as u64, usage: usage | wgpu::BufferUsages::COPY_DST, mapped_at_creation: false });
        queue.write_buffer(&b, 0, bytemuck::cast_slice(v));
        b
    };
    let read = |b: &wgpu::Buffer, len: usize| -> Vec<f32> {
        let st = device.create_buffer(&wgpu::BufferDescriptor { label: None, size: (len * 4) as u64, usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST, mapped_at_creation: false });
        let mut enc = device.create_command_encoder(&Default::default());
        enc.copy_buffer_to_buffer(b, 0, &st, 0, (len * 4) as u64);
        queue.submit([enc.finish()]);
        st.slice(..).map_async(wgpu::MapMode::Read, |_| {});
        device.poll(wgpu::PollType::wait_indefinitely()).unwrap();
        bytemuck::cast_slice(&st.slice(..).get_mapped_range().unwrap()).to_vec()
    };
    let io = wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC;
    for (id, d, shape, allow) in [
        ("one covariance", dist(&[3], &[], 3, Method::Cholesky, 9), vec![1000i64], false),
        ("a batch", dist(&[4, 2], &[4], 2, Method::Cholesky, 10), vec![50, 4], false),
        ("n = 130 (the f64 path)", dist(&[130], &[], 130, Method::Cholesky, 11), vec![3], false),
    ] {
        let x = points(&d, &shape, 3);
        let want = block_on(s.log_prob(&d, &x, allow)).unwrap();
        let xb = upload(x.data(), io);
        let out = upload(&vec![0.0; want.len()], io);
        let got_shape = block_on(s.log_prob_into(&d, &GpuArray::new(&xb, x.shape()), allow, &out)).unwrap();
        assert_eq!(got_shape, want.shape(), "{id}");
        assert_eq!(read(&out, want.len()), want.data(), "{id}: the device points' values");
    }
    // A buffer without STORAGE usage is refused, naming it.
    let d = dist(&[3], &[], 3, Method::Cholesky, 9);
    let xb = upload(&[0.0; 3], wgpu::BufferUsages::COPY_SRC);
    let out = upload(&[0.0], io);
    let e = block_on(s.log_prob_into(&d, &GpuArray::new(&xb, &[1, 3]), false, &out)).unwrap_err();
    assert!(e.kind() == ErrorKind::InvalidArgument && e.to_string().contains("x's buffer"), "{e}");
    let e = block_on(Sampler::cpu().log_prob_into(&d, &GpuArray::new(&xb, &[1, 3]), false, &out)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
}
