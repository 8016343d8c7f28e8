//! The bad- and edge-input catalogue of docs/errors.md through the Rust API, on the CPU and
//! the GPU (lavapipe) sampler. Every row is named by its ID. Each refusal checks the kind,
//! the code, that the message names the operation (`[op] `) and the problem, and that the
//! same sampler afterwards still gives the CPU reference's samples. Valid edge cases check
//! shapes, finiteness and correctness against independent truth.

use crate::gpu;
use mvn_gpu::{Array, ChunkLimits, Dtype, Error, ErrorKind, Key, Method, MultivariateNormal, OnInvalid, Options, Sampler, SamplerOptions, MAX_ELEMENTS};
use pollster::block_on;
use std::str::FromStr;
use std::sync::OnceLock;

const OP: &str = "multivariate_normal";
const METHODS: [Method; 3] = [Method::Cholesky, Method::Eigh, Method::Svd];

fn arr(shape: &[usize], data: &[f32]) -> Array {
    Array::new(shape.to_vec(), data.to_vec()).unwrap()
}

fn zeros(n: usize) -> Array {
    arr(&[n], &vec![0.0; n])
}

fn eye(n: usize) -> Array {
    let mut d = vec![0.0; n * n];
    (0..n).for_each(|i| d[i * n + i] = 1.0);
    arr(&[n, n], &d)
}

fn k() -> Option<Key> {
    Some(Key::new(0, 42))
}

fn cpu() -> &'static Sampler {
    static S: OnceLock<Sampler> = OnceLock::new();
    S.get_or_init(Sampler::cpu)
}

/// Both backends: every row runs on each.
fn samplers() -> [&'static Sampler; 2] {
    [cpu(), gpu()]
}

fn name(s: &Sampler) -> &'static str {
    s.backend().as_str()
}

/// The distribution the usability probe samples.
fn probe_dist() -> &'static MultivariateNormal {
    static D: OnceLock<MultivariateNormal> = OnceLock::new();
    D.get_or_init(|| {
        let cov = arr(&[3, 3], &[2.0, 0.3, -0.4, 0.3, 1.0, 0.2, -0.4, 0.2, 0.5]);
        MultivariateNormal::new(&arr(&[3], &[1.0, -2.0, 0.5]), &cov, &Options::default()).unwrap()
    })
}

/// After an error the sampler still works: a small draw equals the CPU reference (bit for bit
/// on the CPU, within float32 round-off on the GPU), and so does a `normal` draw.
fn assert_usable(id: &str, s: &Sampler) {
    let d = probe_dist();
    let key = Some(Key::new(7, 9));
    let want = d.sample(&[33], key).unwrap();
    let got = block_on(s.sample(d, &[33], key)).unwrap_or_else(|e| panic!("{id} ({}): sampler unusable afterwards: {e}", name(s)));
    assert_eq!(got.shape(), want.shape(), "{id}");
    let diff = got.data().iter().zip(want.data()).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
    let tol = if s.backend() == mvn_gpu::Backend::Cpu { 0.0 } else { 1e-5 };
    assert!(diff <= tol, "{id} ({}): samples after the error differ from the reference by {diff}", name(s));
    let z = block_on(s.normal(&[5], 0.0, 1.0, key)).unwrap();
    let zr = mvn_gpu::normal(&[5], 0.0, 1.0, key).unwrap();
    assert!(z.data().iter().zip(zr.data()).all(|(a, b)| (a - b).abs() <= 1e-6), "{id} ({}): normal after the error", name(s));
}

/// Checks a refusal: kind, code, `[op] ` prefix, and words naming the problem.
#[track_caller]
fn assert_err(id: &str, e: &Error, kind: ErrorKind, op: &str, words: &[&str]) {
    assert_eq!(e.kind(), kind, "{id}: {e}");
    assert_eq!(e.code(), kind.code(), "{id}");
    assert!(e.message().starts_with(&format!("[{op}] ")), "{id}: '{e}' should start with [{op}]");
    for w in words {
        assert!(e.message().contains(w), "{id}: '{e}' lacks '{w}'");
    }
}

/// A row refused on both samplers, each still usable afterwards.
#[track_caller]
fn refused<T>(id: &str, kind: ErrorKind, op: &str, words: &[&str], f: impl Fn(&Sampler) -> Result<T, Error>) {
    for s in samplers() {
        let Err(e) = f(s) else { panic!("{id} ({}): expected {kind:?}, got a result", name(s)) };
        assert_err(id, &e, kind, op, words);
        assert_usable(id, s);
    }
}

fn mvn(s: &Sampler, mean: &Array, cov: &Array, shape: &[i64], o: &Options) -> Result<Array, Error> {
    block_on(s.multivariate_normal(mean, cov, shape, k(), o))
}

fn finite(a: &Array) -> bool {
    a.data().iter().all(|v| v.is_finite())
}

// ---------------------------------------------------------------------------------------------
// Invalid values
// ---------------------------------------------------------------------------------------------

#[test]
fn catalogue_invalid_values() {
    let d = Options::default();
    refused("V01", ErrorKind::NonFinite, OP, &["mean", "NaN", "(1)"], |s| mvn(s, &arr(&[2], &[0.0, f32::NAN]), &eye(2), &[3], &d));
    let cov = arr(&[2, 2, 2], &[1.0, 0.0, 0.0, 1.0, 1.0, f32::INFINITY, f32::INFINITY, 1.0]);
    refused("V02", ErrorKind::NonFinite, OP, &["cov", "inf", "(1,0,1)"], |s| mvn(s, &zeros(2), &cov, &[], &d));
    refused("V03", ErrorKind::NonFinite, OP, &["mean", "-inf"], |s| mvn(s, &arr(&[2], &[f32::NEG_INFINITY, 0.0]), &eye(2), &[], &d));
    // A double beyond float32's range becomes infinity on conversion: refused like one.
    let big = 1e39f64 as f32;
    refused("V04", ErrorKind::NonFinite, OP, &["cov", "inf", "(0,0)"], |s| mvn(s, &zeros(2), &arr(&[2, 2], &[big, 0.0, 0.0, 1.0]), &[], &d));
    refused("V04", ErrorKind::NonFinite, OP, &["mean", "inf"], |s| mvn(s, &arr(&[2], &[-3.5e38f64 as f32, 0.0]), &eye(2), &[], &d));
    refused("V05", ErrorKind::NonFinite, OP, &["scale_tril", "NaN"], |_| {
        MultivariateNormal::from_scale_tril(&zeros(2), &arr(&[2, 2], &[1.0, 0.0, f32::NAN, 1.0]))
    });
    refused("V06", ErrorKind::NonFinite, "normal", &["loc", "NaN"], |s| block_on(s.normal(&[3], f32::NAN, 1.0, k())));
    refused("V06", ErrorKind::NonFinite, "normal", &["scale", "inf"], |s| block_on(s.normal(&[3], 0.0, f32::INFINITY, k())));
    refused("V06", ErrorKind::NonFinite, "normal", &["loc", "-inf"], |s| block_on(s.normal(&[3], f32::NEG_INFINITY, 1.0, k())));
    refused("V06", ErrorKind::NonFinite, "normal", &["scale 3e38 times sqrt(2) overflows float32"], |s| block_on(s.normal(&[3], 0.0, 3e38, k())));
    refused("V07", ErrorKind::NonFinite, "uniform", &["low", "NaN"], |s| block_on(s.uniform(&[3], f32::NAN, 1.0, k())));
    refused("V07", ErrorKind::NonFinite, "uniform", &["high", "inf"], |s| block_on(s.uniform(&[3], 0.0, arr(&[3], &[1.0, f32::INFINITY, 2.0]), k())));
    refused("V08", ErrorKind::NonFinite, "uniform", &["high - low overflows float32 (3e38 - -3e38)"], |s| block_on(s.uniform(&[3], -3e38, 3e38, k())));
}

// ---------------------------------------------------------------------------------------------
// Shapes and broadcasting
// ---------------------------------------------------------------------------------------------

#[test]
fn catalogue_shapes_and_broadcasting() {
    let d = Options::default();
    refused("S01", ErrorKind::InvalidShape, OP, &["mean must have at least one dimension"], |s| mvn(s, &arr(&[], &[0.0]), &eye(2), &[], &d));
    refused("S02", ErrorKind::InvalidShape, OP, &["cov must have at least two dimensions"], |s| mvn(s, &zeros(2), &arr(&[2], &[1.0; 2]), &[], &d));
    refused("S03", ErrorKind::InvalidShape, OP, &["last two dimensions of cov must be equal", "(2,3)"], |s| {
        mvn(s, &zeros(2), &arr(&[2, 3], &[0.0; 6]), &[], &d)
    });
    refused("S04", ErrorKind::InvalidShape, OP, &["compatible shapes", "(3)", "(2,2)"], |s| mvn(s, &zeros(3), &eye(2), &[], &d));
    refused("S05", ErrorKind::BroadcastError, OP, &["(4)", "(3)", "cannot be broadcast"], |s| {
        mvn(s, &arr(&[3, 2], &[0.0; 6]), &arr(&[4, 2, 2], &[1.0, 0.0, 0.0, 1.0].repeat(4)), &[], &d)
    });
    refused("S06", ErrorKind::BroadcastError, OP, &["(2)", "(3)", "cannot be broadcast"], |s| mvn(s, &arr(&[2, 2], &[0.0; 4]), &eye(2), &[3], &d));
    refused("S07", ErrorKind::InvalidShape, OP, &["Negative dimensions", "(-1)"], |s| mvn(s, &zeros(2), &eye(2), &[-1], &d));
    refused("S07", ErrorKind::InvalidShape, "normal", &["Negative", "(2,-3)"], |s| block_on(s.normal(&[2, -3], 0.0, 1.0, k())));
    refused("S07", ErrorKind::InvalidShape, "uniform", &["Negative"], |s| block_on(s.uniform(&[-1], 0.0, 1.0, k())));
    refused("S07", ErrorKind::InvalidShape, "bits", &["Negative"], |s| block_on(s.bits(&[-4], k())));
    refused("S07", ErrorKind::InvalidShape, "split", &["Negative"], |_| mvn_gpu::split_n(Key::new(0, 1), -1));
    refused("S10", ErrorKind::TooLarge, OP, &["4294967295"], |s| mvn(s, &zeros(2), &eye(2), &[i64::MAX], &d));
    refused("S10", ErrorKind::TooLarge, OP, &["4294967295"], |s| mvn(s, &zeros(2), &eye(2), &[1 << 62, 1 << 62], &d));
    refused("S10", ErrorKind::TooLarge, "bits", &["4294967295"], |s| block_on(s.bits(&[i64::MAX, 2], k())));
    // Empty, but the other dimensions alone are absurd: refused (row counts would overflow).
    refused("S11", ErrorKind::TooLarge, OP, &["empty", "4294967295"], |s| mvn(s, &zeros(2), &eye(2), &[1 << 40, 0], &d));
    refused("S11", ErrorKind::TooLarge, OP, &["empty", "4294967295"], |s| mvn(s, &zeros(2), &eye(2), &[1 << 62, 1 << 62, 0], &d));
    refused("S11", ErrorKind::TooLarge, "normal", &["empty"], |s| block_on(s.normal(&[0, i64::MAX], 0.0, 1.0, k())));
    refused("S13", ErrorKind::InvalidShape, "array", &["length 3", "(2,2)"], |_| Array::new(vec![2, 2], vec![1.0f32; 3]));
    refused("S14", ErrorKind::TooLarge, "array", &["4294967295"], |_| Array::new(vec![usize::MAX, 0], Vec::<f32>::new()));
    refused("S14", ErrorKind::TooLarge, "array", &["4294967295"], |_| Array::new(vec![1 << 40, 1 << 40, 0], Vec::<f32>::new()));
    refused("S15", ErrorKind::BroadcastError, "uniform", &["(2) and (3)"], |s| block_on(s.uniform(&[2], zeros(3), 1.0, k())));
    refused("S16", ErrorKind::BroadcastError, "uniform", &["from broadcasted shape (3,3)"], |s| {
        block_on(s.uniform(&[3], arr(&[3, 1], &[0.0; 3]), 1.0, k()))
    });
}

// ---------------------------------------------------------------------------------------------
// Covariance checks
// ---------------------------------------------------------------------------------------------

#[test]
fn catalogue_covariance_checks() {
    for method in METHODS {
        let o = Options::with_method(method);
        refused("C01", ErrorKind::NotSymmetric, OP, &["not symmetric", "batch index 0", "(0,1)"], |s| {
            mvn(s, &zeros(2), &arr(&[2, 2], &[1.0, 0.5, 0.0, 1.0]), &[], &o)
        });
        refused("C02", ErrorKind::NotPositiveSemidefinite, OP, &["not positive semidefinite", "batch index 0", "eigenvalue -1"], |s| {
            mvn(s, &zeros(2), &arr(&[2, 2], &[1.0, 2.0, 2.0, 1.0]), &[], &o)
        });
        refused("C03", ErrorKind::NotPositiveSemidefinite, OP, &["eigenvalue -2"], |s| mvn(s, &zeros(2), &arr(&[2, 2], &[-2.0, 0.0, 0.0, -2.0]), &[], &o));
        let batch = arr(&[3, 2, 2], &[1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 2.0, 2.0, 1.0]);
        refused("C04", ErrorKind::NotPositiveSemidefinite, OP, &["batch index 2"], |s| mvn(s, &zeros(2), &batch, &[], &o));
        // Asymmetry of relative size 1e-5: beyond the default tolerance (16 * 2^-23 for n = 2),
        // accepted with a tolerance of 1e-4.
        let c = arr(&[2, 2], &[1.0, 0.5, 0.50001, 1.0]);
        refused("C06", ErrorKind::NotSymmetric, OP, &["tolerance 1.90735e-6"], |s| mvn(s, &zeros(2), &c, &[], &o));
        let loose = Options { tolerance: Some(1e-4), ..o };
        for s in samplers() {
            let x = mvn(s, &zeros(2), &c, &[10], &loose).unwrap_or_else(|e| panic!("C06: {e}"));
            assert!(finite(&x), "C06");
        }
    }
    refused("C05", ErrorKind::InvalidArgument, OP, &["lower triangular", "(0,1)"], |_| {
        MultivariateNormal::from_scale_tril(&zeros(2), &arr(&[2, 2], &[1.0, 0.5, 0.0, 1.0]))
    });
    // C09: a low-rank covariance, positive definite in exact arithmetic, that f64 cannot factor.
    let ill = mvn_gpu::LowRankMultivariateNormal::new(&zeros(2), &arr(&[2, 2], &[1e10; 4]), &arr(&[2], &[1e-10; 2])).unwrap();
    let words = ["does not factor in f64", "cov_diag is too small next to cov_factor"];
    refused("C09", ErrorKind::NotPositiveSemidefinite, "log_prob", &words, |_| ill.log_prob(&[2], &[0.0, 0.0]));
    refused("C09", ErrorKind::NotPositiveSemidefinite, "entropy", &words, |_| ill.entropy());
    refused("C09", ErrorKind::NotPositiveSemidefinite, "scale_tril", &words, |_| ill.scale_tril());
    refused("C09", ErrorKind::NotPositiveSemidefinite, "scale_tril", &words, |_| ill.to_dense().map(|_| ()));
    for s in samplers() {
        let x = block_on(s.sample_low_rank(&ill, &[4], k())).unwrap_or_else(|e| panic!("C09: {e}"));
        assert!(finite(&x), "C09: samples");
    }
    // C07: eigenvalue -1 of [[1, 2], [2, 1]] passes a tolerance of 0.5 (down to -1.5): sampled
    // from the clipped matrix, and the report says so, whatever the tolerance.
    for method in [Method::Cholesky, Method::Eigh] {
        let o = Options { tolerance: Some(0.5), ..Options::with_method(method) };
        let d = MultivariateNormal::new(&zeros(2), &arr(&[2, 2], &[1.0, 2.0, 2.0, 1.0]), &o).unwrap_or_else(|e| panic!("C07: {e}"));
        assert!(d.reports().unwrap()[0].clipped, "C07 {method:?}: the report says not clipped");
        assert!((d.reports().unwrap()[0].min_eigenvalue + 1.0).abs() < 1e-6, "C07");
    }
}

/// C08: small genuine variances survive eigh and svd. Exactly diagonal input is exact; a
/// positive definite graded matrix `D K D` (variances 1 and 1e-16) gets its small eigenvalue
/// to relative accuracy (Cholesky + Jacobi). Checked against the closed form of the 2 x 2
/// eigenvalues (in f64, of the float32 entries) and against the sample variance.
#[test]
fn catalogue_small_variances() {
    let id = "C08";
    let tiny = 1e-17f32;
    let graded = arr(&[2, 2], &[1.0, 5e-9, 5e-9, 1e-16]);
    let (a, b, d) = (1.0f64, 5e-9f32 as f64, 1e-16f32 as f64);
    let det = a * d - b * b;
    let lmin = det / (0.5 * (a + d) + (0.25 * (a - d) * (a - d) + b * b).sqrt());
    for method in METHODS {
        let o = Options::with_method(method);
        let diag = MultivariateNormal::new(&zeros(2), &arr(&[2, 2], &[1.0, 0.0, 0.0, tiny]), &o).unwrap_or_else(|e| panic!("{id} {method:?}: {e}"));
        let r = &diag.reports().unwrap()[0];
        // Exact for eigh and svd; from the float32 factor (its square root rounded) for Cholesky.
        let want = tiny as f64;
        let bound = if method == Method::Cholesky { 1e-6 * want } else { 0.0 };
        assert!((r.min_eigenvalue - want).abs() <= bound, "{id} {method:?}: diag(1, 1e-17) reports {:e}", r.min_eigenvalue);
        let g = MultivariateNormal::new(&zeros(2), &graded, &o).unwrap_or_else(|e| panic!("{id} {method:?}: {e}"));
        let got = g.reports().unwrap()[0].min_eigenvalue;
        assert!((got - lmin).abs() <= 1e-6 * lmin, "{id} {method:?}: graded min eigenvalue {got:e}, want {lmin:e}");
        for s in samplers() {
            for (dist, var) in [(&diag, tiny as f64), (&g, d)] {
                let x = block_on(s.sample(dist, &[20000], k())).unwrap();
                let second: Vec<f64> = x.data().chunks(2).map(|r| r[1] as f64).collect();
                let v = second.iter().map(|x| x * x).sum::<f64>() / second.len() as f64;
                assert!((v / var - 1.0).abs() < 0.05, "{id} {method:?} {}: variance {v:e} of the small coordinate, want {var:e}", name(s));
            }
        }
    }
}

/// L13: within the element limit but beyond the memory the process may use. This test runs
/// itself again in a child under a 2 GiB address-space limit (`ulimit -v`): a split into 10^9
/// keys (8 GB) and a batch of 2^22 distinct 8 x 8 covariances (1 GiB given, as much again for
/// the factors) are refused with TOO_LARGE before any work, instead of aborting.
#[test]
fn catalogue_memory_limit() {
    if std::env::var_os("MVN_MEMORY_CHILD").is_some() {
        let e = mvn_gpu::split_n(Key::new(0, 1), 1_000_000_000).unwrap_err();
        assert_err("L13", &e, ErrorKind::TooLarge, "split", &["cannot allocate", "8000000000 bytes"]);
        let (n, num) = (8, 1 << 22);
        let mut data = vec![0f32; num * n * n];
        for (b, m) in data.chunks_mut(n * n).enumerate() {
            (0..n).for_each(|i| m[i * n + i] = 1.0 + b as f32);
        }
        let cov = Array::new([num, n, n], data).unwrap();
        let t = std::time::Instant::now();
        let e = MultivariateNormal::new(&zeros(n), &cov, &Options::default()).err().expect("L13: 2^22 covariances factored within 2 GiB");
        assert_err("L13", &e, ErrorKind::TooLarge, OP, &["cannot allocate"]);
        println!("L13 child: refused in {:?}", t.elapsed());
        return;
    }
    let out = std::process::Command::new("bash")
        .args(["-c", "ulimit -v 2097152 && exec \"$0\" catalogue::catalogue_memory_limit --exact --nocapture --test-threads=1"])
        .arg(std::env::current_exe().unwrap())
        .env("MVN_MEMORY_CHILD", "1")
        .output()
        .unwrap();
    let (so, se) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success() && so.contains("L13 child: refused"), "L13: the child failed ({:?}):\n{so}\n{se}", out.status);
}

// ---------------------------------------------------------------------------------------------
// Sizes and limits
// ---------------------------------------------------------------------------------------------

#[test]
fn catalogue_sizes_and_limits() {
    let t = std::time::Instant::now();
    let d = MultivariateNormal::new(&zeros(2), &eye(2), &Options::default()).unwrap();
    let limit = MAX_ELEMENTS.to_string();
    refused("L01", ErrorKind::TooLarge, OP, &[&limit, "(1099511627776,2)"], |s| block_on(s.sample(&d, &[1 << 40], k())));
    refused("L01", ErrorKind::TooLarge, OP, &[&limit], |s| mvn(s, &zeros(2), &eye(2), &[1 << 40], &Options::default()));
    refused("L02", ErrorKind::TooLarge, "normal", &[&limit], |s| block_on(s.normal(&[1 << 40], 0.0, 1.0, k())));
    refused("L02", ErrorKind::TooLarge, "uniform", &[&limit], |s| block_on(s.uniform(&[1 << 20, 1 << 20], 0.0, 1.0, k())));
    refused("L02", ErrorKind::TooLarge, "bits", &[&limit], |s| block_on(s.bits(&[1 << 40], k())));
    refused("L03", ErrorKind::TooLarge, "split", &["limit", "2147483647"], |_| mvn_gpu::split_n(Key::new(0, 1), 1 << 40));
    // One past the limit is refused; the limit itself is accepted (shape only, nothing drawn).
    let d1 = MultivariateNormal::new(&zeros(1), &eye(1), &Options::default()).unwrap();
    refused("L04", ErrorKind::TooLarge, OP, &[&limit], |s| block_on(s.sample(&d1, &[1 << 32], k())));
    refused("L04", ErrorKind::TooLarge, OP, &[&limit], |s| block_on(s.sample(&d, &[1 << 31], k())));
    assert_eq!(d1.output_shape(&[MAX_ELEMENTS as i64]).unwrap(), vec![MAX_ELEMENTS, 1], "E19");
    assert!(t.elapsed().as_secs_f64() < 10.0, "L01-L04: refusals must not allocate or compute ({:?})", t.elapsed());

    // L05: within the element limit but beyond what one device buffer holds: samples kept on
    // the GPU are refused with the device's limit named; nothing is allocated.
    let s = gpu();
    let max = s.limits().unwrap().max_buffer_size;
    let rows: i64 = 1 << 30; // n = 2: 2^31 floats, 8 GiB (lavapipe allows 2 GiB a buffer)
    if (rows as u64) * 8 > max {
        let e = block_on(s.sample_to_buffer(&d, &[rows], k())).unwrap_err();
        assert_err("L05", &e, ErrorKind::TooLarge, OP, &["max_buffer_size", &max.to_string()]);
        assert_usable("L05", s);
    } else {
        println!("L05: skipped on this device: max_buffer_size {max} holds 2^31 floats");
    }
    // L06/L07: a device whose buffers and bindings are tiny (4 KiB) stands for one that cannot
    // hold the request: read back, the work is split into chunks and gives the CPU's samples;
    // kept on the GPU, it is refused with TOO_LARGE naming the limit.
    let limits = ChunkLimits { max_workgroups_per_dimension: 65535, max_storage_buffer_binding_size: 4096, max_buffer_size: 4096 };
    let small = block_on(Sampler::gpu(&SamplerOptions { limits, ..SamplerOptions::default() })).expect("GPU adapter");
    let dist = probe_dist();
    let want = dist.sample(&[5000], k()).unwrap();
    let got = block_on(small.sample(dist, &[5000], k())).unwrap();
    let diff = got.data().iter().zip(want.data()).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
    assert!(diff <= 1e-5, "L06: chunked samples differ by {diff}");
    let e = block_on(small.sample_to_buffer(dist, &[5000], k())).unwrap_err();
    assert_err("L06", &e, ErrorKind::TooLarge, OP, &["max_buffer_size (4096 bytes)"]);
    let wide = MultivariateNormal::new(&zeros(40), &eye(40), &Options::default()).unwrap();
    let e = block_on(small.sample(&wide, &[2], k())).unwrap_err();
    assert_err("L07", &e, ErrorKind::TooLarge, OP, &["covariance factors", "4096 bytes"]);
    assert_usable("L07", &small);
}

/// L08: the sampler's own device is lost (destroyed) between calls: the next call opens a new
/// device and gives the very samples of a fresh sampler; no panic, no hang.
/// L09: the application's device (`from_device`) is lost: DEVICE_LOST, and the sampler says so.
#[test]
fn catalogue_lost_device() {
    let s = block_on(Sampler::gpu(&SamplerOptions::default())).expect("GPU adapter");
    let d = probe_dist();
    let before = block_on(s.sample(d, &[8], k())).unwrap();
    let old = s.device().unwrap();
    old.destroy();
    let after = block_on(s.sample(d, &[8], k())).unwrap_or_else(|e| panic!("L08: the call after the loss failed: {e}"));
    assert_eq!(after.data(), before.data(), "L08: samples on the replacement device differ");
    assert_eq!(s.device_replacements(), 1, "L08: the device was not replaced");
    assert_eq!(s.device_lost(), None, "L08");
    let z = block_on(s.normal(&[8], 0.0, 1.0, k())).unwrap();
    assert_eq!(z.data(), block_on(gpu().normal(&[8], 0.0, 1.0, k())).unwrap().data(), "L08: normal after the loss");
    assert_usable("L08", &s);
    // Destroyed again, right before a call of each kind: each recovers.
    for round in 0..3 {
        s.device().unwrap().destroy();
        let x = match round {
            0 => block_on(s.normal(&[8], 0.0, 1.0, k())).map(|a| a.data().to_vec()),
            1 => block_on(s.sample(d, &[8], k())).map(|a| a.data().to_vec()),
            _ => block_on(s.sample_to_buffer(d, &[8], k())).map(|b| vec![b.len() as f32]),
        };
        assert!(x.is_ok(), "L08 round {round}: {x:?}");
        assert_eq!(s.device_replacements(), 2 + round, "L08 round {round}");
    }
    // sample_into the caller's buffer, which died with the device: DEVICE_LOST for that call;
    // a buffer made on the new device then works.
    let usage = wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC;
    let buffer = |s: &Sampler| s.device().unwrap().create_buffer(&wgpu::BufferDescriptor { label: None, size: 96, usage, mapped_at_creation: false });
    let on_old = buffer(&s);
    s.device().unwrap().destroy();
    let e = block_on(s.sample_into(d, &[8], k(), &on_old)).expect_err("L08: sample_into a buffer of the lost device");
    assert_err("L08", &e, ErrorKind::DeviceLost, "sample_into", &["output buffer", "Sampler::device()"]);
    assert_eq!(s.device_replacements(), 5, "L08: sample_into replaces the device for later calls");
    assert_eq!(block_on(s.sample_into(d, &[8], k(), &buffer(&s))).unwrap(), vec![8, 3], "L08: sample_into on the new device");

    let app = block_on(Sampler::gpu(&SamplerOptions::default())).expect("GPU adapter");
    let on_app = Sampler::from_device(app.device().unwrap(), app.queue().unwrap(), mvn_gpu::ChunkLimits::UNLIMITED);
    assert_eq!(block_on(on_app.sample(d, &[8], k())).unwrap().data(), before.data(), "L09: before the loss");
    assert_eq!(on_app.device_lost(), None, "L09");
    app.device().unwrap().destroy();
    for _ in 0..2 {
        let e = block_on(on_app.sample(d, &[8], k())).expect_err("L09: sampling on a lost application device");
        assert_err("L09", &e, ErrorKind::DeviceLost, OP, &["GPU device was lost", "application's device", "new sampler"]);
        let e = block_on(on_app.normal(&[8], 0.0, 1.0, k())).expect_err("L09: normal on a lost application device");
        assert_err("L09", &e, ErrorKind::DeviceLost, "normal", &["lost"]);
    }
    let why = on_app.device_lost().expect("L09: device_lost() should say why");
    assert!(why.contains("Destroyed"), "L09: {why}");
}

// ---------------------------------------------------------------------------------------------
// Keys and seeds
// ---------------------------------------------------------------------------------------------

#[test]
fn catalogue_keys_and_seeds() {
    refused("K01", ErrorKind::InvalidKey, "key", &["Expected key shape (2)", "(3)"], |_| Key::from_slice(&[1, 2, 3]));
    refused("K01", ErrorKind::InvalidKey, "key", &["(1)"], |_| Key::from_slice(&[1]));
    refused("K01", ErrorKind::InvalidKey, "key", &["(0)"], |_| Key::from_slice(&[]));
    // K08: a seed is a u64, so one beyond 2^64 (K05) does not type-check; the largest works.
    assert_eq!(mvn_gpu::key(u64::MAX).words(), [u32::MAX, u32::MAX], "K08");
    assert_eq!(mvn_gpu::key(1 << 32).words(), [1, 0], "K08");
    refused("K09", ErrorKind::InvalidShape, "split", &["Negative"], |_| mvn_gpu::split_n(Key::new(0, 1), -3));
    assert_eq!(mvn_gpu::split_n(Key::new(0, 1), 0).unwrap(), vec![], "E14");
}

// ---------------------------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------------------------

#[test]
fn catalogue_options() {
    refused("O01", ErrorKind::InvalidArgument, OP, &["Unknown method 'qr'", "cholesky"], |_| Method::from_str("qr"));
    refused("O01", ErrorKind::InvalidArgument, OP, &["'Cholesky'"], |_| Method::from_str("Cholesky"));
    for dt in [Dtype::Float16, Dtype::Bfloat16, Dtype::Float64, Dtype::Int32] {
        let o = Options { dtype: dt, ..Options::default() };
        refused("O03", ErrorKind::InvalidDtype, OP, &["dtype must be float32", dt.as_str()], |s| mvn(s, &zeros(2), &eye(2), &[], &o));
    }
    refused("O04", ErrorKind::InvalidDtype, "dtype", &["'complex128'", "float32"], |_| Dtype::from_str("complex128"));
    refused("O05", ErrorKind::InvalidArgument, OP, &["Unknown on_invalid 'ignore'"], |_| OnInvalid::from_str("ignore"));
    for tol in [-1.0, f64::NAN, f64::INFINITY] {
        let o = Options { tolerance: Some(tol), ..Options::default() };
        refused("O06", ErrorKind::InvalidArgument, OP, &["tolerance must be finite and >= 0"], |s| mvn(s, &zeros(2), &eye(2), &[], &o));
    }
    for tol in [1.0, 2.0, 1e300] {
        let o = Options { tolerance: Some(tol), ..Options::default() };
        refused("O06", ErrorKind::InvalidArgument, OP, &["tolerance must be below 1"], |s| mvn(s, &zeros(2), &eye(2), &[], &o));
    }
    refused("O07", ErrorKind::InvalidArgument, "bits", &["Bit width", "3"], |s| block_on(s.bits_width(&[2], 3, k())));
    let d = probe_dist();
    let e = block_on(cpu().sample_to_buffer(d, &[2], k())).unwrap_err();
    assert_err("O12", &e, ErrorKind::InvalidArgument, "sample_to_buffer", &["CPU backend"]);
    assert_usable("O12", cpu());
    let s = gpu();
    let device = s.device().unwrap();
    let small = device.create_buffer(&wgpu::BufferDescriptor { label: None, size: 64, usage: wgpu::BufferUsages::STORAGE, mapped_at_creation: false });
    let e = block_on(cpu().sample_into(d, &[2], k(), &small)).unwrap_err();
    assert_err("O12", &e, ErrorKind::InvalidArgument, "sample_into", &["CPU backend"]);
    let e = block_on(s.sample_into(d, &[100], k(), &small)).unwrap_err();
    assert_err("O09", &e, ErrorKind::InvalidArgument, "sample_into", &["1200 bytes", "64 bytes"]);
    let vertex = device.create_buffer(&wgpu::BufferDescriptor { label: None, size: 4096, usage: wgpu::BufferUsages::VERTEX, mapped_at_creation: false });
    let e = block_on(s.sample_into(d, &[100], k(), &vertex)).unwrap_err();
    assert_err("O09", &e, ErrorKind::InvalidArgument, "sample_into", &["STORAGE"]);
    assert_usable("O09", s);
    // A destroyed buffer: refused. (A buffer of another device is refused on the web, where
    // WebGPU validates it; natively, wgpu cannot tell another instance's buffer from its own.)
    let usage = wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC;
    let dead = device.create_buffer(&wgpu::BufferDescriptor { label: None, size: 4096, usage, mapped_at_creation: false });
    dead.destroy();
    let e = block_on(s.sample_into(d, &[100], k(), &dead)).unwrap_err();
    assert_err("O18", &e, ErrorKind::InvalidArgument, "sample_into", &["another device or was destroyed"]);
    assert_usable("O18", s);
    assert!(!s.owns_device() || s.device_replacements() == 0, "O18: the device was not replaced");
}

#[test]
fn inputs_on_the_device() {
    use mvn_gpu::GpuArray;
    use wgpu::util::DeviceExt;
    let s = gpu();
    let device = s.device().unwrap();
    let buf = |data: &[f32], usage| device.create_buffer_init(&wgpu::util::BufferInitDescriptor { label: None, contents: bytemuck::cast_slice(data), usage });
    let io = wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC;
    let (mean, cov) = (buf(&[0.0; 2], io), buf(&[1.0, 0.0, 0.0, 1.0], io));
    let out = device.create_buffer(&wgpu::BufferDescriptor { label: None, size: 80, usage: io, mapped_at_creation: false });
    let (ms, cs) = ([2usize], [2usize, 2]);
    let o = Options::default();
    let draw = |s: &Sampler, m: GpuArray, c: GpuArray| block_on(s.multivariate_normal_from_buffers(&m, &c, &[10], k(), &o, &out));
    let e = draw(s, GpuArray::new(&mean, &ms), GpuArray::new(&buf(&[1.0, 0.0, 0.0, 1.0], wgpu::BufferUsages::STORAGE), &cs)).unwrap_err();
    assert_err("O22", &e, ErrorKind::InvalidArgument, OP, &["cov: the buffer needs COPY_SRC usage"]);
    let e = draw(s, GpuArray { buffer: &mean, offset: 2, shape: &ms }, GpuArray::new(&cov, &cs)).unwrap_err();
    assert_err("O22", &e, ErrorKind::InvalidArgument, OP, &["mean: the offset 2 is not a multiple of 4 bytes"]);
    let e = draw(s, GpuArray::new(&mean, &ms), GpuArray { buffer: &cov, offset: 4, shape: &cs }).unwrap_err();
    assert_err("O22", &e, ErrorKind::InvalidArgument, OP, &["cov: shape (2,2) from byte 4 does not fit its buffer of 16 bytes"]);
    let e = draw(cpu(), GpuArray::new(&mean, &ms), GpuArray::new(&cov, &cs)).unwrap_err();
    assert_err("O12", &e, ErrorKind::InvalidArgument, OP, &["CPU backend"]);
    assert_usable("O22", s);
    // What the device does not factor gets the host path's error, word for word.
    for (bad, kind) in [(vec![1.0, f32::NAN, f32::NAN, 1.0], ErrorKind::NonFinite), (vec![1.0, 0.5, 0.0, 1.0], ErrorKind::NotSymmetric), (vec![1.0, 0.0, 0.0, -1.0], ErrorKind::NotPositiveSemidefinite)] {
        let e = draw(s, GpuArray::new(&mean, &ms), GpuArray::new(&buf(&bad, io), &cs)).unwrap_err();
        let Err(host) = MultivariateNormal::new(&zeros(2), &Array::new(vec![2, 2], bad).unwrap(), &o) else { panic!("O23: the host accepts it") };
        assert_err("O23", &e, kind, OP, &[]);
        assert_eq!(e.to_string(), host.to_string(), "O23");
    }
    assert_usable("O23", s);
}

// ---------------------------------------------------------------------------------------------
// Valid edge cases: finite, correct samples
// ---------------------------------------------------------------------------------------------

/// Sample covariance of rows of `n` values (f64).
fn sample_cov(x: &[f32], n: usize) -> Vec<f64> {
    let rows = x.len() / n;
    let mut mean = vec![0f64; n];
    for r in x.chunks(n) {
        r.iter().zip(&mut mean).for_each(|(&v, m)| *m += v as f64 / rows as f64);
    }
    let mut c = vec![0f64; n * n];
    for r in x.chunks(n) {
        for i in 0..n {
            for j in 0..n {
                c[i * n + j] += (r[i] as f64 - mean[i]) * (r[j] as f64 - mean[j]) / (rows - 1) as f64;
            }
        }
    }
    c
}

#[test]
fn catalogue_valid_empty_and_small() {
    for s in samplers() {
        let id = |r: &str| format!("{r} ({})", name(s));
        let d = Options::default();
        // E01: shape [] gives one sample of shape (n).
        let x = mvn(s, &arr(&[2], &[1.0, 2.0]), &eye(2), &[], &d).unwrap();
        assert_eq!(x.shape(), &[2], "{}", id("E01"));
        assert!(finite(&x), "{}", id("E01"));
        // E02: zero-size sample shapes give empty outputs of the right shape.
        for (shape, want) in [(&[0][..], &[0, 2][..]), (&[3, 0], &[3, 0, 2]), (&[0, 5], &[0, 5, 2])] {
            let x = mvn(s, &zeros(2), &eye(2), shape, &d).unwrap();
            assert_eq!(x.shape(), want, "{}", id("E02"));
            assert!(x.is_empty(), "{}", id("E02"));
        }
        // E03: an empty batch of covariances.
        let x = mvn(s, &zeros(2), &arr(&[0, 2, 2], &[]), &[], &d).unwrap();
        assert_eq!(x.shape(), &[0, 2], "{}", id("E03"));
        // E04: n = 0.
        let x = mvn(s, &arr(&[0], &[]), &arr(&[0, 0], &[]), &[], &d).unwrap();
        assert_eq!(x.shape(), &[0], "{}", id("E04"));
        let x = mvn(s, &arr(&[0], &[]), &arr(&[0, 0], &[]), &[3], &d).unwrap();
        assert_eq!(x.shape(), &[3, 0], "{}", id("E04"));
        // E18: n = 0 with 2^31 (empty) covariances in the batch: nothing to factor, instant.
        let t = std::time::Instant::now();
        let x = mvn(s, &arr(&[0], &[]), &Array::new(vec![1 << 31, 0, 0], vec![]).unwrap(), &[], &d).unwrap();
        assert_eq!(x.shape(), &[1 << 31, 0], "{}", id("E18"));
        assert!(t.elapsed().as_secs_f64() < 5.0, "{}: {:?}", id("E18"), t.elapsed());
        // E05: n = 1 is a scaled normal: x = mean + sqrt(var) z with z = normal((rows, 1)).
        for method in METHODS {
            let x = mvn(s, &arr(&[1], &[3.0]), &arr(&[1, 1], &[4.0]), &[1000], &Options::with_method(method)).unwrap();
            assert_eq!(x.shape(), &[1000, 1], "{}", id("E05"));
            let z = mvn_gpu::normal(&[1000, 1], 0.0, 1.0, k()).unwrap();
            let worst = x.data().iter().zip(z.data()).map(|(&v, &z)| (v - (3.0 + 2.0 * z)).abs()).fold(0.0f32, f32::max);
            assert!(worst <= 1e-5, "{} {method}: |x - (3 + 2 z)| = {worst}", id("E05"));
        }
        // E13: normal, uniform and bits with empty and scalar shapes.
        assert_eq!(block_on(s.normal(&[0], 0.0, 1.0, k())).unwrap().shape(), &[0], "{}", id("E13"));
        assert_eq!(block_on(s.uniform(&[2, 0], 0.0, 1.0, k())).unwrap().shape(), &[2, 0], "{}", id("E13"));
        assert_eq!(block_on(s.bits(&[0], k())).unwrap().shape(), &[0], "{}", id("E13"));
        let z = block_on(s.normal(&[], 0.0, 1.0, k())).unwrap();
        assert_eq!((z.shape(), z.len()), (&[][..], 1), "{}", id("E13"));
        // E15: low > high is MLX's uniform with a negative range: values in (high, low].
        let u = block_on(s.uniform(&[1000], 1.0, 0.0, k())).unwrap();
        assert!(u.data().iter().all(|&v| v > 0.0 && v <= 1.0), "{}", id("E15"));
        // E16: a finite scale so large that scale * z overflows for |z| > 1.7: +-inf where it
        // does (as MLX), never NaN.
        let z = block_on(s.normal(&[64], 0.0, 2e38, k())).unwrap();
        assert!(z.data().iter().all(|v| !v.is_nan()), "{}", id("E16"));
        assert!(z.data().iter().any(|v| v.is_infinite()) && z.data().iter().any(|v| v.is_finite()), "{}", id("E16"));
        assert_usable("E16", s);
    }
}

#[test]
fn catalogue_valid_degenerate_covariances() {
    let mean3 = arr(&[3], &[1.0, -2.0, 0.5]);
    for s in samplers() {
        for method in METHODS {
            let id = |r: &str| format!("{r} ({}, {method})", name(s));
            let o = Options::with_method(method);
            // E06: zero covariance: every sample is the mean, exactly.
            let x = mvn(s, &mean3, &arr(&[3, 3], &[0.0; 9]), &[100], &o).unwrap();
            assert!(x.data().chunks(3).all(|r| r == mean3.data()), "{}", id("E06"));
            // E07: rank 1 (v vᵀ, v = (1, 2, -1)): x - mean is a multiple of v; rank 2
            // (diag(1, 4, 0) rotated): x - mean is orthogonal to the null vector u.
            let v = [1.0f32, 2.0, -1.0];
            let c: Vec<f32> = (0..9).map(|i| v[i / 3] * v[i % 3]).collect();
            let x = mvn(s, &mean3, &arr(&[3, 3], &c), &[2000], &o).unwrap();
            assert!(finite(&x), "{}", id("E07"));
            for r in x.data().chunks(3) {
                let t = (r[0] - 1.0) / v[0];
                for j in 0..3 {
                    assert!((r[j] - mean3.data()[j] - t * v[j]).abs() <= 2e-5 * (1.0 + t.abs()), "{}: {r:?} leaves span(v)", id("E07"));
                }
            }
            let sc = sample_cov(x.data(), 3);
            assert!((sc[0] - 1.0).abs() < 0.1 && (sc[4] - 4.0).abs() < 0.4, "{}: sample cov {sc:?}", id("E07"));
            // Rank 2: cov = A Aᵀ with A's columns (1, 0, 1), (0, 1, 1): null vector u = (1, 1, -1).
            let c2 = [1.0f32, 0.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0, 2.0];
            let x = mvn(s, &mean3, &arr(&[3, 3], &c2), &[2000], &o).unwrap();
            for r in x.data().chunks(3) {
                let d: Vec<f32> = r.iter().zip(mean3.data()).map(|(a, b)| a - b).collect();
                let scale = d.iter().map(|v| v.abs()).fold(1.0f32, f32::max);
                assert!((d[0] + d[1] - d[2]).abs() <= 3e-5 * scale, "{}: {d:?} leaves the range", id("E07"));
            }
            // E08: condition number 1e12, diagonal (1, 1e-12) and correlated
            // (D [[1, .5], [.5, 1]] D with D = diag(1e6, 1): eigenvalues 1e12 and 0.75):
            // accepted, finite, sample covariance within sampling error entry by entry.
            for cov in [[1.0f32, 0.0, 0.0, 1e-12], [1e12, 5e5, 5e5, 1.0]] {
                let x = mvn(s, &zeros(2), &arr(&[2, 2], &cov), &[20000], &o).unwrap_or_else(|e| panic!("{}: {e}", id("E08")));
                assert!(finite(&x), "{}", id("E08"));
                let sc = sample_cov(x.data(), 2);
                for i in 0..2 {
                    for j in 0..2 {
                        let scale = (cov[i * 3] as f64 * cov[j * 3] as f64).sqrt();
                        let err = (sc[i * 2 + j] - cov[i * 2 + j] as f64).abs() / scale;
                        assert!(err < 0.05, "{}: sample cov {sc:?} vs {cov:?}", id("E08"));
                    }
                }
            }
            // E09: round-off asymmetry (1e-7 relative) is accepted and gives the samples of the
            // symmetric matrix up to round-off.
            let sym = arr(&[2, 2], &[2.0, 0.6, 0.6, 1.0]);
            let asym = arr(&[2, 2], &[2.0, 0.6, 0.6 + 1e-7, 1.0]);
            let a = mvn(s, &zeros(2), &sym, &[500], &o).unwrap();
            let b = mvn(s, &zeros(2), &asym, &[500], &o).unwrap_or_else(|e| panic!("{}: {e}", id("E09")));
            let diff = a.data().iter().zip(b.data()).map(|(p, q)| (p - q).abs()).fold(0.0f32, f32::max);
            assert!(diff < 1e-5, "{}: {diff}", id("E09"));
            // E10: a tiny negative eigenvalue from round-off (within tolerance) is accepted.
            let x = mvn(s, &zeros(2), &arr(&[2, 2], &[1.0, 1.0, 1.0, 1.0 - 1e-7]), &[100], &o).unwrap();
            assert!(finite(&x) && x.data().chunks(2).all(|r| (r[0] - r[1]).abs() < 1e-3), "{}", id("E10"));
            // E11: huge finite values (mean near float32's max, variances 1e38): finite.
            let x = mvn(s, &arr(&[2], &[3e38, -3e38]), &arr(&[2, 2], &[1e38, 0.0, 0.0, 1e38]), &[100], &o).unwrap();
            assert!(finite(&x), "{}", id("E11"));
            // E12: tiny (subnormal) variances: finite, within 1e-18 of the mean.
            let x = mvn(s, &arr(&[2], &[1.0, 2.0]), &arr(&[2, 2], &[1e-40, 0.0, 0.0, 1e-40]), &[100], &o).unwrap();
            assert!(x.data().chunks(2).all(|r| (r[0] - 1.0).abs() < 1e-18 && (r[1] - 2.0).abs() < 1e-18), "{}", id("E12"));
            // E17: on_invalid = clip samples the clipped matrix (rank 1 along (1, 1), variance 1.5).
            let o2 = Options { on_invalid: OnInvalid::Clip, ..o };
            let x = mvn(s, &zeros(2), &arr(&[2, 2], &[1.0, 2.0, 2.0, 1.0]), &[4000], &o2).unwrap();
            let var = x.data().chunks(2).map(|r| (r[0] as f64).powi(2)).sum::<f64>() / 4000.0;
            assert!((var - 1.5).abs() < 0.15 && x.data().chunks(2).all(|r| (r[0] - r[1]).abs() < 1e-4), "{}: {var}", id("E17"));
        }
        assert_usable("E06-E17", s);
    }
}

// ---------------------------------------------------------------------------------------------
// The catalogue itself
// ---------------------------------------------------------------------------------------------

/// Every row of docs/errors.md has its ID in the test file of each surface it lists, and the
/// tests check no ID that the document lacks (for that surface).
#[test]
fn catalogue_rows_have_tests() {
    let root = env!("CARGO_MANIFEST_DIR");
    let read = |p: &str| std::fs::read_to_string(format!("{root}/{p}")).unwrap_or_else(|e| panic!("{p}: {e}"));
    let doc = read("docs/errors.md");
    let files = [("Rust", "tests/it/catalogue.rs", '"'), ("CLI", "tests/it/catalogue_cli.rs", '"'), ("JS", "tests/node/catalogue.test.mjs", '\'')];
    let is_id = |s: &str| s.len() == 3 && "VSCLKODFE".contains(&s[..1]) && s[1..].bytes().all(|b| b.is_ascii_digit());
    let mut rows: Vec<(String, Vec<String>)> = Vec::new();
    for line in doc.lines() {
        let cells: Vec<&str> = line.split(" | ").map(|c| c.trim_matches(|ch| ch == '|' || ch == ' ')).collect();
        if cells.len() >= 5 && is_id(cells[0]) {
            rows.push((cells[0].to_string(), cells[2].split(", ").map(str::to_string).collect()));
        }
    }
    assert!(rows.len() >= 80, "docs/errors.md: only {} rows found", rows.len());
    let mut ids: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    ids.sort();
    let n = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), n, "docs/errors.md: duplicate row IDs");
    for (surface, path, q) in files {
        let src = read(path);
        for (id, surfaces) in &rows {
            assert!(surfaces.iter().all(|s| ["Rust", "CLI", "JS"].contains(&s.as_str())), "{id}: unknown surface in {surfaces:?}");
            let listed = surfaces.iter().any(|s| s == surface);
            // JS messages may also be templates that start with the ID (`E05 ${method}`).
            let tested = src.contains(&format!("{q}{id}{q}")) || (surface == "JS" && src.contains(&format!("`{id} ")));
            assert_eq!(listed, tested, "{id}: listed for {surface} in docs/errors.md: {listed}; checked in {path}: {tested}");
        }
        // IDs the tests use must be rows of the document.
        for part in src.split(q).skip(1).step_by(2) {
            if is_id(part) {
                assert!(rows.iter().any(|r| r.0 == part), "{path} checks {part}, which docs/errors.md lacks");
            }
        }
    }
}
