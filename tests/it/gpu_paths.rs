//! The GPU path against the CPU reference: parity for every method and batch layout, splitting
//! under tiny forced limits (bit-identical to the unsplit result), buffers kept on the GPU,
//! and samplers built on an application's own device.

use crate::{gpu, NORMAL_ULP_BOUND};
use mvn_gpu::{Array, ChunkLimits, Key, Method, MultivariateNormal, Options, Sampler, SamplerOptions};
use pollster::block_on;
use std::sync::OnceLock;

/// A symmetric positive-definite `n x n` matrix `A Aᵀ / n + 0.5 I` from a seeded stream.
pub fn spd(n: usize, seed: u64) -> Vec<f32> {
    let a = mvn_gpu::normal(&[n as i64, n as i64], 0.0, 1.0, Some(mvn_gpu::key(seed))).unwrap();
    let a = a.data();
    let mut c = vec![0f32; n * n];
    for i in 0..n {
        for j in 0..=i {
            let mut s = 0f64;
            for k in 0..n {
                s += a[i * n + k] as f64 * a[j * n + k] as f64;
            }
            let v = (s / n as f64 + if i == j { 0.5 } else { 0.0 }) as f32;
            c[i * n + j] = v;
            c[j * n + i] = v;
        }
    }
    c
}

/// Layouts: (mean shape, cov batch, n, sample shape).
pub(crate) fn layouts() -> Vec<(Vec<usize>, Vec<usize>, usize, Vec<i64>)> {
    vec![
        (vec![3], vec![], 3, vec![1000]),
        (vec![2], vec![], 2, vec![7, 3]),
        (vec![5], vec![], 5, vec![]),
        (vec![4, 3], vec![], 3, vec![2, 4]),
        (vec![3], vec![4], 3, vec![5, 4]),
        (vec![2, 1, 3], vec![4], 3, vec![]),
        (vec![16], vec![], 16, vec![333]),
        (vec![1], vec![6], 1, vec![2, 1]),
        (vec![0], vec![], 0, vec![3]),
        (vec![2], vec![], 2, vec![0]),
        (vec![3], vec![2, 1, 3, 1, 2, 1, 2, 1, 2], 3, vec![1, 2, 1, 2, 1, 2, 1, 2, 1]),
        (vec![40], vec![], 40, vec![300]),
        (vec![2, 70], vec![], 70, vec![66, 1]),
        (vec![17], vec![3], 17, vec![5, 3]),
        // The tiled fused kernel: a full and a partial workgroup of row pairs, a broadcast mean.
        (vec![2, 64], vec![], 64, vec![33, 2]),
        (vec![24], vec![], 24, vec![2]),
        // The tiled product: two column tiles (128 + 2) and a partial row tile.
        (vec![130], vec![], 130, vec![257]),
    ]
}

pub(crate) fn dist(mean_shape: &[usize], cov_batch: &[usize], n: usize, method: Method, seed: u64) -> MultivariateNormal {
    let m: usize = mean_shape.iter().product();
    let mean = mvn_gpu::normal(&[m as i64], 0.0, 1.0, Some(mvn_gpu::key(seed))).unwrap().into_data();
    let nb: usize = cov_batch.iter().product();
    let cov: Vec<f32> = (0..nb).flat_map(|b| spd(n, seed * 100 + b as u64 + 1)).collect();
    let mut cs = cov_batch.to_vec();
    cs.extend([n, n]);
    MultivariateNormal::new(&Array::new(mean_shape.to_vec(), mean).unwrap(), &Array::new(cs, cov).unwrap(), &Options::with_method(method)).unwrap()
}

/// |gpu - cpu| <= (ulp bound + n + 2) * eps * (|mean| + sum_l |z_l R_lj|) elementwise, bounded
/// here with the largest factor entry.
pub(crate) fn assert_close(id: &str, d: &MultivariateNormal, key: Key, cpu: &Array, gpu: &Array) -> f64 {
    assert_eq!(cpu.shape(), gpu.shape(), "{id}");
    let n = d.dim();
    if cpu.is_empty() {
        return 0.0;
    }
    let z = mvn_gpu::normal(&cpu.shape().iter().map(|&v| v as i64).collect::<Vec<_>>(), 0.0, 1.0, Some(key)).unwrap();
    let rmax = d.factors().iter().fold(0f32, |a, &b| a.max(b.abs())) as f64;
    let eps = f32::EPSILON as f64 / 2.0;
    let mut worst: f64 = 0.0;
    for (r, ((c, g), zr)) in cpu.data().chunks(n).zip(gpu.data().chunks(n)).zip(z.data().chunks(n)).enumerate() {
        let zs: f64 = zr.iter().map(|v| v.abs() as f64).sum();
        for j in 0..n {
            let bound = (NORMAL_ULP_BOUND as f64 + n as f64 + 2.0) * eps * (c[j].abs() as f64 + 2.0 * zs * rmax);
            let diff = (c[j] as f64 - g[j] as f64).abs();
            assert!(diff <= bound, "{id} row {r} col {j}: cpu {} gpu {} diff {diff:e} > {bound:e}", c[j], g[j]);
            worst = worst.max(diff / bound);
        }
    }
    worst
}

#[test]
fn gpu_matches_cpu_for_every_method_and_layout() {
    let mut worst: f64 = 0.0;
    for method in [Method::Cholesky, Method::Eigh, Method::Svd] {
        for (i, (ms, cb, n, shape)) in layouts().into_iter().enumerate() {
            let d = dist(&ms, &cb, n, method, i as u64 + 1);
            let key = mvn_gpu::key(1000 + i as u64);
            let cpu = d.sample(&shape, Some(key)).unwrap();
            let g = block_on(gpu().sample(&d, &shape, Some(key))).unwrap();
            worst = worst.max(assert_close(&format!("{method} layout {i}"), &d, key, &cpu, &g));
        }
    }
    println!("GPU vs CPU multivariate_normal: max |diff| / bound = {worst:.3}");
}

pub(crate) fn tiny() -> &'static Sampler {
    static S: OnceLock<Sampler> = OnceLock::new();
    S.get_or_init(|| {
        let limits = ChunkLimits { max_workgroups_per_dimension: 2, max_storage_buffer_binding_size: 3072, max_buffer_size: 4096 };
        block_on(Sampler::gpu(&SamplerOptions { limits, ..SamplerOptions::default() })).expect("GPU adapter")
    })
}

/// Bindings of 96 KiB: room for the factors of n = 130, while its outputs still split.
fn wide() -> &'static Sampler {
    static S: OnceLock<Sampler> = OnceLock::new();
    S.get_or_init(|| {
        let limits = ChunkLimits { max_workgroups_per_dimension: 3, max_storage_buffer_binding_size: 96 << 10, max_buffer_size: 192 << 10 };
        block_on(Sampler::gpu(&SamplerOptions { limits, ..SamplerOptions::default() })).expect("GPU adapter")
    })
}

/// Bindings of 32 KiB: room for the factors of n = 70, while outputs still split.
pub(crate) fn mid() -> &'static Sampler {
    static S: OnceLock<Sampler> = OnceLock::new();
    S.get_or_init(|| {
        let limits = ChunkLimits { max_workgroups_per_dimension: 2, max_storage_buffer_binding_size: 32 << 10, max_buffer_size: 64 << 10 };
        block_on(Sampler::gpu(&SamplerOptions { limits, ..SamplerOptions::default() })).expect("GPU adapter")
    })
}

#[test]
fn splitting_under_tiny_limits_gives_exactly_the_unsplit_result() {
    assert_eq!(tiny().limits().unwrap().max_workgroups_per_dimension, 2);
    for method in [Method::Cholesky, Method::Svd] {
        for (i, (ms, cb, n, shape)) in layouts().into_iter().enumerate() {
            let d = dist(&ms, &cb, n, method, i as u64 + 1);
            let key = mvn_gpu::key(7 + i as u64);
            let whole = block_on(gpu().sample(&d, &shape, Some(key))).unwrap();
            let mut compared = 0;
            for s in [tiny(), mid(), wide()] {
                let split = match block_on(s.sample(&d, &shape, Some(key))) {
                    Ok(x) => x,
                    Err(e) => {
                        // Only factors wider than one binding may be refused.
                        assert_eq!(e.kind(), mvn_gpu::ErrorKind::TooLarge, "{e}");
                        assert!(d.factors().len() as u64 * 4 > s.limits().unwrap().max_storage_buffer_binding_size, "{e}");
                        continue;
                    }
                };
                assert_eq!(whole.shape(), split.shape());
                let bad: Vec<_> = whole.data().iter().zip(split.data()).enumerate().filter(|(_, (a, b))| a.to_bits() != b.to_bits()).take(5).map(|(k, (a, b))| (k, *a, *b)).collect();
                assert!(bad.is_empty(), "{method} layout {i}: {} mismatches, first {bad:?}", whole.data().iter().zip(split.data()).filter(|(a, b)| a.to_bits() != b.to_bits()).count());
                compared += 1;
            }
            assert!(compared > 0, "layout {i} was not split by either sampler");
        }
    }
    // 5000 words: 3 chunks of at most 768 words, each over several 2x2-workgroup dispatches.
    let k = Some(mvn_gpu::key(3));
    for len in [5000i64, 4097, 1] {
        assert_eq!(block_on(gpu().normal(&[len], 0.5, 2.0, k)).unwrap(), block_on(tiny().normal(&[len], 0.5, 2.0, k)).unwrap());
        assert_eq!(block_on(gpu().uniform(&[len], -1.0, 3.0, k)).unwrap(), block_on(tiny().uniform(&[len], -1.0, 3.0, k)).unwrap());
        assert_eq!(block_on(gpu().bits(&[len], k)).unwrap(), mvn_gpu::bits(&[len], k).unwrap());
        assert_eq!(block_on(tiny().bits(&[len], k)).unwrap(), mvn_gpu::bits(&[len], k).unwrap());
    }
}

/// Reads a GPU buffer back (test helper).
pub fn read_buffer(s: &Sampler, buf: &wgpu::Buffer, len: usize) -> Vec<f32> {
    let (device, queue) = (s.device().unwrap(), s.queue().unwrap());
    let bytes = (len * 4) as u64;
    let staging = device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("test staging"),
        size: bytes.max(4),
        usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    let mut enc = device.create_command_encoder(&Default::default());
    enc.copy_buffer_to_buffer(buf, 0, &staging, 0, bytes.max(4));
    queue.submit([enc.finish()]);
    staging.map_async(wgpu::MapMode::Read, .., |r| r.unwrap());
    device.poll(wgpu::PollType::wait_indefinitely()).unwrap();
    let v = staging.get_mapped_range(..).unwrap();
    bytemuck::cast_slice::<u8, f32>(&v)[..len].to_vec()
}

/// Small bindings (1 KiB) but room for whole outputs in one buffer: buffer-mode splitting.
fn small_bindings() -> &'static Sampler {
    static S: OnceLock<Sampler> = OnceLock::new();
    S.get_or_init(|| {
        let limits = ChunkLimits { max_workgroups_per_dimension: 3, max_storage_buffer_binding_size: 1024, max_buffer_size: 1 << 20 };
        block_on(Sampler::gpu(&SamplerOptions { limits, ..SamplerOptions::default() })).expect("GPU adapter")
    })
}

#[test]
fn samples_kept_on_the_gpu_equal_the_read_back_ones() {
    for (s, label) in [(gpu(), "default"), (tiny(), "tiny limits"), (small_bindings(), "1 KiB bindings"), (mid(), "32 KiB bindings")] {
        for method in [Method::Cholesky, Method::Eigh] {
            for (i, (ms, cb, n, shape)) in layouts().into_iter().enumerate() {
                let d = dist(&ms, &cb, n, method, i as u64 + 1);
                let key = mvn_gpu::key(11 + i as u64);
                let host = block_on(gpu().sample(&d, &shape, Some(key))).unwrap();
                let Ok(on_gpu) = block_on(s.sample_to_buffer(&d, &shape, Some(key))) else {
                    // Beyond 4096 bytes the tiny sampler must refuse with TooLarge.
                    let e = block_on(s.sample_to_buffer(&d, &shape, Some(key))).unwrap_err();
                    assert_eq!(e.kind(), mvn_gpu::ErrorKind::TooLarge, "{label} {i}: {e}");
                    let lim = s.limits().unwrap();
                    assert!(host.len() as u64 * 4 > lim.max_buffer_size || d.factors().len() as u64 * 4 > lim.max_storage_buffer_binding_size, "{label} {i}: {e}");
                    continue;
                };
                assert_eq!(on_gpu.shape, host.shape());
                let usage = on_gpu.buffer.usage();
                assert!(usage.contains(wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::VERTEX | wgpu::BufferUsages::COPY_SRC));
                let back = read_buffer(s, &on_gpu.buffer, on_gpu.len());
                assert!(back.iter().zip(host.data()).all(|(a, b)| a.to_bits() == b.to_bits()), "{label} {method} layout {i}");
            }
        }
    }
}

#[test]
fn a_sampler_on_the_applications_own_device_gives_the_same_samples() {
    let instance = wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
    let adapter = block_on(instance.request_adapter(&Default::default())).expect("GPU adapter");
    let (device, queue) = block_on(adapter.request_device(&Default::default())).expect("device");
    let s = Sampler::from_device(device.clone(), queue.clone(), ChunkLimits::UNLIMITED);
    assert_eq!(s.backend(), mvn_gpu::Backend::Gpu);
    let d = dist(&[3], &[], 3, Method::Cholesky, 5);
    let a = block_on(s.sample(&d, &[4096], Some(mvn_gpu::key(1)))).unwrap();
    let b = block_on(gpu().sample(&d, &[4096], Some(mvn_gpu::key(1)))).unwrap();
    assert_eq!(a, b);
    let buf = block_on(s.sample_to_buffer(&d, &[4096], Some(mvn_gpu::key(1)))).unwrap();
    assert_eq!(read_buffer(&s, &buf.buffer, buf.len()), a.data());
}

#[test]
fn scale_tril_and_factor_once_sample_many() {
    // A distribution from a lower-triangular factor equals one from its covariance L Lᵀ.
    let l = [1.5f32, 0.0, 0.0, 0.3, 0.8, 0.0, -0.2, 0.4, 0.6];
    let mut cov = [0f32; 9];
    for i in 0..3 {
        for j in 0..3 {
            cov[i * 3 + j] = (0..3).map(|k| l[i * 3 + k] as f64 * l[j * 3 + k] as f64).sum::<f64>() as f32;
        }
    }
    let mean = Array::new([3], vec![1.0, 2.0, 3.0]).unwrap();
    let from_l = MultivariateNormal::from_scale_tril(&mean, &Array::new([3, 3], l.to_vec()).unwrap()).unwrap();
    let from_c = MultivariateNormal::new(&mean, &Array::new([3, 3], cov.to_vec()).unwrap(), &Options::default()).unwrap();
    assert_eq!(from_l.reports().unwrap()[0].method_used, mvn_gpu::FactorMethod::ScaleTril);
    assert_eq!(from_c.reports().unwrap()[0].method_used, mvn_gpu::FactorMethod::Cholesky);
    assert_eq!(from_c.reports().unwrap()[0].rank, 3);
    for (seed, shape) in [(1u64, vec![10i64]), (2, vec![3, 4]), (3, vec![])] {
        let k = Some(mvn_gpu::key(seed));
        let a = from_l.sample(&shape, k).unwrap();
        let b = from_c.sample(&shape, k).unwrap();
        assert!(crate::fixtures::max_abs_diff(a.data(), b.data()) < 1e-5);
        let g = block_on(gpu().sample(&from_l, &shape, k)).unwrap();
        assert!(crate::fixtures::max_abs_diff(a.data(), g.data()) < 1e-5);
    }
}

#[test]
fn each_distinct_covariance_is_factored_once() {
    // A batch of 6 covariances with 2 distinct matrices: two reports, first batch indices 0 and 1.
    let (a, b) = (spd(3, 1), spd(3, 2));
    let cov: Vec<f32> = [&a, &b, &a, &a, &b, &b].iter().flat_map(|m| m.iter().copied()).collect();
    let d = MultivariateNormal::new(&Array::new([3], vec![0.0; 3]).unwrap(), &Array::new([6, 3, 3], cov).unwrap(), &Options::default()).unwrap();
    assert_eq!(d.reports().unwrap().len(), 2);
    assert_eq!(d.reports().unwrap().iter().map(|r| r.batch_index).collect::<Vec<_>>(), vec![0, 1]);
    assert_eq!(d.factors().len(), 2 * 9);
    let x = d.sample(&[], Some(mvn_gpu::key(4))).unwrap();
    assert_eq!(x.shape(), &[6, 3]);
}

#[test]
fn sampling_into_the_callers_buffer_equals_the_read_back_samples() {
    let s = gpu();
    let d = dist(&[3], &[], 3, Method::Cholesky, 5);
    let want = block_on(s.sample(&d, &[1000], Some(mvn_gpu::key(2)))).unwrap();
    let device = s.device().unwrap();
    let buf = device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("app buffer"),
        size: 3000 * 4 + 64,
        usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::VERTEX | wgpu::BufferUsages::COPY_SRC,
        mapped_at_creation: false,
    });
    let shape = block_on(s.sample_into(&d, &[1000], Some(mvn_gpu::key(2)), &buf)).unwrap();
    assert_eq!(shape, vec![1000, 3]);
    assert_eq!(read_buffer(s, &buf, 3000), want.data());
    // Too small, or without STORAGE usage: refused, and the sampler still works.
    let small = device.create_buffer(&wgpu::BufferDescriptor { label: None, size: 64, usage: wgpu::BufferUsages::STORAGE, mapped_at_creation: false });
    let e = block_on(s.sample_into(&d, &[1000], None, &small)).unwrap_err();
    assert_eq!(e.kind(), mvn_gpu::ErrorKind::InvalidArgument);
    let e = block_on(Sampler::cpu().sample_into(&d, &[10], None, &buf)).unwrap_err();
    assert_eq!(e.kind(), mvn_gpu::ErrorKind::InvalidArgument);
    s.trim();
    assert_eq!(block_on(s.sample(&d, &[1000], Some(mvn_gpu::key(2)))).unwrap(), want);
}
