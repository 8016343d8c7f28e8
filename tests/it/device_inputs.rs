//! Inputs already on the device (`Sampler::multivariate_normal_from_buffers`): against the host
//! path from the same values and key (the CPU-side f64 factorization is the reference), its
//! fallbacks with the host path's own errors, and the checks of the caller's buffers.

use crate::gpu;
use crate::gpu_paths::{read_buffer, spd};
use mvn_gpu::{Array, ErrorKind, GpuArray, Method, MultivariateNormal, Options, Sampler};
use pollster::block_on;
use wgpu::util::DeviceExt;

fn upload(s: &Sampler, data: &[f32], usage: wgpu::BufferUsages) -> wgpu::Buffer {
    s.device().unwrap().create_buffer_init(&wgpu::util::BufferInitDescriptor { label: Some("test input"), contents: bytemuck::cast_slice(if data.is_empty() { &[0f32] } else { data }), usage })
}

fn input(s: &Sampler, data: &[f32]) -> wgpu::Buffer {
    upload(s, data, wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC)
}

fn out_buffer(s: &Sampler, len: usize) -> wgpu::Buffer {
    s.device().unwrap().create_buffer(&wgpu::BufferDescriptor {
        label: Some("test out"),
        size: (len.max(1) * 4) as u64,
        usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
        mapped_at_creation: false,
    })
}

/// The device path's samples, or its error.
fn on_device(mean: &Array, cov: &Array, shape: &[i64], seed: u64, options: &Options, tril: bool) -> mvn_gpu::Result<(Vec<usize>, Vec<f32>)> {
    on_device_of(gpu(), mean, cov, shape, seed, options, tril)
}

/// A sampler of the calling test's own, so that its `host_fallbacks` count only that test's calls.
fn own_sampler() -> Sampler {
    block_on(Sampler::gpu(&mvn_gpu::SamplerOptions::default())).expect("GPU adapter")
}

fn on_device_of(s: &Sampler, mean: &Array, cov: &Array, shape: &[i64], seed: u64, options: &Options, tril: bool) -> mvn_gpu::Result<(Vec<usize>, Vec<f32>)> {
    let (mb, cb) = (input(s, mean.data()), input(s, cov.data()));
    let len = 1 << 16;
    let out = out_buffer(s, len);
    let (m, c) = (GpuArray::new(&mb, mean.shape()), GpuArray::new(&cb, cov.shape()));
    let key = Some(mvn_gpu::key(seed));
    let shape_out = if tril {
        block_on(s.multivariate_normal_from_buffers_tril(&m, &c, shape, key, &out))?
    } else {
        block_on(s.multivariate_normal_from_buffers(&m, &c, shape, key, options, &out))?
    };
    let n: usize = shape_out.iter().product();
    Ok((shape_out, read_buffer(s, &out, n)))
}

/// The host path's samples (factored on the CPU, drawn on the same GPU), or its error.
fn on_host(mean: &Array, cov: &Array, shape: &[i64], seed: u64, options: &Options, tril: bool) -> mvn_gpu::Result<(Vec<usize>, Vec<f32>)> {
    let d = if tril { MultivariateNormal::from_scale_tril(mean, cov)? } else { MultivariateNormal::new(mean, cov, options)? };
    let x = block_on(gpu().sample(&d, shape, Some(mvn_gpu::key(seed))))?;
    Ok((x.shape().to_vec(), x.data().to_vec()))
}

fn batch(n: usize, count: usize, seed: u64) -> Vec<f32> {
    (0..count).flat_map(|c| spd(n, seed + c as u64)).collect()
}

fn means(n: usize, rows: usize, seed: u64) -> Vec<f32> {
    mvn_gpu::normal(&[(rows * n) as i64], 0.0, 3.0, Some(mvn_gpu::key(seed))).unwrap().data().to_vec()
}

/// Equicorrelation `rho` with unit variances: condition number (1 + (n-1) rho) / (1 - rho).
fn equicorrelated(n: usize, rho: f32) -> Vec<f32> {
    (0..n * n).map(|k| if k / n == k % n { 1.0 } else { rho }).collect()
}

#[test]
fn factored_on_the_device_the_samples_match_the_host_path_to_float32_round_off() {
    // (n, mean rows, covariances, sample shape): broadcasting both ways, odd rows (the unfused
    // kernels), one covariance and many.
    let cases: &[(usize, usize, usize, &[i64])] = &[(3, 1, 1, &[1000]), (2, 4, 4, &[3, 4]), (8, 1, 64, &[5, 64]), (8, 64, 64, &[3, 64]), (16, 1, 1, &[333]), (1, 1, 6, &[2, 6]), (5, 7, 1, &[7]), (13, 2, 3, &[2, 2, 3]), (3, 1, 5, &[3, 5])];
    let (mut equal, mut total, mut worst) = (0usize, 0usize, 0f64);
    let own = own_sampler();
    for (i, &(n, mrows, covs, shape)) in cases.iter().enumerate() {
        let mean_shape = if mrows == 1 { vec![n] } else if mrows == covs { vec![mrows, n] } else { vec![mrows, 1, n] };
        let cov_shape = if covs == 1 { vec![n, n] } else { vec![covs, n, n] };
        let mean = Array::new(mean_shape, means(n, mrows, 100 + i as u64)).unwrap();
        let cov = Array::new(cov_shape, batch(n, covs, 7 * i as u64)).unwrap();
        let o = Options::default();
        let (ds, d) = on_device_of(&own, &mean, &cov, shape, 5 + i as u64, &o, false).unwrap();
        let (hs, h) = on_host(&mean, &cov, shape, 5 + i as u64, &o, false).unwrap();
        assert_eq!(ds, hs, "case {i}");
        for (a, b) in d.iter().zip(&h) {
            // One float32 ulp in a factor entry moves a sample by at most n ulp of its size.
            let bound = (n as f64 + 2.0) * f32::EPSILON as f64 * (b.abs() as f64 + 4.0);
            let diff = (*a as f64 - *b as f64).abs();
            assert!(diff <= bound, "case {i}: device {a} host {b}");
            worst = worst.max(diff / bound);
            equal += (a == b) as usize;
            total += 1;
        }
    }
    assert_eq!(own.host_fallbacks(), 0, "every case is factored on the device");
    println!("device-factored vs host-factored samples: {equal} of {total} bit-identical, max |diff| / bound = {worst:.3}");
    // The double-float factors round like the f64 ones almost always (all of them on an H200).
    assert!(equal as f64 >= 0.99 * total as f64, "{equal} of {total} equal");
}

#[test]
fn ill_conditioned_covariances_stay_accurate_or_take_the_host_path() {
    // rho = 0.99 (condition 793 at n = 8) is factored on the device; rho = 0.99999 (pivots
    // 1e-5 of the diagonal) goes to the host. Both give the host path's samples.
    for (rho, on_device_expected) in [(0.99f32, true), (0.999_99, false)] {
        let n = 8;
        let own = own_sampler();
        let mean = Array::new(vec![n], vec![0.0; n]).unwrap();
        let cov = Array::new(vec![n, n], equicorrelated(n, rho)).unwrap();
        let o = Options::default();
        let (_, d) = on_device_of(&own, &mean, &cov, &[512], 3, &o, false).unwrap();
        assert_eq!(own.host_fallbacks() == 0, on_device_expected, "rho {rho}: factored on the device");
        let (_, h) = on_host(&mean, &cov, &[512], 3, &o, false).unwrap();
        let equal = d.iter().zip(&h).filter(|(a, b)| a == b).count();
        let worst = d.iter().zip(&h).map(|(a, b)| (a - b).abs() / (b.abs() + 1.0)).fold(0f32, f32::max);
        assert!(worst <= 12.0 * f32::EPSILON, "rho {rho}: relative diff {worst:e}");
        assert!(equal >= d.len() * 99 / 100, "rho {rho}: {equal} of {} equal", d.len());
    }
}

#[test]
fn what_the_device_refuses_gets_the_host_paths_result_or_error() {
    let n = 4;
    let o = Options::default();
    let mean = Array::new(vec![n], vec![1.0; n]).unwrap();
    let good = spd(n, 3);
    let mut nan = good.clone();
    nan[5] = f32::NAN;
    let mut asym = good.clone();
    asym[1] += 0.5;
    let indefinite: Vec<f32> = (0..n * n).map(|k| if k / n == k % n { if k == 0 { -1.0 } else { 1.0 } } else { 0.0 }).collect();
    // Rank 1 (PSD, singular): the host path's eigen fallback factors it.
    let v = [1.0f32, 2.0, -1.0, 0.5];
    let rank1: Vec<f32> = (0..n * n).map(|k| v[k / n] * v[k % n]).collect();
    for (label, cov, want) in [
        ("nan", nan, Some(ErrorKind::NonFinite)),
        ("asymmetric", asym, Some(ErrorKind::NotSymmetric)),
        ("indefinite", indefinite, Some(ErrorKind::NotPositiveSemidefinite)),
        ("rank 1", rank1, None),
    ] {
        // The bad matrix second in a batch of three, so that the batch index is checked too.
        let cov = Array::new(vec![3, n, n], [good.clone(), cov, good.clone()].concat()).unwrap();
        let d = on_device(&mean, &cov, &[2, 3], 9, &o, false);
        let h = on_host(&mean, &cov, &[2, 3], 9, &o, false);
        match (d, h, want) {
            (Err(d), Err(h), Some(kind)) => {
                assert_eq!(d.kind(), kind, "{label}");
                assert_eq!(d.to_string(), h.to_string(), "{label}");
            }
            (Ok(d), Ok(h), None) => assert_eq!(d, h, "{label}: the host path's very samples"),
            (d, h, _) => panic!("{label}: device {:?} host {:?}", d.map(|x| x.0), h.map(|x| x.0)),
        }
    }
    // A non-finite mean.
    let bad_mean = Array::new(vec![n], vec![0.0, f32::INFINITY, 0.0, 0.0]).unwrap();
    let cov = Array::new(vec![n, n], good.clone()).unwrap();
    let (d, h) = (on_device(&bad_mean, &cov, &[2], 1, &o, false).unwrap_err(), on_host(&bad_mean, &cov, &[2], 1, &o, false).unwrap_err());
    assert_eq!((d.kind(), d.to_string()), (h.kind(), h.to_string()));
    // The sampler still works.
    assert!(on_device(&mean, &cov, &[2], 1, &o, false).is_ok());
}

#[test]
fn other_methods_and_large_n_take_the_host_path_bit_for_bit() {
    for (n, method) in [(4, Method::Eigh), (4, Method::Svd), (20, Method::Cholesky), (0, Method::Cholesky)] {
        let mean = Array::new(vec![n], means(n, 1, 4)).unwrap();
        let cov = Array::new(vec![n, n], spd(n, 8)).unwrap();
        let o = Options::with_method(method);
        assert_eq!(on_device(&mean, &cov, &[50], 2, &o, false).unwrap(), on_host(&mean, &cov, &[50], 2, &o, false).unwrap(), "n {n} {method:?}");
    }
    // Zero rows: nothing drawn, but the inputs are still checked.
    let mean = Array::new(vec![2], vec![0.0, f32::NAN]).unwrap();
    let cov = Array::new(vec![2, 2], vec![1.0, 0.0, 0.0, 1.0]).unwrap();
    assert_eq!(on_device(&mean, &cov, &[0], 1, &Options::default(), false).unwrap_err().kind(), ErrorKind::NonFinite);
}

#[test]
fn a_scale_tril_on_the_device_gives_the_host_paths_samples_bit_for_bit() {
    let n = 6;
    let l: Vec<f32> = (0..3).flat_map(|b| (0..n * n).map(move |k| if k % n <= k / n { 0.3 + ((k + b) % 5) as f32 * 0.1 } else { 0.0 })).collect();
    let mean = Array::new(vec![3, n], means(n, 3, 6)).unwrap();
    let tril = Array::new(vec![3, n, n], l.clone()).unwrap();
    let o = Options::default();
    assert_eq!(on_device(&mean, &tril, &[4, 3], 8, &o, true).unwrap(), on_host(&mean, &tril, &[4, 3], 8, &o, true).unwrap());
    // Not lower triangular: the host path's error.
    let mut upper = l;
    upper[n + 1 + 1] = 2.0; // batch 0, entry (1, 2)
    let tril = Array::new(vec![3, n, n], upper).unwrap();
    let (d, h) = (on_device(&mean, &tril, &[3], 8, &o, true).unwrap_err(), on_host(&mean, &tril, &[3], 8, &o, true).unwrap_err());
    assert_eq!((d.kind(), d.to_string()), (h.kind(), h.to_string()));
}

#[test]
fn the_callers_buffers_are_checked_with_clear_errors() {
    let s = gpu();
    let n = 3;
    let cov = spd(n, 1);
    let mean = [0f32; 3];
    let out = out_buffer(s, 30);
    let o = Options::default();
    let key = Some(mvn_gpu::key(1));
    let (mshape, cshape) = ([n], [n, n]);
    let call = |m: &GpuArray, c: &GpuArray, out: &wgpu::Buffer| block_on(s.multivariate_normal_from_buffers(m, c, &[10], key, &o, out));
    let (mb, cb) = (input(s, &mean), input(s, &cov));
    // Without COPY_SRC (D09).
    let storage_only = upload(s, &cov, wgpu::BufferUsages::STORAGE);
    let e = call(&GpuArray::new(&mb, &mshape), &GpuArray::new(&storage_only, &cshape), &out).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert!(e.to_string().contains("cov: the buffer needs COPY_SRC usage"), "{e}");
    // An offset that is not a multiple of 4, a shape that does not fit (D09).
    let e = call(&GpuArray { buffer: &mb, offset: 2, shape: &mshape }, &GpuArray::new(&cb, &cshape), &out).unwrap_err();
    assert!(e.to_string().contains("mean: the offset 2 is not a multiple of 4 bytes"), "{e}");
    let e = call(&GpuArray { buffer: &mb, offset: 4, shape: &mshape }, &GpuArray::new(&cb, &cshape), &out).unwrap_err();
    assert!(e.to_string().contains("mean: shape (3) from byte 4 does not fit its buffer of 12 bytes"), "{e}");
    // The output buffer: too small (O09).
    let small = out_buffer(s, 29);
    assert_eq!(call(&GpuArray::new(&mb, &mshape), &GpuArray::new(&cb, &cshape), &small).unwrap_err().kind(), ErrorKind::InvalidArgument);
    // Shapes are checked as MultivariateNormal::new checks them (S04).
    let e = call(&GpuArray::new(&mb, &[2]), &GpuArray::new(&cb, &cshape), &out).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidShape);
    // An offset inside a larger buffer works, and the sampler stays usable throughout.
    let padded = input(s, &[[9f32; 4].as_slice(), &cov].concat());
    let a = call(&GpuArray::new(&mb, &mshape), &GpuArray { buffer: &padded, offset: 16, shape: &cshape }, &out).unwrap();
    let first = read_buffer(s, &out, 30);
    call(&GpuArray::new(&mb, &mshape), &GpuArray::new(&cb, &cshape), &out).unwrap();
    assert_eq!((a, first), (vec![10, 3], read_buffer(s, &out, 30)));
    // The CPU backend has no buffers (D09).
    let e = block_on(Sampler::cpu().multivariate_normal_from_buffers(&GpuArray::new(&mb, &mshape), &GpuArray::new(&cb, &cshape), &[10], key, &o, &out)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
}
