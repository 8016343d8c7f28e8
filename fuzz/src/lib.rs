//! The harnesses behind the fuzz targets in `fuzz_targets/` (each target is one call into
//! this library, so an input found by one can be replayed from a test or a debugger).
//!
//! - [`cli`]: dry runs of the CLI's commands through the library module `mvn_gpu::cli`: every
//!   flag parser, array parser and output writer, validation and small CPU draws, but no GPU, no
//!   file system and nothing printed.
//! - [`validation`]: arbitrary shapes, means and covariances (NaN, infinities, huge and
//!   subnormal values) through `MultivariateNormal::new` / `from_scale_tril` and CPU sampling
//!   with every `Method` and `OnInvalid`.
//! - [`factor`]: symmetric matrices up to 40 x 40 through every factorization: on success the
//!   factor must reproduce the covariance.

pub mod cli;
pub mod factor;
pub mod validation;

use mvn_gpu::ErrorKind;

/// Reads the fuzzer's bytes as a stream of small decisions; zeros once exhausted.
pub struct Bytes<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Bytes<'a> {
    /// A reader over `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Bytes { data, pos: 0 }
    }

    /// The next byte (0 past the end).
    pub fn u8(&mut self) -> u8 {
        let b = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        b
    }

    /// The next four bytes, little-endian.
    pub fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }

    /// Fills the `n x n` matrix `c` symmetrically from the lower triangle, one [`Bytes::f32`]
    /// per entry.
    pub fn symmetric(&mut self, c: &mut [f32], n: usize) {
        for i in 0..n {
            for j in 0..=i {
                let v = self.f32();
                c[i * n + j] = v;
                c[j * n + i] = v;
            }
        }
    }

    /// A float32 drawn mostly from ordinary values, often from the edges: NaN, infinities,
    /// f32::MAX, the smallest normal and subnormal, signed zeros, and any bit pattern.
    pub fn f32(&mut self) -> f32 {
        match self.u8() % 16 {
            0 => f32::from_bits(self.u32()),
            1 => f32::NAN,
            2 => f32::INFINITY,
            3 => f32::NEG_INFINITY,
            4 => f32::MAX,
            5 => -f32::MAX,
            6 => f32::MIN_POSITIVE,
            7 => f32::from_bits(1),
            8 => 0.0,
            9 => -0.0,
            10 => 1e30 * (self.u8() as i8) as f32,
            _ => (self.u8() as i8) as f32 / 16.0,
        }
    }

    /// Whether bytes remain.
    pub fn more(&self) -> bool {
        self.pos < self.data.len()
    }
}

/// The error kinds input validation may produce; anything else (and any panic) is a finding.
pub fn is_input_error(kind: ErrorKind) -> bool {
    matches!(
        kind,
        ErrorKind::InvalidShape
            | ErrorKind::BroadcastError
            | ErrorKind::NonFinite
            | ErrorKind::NotSymmetric
            | ErrorKind::NotPositiveSemidefinite
            | ErrorKind::InvalidDtype
            | ErrorKind::InvalidArgument
            | ErrorKind::TooLarge
    )
}

/// Checks the form of an error: a known kind, and a message naming the operation.
pub fn check_error(e: &mvn_gpu::Error, op: &str) {
    assert!(is_input_error(e.kind()) || e.kind() == ErrorKind::NotConverged, "unexpected error kind: {e:?}");
    assert!(!e.message().is_empty(), "empty message: {e:?}");
    assert!(e.to_string().contains(op), "message does not name {op}: {e}");
}
