//! Property tests (proptest) on random shapes: numpy broadcasting of the output shape and
//! equality with explicitly tiled inputs, bit-identical GPU results under tiny forced chunk
//! limits, and CPU/GPU parity (bits and uniforms exact, normals within NORMAL_ULP_BOUND ulp,
//! multivariate normals within the bound of `gpu_paths::assert_close`).
//!
//! Case counts are small so the module stays under a minute in debug on lavapipe; a deeper run:
//! `PROPTEST_CASES=500 cargo test --locked --test it props::`. The RNG seed is fixed (the run is
//! deterministic) unless `PROPTEST_RNG_SEED=<u64>` is given. Failures are not persisted to files:
//! a shrunk counterexample is printed, and belongs in a named regression test.

use crate::fixtures::ulps;
use crate::gpu_paths::{assert_close, mid, spd, tiny};
use crate::{gpu, NORMAL_ULP_BOUND};
use mvn_gpu::{Array, ErrorKind, Method, MultivariateNormal, Options};
use pollster::block_on;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

/// `cases` cases unless PROPTEST_CASES says otherwise; a fixed seed unless PROPTEST_RNG_SEED.
fn config(cases: u32) -> Config {
    let mut c = Config::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        c.cases = cases;
    }
    if std::env::var_os("PROPTEST_RNG_SEED").is_none() {
        c.rng_seed = RngSeed::Fixed(0x6d76_6e2d_6770_7521);
    }
    c.failure_persistence = None;
    c.max_shrink_iters = 256;
    c
}

/// numpy's broadcast of several shapes, written out independently of the crate (None when
/// they do not broadcast).
fn np_broadcast(shapes: &[&[usize]]) -> Option<Vec<usize>> {
    let nd = shapes.iter().map(|s| s.len()).max().unwrap_or(0);
    let mut out = vec![1usize; nd];
    for s in shapes {
        for (k, &d) in s.iter().enumerate() {
            let o = &mut out[nd - s.len() + k];
            if *o == 1 {
                *o = d;
            } else if d != 1 && d != *o {
                return None;
            }
        }
    }
    Some(out)
}

/// The row of `input` (a batch shape broadcast to `out`) that output row `r` reads.
fn source_row(out: &[usize], input: &[usize], r: usize) -> usize {
    let mut coords = vec![0; out.len()];
    let mut rem = r;
    for k in (0..out.len()).rev() {
        coords[k] = rem % out[k];
        rem /= out[k];
    }
    let pad = out.len() - input.len();
    input.iter().enumerate().fold(0, |idx, (k, &d)| idx * d + if d == 1 { 0 } else { coords[pad + k] })
}

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![Just(Method::Cholesky), Just(Method::Eigh), Just(Method::Svd)]
}

/// A batch shape and three shapes that broadcast to it (suffixes with some dimensions set to 1).
fn compatible_shapes(max_ndim: usize, max_dim: usize) -> impl Strategy<Value = [Vec<usize>; 3]> {
    prop::collection::vec(prop_oneof![1 => Just(0usize), 8 => 1..=max_dim], 0..=max_ndim).prop_flat_map(|target| {
        let nd = target.len();
        let one = move |t: Vec<usize>| {
            (0..=nd, prop::collection::vec(prop::bool::weighted(0.3), nd)).prop_map(move |(len, ones)| {
                t[nd - len..].iter().zip(&ones[nd - len..]).map(|(&d, &o)| if o { 1 } else { d }).collect::<Vec<usize>>()
            })
        };
        [one(target.clone()), one(target.clone()), one(target)]
    })
}

/// A mean of shape `mean_batch + [n]` and a covariance batch `cov_batch + [n, n]` of SPD
/// matrices, all from `seed`.
fn inputs(mean_batch: &[usize], cov_batch: &[usize], n: usize, seed: u64) -> (Array, Array) {
    let m: usize = mean_batch.iter().product::<usize>() * n;
    let mean = mvn_gpu::normal(&[m as i64], 0.0, 1.0, Some(mvn_gpu::key(seed))).unwrap().into_data();
    let nb: usize = cov_batch.iter().product();
    // A few distinct matrices repeated, so deduplication is exercised too.
    let cov: Vec<f32> = (0..nb).flat_map(|b| spd(n, seed * 31 + (b % 3) as u64)).collect();
    let mut ms = mean_batch.to_vec();
    ms.push(n);
    let mut cs = cov_batch.to_vec();
    cs.extend([n, n]);
    (Array::new(ms, mean).unwrap(), Array::new(cs, cov).unwrap())
}

/// `shape` padded with 1s to the batch rank, then `d` in front: more rows, still compatible.
fn with_leading(d: usize, shape: &[usize], mean_b: &[usize], cov_b: &[usize]) -> Vec<usize> {
    let nd = shape.len().max(mean_b.len()).max(cov_b.len());
    let mut s = vec![d];
    s.extend(std::iter::repeat(1).take(nd - shape.len()));
    s.extend_from_slice(shape);
    s
}

fn as_i64(s: &[usize]) -> Vec<i64> {
    s.iter().map(|&d| d as i64).collect()
}

fn assert_bits(id: &str, a: &Array, b: &Array) -> std::result::Result<(), TestCaseError> {
    prop_assert_eq!(a.shape(), b.shape(), "{}", id);
    let bad = a.data().iter().zip(b.data()).position(|(x, y)| x.to_bits() != y.to_bits());
    prop_assert!(bad.is_none(), "{}: first difference at {:?}: {:?} vs {:?}", id, bad, bad.map(|i| a.data()[i]), bad.map(|i| b.data()[i]));
    Ok(())
}

proptest! {
    #![proptest_config(config(48))]

    /// Output shape = broadcast(shape, mean.shape[:-1], cov.shape[:-2]) + (n,), a shape that
    /// does not broadcast is a BROADCAST_ERROR, and the samples equal those of explicitly tiled
    /// inputs (CPU, bit for bit).
    #[test]
    fn broadcasting_matches_numpy_and_tiled_inputs(
        [shape, mean_b, cov_b] in compatible_shapes(3, 3),
        n in 0usize..=4,
        method in method(),
        seed in 0u64..1000,
        // Sometimes one dimension of one shape is replaced (possibly breaking compatibility).
        corrupt in prop::option::weighted(0.25, (0usize..3, 0usize..3, 2usize..=4)),
    ) {
        let mut shapes = [shape, mean_b, cov_b];
        if let Some((which, pos, d)) = corrupt {
            let s = &mut shapes[which];
            if !s.is_empty() {
                let p = pos % s.len();
                s[p] = d;
            }
        }
        let [shape, mean_b, cov_b] = shapes;
        let (mean, cov) = inputs(&mean_b, &cov_b, n, seed);
        let expected = np_broadcast(&[&shape, &mean_b, &cov_b]);
        let key = Some(mvn_gpu::key(seed + 1));
        let got = MultivariateNormal::new(&mean, &cov, &Options::with_method(method)).and_then(|d| d.sample(&as_i64(&shape), key));
        let Some(batch) = expected else {
            let e = got.expect_err("shapes that do not broadcast were accepted");
            prop_assert_eq!(e.kind(), ErrorKind::BroadcastError, "{}", e);
            return Ok(());
        };
        let x = got.map_err(|e| TestCaseError::fail(format!("valid shapes refused: {e}")))?;
        let mut want_shape = batch.clone();
        want_shape.push(n);
        prop_assert_eq!(x.shape(), &want_shape[..]);
        // The same draw from inputs tiled to the full batch shape.
        let rows: usize = batch.iter().product();
        let mut tm = Vec::with_capacity(rows * n);
        let mut tc = Vec::with_capacity(rows * n * n);
        for r in 0..rows {
            let mr = source_row(&batch, &mean_b, r);
            tm.extend_from_slice(&mean.data()[mr * n..(mr + 1) * n]);
            let cr = source_row(&batch, &cov_b, r);
            tc.extend_from_slice(&cov.data()[cr * n * n..(cr + 1) * n * n]);
        }
        let mut ms = batch.clone();
        ms.push(n);
        let mut cs = batch.clone();
        cs.extend([n, n]);
        let tiled = MultivariateNormal::new(&Array::new(ms, tm).unwrap(), &Array::new(cs, tc).unwrap(), &Options::with_method(method)).unwrap();
        let y = tiled.sample(&as_i64(&batch), key).unwrap();
        assert_bits("broadcast vs tiled", &x, &y)?;
    }
}

proptest! {
    #![proptest_config(config(16))]

    /// The GPU result under tiny forced limits (2 workgroups per dimension, 3 KiB or 32 KiB
    /// bindings) equals the unsplit result bit for bit; only a factor wider than one binding
    /// may be refused, with TOO_LARGE.
    #[test]
    fn gpu_chunking_never_changes_the_samples(
        [shape, mean_b, cov_b] in compatible_shapes(2, 3),
        extra in 0usize..100,
        n in prop_oneof![0usize..=4, 5usize..=17, 18usize..=24],
        method in method(),
        seed in 0u64..1000,
    ) {
        let shape = with_leading(extra + 1, &shape, &mean_b, &cov_b);
        let (mean, cov) = inputs(&mean_b, &cov_b, n, seed);
        let d = MultivariateNormal::new(&mean, &cov, &Options::with_method(method)).unwrap();
        let key = Some(mvn_gpu::key(seed));
        let s = as_i64(&shape);
        let whole = block_on(gpu().sample(&d, &s, key)).unwrap();
        for (label, sampler) in [("tiny", tiny()), ("mid", mid())] {
            match block_on(sampler.sample(&d, &s, key)) {
                Ok(x) => assert_bits(label, &whole, &x)?,
                Err(e) => {
                    prop_assert_eq!(e.kind(), ErrorKind::TooLarge, "{}", e);
                    prop_assert!(d.factors().len() as u64 * 4 > sampler.limits().unwrap().max_storage_buffer_binding_size, "{}", e);
                }
            }
        }
    }

    /// normal, uniform and bits of any length: chunked equals unchunked, bit for bit.
    #[test]
    fn gpu_chunking_never_changes_normals_uniforms_or_bits(len in 0i64..6000, seed: u64, loc in -4f32..4.0, scale in 0.01f32..8.0) {
        let k = Some(mvn_gpu::key(seed));
        assert_bits("normal", &block_on(gpu().normal(&[len], loc, scale, k)).unwrap(), &block_on(tiny().normal(&[len], loc, scale, k)).unwrap())?;
        assert_bits("uniform", &block_on(gpu().uniform(&[len], loc, loc + scale, k)).unwrap(), &block_on(tiny().uniform(&[len], loc, loc + scale, k)).unwrap())?;
        prop_assert_eq!(block_on(gpu().bits(&[len], k)).unwrap(), block_on(tiny().bits(&[len], k)).unwrap());
    }

    /// GPU against the CPU reference on random shapes: bits and uniforms exact, normals within
    /// NORMAL_ULP_BOUND ulp.
    #[test]
    fn gpu_matches_cpu_for_bits_uniforms_and_normals(
        shape in prop::collection::vec(0i64..=40, 0..=3),
        seed: u64,
        low in -100f32..100.0,
        width in 1e-3f32..1e3,
    ) {
        let k = Some(mvn_gpu::key(seed));
        prop_assert_eq!(block_on(gpu().bits(&shape, k)).unwrap(), mvn_gpu::bits(&shape, k).unwrap());
        let (lo, hi) = (low, low + width);
        assert_bits("uniform", &block_on(gpu().uniform(&shape, lo, hi, k)).unwrap(), &mvn_gpu::uniform(&shape, lo, hi, k).unwrap())?;
        let g = block_on(gpu().normal(&shape, 0.0, 1.0, k)).unwrap();
        let c = mvn_gpu::normal(&shape, 0.0, 1.0, k).unwrap();
        prop_assert_eq!(g.shape(), c.shape());
        let worst = g.data().iter().zip(c.data()).map(|(a, b)| ulps(*a, *b)).max().unwrap_or(0);
        prop_assert!(worst <= NORMAL_ULP_BOUND, "{} ulp > {}", worst, NORMAL_ULP_BOUND);
    }

    /// multivariate_normal: GPU against the CPU reference on random layouts, every method,
    /// within the bound of `gpu_paths::assert_close`.
    #[test]
    fn gpu_matches_cpu_for_multivariate_normal(
        [shape, mean_b, cov_b] in compatible_shapes(2, 3),
        extra in 0usize..100,
        n in prop_oneof![0usize..=4, 5usize..=16, 17usize..=40],
        method in method(),
        seed in 0u64..1000,
    ) {
        let shape = with_leading(extra + 1, &shape, &mean_b, &cov_b);
        let (mean, cov) = inputs(&mean_b, &cov_b, n, seed);
        let d = MultivariateNormal::new(&mean, &cov, &Options::with_method(method)).unwrap();
        let key = mvn_gpu::key(seed ^ 0x5555);
        let s = as_i64(&shape);
        let cpu = d.sample(&s, Some(key)).unwrap();
        let g = block_on(gpu().sample(&d, &s, Some(key))).unwrap();
        assert_close(&format!("{method} n {n} shape {shape:?} mean {mean_b:?} cov {cov_b:?}"), &d, key, &cpu, &g);
    }
}

#[test]
fn numpy_broadcast_helper_agrees_with_known_cases() {
    // The oracle itself, on numpy's documented examples.
    assert_eq!(np_broadcast(&[&[8, 1, 6, 1], &[7, 1, 5]]), Some(vec![8, 7, 6, 5]));
    assert_eq!(np_broadcast(&[&[5, 4], &[1]]), Some(vec![5, 4]));
    assert_eq!(np_broadcast(&[&[15, 3, 5], &[15, 1, 5]]), Some(vec![15, 3, 5]));
    assert_eq!(np_broadcast(&[&[0], &[1]]), Some(vec![0]));
    assert_eq!(np_broadcast(&[&[3], &[4]]), None);
    assert_eq!(np_broadcast(&[&[2, 1], &[8, 4, 3]]), None);
    assert_eq!(np_broadcast(&[&[], &[]]), Some(vec![]));
    assert_eq!(source_row(&[2, 3], &[3], 4), 1);
    assert_eq!(source_row(&[2, 3], &[2, 1], 4), 1);
    assert_eq!(source_row(&[2, 3], &[], 5), 0);
}
