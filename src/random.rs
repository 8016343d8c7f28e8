//! MLX's `mx.random` functions on the CPU: `bits`, `uniform`, `normal`, `multivariate_normal`,
//! and [`MultivariateNormal::sample`]. Each builds its request ([`crate::request`]) and runs it
//! on the CPU backend; the same requests run on the GPU through [`crate::Sampler`].

use crate::array::Array;
use crate::cpu;
use crate::distribution::MultivariateNormal;
use crate::error::Result;
use crate::key::Key;
use crate::options::Options;
use crate::request::{SampleRequest, WordsRequest};

/// Random 32-bit words of `shape` (MLX's `random::bits(shape, 4, key)`).
///
/// ```
/// let b = mvn_gpu::bits(&[2], Some(mvn_gpu::key(0)))?;
/// assert_eq!(b.shape(), &[2]);
/// # Ok::<(), mvn_gpu::Error>(())
/// ```
///
/// # Errors
/// [`ErrorKind::InvalidShape`] for a negative dimension, [`ErrorKind::TooLarge`] beyond
/// [`crate::MAX_ELEMENTS`].
pub fn bits(shape: &[i64], key: Option<Key>) -> Result<Array<u32>> {
    bits_width(shape, 4, key)
}

/// MLX's `random::bits(shape, width, key)` for widths 1, 2 and 4 bytes; elements are returned
/// widened to `u32`.
///
/// # Errors
/// As [`bits`], and [`ErrorKind::InvalidArgument`] for another width.
pub fn bits_width(shape: &[i64], width: u32, key: Option<Key>) -> Result<Array<u32>> {
    let req = WordsRequest::bits(shape, width, key)?;
    let words = cpu::words(&req)?;
    Ok(req.into_bits(words))
}

/// Uniform floats in `[low, high)` of `shape` (MLX's `uniform`); `low` and `high` are scalars
/// or arrays that broadcast to `shape`.
///
/// ```
/// let u = mvn_gpu::uniform(&[3], -1.0, 1.0, Some(mvn_gpu::key(0)))?;
/// assert!(u.data().iter().all(|&v| (-1.0..1.0).contains(&v)));
/// # Ok::<(), mvn_gpu::Error>(())
/// ```
///
/// # Errors
/// [`ErrorKind::InvalidShape`] for a negative dimension, [`ErrorKind::BroadcastError`] when
/// the bounds do not broadcast to `shape`, [`ErrorKind::NonFinite`] for non-finite bounds or a
/// `high - low` that overflows float32, [`ErrorKind::TooLarge`] beyond the limit.
pub fn uniform(shape: &[i64], low: impl Into<Array>, high: impl Into<Array>, key: Option<Key>) -> Result<Array> {
    let req = WordsRequest::uniform(shape, &low.into(), &high.into(), key)?;
    let words = cpu::words(&req)?;
    Ok(req.into_floats(words))
}

/// Normal floats of `shape` with mean `loc` and standard deviation `scale` (MLX's `normal`).
///
/// ```
/// let z = mvn_gpu::normal(&[2], 0.0, 1.0, Some(mvn_gpu::key(0)))?;
/// assert_eq!(z.len(), 2);
/// # Ok::<(), mvn_gpu::Error>(())
/// ```
///
/// # Errors
/// [`ErrorKind::NonFinite`] for a NaN or infinite `loc` or `scale` (or one so large that
/// `sqrt(2) * scale` overflows), [`ErrorKind::InvalidShape`]
/// for a negative dimension, [`ErrorKind::TooLarge`] beyond the limit.
pub fn normal(shape: &[i64], loc: f32, scale: f32, key: Option<Key>) -> Result<Array> {
    let req = WordsRequest::normal(shape, loc, scale, key)?;
    let words = cpu::words(&req)?;
    Ok(req.into_floats(words))
}

/// MLX's `multivariate_normal(mean, cov, shape, key)` on the CPU, with `options.method`.
/// Output shape: `broadcast(shape, mean.shape[:-1], cov.shape[:-2]) + (n,)`, float32.
///
/// ```
/// use mvn_gpu::{multivariate_normal, Array, Options, Method, key};
/// let mean = Array::new([2], vec![0.0, 0.0])?;
/// let cov = Array::new([2, 2], vec![1.0, 0.9, 0.9, 1.0])?;
/// let x = multivariate_normal(&mean, &cov, &[4, 3], Some(key(7)), &Options::with_method(Method::Svd))?;
/// assert_eq!(x.shape(), &[4, 3, 2]);
/// # Ok::<(), mvn_gpu::Error>(())
/// ```
///
/// # Errors
/// Those of [`MultivariateNormal::new`] and [`MultivariateNormal::output_shape`].
pub fn multivariate_normal(mean: &Array, cov: &Array, shape: &[i64], key: Option<Key>, options: &Options) -> Result<Array> {
    let dist = MultivariateNormal::new(mean, cov, options)?;
    #[cfg(not(target_arch = "wasm32"))]
    for w in dist.warnings() {
        // writeln!, not eprintln!: a stderr that cannot be written must not panic.
        let _ = std::io::Write::write_fmt(&mut std::io::stderr(), format_args!("warning: {w}\n"));
    }
    dist.sample(shape, key)
}

impl MultivariateNormal {
    /// Draws samples on the CPU: output shape `broadcast(shape, batch_shape) + (n,)`. Without a
    /// key the default key sequence is used (one key per call, as MLX).
    ///
    /// # Errors
    /// As [`MultivariateNormal::output_shape`].
    pub fn sample(&self, shape: &[i64], key: Option<Key>) -> Result<Array> {
        let req = SampleRequest::new("multivariate_normal", self, shape, key)?;
        cpu::sample(self, &req)
    }
}
