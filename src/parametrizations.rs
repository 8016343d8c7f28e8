//! The other ways to give a multivariate normal than mean and covariance: independent variances
//! (`from_diag`) and a precision matrix (`from_precision`). Both build their factors directly
//! (`MultivariateNormal::from_factors`); `from_scale_tril` stays beside `new`.

use crate::distribution::{check_finite, check_shapes, shapes_of, MultivariateNormal, OP};
use crate::error::{Error, ErrorKind, Result};
use crate::linalg::{self, cholesky_lower};
use crate::{Array, FactorMethod};

impl MultivariateNormal {
    /// A distribution with independent coordinates from their variances `var (..., n)` (torch's
    /// `Independent(Normal(loc, scale))`, SciPy's `cov` as a vector): `R = diag(√var)`, nothing
    /// is factored. Zero variances are allowed (a degenerate coordinate).
    ///
    /// # Errors
    /// As [`MultivariateNormal::new`] for shapes and non-finite values, and
    /// [`ErrorKind::NotPositiveSemidefinite`] for a negative variance.
    ///
    /// ```
    /// use mvn_gpu::{Array, MultivariateNormal};
    /// let d = MultivariateNormal::from_diag(&Array::new([2], vec![0.0, 10.0])?, &Array::new([2], vec![1.0, 1e-4])?)?;
    /// let x = d.sample(&[3], Some(mvn_gpu::key(0)))?;
    /// assert!(x.data().chunks(2).all(|r| (r[1] - 10.0).abs() < 0.1));
    /// # Ok::<(), mvn_gpu::Error>(())
    /// ```
    pub fn from_diag(mean: &Array, var: &Array) -> Result<Self> {
        if var.ndim() == 0 {
            return Err(Error::new(ErrorKind::InvalidShape, OP, "var must have at least one dimension: (..., n)."));
        }
        let n = var.shape()[var.ndim() - 1];
        let mut cs = var.shape().to_vec();
        cs.push(n);
        let (n, mean_batch, cov_batch) = shapes_of(mean.shape(), &cs, "var")?;
        check_finite("mean", mean)?;
        check_finite("var", var)?;
        if let Some(i) = var.data().iter().position(|&v| v < 0.0) {
            return Err(Error::new(ErrorKind::NotPositiveSemidefinite, OP, format!("var must be non-negative, got {} at flat index {i}.", crate::numtext::f32(var.data()[i]))));
        }
        // Diagonal: upper triangular too.
        Self::from_factors(mean, n, mean_batch, cov_batch, FactorMethod::Diag, true, |b, r| {
            for i in 0..n {
                r[i * n + i] = var.data()[b * n + i].sqrt();
            }
            Ok(())
        })
    }

    /// A distribution from a precision matrix `precision (..., n, n)`, the inverse covariance
    /// (as torch's `precision_matrix`): each is factored in f64 as `P = L Lᵀ` and sampled with
    /// `R = L⁻¹`, so that `Rᵀ R = P⁻¹`; the covariance is never inverted.
    ///
    /// # Errors
    /// As [`MultivariateNormal::new`] for shapes, non-finite values and asymmetry (with the
    /// default tolerance), and [`ErrorKind::NotPositiveSemidefinite`] for a precision matrix that
    /// is not positive definite (a covariance with infinite variance).
    ///
    /// ```
    /// use mvn_gpu::{Array, MultivariateNormal};
    /// let d = MultivariateNormal::from_precision(&Array::new([2], vec![0.0, 0.0])?, &Array::new([2, 2], vec![4.0, 0.0, 0.0, 0.25])?)?;
    /// let x = d.sample(&[20000], Some(mvn_gpu::key(0)))?; // variances 1/4 and 4
    /// let var0 = x.data().chunks(2).map(|r| (r[0] as f64).powi(2)).sum::<f64>() / 20000.0;
    /// assert!((var0 - 0.25).abs() < 0.02);
    /// # Ok::<(), mvn_gpu::Error>(())
    /// ```
    pub fn from_precision(mean: &Array, precision: &Array) -> Result<Self> {
        let (n, mean_batch, cov_batch) = check_shapes(mean, precision, "precision")?;
        check_finite("mean", mean)?;
        check_finite("precision", precision)?;
        let tol = linalg::default_tolerance(n);
        let nn = n * n;
        // R = L⁻¹ is lower triangular; the kernels' triangular shortcut is for upper R.
        Self::from_factors(mean, n, mean_batch, cov_batch, FactorMethod::Precision, false, |b, r| {
            let p = &precision.data()[b * nn..(b + 1) * nn];
            let scale = p.iter().fold(0f64, |m, v| m.max(v.abs() as f64));
            for i in 0..n {
                for j in 0..i {
                    let (a, c) = (p[i * n + j] as f64, p[j * n + i] as f64);
                    if (a - c).abs() > tol * scale {
                        return Err(Error::new(ErrorKind::NotSymmetric, OP, format!("precision is not symmetric: batch index {b}, entries ({i},{j}) and ({j},{i}) differ by {}.", crate::numtext::f64((a - c).abs()))));
                    }
                }
            }
            // Cholesky of (P + Pᵀ)/2 in f64, then R = L⁻¹.
            let l = cholesky_lower(n, |i, j| 0.5 * (p[i * n + j] as f64 + p[j * n + i] as f64), tol * scale).map_err(|(j, d)| {
                Error::new(ErrorKind::NotPositiveSemidefinite, OP, format!("precision must be positive definite: batch index {b} has a pivot of {} at ({j},{j}) (a covariance with infinite variance).", crate::numtext::f64(d)))
            })?;
            for (ri, &v) in r.iter_mut().zip(&linalg::inverse_lower(&l, n)) {
                *ri = v as f32;
            }
            Ok(())
        })
    }
}
