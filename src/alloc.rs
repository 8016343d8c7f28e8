//! Fallible allocation. A request's size decides these allocations, so running out of memory
//! is a `TooLarge` error that names the operation, never an abort.

use crate::error::{Error, ErrorKind, Result};

/// A vector of `len` default values.
pub(crate) fn zeroed<T: Clone + Default>(op: &str, len: usize) -> Result<Vec<T>> {
    let mut v = with_capacity(op, len)?;
    v.resize(len, T::default());
    Ok(v)
}

/// An empty vector with room for `len` values.
pub(crate) fn with_capacity<T>(op: &str, len: usize) -> Result<Vec<T>> {
    let mut v = Vec::new();
    v.try_reserve_exact(len).map_err(|_| {
        Error::new(ErrorKind::TooLarge, op, format!("cannot allocate {len} values ({} bytes).", len as u64 * std::mem::size_of::<T>() as u64))
    })?;
    Ok(v)
}
