//! MLX's `mx.random` functions on the CPU: `bits`, `uniform`, `normal`, `multivariate_normal`.
//! The same operations run on the GPU through [`crate::Sampler`].

use crate::array::Array;
use crate::cpu;
use crate::distribution::MultivariateNormal;
use crate::error::{Error, ErrorKind, Result};
use crate::key::{resolve, Key};
use crate::options::Options;
use crate::prng::math;
use crate::shape::{broadcast_shapes, check_shape, fmt_shape, numel, BroadcastMap};

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
    let (shape, count, nwords) = bits_request(shape, width)?;
    let key = resolve(key);
    let mut words = cpu::alloc::<u32>("bits", nwords)?;
    cpu::fill_words(key.0, &mut words);
    Ok(Array::from_parts(shape, cut_elements(words, width, count)))
}

/// Validates a `bits` request: `(shape, elements, words)`.
pub(crate) fn bits_request(shape: &[i64], width: u32) -> Result<(Vec<usize>, usize, usize)> {
    let op = "bits";
    if ![1, 2, 4].contains(&width) {
        return Err(Error::new(ErrorKind::InvalidArgument, op, format!("Bit width must be in {{1, 2, 4}} but got {width}.")));
    }
    let shape = check_shape(op, shape)?;
    let count = numel(op, &shape)?;
    let nwords = (count as u64 * width as u64).div_ceil(4);
    Ok((shape, count, nwords as usize))
}

/// The `count` elements of `width` bytes in the little-endian byte stream of `words`.
pub(crate) fn cut_elements(words: Vec<u32>, width: u32, count: usize) -> Vec<u32> {
    if width == 4 {
        return words;
    }
    let le: &[u8] = bytemuck::cast_slice(&words);
    (0..count)
        .map(|i| {
            let o = i * width as usize;
            if width == 2 { u16::from_le_bytes([le[o], le[o + 1]]) as u32 } else { le[o] as u32 }
        })
        .collect()
}

/// A float32 for messages: `3e38` rather than its 39 digits.
fn short(x: f32) -> String {
    if x.is_finite() && x != 0.0 && !(1e-5..1e16).contains(&x.abs()) { format!("{x:e}") } else { format!("{x}") }
}

/// Refuses a NaN or infinite `value` of parameter `what` of `op`.
pub(crate) fn check_finite_param(op: &str, what: &str, value: f32) -> Result<()> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(Error::new(ErrorKind::NonFinite, op, format!("{what} must be finite, got {value}.")))
    }
}

/// Checks `normal`'s `loc` and `scale`: finite, and `sqrt(2) * scale` (the constant MLX folds
/// the scale into) finite too; otherwise every sample would be infinite or NaN.
pub(crate) fn check_normal_params(op: &str, loc: f32, scale: f32) -> Result<()> {
    check_finite_param(op, "loc", loc)?;
    check_finite_param(op, "scale", scale)?;
    if !(math::SQRT2 * scale).is_finite() {
        return Err(Error::new(ErrorKind::NonFinite, op, format!("scale {} times sqrt(2) overflows float32.", short(scale))));
    }
    Ok(())
}

/// Checks MLX's uniform bounds against `shape` and returns `(low, range)` broadcast maps.
/// Non-finite bounds, and bounds whose difference overflows float32, are refused (they would
/// give infinite or NaN samples).
pub(crate) fn uniform_bounds(shape: &[usize], low: &Array, high: &Array) -> Result<(Array, Array)> {
    let op = "uniform";
    for (what, a) in [("low", low), ("high", high)] {
        if let Some(&v) = a.data().iter().find(|v| !v.is_finite()) {
            return Err(Error::new(ErrorKind::NonFinite, op, format!("{what} must be finite, got {v}.")));
        }
    }
    let bshape = broadcast_shapes(op, low.shape(), high.shape())?;
    let lmap = BroadcastMap::new(&bshape, low.shape());
    let hmap = BroadcastMap::new(&bshape, high.shape());
    let count: usize = bshape.iter().product();
    let range: Vec<f32> = (0..count).map(|i| high.data()[hmap.index(i)] - low.data()[lmap.index(i)]).collect();
    if let Some(i) = range.iter().position(|r| !r.is_finite()) {
        return Err(Error::new(
            ErrorKind::NonFinite,
            op,
            format!(
                "high - low overflows float32 ({} - {}).",
                short(high.data()[hmap.index(i)]),
                short(low.data()[lmap.index(i)])
            ),
        ));
    }
    let out = broadcast_shapes(op, shape, &bshape)?;
    if out != shape {
        return Err(Error::new(
            ErrorKind::BroadcastError,
            op,
            format!("Cannot generate random values of shape {} from broadcasted shape {}.", fmt_shape(shape), fmt_shape(&out)),
        ));
    }
    let low_b: Vec<f32> = (0..count).map(|i| low.data()[lmap.index(i)]).collect();
    Ok((Array::from_parts(bshape.clone(), low_b), Array::from_parts(bshape, range)))
}

/// Applies MLX's uniform conversion to `words` in place, with bounds broadcast over `shape`.
pub(crate) fn apply_uniform(shape: &[usize], words: &[u32], low: &Array, range: &Array) -> Vec<f32> {
    let lmap = BroadcastMap::new(shape, low.shape());
    let rmap = BroadcastMap::new(shape, range.shape());
    words
        .iter()
        .enumerate()
        .map(|(i, &b)| math::uniform(b, low.data()[lmap.index(i)], range.data()[rmap.index(i)]))
        .collect()
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
    let op = "uniform";
    let shape = check_shape(op, shape)?;
    let count = numel(op, &shape)?;
    let (low, range) = uniform_bounds(&shape, &low.into(), &high.into())?;
    let key = resolve(key);
    let mut words = cpu::alloc::<u32>(op, count)?;
    cpu::fill_words(key.0, &mut words);
    Ok(Array::from_parts(shape.clone(), apply_uniform(&shape, &words, &low, &range)))
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
    let op = "normal";
    check_normal_params(op, loc, scale)?;
    let shape = check_shape(op, shape)?;
    let count = numel(op, &shape)?;
    let key = resolve(key);
    let a = math::SQRT2 * scale;
    let mut w = cpu::alloc::<u32>(op, count)?;
    cpu::fill_words(key.0, &mut w);
    cpu::map_in_place(&mut w, |b| math::normal(b, a, loc).to_bits());
    Ok(Array::from_parts(shape, bytemuck::allocation::cast_vec(w)))
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
        eprintln!("warning: {w}");
    }
    dist.sample(shape, key)
}
