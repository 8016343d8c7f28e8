//! Every error variant: typed kind, stable code, a message naming the operation; a failed
//! call leaves the sampler usable.

use crate::fixtures::*;
use crate::gpu;
use mvn_gpu::{Array, Dtype, ErrorKind, Key, Method, MultivariateNormal, OnInvalid, Options, Sampler};
use pollster::block_on;
use std::str::FromStr;

fn arr(shape: &[usize], data: &[f32]) -> Array {
    Array::new(shape.to_vec(), data.to_vec()).unwrap()
}

fn mvn_err(mean: &Array, cov: &Array, shape: &[i64], opts: &Options) -> mvn_gpu::Error {
    mvn_gpu::multivariate_normal(mean, cov, shape, Some(mvn_gpu::key(0)), opts).expect_err("expected an error")
}

fn eye2() -> Array {
    arr(&[2, 2], &[1.0, 0.0, 0.0, 1.0])
}

fn assert_err(e: &mvn_gpu::Error, kind: ErrorKind, op: &str, words: &[&str]) {
    assert_eq!(e.kind(), kind, "{e}");
    assert_eq!(e.code(), kind.code());
    assert!(e.to_string().starts_with(&format!("[{op}] ")), "{e}");
    for w in words {
        assert!(e.to_string().contains(w), "'{e}' lacks '{w}'");
    }
}

#[test]
fn bad_shapes_are_refused_with_mlx_messages() {
    let d = Options::default();
    let op = "multivariate_normal";
    assert_err(&mvn_err(&arr(&[], &[0.0]), &eye2(), &[], &d), ErrorKind::InvalidShape, op, &["mean must have at least one dimension"]);
    assert_err(&mvn_err(&arr(&[2], &[0.0; 2]), &arr(&[2], &[1.0; 2]), &[], &d), ErrorKind::InvalidShape, op, &["cov must have at least two dimensions"]);
    assert_err(&mvn_err(&arr(&[2], &[0.0; 2]), &arr(&[2, 3], &[0.0; 6]), &[], &d), ErrorKind::InvalidShape, op, &["last two dimensions of cov must be equal"]);
    assert_err(&mvn_err(&arr(&[3], &[0.0; 3]), &eye2(), &[], &d), ErrorKind::InvalidShape, op, &["compatible shapes"]);
    assert_err(&mvn_err(&arr(&[2], &[0.0; 2]), &eye2(), &[-1], &d), ErrorKind::InvalidShape, op, &["Negative dimensions"]);
    assert_err(&mvn_err(&arr(&[3, 2], &[0.0; 6]), &arr(&[4, 2, 2], &[1.0; 16]), &[], &d), ErrorKind::BroadcastError, op, &["(4)", "(3)"]);
    assert_err(&mvn_err(&arr(&[2, 2], &[0.0; 4]), &eye2(), &[3], &d), ErrorKind::BroadcastError, op, &["cannot be broadcast"]);
    assert_err(&Array::new(vec![2, 2], vec![1.0f32; 3]).unwrap_err(), ErrorKind::InvalidShape, "array", &["length 3", "(2,2)"]);
    assert_err(&mvn_gpu::normal(&[2, -3], 0.0, 1.0, Some(Key::new(0, 1))).unwrap_err(), ErrorKind::InvalidShape, "normal", &["Negative"]);
    assert_err(&mvn_gpu::uniform(&[2], Array::from_vec(vec![0.0; 3]), 1.0, Some(Key::new(0, 1))).unwrap_err(), ErrorKind::BroadcastError, "uniform", &["(2) and (3)"]);
    assert_err(
        &mvn_gpu::uniform(&[3], Array::new(vec![3, 1], vec![0.0; 3]).unwrap(), 1.0, Some(Key::new(0, 1))).unwrap_err(),
        ErrorKind::BroadcastError,
        "uniform",
        &["from broadcasted shape (3,3)"],
    );
    assert_err(&mvn_gpu::split_n(Key::new(0, 1), -1).unwrap_err(), ErrorKind::InvalidShape, "split", &["Negative"]);
}

#[test]
fn non_finite_values_are_refused_with_their_position() {
    let d = Options::default();
    let e = mvn_err(&arr(&[2], &[f32::NAN, 0.0]), &eye2(), &[], &d);
    assert_err(&e, ErrorKind::NonFinite, "multivariate_normal", &["mean", "NaN", "(0)"]);
    let e = mvn_err(&arr(&[2], &[0.0; 2]), &arr(&[2, 2, 2], &[1.0, 0.0, 0.0, 1.0, 1.0, f32::INFINITY, f32::INFINITY, 1.0]), &[], &d);
    assert_err(&e, ErrorKind::NonFinite, "multivariate_normal", &["cov", "inf", "(1,0,1)"]);
}

#[test]
fn asymmetric_and_indefinite_covariances_are_refused_beyond_tolerance() {
    let m = arr(&[2], &[0.0; 2]);
    for method in [Method::Cholesky, Method::Eigh, Method::Svd] {
        let o = Options::with_method(method);
        let e = mvn_err(&m, &arr(&[2, 2], &[1.0, 0.5, 0.0, 1.0]), &[], &o);
        assert_err(&e, ErrorKind::NotSymmetric, "multivariate_normal", &["batch index 0", "(0,1)"]);
        // Batch index 1 is indefinite (eigenvalues 3 and -1).
        let cov = arr(&[2, 2, 2], &[1.0, 0.0, 0.0, 1.0, 1.0, 2.0, 2.0, 1.0]);
        let e = mvn_err(&m, &cov, &[], &o);
        assert_err(&e, ErrorKind::NotPositiveSemidefinite, "multivariate_normal", &["batch index 1", "eigenvalue -1"]);
    }
    // Round-off asymmetry and a tiny negative eigenvalue are within tolerance.
    let c = arr(&[2, 2], &[1.0, 0.5, 0.5 + 1e-7, 1.0]);
    assert!(mvn_gpu::multivariate_normal(&m, &c, &[3], Some(mvn_gpu::key(1)), &Options::default()).is_ok());
    let c = arr(&[2, 2], &[1.0, 1.0, 1.0, 1.0 - 1e-7]);
    for method in [Method::Cholesky, Method::Eigh, Method::Svd] {
        let x = mvn_gpu::multivariate_normal(&m, &c, &[3], Some(mvn_gpu::key(1)), &Options::with_method(method)).unwrap();
        assert!(x.data().iter().all(|v| v.is_finite()));
    }
}

#[test]
fn on_invalid_warn_and_clip_sample_the_clipped_matrix() {
    let m = arr(&[2], &[0.0; 2]);
    let cov = arr(&[2, 2], &[1.0, 2.0, 2.0, 1.0]); // eigenvalues 3, -1 -> clipped [[1.5,1.5],[1.5,1.5]]
    for (on_invalid, warns) in [(OnInvalid::Warn, true), (OnInvalid::Clip, false)] {
        for method in [Method::Cholesky, Method::Eigh, Method::Svd] {
            let o = Options { method, on_invalid, ..Options::default() };
            let d = MultivariateNormal::new(&m, &cov, &o).unwrap();
            assert_eq!(d.warnings().len(), warns as usize);
            if warns {
                assert!(d.warnings()[0].contains("clipped"));
            }
            let r = &d.reports().unwrap()[0];
            assert!(r.clipped);
            assert_eq!(r.rank, 1);
            assert!((r.min_eigenvalue + 1.0).abs() < 1e-9);
            let x = d.sample(&[20000], Some(mvn_gpu::key(3))).unwrap();
            // Both coordinates are equal (rank one along (1,1)) with variance 1.5.
            let v: f64 = x.data().chunks(2).map(|p| (p[0] as f64).powi(2)).sum::<f64>() / 20000.0;
            assert!((v - 1.5).abs() < 0.06, "{method}: variance {v}");
            assert!(x.data().chunks(2).all(|p| (p[0] - p[1]).abs() < 1e-4), "{method}");
        }
    }
    assert_eq!(OnInvalid::from_str("clip").unwrap(), OnInvalid::Clip);
}

#[test]
fn keys_dtypes_methods_and_arguments_are_validated() {
    assert_err(&Key::from_slice(&[1, 2, 3]).unwrap_err(), ErrorKind::InvalidKey, "key", &["(2)", "(3)"]);
    assert_err(&Key::from_slice(&[]).unwrap_err(), ErrorKind::InvalidKey, "key", &["(0)"]);
    let o = Options { dtype: Dtype::Float16, ..Options::default() };
    assert_err(&mvn_err(&arr(&[2], &[0.0; 2]), &eye2(), &[], &o), ErrorKind::InvalidDtype, "multivariate_normal", &["float32", "float16"]);
    assert_err(&Dtype::from_str("complex128").unwrap_err(), ErrorKind::InvalidDtype, "dtype", &["complex128"]);
    assert_err(&Method::from_str("qr").unwrap_err(), ErrorKind::InvalidArgument, "multivariate_normal", &["'qr'", "cholesky"]);
    assert_err(&OnInvalid::from_str("ignore").unwrap_err(), ErrorKind::InvalidArgument, "multivariate_normal", &["'ignore'"]);
    assert_err(&mvn_gpu::bits_width(&[2], 3, Some(Key::new(0, 1))).unwrap_err(), ErrorKind::InvalidArgument, "bits", &["3"]);
    let o = Options { tolerance: Some(-1.0), ..Options::default() };
    assert_err(&mvn_err(&arr(&[2], &[0.0; 2]), &eye2(), &[], &o), ErrorKind::InvalidArgument, "multivariate_normal", &["tolerance"]);
    let e = MultivariateNormal::from_scale_tril(&arr(&[2], &[0.0; 2]), &arr(&[2, 2], &[1.0, 0.5, 0.0, 1.0])).err().unwrap();
    assert_err(&e, ErrorKind::InvalidArgument, "multivariate_normal", &["lower triangular", "(0,1)"]);
    let d = MultivariateNormal::new(&arr(&[2], &[0.0; 2]), &eye2(), &Options::default()).unwrap();
    let e = block_on(Sampler::cpu().sample_to_buffer(&d, &[2], None)).unwrap_err();
    assert_err(&e, ErrorKind::InvalidArgument, "sample_to_buffer", &["CPU"]);
}

#[test]
fn huge_requests_are_refused_before_allocating() {
    let d = MultivariateNormal::new(&arr(&[2], &[0.0; 2]), &eye2(), &Options::default()).unwrap();
    let t = std::time::Instant::now();
    for s in [&Sampler::cpu(), gpu()] {
        let e = block_on(s.sample(&d, &[1 << 40], Some(Key::new(0, 1)))).unwrap_err();
        assert_err(&e, ErrorKind::TooLarge, "multivariate_normal", &["4294967295"]);
        let e = block_on(s.normal(&[1 << 20, 1 << 20], 0.0, 1.0, Some(Key::new(0, 1)))).unwrap_err();
        assert_err(&e, ErrorKind::TooLarge, "normal", &["4294967295"]);
    }
    assert_err(&mvn_gpu::split_n(Key::new(0, 1), 1 << 40).unwrap_err(), ErrorKind::TooLarge, "split", &["limit"]);
    assert!(t.elapsed().as_secs_f64() < 5.0, "refusal must not allocate or compute");
}

#[test]
fn a_failed_call_leaves_the_gpu_sampler_usable() {
    let s = gpu();
    let d = MultivariateNormal::new(&arr(&[2], &[1.0, 2.0]), &arr(&[2, 2], &[2.0, 0.5, 0.5, 1.0]), &Options::default()).unwrap();
    let good = block_on(s.sample(&d, &[100], Some(Key::new(0, 9)))).unwrap();
    assert!(block_on(s.sample(&d, &[-5], Some(Key::new(0, 9)))).is_err());
    assert!(block_on(s.sample(&d, &[1 << 40], Some(Key::new(0, 9)))).is_err());
    assert!(block_on(s.multivariate_normal(&arr(&[2], &[f32::NAN, 0.0]), &eye2(), &[], None, &Options::default())).is_err());
    let again = block_on(s.sample(&d, &[100], Some(Key::new(0, 9)))).unwrap();
    assert_eq!(good, again);
}

/// The MLX error vectors: where MLX raises, we raise the same kind of error; where MLX
/// returns something for undefined input (non-PSD, non-symmetric, inf), we refuse with our
/// typed error; for valid odd input (zero cov, empty, n = 0, int-valued) we match MLX.
#[test]
fn mlx_error_vectors_cpu() {
    check_error_vectors(&Sampler::cpu());
}

#[test]
fn mlx_error_vectors_gpu() {
    check_error_vectors(gpu());
}

fn check_error_vectors(s: &Sampler) {
    let mut checked = 0;
    for c in load("errors.json") {
        let a = &c["args"];
        let id = c["id"].as_str().unwrap();
        let f = a["fn"].as_str().unwrap();
        let k = || -> Result<Key, mvn_gpu::Error> {
            if a["key_dtype"].as_str().is_some_and(|d| d != "uint32") {
                return Err(mvn_gpu::Error::new(ErrorKind::InvalidKey, "key", "Expected key type uint32."));
            }
            match &a["key"] {
                serde_json::Value::Array(w) => Key::from_slice(&w.iter().map(|v| v.as_u64().unwrap() as u32).collect::<Vec<_>>()),
                serde_json::Value::Object(_) => Key::from_slice(&u32s(&a["key"])).and_then(|k| if shape(&a["key"]).len() == 1 { Ok(k) } else { Err(mvn_gpu::Error::new(ErrorKind::InvalidKey, "key", "Expected key shape (2)")) }),
                _ => Ok(Key::new(0, 0)),
            }
        };
        let dtype = a["dtype"].as_str().map(|d| Dtype::from_str(d).unwrap()).unwrap_or_default();
        let shape_arg = ishape(&a["shape"]);
        let result: Result<Array, mvn_gpu::Error> = match f {
            "multivariate_normal" => k().and_then(|key| {
                let o = Options { dtype, method: Method::Svd, ..Options::default() };
                block_on(s.multivariate_normal(&array(&a["mean"]), &array(&a["cov"]), &shape_arg, Some(key), &o))
            }),
            "uniform" => dtype.require_float32("uniform").and_then(|_| {
                block_on(s.uniform(&shape_arg, bound(&a["low"], 0.0), bound(&a["high"], 1.0), Some(k().unwrap())))
            }),
            "normal" => dtype.require_float32("normal").and_then(|_| block_on(s.normal(&shape_arg, 0.0, 1.0, Some(k().unwrap())))),
            "split" => k().and_then(|key| mvn_gpu::split_n(key, a["num"].as_i64().unwrap_or(2))).map(|v| {
                let data: Vec<f32> = v.iter().flat_map(|k| k.words()).map(|w| w as f32).collect();
                Array::new(vec![v.len(), 2], data).unwrap()
            }),
            "key" => match a["seed"].as_i64().and_then(|s| u64::try_from(s).ok()).or(if a["seed"].is_u64() { a["seed"].as_u64() } else { None }) {
                Some(s) => Ok(Array::from_vec(mvn_gpu::key(s).words().iter().map(|&w| w as f32).collect())),
                None => Err(mvn_gpu::Error::new(ErrorKind::InvalidArgument, "key", "seed must be in [0, 2^64).")),
            },
            other => panic!("{other}"),
        };
        let undefined_in_mlx = ["mvn/non_psd", "mvn/negative_definite", "mvn/non_symmetric", "mvn/inf_cov", "mvn/nan_mean"];
        if c["raises"].is_object() || undefined_in_mlx.contains(&id) {
            let e = result.expect_err(id);
            let expected = match id {
                "mvn/non_psd" | "mvn/negative_definite" => ErrorKind::NotPositiveSemidefinite,
                "mvn/non_symmetric" => ErrorKind::NotSymmetric,
                "mvn/inf_cov" | "mvn/nan_cov" | "mvn/nan_mean" => ErrorKind::NonFinite,
                "mvn/dtype_f16" | "uniform/int_dtype" | "normal/int_dtype" => ErrorKind::InvalidDtype,
                "mvn/shape_incompatible" | "mvn/batch_incompatible" | "uniform/shape_mismatch" | "uniform/shape_not_result" => ErrorKind::BroadcastError,
                "mvn/key_shape" | "mvn/key_dtype" | "mvn/key_batched" | "split/bad_key" => ErrorKind::InvalidKey,
                "key/negative_seed" | "key/seed_2_64" => ErrorKind::InvalidArgument,
                _ => ErrorKind::InvalidShape,
            };
            assert_eq!(e.kind(), expected, "{id}: {e}");
        } else {
            let got = result.unwrap_or_else(|e| panic!("{id}: {e}"));
            assert_eq!(got.shape(), &shape(&c["out"])[..], "{id}");
            let want = f32s(&c["out"]);
            let tol = c["compare"]["atol"].as_f64().unwrap_or(0.0);
            assert!(max_abs_diff(got.data(), &want) <= tol, "{id}");
        }
        checked += 1;
    }
    assert_eq!(checked, 36);
}
