//! A minimal dense n-d array: a shape and row-major data.

use crate::error::{Error, ErrorKind, Result};

/// A dense row-major array (MLX's `array` for our purposes). `shape == []` holds one value.
#[derive(Clone, Debug, PartialEq)]
pub struct Array<T = f32> {
    shape: Vec<usize>,
    data: Vec<T>,
}

impl<T> Array<T> {
    /// An array of `shape` holding `data` in row-major order.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidShape`] when `data.len()` is not the product of `shape`;
    /// [`ErrorKind::TooLarge`] for a shape beyond [`crate::MAX_ELEMENTS`] (see [`crate::shape::numel`]).
    pub fn new(shape: impl Into<Vec<usize>>, data: Vec<T>) -> Result<Self> {
        let shape = shape.into();
        crate::shape::numel("array", &shape)?;
        let size = shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d));
        if size != Some(data.len()) {
            return Err(Error::new(
                ErrorKind::InvalidShape,
                "array",
                format!(
                    "data of length {} does not fill shape {}.",
                    data.len(),
                    crate::shape::fmt_shape(&shape)
                ),
            ));
        }
        Ok(Array { shape, data })
    }

    pub(crate) fn from_parts(shape: Vec<usize>, data: Vec<T>) -> Self {
        debug_assert_eq!(shape.iter().product::<usize>(), data.len());
        Array { shape, data }
    }

    /// A 0-d array holding `value`.
    pub fn scalar(value: T) -> Self {
        Array { shape: vec![], data: vec![value] }
    }

    /// A 1-d array.
    pub fn from_vec(data: Vec<T>) -> Self {
        Array { shape: vec![data.len()], data }
    }

    /// The shape.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// The number of dimensions.
    pub fn ndim(&self) -> usize {
        self.shape.len()
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Whether the array has no elements.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The data, row-major.
    pub fn data(&self) -> &[T] {
        &self.data
    }

    /// The data, consuming the array.
    pub fn into_data(self) -> Vec<T> {
        self.data
    }

    /// Shape and data, consuming the array.
    pub fn into_parts(self) -> (Vec<usize>, Vec<T>) {
        (self.shape, self.data)
    }
}

impl From<f32> for Array<f32> {
    fn from(v: f32) -> Self {
        Array::scalar(v)
    }
}

impl From<Vec<f32>> for Array<f32> {
    fn from(v: Vec<f32>) -> Self {
        Array::from_vec(v)
    }
}
