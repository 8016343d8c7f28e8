//! One validated, planned request per call, built here once and consumed by both backends:
//! [`WordsRequest`] for `bits`, `uniform` and `normal` (a word stream and what it becomes),
//! [`SampleRequest`] for drawing from a [`MultivariateNormal`] (output shape, rows, broadcast
//! maps, key). Validation happens when a request is built; the backends only execute it.

use crate::array::Array;
use crate::distribution::MultivariateNormal;
use crate::error::{Error, ErrorKind, Result};
use crate::key::{resolve, Key};
use crate::prng::math;
use crate::shape::{broadcast_shapes, check_shape, fmt_shape, numel, BroadcastMap};

/// What each word of the stream becomes (the GPU's fill kernels apply it in place).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Transform {
    /// The words themselves.
    Bits,
    /// `low + range * u` (MLX's uniform with scalar bounds).
    Uniform { low: f32, range: f32 },
    /// `loc + a * erfinv(v)`, `a = rn(sqrt2 * scale)` (MLX's normal).
    Normal { a: f32, loc: f32 },
}

/// What the host does with the transformed words to give the result.
enum Finish {
    /// They are the result.
    Whole,
    /// `count` elements of `width` bytes cut from the little-endian byte stream (`bits`).
    Narrow { width: u32, count: usize },
    /// Uniform bounds that vary over the shape, applied to the raw words.
    Bounds { low: Array, range: Array },
}

/// A `bits`, `uniform` or `normal` call: `words` words of `key`'s stream, transformed.
pub(crate) struct WordsRequest {
    pub op: &'static str,
    pub shape: Vec<usize>,
    pub key: Key,
    /// Words of the whole stream.
    pub words: usize,
    pub transform: Transform,
    finish: Finish,
    /// The elements drawn: all of them, or a window ([`WordsRequest::window`]).
    window: Option<std::ops::Range<usize>>,
}

/// The error for a bit width other than 1, 2 or 4 (`width` as given: an integer, or the
/// JavaScript number).
pub(crate) fn bad_bit_width(op: &str, width: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::InvalidArgument, op, format!("Bit width must be in {{1, 2, 4}} but got {width}."))
}

impl WordsRequest {
    /// MLX's `bits(shape, width, key)`.
    pub fn bits(shape: &[i64], width: u32, key: Option<Key>) -> Result<Self> {
        let op = "bits";
        if ![1, 2, 4].contains(&width) {
            return Err(bad_bit_width(op, width));
        }
        let shape = check_shape(op, shape)?;
        let count = numel(op, &shape)?;
        let words = (count as u64 * width as u64).div_ceil(4) as usize;
        let finish = if width == 4 { Finish::Whole } else { Finish::Narrow { width, count } };
        Ok(WordsRequest { op, shape, key: resolve(key), words, transform: Transform::Bits, finish, window: None })
    }

    /// MLX's `uniform(shape, low, high, key)`: scalar bounds are applied by the backend, bounds
    /// that vary over the shape by the host.
    pub fn uniform(shape: &[i64], low: &Array, high: &Array, key: Option<Key>) -> Result<Self> {
        let op = "uniform";
        let shape = check_shape(op, shape)?;
        let words = numel(op, &shape)?;
        let (low, range) = uniform_bounds(&shape, low, high)?;
        let (transform, finish) = if low.len() == 1 {
            (Transform::Uniform { low: low.data()[0], range: range.data()[0] }, Finish::Whole)
        } else {
            (Transform::Bits, Finish::Bounds { low, range })
        };
        Ok(WordsRequest { op, shape, key: resolve(key), words, transform, finish, window: None })
    }

    /// MLX's `normal(shape, loc, scale, key)`.
    pub fn normal(shape: &[i64], loc: f32, scale: f32, key: Option<Key>) -> Result<Self> {
        let op = "normal";
        check_normal_params(op, loc, scale)?;
        let shape = check_shape(op, shape)?;
        let words = numel(op, &shape)?;
        Ok(WordsRequest { op, shape, key: resolve(key), words, transform: Transform::Normal { a: math::SQRT2 * scale, loc }, finish: Finish::Whole, window: None })
    }

    /// Elements of the whole result.
    #[cfg_attr(target_arch = "wasm32", allow(dead_code))]
    pub fn elements(&self) -> usize {
        match self.finish {
            Finish::Narrow { count, .. } => count,
            _ => self.words,
        }
    }

    /// Restricts the draw to elements `elements` of the flattened result, bit for bit those of
    /// the whole one (for `bits` of 1 or 2 bytes, the window starts at a multiple of 4 or 2).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn window(mut self, elements: std::ops::Range<usize>) -> Result<Self> {
        let per_word = 4 / self.bit_width() as usize;
        if elements.start > elements.end || elements.end > self.elements() || elements.start % per_word != 0 {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                self.op,
                format!("elements {}..{} are not within the {} of shape {}{}.", elements.start, elements.end, self.elements(), fmt_shape(&self.shape), if per_word > 1 { format!(", starting at a multiple of {per_word}") } else { String::new() }),
            ));
        }
        self.window = Some(elements);
        Ok(self)
    }

    /// The words drawn: the whole stream, or those that hold the window's elements.
    pub fn word_window(&self) -> std::ops::Range<usize> {
        match self.window_of() {
            None => 0..self.words,
            Some(e) => {
                let w = self.bit_width() as usize;
                e.start * w / 4..(e.end * w).div_ceil(4)
            }
        }
    }

    /// Whether only some elements are drawn (never in the npm package's wasm: the constant
    /// keeps windows' code out of it).
    pub fn is_windowed(&self) -> bool {
        !cfg!(target_arch = "wasm32") && self.window.is_some()
    }

    /// The window, when there is one.
    fn window_of(&self) -> Option<&std::ops::Range<usize>> {
        self.window.as_ref().filter(|_| self.is_windowed())
    }

    /// The result's shape: the request's, or `[len]` for a window.
    fn drawn_shape(&self) -> Vec<usize> {
        self.window_of().map_or_else(|| self.shape.clone(), |e| vec![e.len()])
    }

    /// The result of `bits` from the backend's words.
    /// The element width in bytes of a `bits` request (4 for the others; the npm package picks
    /// its typed array by it).
    pub fn bit_width(&self) -> u32 {
        match self.finish {
            Finish::Narrow { width, .. } => width,
            _ => 4,
        }
    }

    pub fn into_bits(self, words: Vec<u32>) -> Array<u32> {
        let shape = self.drawn_shape();
        match self.finish {
            Finish::Narrow { width, count } => Array::from_parts(shape, cut_elements(&words, width, self.window_of().map_or(count, |e| e.len()))),
            _ => Array::from_parts(shape, words),
        }
    }

    /// The result of `uniform` or `normal` from the backend's words.
    pub fn into_floats(self, words: Vec<u32>) -> Array {
        let first = self.window_of().map_or(0, |e| e.start);
        match &self.finish {
            Finish::Bounds { low, range } => Array::from_parts(self.drawn_shape(), apply_uniform(&self.shape, first, &words, low, range)),
            _ => Array::from_parts(self.drawn_shape(), bytemuck::allocation::cast_vec(words)),
        }
    }
}

/// One draw from a distribution: output `broadcast(shape, batch) + (n,)`, with, for each output
/// row, the maps to its mean and covariance rows.
pub(crate) struct SampleRequest {
    pub op: &'static str,
    pub out_shape: Vec<usize>,
    /// Rows of the whole output (the word stream covers all of them).
    pub rows: usize,
    /// The rows drawn: all of them, or a window of them ([`SampleRequest::window`]).
    pub window: std::ops::Range<usize>,
    pub n: usize,
    pub key: Key,
    pub mean_map: BroadcastMap,
    pub cov_map: BroadcastMap,
}

impl SampleRequest {
    /// Validates `shape` against `dist`'s batch and resolves the key.
    pub fn new(op: &'static str, dist: &MultivariateNormal, shape: &[i64], key: Option<Key>) -> Result<Self> {
        let (mean_batch, cov_batch) = dist.batch_shapes();
        Self::for_shapes(op, dist.dim(), mean_batch, cov_batch, shape, key)
    }

    /// As [`SampleRequest::new`] for a distribution of dimension `n` with these batch shapes.
    pub fn for_shapes(op: &'static str, n: usize, mean_batch: &[usize], cov_batch: &[usize], shape: &[i64], key: Option<Key>) -> Result<Self> {
        let out_shape = crate::distribution::output_shape_of(n, mean_batch, cov_batch, shape)?;
        let batch = &out_shape[..out_shape.len() - 1];
        let rows = batch.iter().product();
        Ok(SampleRequest {
            op,
            rows,
            window: 0..rows,
            n,
            key: resolve(key),
            mean_map: BroadcastMap::new(batch, mean_batch),
            cov_map: BroadcastMap::new(batch, cov_batch),
            out_shape,
        })
    }

    /// Float32 values of the whole output (the words of the stream).
    pub fn len(&self) -> usize {
        self.rows * self.n
    }

    /// Restricts the draw to output rows `rows` (of the flattened batch), bit for bit those
    /// rows of the whole draw.
    pub fn window(mut self, rows: std::ops::Range<usize>) -> Result<Self> {
        if rows.start > rows.end || rows.end > self.rows {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                self.op,
                format!("rows {}..{} are not within the {} rows of output shape {}.", rows.start, rows.end, self.rows, fmt_shape(&self.out_shape)),
            ));
        }
        self.window = rows;
        Ok(self)
    }

    /// Whether only some rows are drawn (never in the npm package, which has no windows: the
    /// constant keeps their code out of its wasm).
    pub fn is_windowed(&self) -> bool {
        !cfg!(target_arch = "wasm32") && self.window != (0..self.rows)
    }

    /// The shape of what is drawn: the output's, or `[rows, n]` for a window.
    pub fn drawn_shape(&self) -> Vec<usize> {
        if self.is_windowed() { vec![self.window.len(), self.n] } else { self.out_shape.clone() }
    }

    /// Float32 values drawn (the window's).
    pub fn drawn_len(&self) -> usize {
        if self.is_windowed() { self.window.len() * self.n } else { self.len() }
    }

    /// The first row drawn.
    pub fn first_row(&self) -> usize {
        if self.is_windowed() { self.window.start } else { 0 }
    }
}

/// The `count` elements of `width` bytes in the little-endian byte stream of `words`.
fn cut_elements(words: &[u32], width: u32, count: usize) -> Vec<u32> {
    let le: &[u8] = bytemuck::cast_slice(words);
    (0..count)
        .map(|i| {
            let o = i * width as usize;
            if width == 2 { u16::from_le_bytes([le[o], le[o + 1]]) as u32 } else { le[o] as u32 }
        })
        .collect()
}


/// Refuses a NaN or infinite `value` of parameter `what` of `op`.
fn check_finite_param(op: &str, what: &str, value: f32) -> Result<()> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(Error::new(ErrorKind::NonFinite, op, format!("{what} must be finite, got {}.", crate::numtext::f32(value))))
    }
}

/// Checks `normal`'s `loc` and `scale`: finite, and `sqrt(2) * scale` (the constant MLX folds
/// the scale into) finite too; otherwise every sample would be infinite or NaN.
fn check_normal_params(op: &str, loc: f32, scale: f32) -> Result<()> {
    check_finite_param(op, "loc", loc)?;
    check_finite_param(op, "scale", scale)?;
    if !(math::SQRT2 * scale).is_finite() {
        return Err(Error::new(ErrorKind::NonFinite, op, format!("scale {} times sqrt(2) overflows float32.", crate::numtext::f32(scale))));
    }
    Ok(())
}

/// Checks MLX's uniform bounds against `shape` and returns `(low, range)` broadcast to their
/// common shape. Non-finite bounds, and bounds whose difference overflows float32, are refused
/// (they would give infinite or NaN samples).
fn uniform_bounds(shape: &[usize], low: &Array, high: &Array) -> Result<(Array, Array)> {
    let op = "uniform";
    for (what, a) in [("low", low), ("high", high)] {
        if let Some(&v) = a.data().iter().find(|v| !v.is_finite()) {
            return Err(Error::new(ErrorKind::NonFinite, op, format!("{what} must be finite, got {}.", crate::numtext::f32(v))));
        }
    }
    let bshape = broadcast_shapes(op, low.shape(), high.shape(), ["low", "high"])?;
    let lmap = BroadcastMap::new(&bshape, low.shape());
    let hmap = BroadcastMap::new(&bshape, high.shape());
    let count: usize = bshape.iter().product();
    let range: Vec<f32> = (0..count).map(|i| high.data()[hmap.index(i)] - low.data()[lmap.index(i)]).collect();
    if let Some(i) = range.iter().position(|r| !r.is_finite()) {
        return Err(Error::new(
            ErrorKind::NonFinite,
            op,
            format!("high - low overflows float32 ({} - {}).", crate::numtext::f32(high.data()[hmap.index(i)]), crate::numtext::f32(low.data()[lmap.index(i)])),
        ));
    }
    let out = broadcast_shapes(op, shape, &bshape, ["the shape", "low and high"])?;
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

/// MLX's uniform conversion of `words` (elements `first ..` of the result), with bounds
/// broadcast over `shape`.
fn apply_uniform(shape: &[usize], first: usize, words: &[u32], low: &Array, range: &Array) -> Vec<f32> {
    let lmap = BroadcastMap::new(shape, low.shape());
    let rmap = BroadcastMap::new(shape, range.shape());
    words.iter().enumerate().map(|(i, &b)| math::uniform(b, low.data()[lmap.index(first + i)], range.data()[rmap.index(first + i)])).collect()
}
