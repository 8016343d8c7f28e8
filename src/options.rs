//! Options of `multivariate_normal`: method, dtype, and what to do with invalid covariances.

use crate::error::{Error, ErrorKind, Result};
use std::fmt;
use std::str::FromStr;

/// How the covariance is factored into `cov = F Fᵀ`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Method {
    /// Lower-triangular Cholesky factor, computed in f64 (the default). A singular
    /// positive-semidefinite covariance falls back to a PSD-safe triangular factor (eigh + QR).
    #[default]
    Cholesky,
    /// The symmetric square root `Q diag(sqrt(λ)) Qᵀ` from a symmetric eigendecomposition.
    Eigh,
    /// MLX's `U diag(sqrt(s)) Vᵀ` square root: reproduces MLX's samples for the same key. For
    /// the symmetric input accepted here it equals `Q diag(sign(λ) sqrt|λ|) Qᵀ`, computed from
    /// the symmetric eigendecomposition.
    Svd,
}

impl Method {
    /// The lower-case name (`"cholesky"`, `"eigh"`, `"svd"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Cholesky => "cholesky",
            Method::Eigh => "eigh",
            Method::Svd => "svd",
        }
    }
}

impl FromStr for Method {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "cholesky" => Ok(Method::Cholesky),
            "eigh" => Ok(Method::Eigh),
            "svd" => Ok(Method::Svd),
            _ => Err(Error::new(
                ErrorKind::InvalidArgument,
                "multivariate_normal",
                format!("Unknown method '{s}'; expected 'cholesky', 'eigh' or 'svd'."),
            )),
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an indefinite covariance (a negative eigenvalue beyond the tolerance) does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum OnInvalid {
    /// Refuse it with [`ErrorKind::NotPositiveSemidefinite`] (the default).
    #[default]
    Raise,
    /// Sample from the matrix with negative eigenvalues clipped to zero, and record a warning
    /// (printed to stderr by the free function on native targets).
    Warn,
    /// Sample from the clipped matrix silently (the report still says it was clipped).
    Clip,
}

impl OnInvalid {
    /// The lower-case name (`"raise"`, `"warn"`, `"clip"`).
    pub fn as_str(self) -> &'static str {
        match self {
            OnInvalid::Raise => "raise",
            OnInvalid::Warn => "warn",
            OnInvalid::Clip => "clip",
        }
    }
}

impl FromStr for OnInvalid {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "raise" => Ok(OnInvalid::Raise),
            "warn" => Ok(OnInvalid::Warn),
            "clip" => Ok(OnInvalid::Clip),
            _ => Err(Error::new(
                ErrorKind::InvalidArgument,
                "multivariate_normal",
                format!("Unknown on_invalid '{s}'; expected 'raise', 'warn' or 'clip'."),
            )),
        }
    }
}

/// Element types MLX knows. Only `float32` can be sampled; the others exist so that a request
/// for them is refused with a clear error rather than misparsed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Dtype {
    /// 32-bit float, the only supported output type.
    #[default]
    Float32,
    /// 16-bit float.
    Float16,
    /// bfloat16.
    Bfloat16,
    /// 64-bit float.
    Float64,
    /// 32-bit signed integer.
    Int32,
}

impl Dtype {
    /// MLX's name of the type.
    pub fn as_str(self) -> &'static str {
        match self {
            Dtype::Float32 => "float32",
            Dtype::Float16 => "float16",
            Dtype::Bfloat16 => "bfloat16",
            Dtype::Float64 => "float64",
            Dtype::Int32 => "int32",
        }
    }

    /// Checks that `op` can produce this dtype (only `float32`).
    pub fn require_float32(self, op: &str) -> Result<()> {
        if self == Dtype::Float32 {
            Ok(())
        } else {
            Err(Error::new(
                ErrorKind::InvalidDtype,
                op,
                format!("dtype must be float32, got {}.", self.as_str()),
            ))
        }
    }
}

impl FromStr for Dtype {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "float32" => Ok(Dtype::Float32),
            "float16" => Ok(Dtype::Float16),
            "bfloat16" => Ok(Dtype::Bfloat16),
            "float64" => Ok(Dtype::Float64),
            "int32" => Ok(Dtype::Int32),
            _ => Err(Error::new(
                ErrorKind::InvalidDtype,
                "dtype",
                format!("Unknown dtype '{s}'; only 'float32' is supported."),
            )),
        }
    }
}

/// Options of [`crate::multivariate_normal`] and [`crate::MultivariateNormal::new`].
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Options {
    /// The factorization (default [`Method::Cholesky`]).
    pub method: Method,
    /// The output dtype; only `float32` is accepted.
    pub dtype: Dtype,
    /// What an indefinite covariance does (default [`OnInvalid::Raise`]).
    pub on_invalid: OnInvalid,
    /// Relative tolerance of the symmetry and positive-semidefiniteness checks. `None` uses
    /// `8 * n * 2^-23` (float32 round-off of an `n x n` covariance).
    pub tolerance: Option<f64>,
}

impl Options {
    /// Default options with `method`.
    pub fn with_method(method: Method) -> Self {
        Options { method, ..Options::default() }
    }
}
