//! A command's result as the writers see it: its shape and its values (float32 samples, keys,
//! or the unsigned integers of `bits`), held as the library returned them: the writers read
//! them in place, so no result is copied.

use crate::{Array, Key};

/// The values of a result.
#[derive(Debug, Clone, PartialEq)]
pub enum Data {
    /// Samples.
    F32(Vec<f32>),
    /// Log-densities (`log-prob`), in float64.
    F64(Vec<f64>),
    /// Keys (`key`, `split`): two uint32 words each.
    Keys(Vec<Key>),
    /// Unsigned integers of `width` bytes (1, 2 or 4) widened to u32 (`bits`).
    Uint {
        /// Bytes per element: 1, 2 or 4.
        width: u32,
        /// The elements.
        values: Vec<u32>,
    },
}

impl Data {
    /// The number of values (two per key).
    pub fn len(&self) -> usize {
        match self {
            Data::F32(v) => v.len(),
            Data::F64(v) => v.len(),
            Data::Keys(k) => 2 * k.len(),
            Data::Uint { values, .. } => values.len(),
        }
    }

    /// Whether there are no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A result: its shape and its values in row-major order.
#[derive(Debug, Clone, PartialEq)]
pub struct Values {
    /// The shape.
    pub shape: Vec<usize>,
    /// The values.
    pub data: Data,
}

impl Values {
    /// Float32 values of this shape.
    pub fn f32(shape: &[usize], data: &[f32]) -> Self {
        Values { shape: shape.to_vec(), data: Data::F32(data.to_vec()) }
    }

    /// Keys as an array of shape `shape` (whose last dimension is 2) of their words.
    pub fn keys(shape: &[usize], keys: Vec<Key>) -> Self {
        Values { shape: shape.to_vec(), data: Data::Keys(keys) }
    }

    /// The result of `bits` with elements of `width` bytes.
    pub fn bits(a: Array<u32>, width: u32) -> Self {
        let (shape, values) = a.into_parts();
        Values { shape, data: Data::Uint { width, values } }
    }
}

impl From<Array> for Values {
    fn from(a: Array) -> Self {
        let (shape, data) = a.into_parts();
        Values { shape, data: Data::F32(data) }
    }
}

/// `v` joined by `sep`.
pub(crate) fn join_usize(v: &[usize], sep: &str) -> String {
    v.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(sep)
}
