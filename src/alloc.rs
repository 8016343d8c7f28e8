//! Fallible allocation. A request's size decides these allocations, so running out of memory
//! is a `TooLarge` error that names the operation, never an abort.

use crate::error::{Error, ErrorKind, Result};

/// A vector of `len` default values.
pub(crate) fn zeroed<T: Clone + Default>(op: &str, len: usize) -> Result<Vec<T>> {
    filled(op, len, T::default())
}

/// A vector of `len` copies of `value`.
pub(crate) fn filled<T: Clone>(op: &str, len: usize, value: T) -> Result<Vec<T>> {
    let mut v = with_capacity(op, len)?;
    v.resize(len, value);
    Ok(v)
}

/// A copy of `data`.
pub(crate) fn copied<T: Clone>(op: &str, data: &[T]) -> Result<Vec<T>> {
    let mut v = with_capacity(op, data.len())?;
    v.extend_from_slice(data);
    Ok(v)
}

/// An empty vector with room for `len` values.
pub(crate) fn with_capacity<T>(op: &str, len: usize) -> Result<Vec<T>> {
    let mut v = Vec::new();
    v.try_reserve_exact(len).map_err(|_| too_large::<T>(op, len as u128))?;
    Ok(v)
}

/// `count * each` values, refused as too large when the product overflows.
pub(crate) fn product<T>(op: &str, count: usize, each: usize) -> Result<usize> {
    count.checked_mul(each).ok_or_else(|| too_large::<T>(op, count as u128 * each as u128))
}

fn too_large<T>(op: &str, len: u128) -> Error {
    let bytes = len * std::mem::size_of::<T>() as u128;
    Error::new(ErrorKind::TooLarge, op, format!("cannot allocate {len} values ({bytes} bytes)."))
}
