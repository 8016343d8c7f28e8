//! Factorizations of one covariance in f64 with faer: Cholesky (with a PSD-safe fallback),
//! the symmetric eigen square root, and MLX's SVD square root. The result is the matrix `R`
//! with `x = mean + z R` (row-vector convention, as MLX's `z @ std`), stored in float32.

use crate::cholesky;
use crate::error::{Error, ErrorKind, Result};
use crate::numtext::g;
use crate::options::{Method, OnInvalid};
use faer::Mat;

/// How a covariance was actually factored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FactorMethod {
    /// Cholesky succeeded: `R = Lᵀ`, upper triangular.
    Cholesky,
    /// Cholesky failed on a singular (or clipped) covariance: `R` is the triangular factor of
    /// a QR decomposition of `diag(sqrt(λ)) Qᵀ` (so still `Rᵀ R = cov`, upper triangular).
    CholeskyPsd,
    /// Symmetric square root from the eigendecomposition.
    Eigh,
    /// MLX's `U diag(sqrt(s)) Vᵀ` (for symmetric input, `Q diag(sign(λ) sqrt|λ|) Qᵀ`).
    Svd,
    /// A lower-triangular `scale_tril` given by the user.
    ScaleTril,
    /// From a precision matrix `P = L Lᵀ`: `R = L⁻¹` (lower triangular), so `Rᵀ R = P⁻¹`.
    Precision,
    /// From a vector of variances: `R = diag(√var)`, nothing factored.
    Diag,
}

impl FactorMethod {
    /// A short name (`"cholesky"`, `"cholesky-psd"`, `"eigh"`, `"svd"`, `"scale_tril"`, `"precision"`, `"diag"`).
    pub fn as_str(self) -> &'static str {
        match self {
            FactorMethod::Cholesky => "cholesky",
            FactorMethod::CholeskyPsd => "cholesky-psd",
            FactorMethod::Eigh => "eigh",
            FactorMethod::Svd => "svd",
            FactorMethod::ScaleTril => "scale_tril",
            FactorMethod::Precision => "precision",
            FactorMethod::Diag => "diag",
        }
    }
}

/// What the factorization of one distinct covariance found.
#[derive(Clone, Debug, PartialEq)]
pub struct FactorReport {
    /// Index (row-major over `cov`'s batch shape) of the first covariance with this factor.
    pub batch_index: usize,
    /// The method requested.
    pub method: Method,
    /// The method actually used.
    pub method_used: FactorMethod,
    /// Numerical rank: eigenvalues above `n * 2^-23 * λmax`.
    pub rank: usize,
    /// Smallest eigenvalue of the (symmetrized) covariance, in f64.
    pub min_eigenvalue: f64,
    /// Largest eigenvalue.
    pub max_eigenvalue: f64,
    /// Whether negative eigenvalues beyond float32 round-off were clipped to zero: by
    /// `on_invalid = warn | clip`, or within a tolerance larger than the default. (`svd` keeps
    /// eigenvalues within the tolerance signed, as MLX does, and clips only with warn/clip.)
    pub clipped: bool,
}

/// One factored covariance.
pub(crate) struct Factored {
    pub report: Option<FactorReport>,
    pub method_used: FactorMethod,
    pub clipped_warning: Option<String>,
}

/// Square tiles of the symmetric passes: a tile and its mirror stay in the L1 cache, so the
/// column-wise reads of a row-major matrix do not miss on every element.
const TILE: usize = 8;

/// The pairs `(i, j)`, `i <= j`, of the upper triangle, tile by tile.
fn upper_pairs(n: usize, mut f: impl FnMut(usize, usize)) {
    for bi in (0..n).step_by(TILE) {
        for bj in (bi..n).step_by(TILE) {
            for i in bi..(bi + TILE).min(n) {
                for j in i.max(bj)..(bj + TILE).min(n) {
                    f(i, j);
                }
            }
        }
    }
}

/// The largest |cov[i][j] - cov[j][i]|, the largest |entry| and where the asymmetry is largest
/// (the first such pair in row-major order, as a scan of the whole matrix finds it). For small
/// matrices and messages: large ones take [`symmetrize_into`]'s tiled pass.
fn asymmetry(cov: &[f32], n: usize) -> (f64, f64, (usize, usize)) {
    let (mut asym, mut scale, mut worst) = (0.0f64, 0.0f64, (0, 0));
    for i in 0..n {
        for j in i..n {
            let (a, b) = (cov[i * n + j] as f64, cov[j * n + i] as f64);
            scale = scale.max(a.abs()).max(b.abs());
            let d = (a - b).abs();
            if d > asym {
                asym = d;
                worst = (i, j);
            }
        }
    }
    (asym, scale, worst)
}

/// The lower triangle (column-major) of `(cov + covᵀ) / 2` in f64 into `s`, which is the upper
/// one in row-major order, so the writes are contiguous, with the largest |cov[i][j] - cov[j][i]|
/// and the largest |entry| ([`asymmetry`] but the worst pair). One pass, tile by tile; Cholesky
/// and `eigen` read only this triangle. Natively four running maxima (of finite values, so a
/// plain compare) keep the loop from waiting on one chain of maxima; wasm keeps one (less code).
fn symmetrize_into(cov: &[f32], n: usize, s: &mut [f64]) -> (f64, f64) {
    const LANES: usize = if cfg!(target_arch = "wasm32") { 1 } else { 4 };
    let mx = |a: f64, b: f64| if a > b { a } else { b };
    let (mut asym, mut scale) = ([0.0f64; LANES], [0.0f64; LANES]);
    upper_pairs(n, |i, j| {
        let (a, b) = (cov[i * n + j] as f64, cov[j * n + i] as f64);
        let k = j % LANES;
        asym[k] = mx(asym[k], (a - b).abs());
        scale[k] = mx(scale[k], mx(a.abs(), b.abs()));
        if let Some(x) = s.get_mut(i * n + j) {
            *x = 0.5 * (a + b);
        }
    });
    let fold = |v: [f64; LANES]| v.into_iter().fold(0.0, mx);
    (fold(asym), fold(scale))
}

/// Runs `f` on a working f64 buffer of `len` values (contents unspecified), kept per thread
/// between calls up to 8 MiB: a fresh 2 MiB buffer costs about 0.8 ms in page faults, as much
/// as the 512 x 512 Cholesky's other work outside faer.
#[cfg(not(target_arch = "wasm32"))]
fn with_scratch<R>(len: usize, f: impl FnOnce(&mut [f64]) -> R) -> R {
    use std::cell::RefCell;
    thread_local!(static SCRATCH: RefCell<Vec<f64>> = const { RefCell::new(Vec::new()) });
    const KEEP: usize = 1 << 20; // values
    if len > KEEP {
        return f(&mut vec![0.0; len]);
    }
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut v) => {
            v.resize(len, 0.0);
            f(&mut v)
        }
        Err(_) => f(&mut vec![0.0; len]),
    })
}

/// Overwrites the lower triangle of the symmetric positive definite `a` with its Cholesky factor
/// `L` (the upper one is left as it was); false when a pivot is not positive (`a` is then
/// partly overwritten). Sequential: faer's rayon-parallel Cholesky was slower for n = 512 on
/// the H200's 16-core host (1.5 ms against 0.97) and gains only from n = 1024 (3.8 against 9.1).
#[cfg(not(target_arch = "wasm32"))]
fn llt_lower(a: &mut [f64], n: usize) -> bool {
    use faer::dyn_stack::{MemBuffer, MemStack};
    use faer::linalg::cholesky::llt::factor;
    let par = faer::Par::Seq;
    let mut buf = MemBuffer::new(factor::cholesky_in_place_scratch::<f64>(n, par, Default::default()));
    factor::cholesky_in_place(faer::MatMut::from_column_major_slice_mut(a, n, n), Default::default(), par, MemStack::new(&mut buf), Default::default()).is_ok()
}

/// [`llt_lower`] in wasm: the blocked SIMD Cholesky of `crate::cholesky` (faer's is several
/// times slower there).
#[cfg(target_arch = "wasm32")]
fn llt_lower(s: &mut [f64], n: usize) -> bool {
    let mut a = vec![0f64; n * n];
    for i in 0..n {
        for j in 0..=i {
            a[i * n + j] = s[j * n + i];
        }
    }
    if !crate::cholesky::factor_in_place(&mut a, n) {
        return false;
    }
    for i in 0..n {
        for j in 0..=i {
            s[j * n + i] = a[i * n + j];
        }
    }
    true
}

/// The lower Cholesky factor `L` (row-major `n x n`, zero above the diagonal), in f64, of the
/// symmetric matrix whose lower-triangle entries are `a(i, j)` (`i >= j`); `Err((j, pivot))` at
/// the first pivot not above `min_pivot`. For the small dense factorizations of the
/// log-density, conditioning and precision paths (`llt_lower` takes no threshold).
pub(crate) fn cholesky_lower(n: usize, a: impl Fn(usize, usize) -> f64, min_pivot: f64) -> std::result::Result<Vec<f64>, (usize, f64)> {
    let mut l = vec![0f64; n * n];
    for j in 0..n {
        let d = a(j, j) - (0..j).map(|k| l[j * n + k] * l[j * n + k]).sum::<f64>();
        if !(d > min_pivot) {
            return Err((j, d));
        }
        let ljj = d.sqrt();
        l[j * n + j] = ljj;
        for i in j + 1..n {
            l[i * n + j] = (a(i, j) - (0..j).map(|k| l[i * n + k] * l[j * n + k]).sum::<f64>()) / ljj;
        }
    }
    Ok(l)
}

/// Solves `L y = b` in place (`y` holds `b`) for the lower-triangular row-major `l`.
pub(crate) fn solve_lower(l: &[f64], n: usize, y: &mut [f64]) {
    for i in 0..n {
        y[i] = (y[i] - (0..i).map(|k| l[i * n + k] * y[k]).sum::<f64>()) / l[i * n + i];
    }
}

/// `L⁻¹` of the lower-triangular row-major `l` (lower triangular too), column by column:
/// column `c` solves `L m = e_c`.
pub(crate) fn inverse_lower(l: &[f64], n: usize) -> Vec<f64> {
    let mut inv = vec![0f64; n * n];
    let mut e = vec![0f64; n];
    for c in 0..n {
        e.iter_mut().enumerate().for_each(|(i, v)| *v = if i == c { 1.0 } else { 0.0 });
        solve_lower(l, n, &mut e);
        for i in c..n {
            inv[i * n + c] = e[i];
        }
    }
    inv
}

pub(crate) fn default_tolerance(n: usize) -> f64 {
    8.0 * n.max(1) as f64 * f32::EPSILON as f64
}

fn rank_of(eigs: &[f64], n: usize) -> usize {
    let max = eigs.iter().cloned().fold(0.0f64, f64::max);
    if max <= 0.0 {
        return 0;
    }
    let thr = n as f64 * f32::EPSILON as f64 * max;
    eigs.iter().filter(|&&l| l > thr).count()
}

/// Factors the `n x n` row-major `cov` (already checked finite). `batch_index` names the matrix
/// in messages.
pub(crate) fn factor(
    cov: &[f32],
    n: usize,
    method: Method,
    on_invalid: OnInvalid,
    tol: f64,
    batch_index: usize,
    r: &mut [f32],
) -> Result<Factored> {
    if n == 0 {
        let used = if method == Method::Cholesky { FactorMethod::Cholesky } else if method == Method::Eigh { FactorMethod::Eigh } else { FactorMethod::Svd };
        let report = FactorReport { batch_index, method, method_used: used, rank: 0, min_eigenvalue: 0.0, max_eigenvalue: 0.0, clipped: false };
        return Ok(Factored { report: Some(report), method_used: used, clipped_warning: None });
    }
    #[cfg(not(target_arch = "wasm32"))]
    return with_scratch(n * n, |s| factor_with(cov, n, method, on_invalid, tol, batch_index, r, s));
    #[cfg(target_arch = "wasm32")]
    factor_with(cov, n, method, on_invalid, tol, batch_index, r, &mut vec![0.0; n * n]) // a kept buffer costs code size here
}

/// [`factor`] with `s`, `n * n` values of working memory.
#[allow(clippy::too_many_arguments)]
fn factor_with(cov: &[f32], n: usize, method: Method, on_invalid: OnInvalid, tol: f64, batch_index: usize, r: &mut [f32], s: &mut [f64]) -> Result<Factored> {
    let op = "multivariate_normal";
    // Symmetry, relative to the largest entry. Past the small Cholesky, the same pass builds
    // the symmetric f64 matrix.
    let small = method == Method::Cholesky && n <= cholesky::SMALL_N;
    let (asym, scale) = if small {
        let (asym, scale, _) = asymmetry(cov, n);
        (asym, scale)
    } else {
        symmetrize_into(cov, n, s)
    };
    if asym > tol * scale {
        let (_, _, worst) = asymmetry(cov, n);
        return Err(Error::new(
            ErrorKind::NotSymmetric,
            op,
            format!(
                "cov is not symmetric: batch index {batch_index}, entries ({},{}) and ({},{}) differ by {} (relative {} > tolerance {}).",
                worst.0, worst.1, worst.1, worst.0, g(asym), g(asym / scale), g(tol)
            ),
        ));
    }
    r.fill(0.0);
    if small {
        if cholesky::cholesky_small(cov, n, r) {
            return Ok(Factored { report: None, method_used: FactorMethod::Cholesky, clipped_warning: None });
        }
        symmetrize_into(cov, n, s);
    }
    // From here on `s` holds the lower triangle of the symmetric matrix, all that Cholesky and
    // `eigen` read.
    if method == Method::Cholesky {
        if llt_lower(s, n) {
            // R = Lᵀ: row j of R is column j of L, contiguous in both.
            for j in 0..n {
                for (o, &v) in r[j * n + j..(j + 1) * n].iter_mut().zip(&s[j * n + j..(j + 1) * n]) {
                    *o = v as f32;
                }
            }
            return Ok(Factored { report: None, method_used: FactorMethod::Cholesky, clipped_warning: None });
        }
        symmetrize_into(cov, n, s); // the failed factorization overwrote it; rare
    }
    // Only the lower triangle is set: all that `eigen` reads.
    let s = faer::MatRef::from_column_major_slice(s, n, n).to_owned();
    let (eigs, q) = eigen(&s).ok_or_else(|| {
        Error::new(ErrorKind::NotConverged, op, format!("eigendecomposition did not converge (batch index {batch_index})."))
    })?;
    let q = q.as_ref();
    let lmin = eigs.iter().cloned().fold(f64::INFINITY, f64::min);
    let lmax = eigs.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let spec = lmax.abs().max(lmin.abs());
    let mut clipped = false;
    let mut clipped_warning = None;
    if lmin < -tol * spec {
        let msg = format!(
            "cov is not positive semidefinite: batch index {batch_index} has eigenvalue {} (allowed down to {} = -{} * largest |eigenvalue| {}).",
            g(lmin), g(-tol * spec), g(tol), g(spec)
        );
        match on_invalid {
            OnInvalid::Raise => return Err(Error::new(ErrorKind::NotPositiveSemidefinite, op, msg)),
            OnInvalid::Warn => clipped_warning = Some(format!("[{op}] {msg} Sampling from the matrix with negative eigenvalues clipped to 0.")),
            OnInvalid::Clip => {}
        }
        clipped = true;
    }
    let sq: Vec<f64> = eigs.iter().map(|&l| l.max(0.0).sqrt()).collect();
    // The report says whether the matrix sampled from differs from the one given beyond float32
    // round-off, whatever tolerance accepted it: a negative eigenvalue below the default
    // tolerance is clipped, and reported so, even when a larger tolerance let it pass.
    let clipped_beyond_round_off = lmin < -default_tolerance(n) * spec;
    let report = FactorReport {
        batch_index,
        method,
        method_used: FactorMethod::Eigh,
        rank: rank_of(&eigs, n),
        min_eigenvalue: lmin,
        max_eigenvalue: lmax,
        clipped: clipped || (clipped_beyond_round_off && method != Method::Svd),
    };
    r.fill(0.0);
    let used = match method {
        Method::Cholesky => {
            // A = diag(sqrt λ) Qᵀ has AᵀA = cov; A = Q₂R₂ gives cov = R₂ᵀR₂ with R₂ upper.
            let rr = qr_r_of(n, |i, j| sq[i] * q[(j, i)]);
            for i in 0..n {
                let sign = if rr[i * n + i] < 0.0 { -1.0 } else { 1.0 };
                for j in i..n {
                    r[i * n + j] = (sign * rr[i * n + j]) as f32;
                }
            }
            FactorMethod::CholeskyPsd
        }
        Method::Eigh => {
            q_diag_qt(q, &sq, r);
            FactorMethod::Eigh
        }
        Method::Svd => {
            // MLX's std = U sqrt(S) Vᵀ. For a symmetric C = Q diag(λ) Qᵀ the SVD has
            // U = Q, S = |λ|, V = Q diag(sign λ), so std = Q diag(sign(λ) sqrt|λ|) Qᵀ: computed
            // from the eigendecomposition (of the clipped matrix when asked), with no SVD.
            let sv: Vec<f64> = eigs.iter().map(|&l| if clipped { l.max(0.0).sqrt() } else { l.signum() * l.abs().sqrt() }).collect();
            q_diag_qt(q, &sv, r);
            FactorMethod::Svd
        }
    };
    Ok(Factored { report: Some(FactorReport { method_used: used, ..report }), method_used: used, clipped_warning })
}

/// Largest n for which a poorly resolved spectrum is recomputed by Jacobi (O(n³) per sweep).
const JACOBI_MAX_N: usize = 256;

/// The eigenvalues and eigenvectors (columns) of the symmetric `s`.
///
/// faer's eigendecomposition finds each eigenvalue to about `n ε |λmax|` (ε = 2^-52), so a
/// genuine variance far below the largest one can come out as 0. Two cases are done better:
/// a diagonal matrix exactly (its diagonal and the identity), and a positive definite one whose
/// smallest eigenvalue is within 10^8 of that resolution (so less than float32-level relative
/// accuracy) through its Cholesky factor `L` and one-sided Jacobi (Demmel and Veselić: relative
/// accuracy for graded matrices such as `D K D`). A singular or indefinite matrix keeps faer's
/// result (docs/errors.md C08).
pub(crate) fn eigen(s: &Mat<f64>) -> Option<(Vec<f64>, Mat<f64>)> {
    let n = s.nrows();
    // Only the lower triangle of `s` is read (the upper one may be stale).
    if (0..n).all(|i| (0..i).all(|j| s[(i, j)] == 0.0)) {
        return Some(((0..n).map(|i| s[(i, i)]).collect(), Mat::identity(n, n)));
    }
    // Natively faer's decomposition; in the npm package's wasm src/symeig.rs (21 KB smaller).
    #[cfg(not(target_arch = "wasm32"))]
    let (eigs, u) = {
        let evd = s.self_adjoint_eigen(faer::Side::Lower).ok()?;
        ((0..n).map(|i| evd.S()[i]).collect::<Vec<f64>>(), evd.U().to_owned())
    };
    #[cfg(target_arch = "wasm32")]
    let (eigs, u) = {
        let a: Vec<f64> = (0..n * n).map(|k| s[(k / n, k % n)]).collect();
        let (v, q) = crate::symeig::symmetric_eigen(&a, n)?;
        (v, Mat::<f64>::from_fn(n, n, |i, j| q[i * n + j]))
    };
    let spec = eigs.iter().fold(0f64, |m, l| m.max(l.abs()));
    let smallest = eigs.iter().fold(f64::INFINITY, |m, l| m.min(l.abs()));
    if n <= JACOBI_MAX_N && smallest < 1e8 * n as f64 * f64::EPSILON * spec {
        let mut l: Vec<f64> = (0..n * n).map(|k| s[(k % n, k / n)]).collect();
        if llt_lower(&mut l, n) {
            return Some(jacobi_from_cholesky(&faer::MatRef::from_column_major_slice(&l, n, n).to_owned()));
        }
    }
    Some((eigs, u))
}

/// The eigenpairs of `L Lᵀ` from the lower-triangular `L`: one-sided Jacobi rotations make the
/// columns of `G = Lᵀ` orthogonal (`G V = W`), so that `L Lᵀ = V diag(‖w_j‖²) Vᵀ`.
fn jacobi_from_cholesky(l: &Mat<f64>) -> (Vec<f64>, Mat<f64>) {
    let n = l.nrows();
    let mut g = Mat::<f64>::from_fn(n, n, |i, j| if j >= i { l[(j, i)] } else { 0.0 });
    let mut v = Mat::<f64>::identity(n, n);
    for _sweep in 0..60 {
        let mut rotated = false;
        for p in 0..n {
            for q in p + 1..n {
                let (mut a, mut b, mut c) = (0.0, 0.0, 0.0);
                for i in 0..n {
                    let (x, y) = (g[(i, p)], g[(i, q)]);
                    a += x * x;
                    b += y * y;
                    c += x * y;
                }
                if c == 0.0 || c.abs() <= f64::EPSILON * (a * b).sqrt() {
                    continue;
                }
                rotated = true;
                let zeta = (b - a) / (2.0 * c);
                let t = if zeta.abs() > 1e150 { 0.5 / zeta } else { zeta.signum() / (zeta.abs() + (1.0 + zeta * zeta).sqrt()) };
                let cs = 1.0 / (1.0 + t * t).sqrt();
                let sn = cs * t;
                for m in [&mut g, &mut v] {
                    for i in 0..n {
                        let (x, y) = (m[(i, p)], m[(i, q)]);
                        m[(i, p)] = cs * x - sn * y;
                        m[(i, q)] = sn * x + cs * y;
                    }
                }
            }
        }
        if !rotated {
            break;
        }
    }
    ((0..n).map(|j| (0..n).map(|i| g[(i, j)] * g[(i, j)]).sum()).collect(), v)
}

/// The report of a factor known only by its `R` (Cholesky success, `scale_tril`).
pub(crate) fn report_from_r(r: &[f32], n: usize, method: Method, used: FactorMethod, batch_index: usize) -> FactorReport {
    if n == 0 {
        return FactorReport { batch_index, method, method_used: used, rank: 0, min_eigenvalue: 0.0, max_eigenvalue: 0.0, clipped: false };
    }
    // cov = RᵀR: its eigenvalues, from the Gram matrix in f64.
    let m = Mat::<f64>::from_fn(n, n, |i, j| (0..n).map(|k| r[k * n + i] as f64 * r[k * n + j] as f64).sum());
    let eigs: Vec<f64> = eigen(&m).map_or_else(|| vec![f64::NAN; n], |e| e.0);
    let lmin = eigs.iter().cloned().fold(f64::INFINITY, f64::min);
    let lmax = eigs.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    FactorReport {
        batch_index,
        method,
        method_used: used,
        rank: rank_of(&eigs, n),
        min_eigenvalue: lmin,
        max_eigenvalue: lmax,
        clipped: false,
    }
}

/// The row-major upper-triangular `R` of `A = Q R` for the square `A[i][j] = a(i, j)`: faer's
/// blocked QR natively, src/qr.rs in the wasm (faer's costs several KB of the download there).
fn qr_r_of(n: usize, a: impl Fn(usize, usize) -> f64) -> Vec<f64> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        let rr = Mat::<f64>::from_fn(n, n, a).qr().R().to_owned();
        (0..n * n).map(|k| if k % n >= k / n { rr[(k / n, k % n)] } else { 0.0 }).collect()
    }
    #[cfg(target_arch = "wasm32")]
    crate::qr::qr_r(&mut (0..n * n).map(|k| a(k % n, k / n)).collect::<Vec<f64>>(), n)
}

/// `Q diag(w) Qᵀ` into the row-major float32 `r`: faer's matrix product natively; in the wasm
/// plain loops over the upper triangle (faer's f64 product kernels cost several KB there).
fn q_diag_qt(q: faer::MatRef<f64>, w: &[f64], r: &mut [f32]) {
    let n = q.nrows();
    #[cfg(not(target_arch = "wasm32"))]
    {
        let m = &Mat::<f64>::from_fn(n, n, |i, k| q[(i, k)] * w[k]) * q.transpose();
        for i in 0..n {
            for j in 0..n {
                r[i * n + j] = m[(i, j)] as f32;
            }
        }
    }
    #[cfg(target_arch = "wasm32")]
    {
        // Rows of Q (row-major) so each entry is one contiguous dot product.
        let rows: Vec<f64> = (0..n * n).map(|k| q[(k / n, k % n)]).collect();
        for i in 0..n {
            let qi = &rows[i * n..][..n];
            let qw: Vec<f64> = qi.iter().zip(w).map(|(a, b)| a * b).collect();
            for j in i..n {
                let v = qw.iter().zip(&rows[j * n..][..n]).map(|(a, b)| a * b).sum::<f64>() as f32;
                r[i * n + j] = v;
                r[j * n + i] = v;
            }
        }
    }
}
