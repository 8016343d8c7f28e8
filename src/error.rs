//! One error type for the whole crate: a kind with a stable code, and an MLX-style message
//! that names the operation (`[multivariate_normal] ...`).

use std::fmt;

/// What went wrong, as a stable, matchable category. [`ErrorKind::code`] gives the string
/// code that the JavaScript package exposes as `error.code`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A shape is malformed: negative dimension, too few dimensions, non-square or mismatched
    /// matrices, data length that does not match the shape.
    InvalidShape,
    /// Shapes that do not broadcast together.
    BroadcastError,
    /// NaN or infinity in the mean or covariance.
    NonFinite,
    /// The covariance is not symmetric beyond the relative tolerance.
    NotSymmetric,
    /// The covariance has a negative eigenvalue beyond the relative tolerance.
    NotPositiveSemidefinite,
    /// A key that is not two `u32` words.
    InvalidKey,
    /// A dtype other than `float32`.
    InvalidDtype,
    /// An unknown method, backend, option value or other malformed argument.
    InvalidArgument,
    /// The request is larger than can be allocated: checked before allocating, or refused by
    /// the GPU device when it allocates (out of GPU memory).
    TooLarge,
    /// A factorization did not converge (eigen or singular value iteration).
    NotConverged,
    /// No GPU adapter or device could be obtained.
    NoAdapter,
    /// The GPU device reported an error (a failed buffer map, a validation error).
    Device,
    /// The GPU device was lost (destroyed, driver reset) and could not be replaced: a sampler
    /// on an application's device ([`crate::Sampler::from_device`]) cannot replace it, and a
    /// sampler with its own device reports this when opening a new one failed.
    DeviceLost,
    /// An object used after it was destroyed or freed (the JavaScript package's samplers and
    /// distributions).
    Destroyed,
    /// The JavaScript package's WebAssembly is not loaded: not yet (`await init()` or
    /// `Sampler.create()` loads it), or it failed to load (raised by the package's wrapper).
    NotLoaded,
}

impl ErrorKind {
    /// The stable string code (`"INVALID_SHAPE"`, `"NOT_POSITIVE_SEMIDEFINITE"`, ...).
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::InvalidShape => "INVALID_SHAPE",
            ErrorKind::BroadcastError => "BROADCAST_ERROR",
            ErrorKind::NonFinite => "NON_FINITE",
            ErrorKind::NotSymmetric => "NOT_SYMMETRIC",
            ErrorKind::NotPositiveSemidefinite => "NOT_POSITIVE_SEMIDEFINITE",
            ErrorKind::InvalidKey => "INVALID_KEY",
            ErrorKind::InvalidDtype => "INVALID_DTYPE",
            ErrorKind::InvalidArgument => "INVALID_ARGUMENT",
            ErrorKind::TooLarge => "TOO_LARGE",
            ErrorKind::NotConverged => "NOT_CONVERGED",
            ErrorKind::NoAdapter => "NO_ADAPTER",
            ErrorKind::Device => "DEVICE_ERROR",
            ErrorKind::DeviceLost => "DEVICE_LOST",
            ErrorKind::Destroyed => "DESTROYED",
            ErrorKind::NotLoaded => "NOT_LOADED",
        }
    }

    /// Every kind, in declaration order: the one list of the error codes.
    pub const ALL: [ErrorKind; 15] = [
        ErrorKind::InvalidShape,
        ErrorKind::BroadcastError,
        ErrorKind::NonFinite,
        ErrorKind::NotSymmetric,
        ErrorKind::NotPositiveSemidefinite,
        ErrorKind::InvalidKey,
        ErrorKind::InvalidDtype,
        ErrorKind::InvalidArgument,
        ErrorKind::TooLarge,
        ErrorKind::NotConverged,
        ErrorKind::NoAdapter,
        ErrorKind::Device,
        ErrorKind::DeviceLost,
        ErrorKind::Destroyed,
        ErrorKind::NotLoaded,
    ];
}

/// The crate's error: a [`ErrorKind`] and a message such as
/// `[multivariate_normal] mean and cov must have compatible shapes.`
#[derive(Clone, Debug, PartialEq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

impl Error {
    /// An error of `kind` raised by operation `op` (written as `[op] message`).
    pub fn new(kind: ErrorKind, op: &str, message: impl fmt::Display) -> Self {
        Error { kind, message: format!("[{op}] {message}") }
    }

    /// The category of the error.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The stable string code of [`Error::kind`].
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }

    /// The full message, `[op] ...`.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// `Result` with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
