//! MLX's shape rules: dimension checks, numpy-style broadcasting, and the map from an output
//! batch row to the (broadcast) batch row of an input.

use crate::error::{Error, ErrorKind, Result};

/// The most elements one request may produce: the counter of MLX's layout is 32 bits wide.
pub const MAX_ELEMENTS: usize = u32::MAX as usize;

/// MLX's shape notation: `(3,2)`, `(2)`, `()`.
pub fn fmt_shape<T: std::fmt::Display>(shape: &[T]) -> String {
    let parts: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    format!("({})", parts.join(","))
}

/// Checks a user shape: no negative dimension.
pub fn check_shape(op: &str, shape: &[i64]) -> Result<Vec<usize>> {
    if shape.iter().any(|&d| d < 0) {
        return Err(Error::new(
            ErrorKind::InvalidShape,
            op,
            format!("Negative dimensions not allowed: shape {}.", fmt_shape(shape)),
        ));
    }
    shape
        .iter()
        .map(|&d| usize::try_from(d))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|_| too_large(op, shape))
}

fn too_large<T: std::fmt::Display + Default + PartialEq>(op: &str, shape: &[T]) -> Error {
    Error::new(
        ErrorKind::TooLarge,
        op,
        if shape.contains(&T::default()) {
            format!("shape {} is empty but its other dimensions exceed the limit of {MAX_ELEMENTS} elements per request.", fmt_shape(shape))
        } else {
            format!("shape {} has more than the {MAX_ELEMENTS} elements allowed per request.", fmt_shape(shape))
        },
    )
}

/// Number of elements of `shape`, refused above [`MAX_ELEMENTS`] (before anything is allocated).
/// An empty shape is refused too when its non-zero dimensions alone exceed the limit (such as
/// `(2^40, 0)`): row counts and strides derived from it would overflow.
pub fn numel(op: &str, shape: &[usize]) -> Result<usize> {
    let nonzero = shape
        .iter()
        .filter(|&&d| d != 0)
        .try_fold(1usize, |a, &d| a.checked_mul(d).filter(|&v| v <= MAX_ELEMENTS));
    match nonzero {
        Some(_) if shape.contains(&0) => Ok(0),
        Some(n) => Ok(n),
        None => Err(too_large(op, shape)),
    }
}

/// Numpy broadcasting of two shapes; `names` say in the error which is which.
pub fn broadcast_shapes(op: &str, a: &[usize], b: &[usize], names: [&str; 2]) -> Result<Vec<usize>> {
    let n = a.len().max(b.len());
    let mut out = vec![0; n];
    for i in 0..n {
        let da = if i + a.len() >= n { a[i + a.len() - n] } else { 1 };
        let db = if i + b.len() >= n { b[i + b.len() - n] } else { 1 };
        out[i] = if da == db || db == 1 {
            da
        } else if da == 1 {
            db
        } else {
            return Err(Error::new(
                ErrorKind::BroadcastError,
                op,
                format!("Shapes {} and {} cannot be broadcast ({} and {}).", fmt_shape(a), fmt_shape(b), names[0], names[1]),
            ));
        };
    }
    Ok(out)
}

/// Maps a row-major index over `out` to the row-major index over `input`, where `input`
/// broadcasts to `out` (right-aligned, size-1 or missing dimensions repeat).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BroadcastMap {
    /// Output dimensions after merging, outermost first.
    pub dims: Vec<usize>,
    /// Stride in the input for each merged dimension (0 where it is broadcast).
    pub strides: Vec<usize>,
    identity: bool,
    /// Every row maps to input 0.
    constant: bool,
}

impl BroadcastMap {
    /// The map from `out` to `input` (`input` must broadcast to `out`).
    pub fn new(out: &[usize], input: &[usize]) -> Self {
        let n = out.len();
        let pad = n - input.len();
        let mut stride = 1usize;
        let mut dims_strides: Vec<(usize, usize)> = Vec::new();
        for i in (0..n).rev() {
            let d_in = if i >= pad { input[i - pad] } else { 1 };
            let s = if d_in == 1 { 0 } else { stride };
            stride *= d_in;
            if out[i] == 1 {
                continue; // size-1 output dims carry no index
            }
            // Merge with the inner dimension when the index arithmetic allows.
            if let Some(&mut (ref mut pd, ref mut ps)) = dims_strides.last_mut() {
                if (*ps == 0 && s == 0) || (s != 0 && *ps != 0 && s == *ps * *pd) {
                    *pd *= out[i];
                    continue;
                }
            }
            dims_strides.push((out[i], s));
        }
        dims_strides.reverse();
        let identity = dims_strides.len() <= 1 && dims_strides.iter().all(|&(_, s)| s == 1);
        BroadcastMap {
            dims: dims_strides.iter().map(|p| p.0).collect(),
            strides: dims_strides.iter().map(|p| p.1).collect(),
            identity,
            constant: dims_strides.iter().all(|&(_, s)| s == 0),
        }
    }

    /// The input index of output row `i`.
    #[inline]
    pub fn index(&self, mut i: usize) -> usize {
        if self.identity {
            return i;
        }
        if self.constant {
            return 0; // one input for every row: no divisions (they dominate small-n draws)
        }
        let mut idx = 0;
        for k in (0..self.dims.len()).rev() {
            let d = self.dims[k];
            idx += (i % d) * self.strides[k];
            i /= d;
        }
        idx
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcast_map_matches_naive_indexing() {
        let cases: &[(&[usize], &[usize])] = &[
            (&[4, 3], &[3]),
            (&[4, 3], &[4, 1]),
            (&[2, 4], &[4]),
            (&[5, 1, 3], &[1, 3]),
            (&[2, 3, 4], &[2, 1, 4]),
            (&[2, 3, 4], &[]),
            (&[2, 3, 4], &[2, 3, 4]),
            (&[3, 2, 2, 5], &[3, 1, 2, 5]),
        ];
        for &(out, input) in cases {
            let m = BroadcastMap::new(out, input);
            let total: usize = out.iter().product();
            for i in 0..total {
                // Naive: unravel i over out, clamp broadcast dims, ravel over input.
                let mut rem = i;
                let mut coords = vec![0; out.len()];
                for k in (0..out.len()).rev() {
                    coords[k] = rem % out[k];
                    rem /= out[k];
                }
                let pad = out.len() - input.len();
                let mut idx = 0;
                for k in 0..input.len() {
                    let c = if input[k] == 1 { 0 } else { coords[k + pad] };
                    idx = idx * input[k] + c;
                }
                assert_eq!(m.index(i), idx, "out {out:?} input {input:?} row {i}");
            }
        }
    }
}
