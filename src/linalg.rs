//! Factorizations of one covariance in f64 with faer: Cholesky (with a PSD-safe fallback),
//! the symmetric eigen square root, and MLX's SVD square root. The result is the matrix `R`
//! with `x = mean + z R` (row-vector convention, as MLX's `z @ std`), stored in float32.

use crate::error::{Error, ErrorKind, Result};
use crate::numtext::g;
use crate::options::{Method, OnInvalid};
use faer::{Mat, Side};

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
}

impl FactorMethod {
    /// A short name (`"cholesky"`, `"cholesky-psd"`, `"eigh"`, `"svd"`, `"scale_tril"`).
    pub fn as_str(self) -> &'static str {
        match self {
            FactorMethod::Cholesky => "cholesky",
            FactorMethod::CholeskyPsd => "cholesky-psd",
            FactorMethod::Eigh => "eigh",
            FactorMethod::Svd => "svd",
            FactorMethod::ScaleTril => "scale_tril",
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

/// Largest n factored by the allocation-free Cholesky below (batches of small matrices).
const SMALL_N: usize = 16;

/// Cholesky of the symmetrized `cov` in f64 on the stack, as `R = Lᵀ` in float32; `None` when a
/// pivot is not positive (the caller then takes the PSD-safe path). Thousands of small
/// covariances per call (W4) would otherwise pay faer's per-call setup each time.
fn cholesky_small(cov: &[f32], n: usize, r: &mut [f32]) -> bool {
    let mut out = [r];
    cholesky_lanes::<f64>(&[cov], n, None, &mut out) & 1 == 1
}

/// Matrices factored at once by [`small_cholesky_batch`]: one per SIMD lane of f64 (two f64x2
/// vectors in wasm, where the compiler does not vectorize this by itself), so the chains of
/// dependent divisions and square roots of one matrix overlap with those of the others.
pub(crate) const LANES: usize = <lanes::V as lanes::Lanes>::N;

/// [`cholesky_small`] of `T::N` matrices side by side: lane `q` does exactly the operations, in
/// the same order, that the single version does for matrix `q` (so the factors are the same to
/// the bit), and a lane whose pivot is not positive only fails itself. With `tol`, the same
/// pass checks symmetry as [`asymmetry`] decides it (`max |a - aᵀ| <= tol max |a|`) and fails
/// an asymmetric lane too. Bit `q` of the result says whether lane `q` succeeded (its `out` slot
/// is written when its pivots were positive).
fn cholesky_lanes<T: lanes::Lanes>(covs: &[&[f32]], n: usize, tol: Option<f64>, out: &mut [&mut [f32]]) -> u32 {
    // The scratch is as small as n allows (zeroing 2 KiB per 8 x 8 matrix cost a third of W4).
    if n <= 8 {
        cholesky_lanes_in::<T, 64>(covs, n, tol, out)
    } else {
        cholesky_lanes_in::<T, { SMALL_N * SMALL_N }>(covs, n, tol, out)
    }
}

fn cholesky_lanes_in<T: lanes::Lanes, const CAP: usize>(covs: &[&[f32]], n: usize, tol: Option<f64>, out: &mut [&mut [f32]]) -> u32 {
    let mut x = [T::splat(0.0); CAP];
    T::load_all(covs, n, &mut x[..n * n]);
    let mut l = [T::splat(0.0); CAP];
    let mut ok = (1u32 << T::N) - 1;
    let (mut asym, mut scale) = (T::splat(0.0), T::splat(0.0));
    for i in 0..n {
        for j in 0..=i {
            let (a, b) = (x[i * n + j], x[j * n + i]);
            asym = asym.max(a.sub(b).abs());
            scale = scale.max(a.abs()).max(b.abs());
            let mut s = a.add(b).scale(0.5);
            for k in 0..j {
                s = s.sub_mul(l[i * n + k], l[j * n + k]);
            }
            if i == j {
                ok &= s.positive();
                l[i * n + i] = s.sqrt();
            } else {
                l[i * n + j] = s.div(l[j * n + j]);
            }
        }
    }
    let written = ok;
    if let Some(tol) = tol {
        ok &= asym.le(scale.scale(tol));
    }
    for (q, r) in out.iter_mut().enumerate() {
        if written >> q & 1 == 1 {
            for i in 0..n {
                for j in 0..=i {
                    r[j * n + i] = l[i * n + j].lane(q) as f32;
                }
            }
        }
    }
    ok
}

/// Lanes of f64 for [`cholesky_lanes`]: plain `f64` (one lane), and `V`, [`LANES`] lanes.
mod lanes {
    pub(super) trait Lanes: Copy {
        const N: usize;
        fn splat(x: f64) -> Self;
        fn load(f: impl Fn(usize) -> f64) -> Self;
        /// Every entry of the `n x n` matrices `covs` (one per lane) into `x` (`n * n` long),
        /// row-major.
        fn load_all(covs: &[&[f32]], _n: usize, x: &mut [Self]) {
            for (k, v) in x.iter_mut().enumerate() {
                *v = Self::load(|q| covs[q][k] as f64);
            }
        }
        /// `self - a * b`, rounded twice (no fused multiply-add), as the scalar code.
        fn sub_mul(self, a: Self, b: Self) -> Self;
        fn add(self, b: Self) -> Self;
        fn sub(self, b: Self) -> Self;
        fn scale(self, x: f64) -> Self;
        fn abs(self) -> Self;
        /// The larger (the inputs are finite: no NaN rule needed).
        fn max(self, b: Self) -> Self;
        /// Bit `q` set when lane `q` of `self` is <= that of `b`.
        fn le(self, b: Self) -> u32;
        fn div(self, d: Self) -> Self;
        fn sqrt(self) -> Self;
        /// Bit `q` set when lane `q` is > 0 (false for NaN).
        fn positive(self) -> u32;
        fn lane(self, q: usize) -> f64;
    }

    impl Lanes for f64 {
        const N: usize = 1;
        fn splat(x: f64) -> Self {
            x
        }
        fn load(f: impl Fn(usize) -> f64) -> Self {
            f(0)
        }
        fn sub_mul(self, a: Self, b: Self) -> Self {
            self - a * b
        }
        fn add(self, b: Self) -> Self {
            self + b
        }
        fn sub(self, b: Self) -> Self {
            self - b
        }
        fn scale(self, x: f64) -> Self {
            self * x
        }
        fn abs(self) -> Self {
            f64::abs(self)
        }
        fn max(self, b: Self) -> Self {
            if b > self { b } else { self }
        }
        fn le(self, b: Self) -> u32 {
            (self <= b) as u32
        }
        fn div(self, d: Self) -> Self {
            self / d
        }
        fn sqrt(self) -> Self {
            f64::sqrt(self)
        }
        fn positive(self) -> u32 {
            (self > 0.0) as u32
        }
        fn lane(self, _q: usize) -> f64 {
            self
        }
    }

    /// Four f64 lanes as two wasm SIMD vectors.
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    #[derive(Clone, Copy)]
    pub(crate) struct V(core::arch::wasm32::v128, core::arch::wasm32::v128);

    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    impl Lanes for V {
        const N: usize = 4;
        /// Four columns of a row of the four matrices at a time, transposed into lanes with
        /// shuffles (one load per matrix instead of one per entry).
        fn load_all(covs: &[&[f32]], n: usize, x: &mut [Self]) {
            use core::arch::wasm32::*;
            if n % 4 != 0 {
                for (k, v) in x.iter_mut().enumerate() {
                    *v = Self::load(|q| covs[q][k] as f64);
                }
                return;
            }
            for k in (0..n * n).step_by(4) {
                // SAFETY: k + 4 <= n * n, within each matrix (checked by the slice); v128 loads
                // need no alignment.
                let r: [v128; 4] = std::array::from_fn(|q| unsafe { v128_load(covs[q][k..k + 4].as_ptr() as *const v128) });
                let (t0, t1) = (i32x4_shuffle::<0, 4, 1, 5>(r[0], r[1]), i32x4_shuffle::<2, 6, 3, 7>(r[0], r[1]));
                let (t2, t3) = (i32x4_shuffle::<0, 4, 1, 5>(r[2], r[3]), i32x4_shuffle::<2, 6, 3, 7>(r[2], r[3]));
                let cols = [
                    i32x4_shuffle::<0, 1, 4, 5>(t0, t2),
                    i32x4_shuffle::<2, 3, 6, 7>(t0, t2),
                    i32x4_shuffle::<0, 1, 4, 5>(t1, t3),
                    i32x4_shuffle::<2, 3, 6, 7>(t1, t3),
                ];
                for (c, v) in cols.into_iter().enumerate() {
                    x[k + c] = V(f64x2_promote_low_f32x4(v), f64x2_promote_low_f32x4(i32x4_shuffle::<2, 3, 0, 1>(v, v)));
                }
            }
        }
        fn splat(x: f64) -> Self {
            use core::arch::wasm32::f64x2_splat;
            V(f64x2_splat(x), f64x2_splat(x))
        }
        fn load(f: impl Fn(usize) -> f64) -> Self {
            use core::arch::wasm32::f64x2;
            V(f64x2(f(0), f(1)), f64x2(f(2), f(3)))
        }
        fn sub_mul(self, a: Self, b: Self) -> Self {
            use core::arch::wasm32::{f64x2_mul, f64x2_sub};
            V(f64x2_sub(self.0, f64x2_mul(a.0, b.0)), f64x2_sub(self.1, f64x2_mul(a.1, b.1)))
        }
        fn add(self, b: Self) -> Self {
            use core::arch::wasm32::f64x2_add;
            V(f64x2_add(self.0, b.0), f64x2_add(self.1, b.1))
        }
        fn sub(self, b: Self) -> Self {
            use core::arch::wasm32::f64x2_sub;
            V(f64x2_sub(self.0, b.0), f64x2_sub(self.1, b.1))
        }
        fn scale(self, x: f64) -> Self {
            use core::arch::wasm32::{f64x2_mul, f64x2_splat};
            V(f64x2_mul(self.0, f64x2_splat(x)), f64x2_mul(self.1, f64x2_splat(x)))
        }
        fn abs(self) -> Self {
            use core::arch::wasm32::f64x2_abs;
            V(f64x2_abs(self.0), f64x2_abs(self.1))
        }
        fn max(self, b: Self) -> Self {
            use core::arch::wasm32::f64x2_pmax;
            V(f64x2_pmax(self.0, b.0), f64x2_pmax(self.1, b.1))
        }
        fn le(self, b: Self) -> u32 {
            use core::arch::wasm32::{f64x2_le, i64x2_bitmask};
            (i64x2_bitmask(f64x2_le(self.0, b.0)) as u32) | (i64x2_bitmask(f64x2_le(self.1, b.1)) as u32) << 2
        }
        fn div(self, d: Self) -> Self {
            use core::arch::wasm32::f64x2_div;
            V(f64x2_div(self.0, d.0), f64x2_div(self.1, d.1))
        }
        fn sqrt(self) -> Self {
            use core::arch::wasm32::f64x2_sqrt;
            V(f64x2_sqrt(self.0), f64x2_sqrt(self.1))
        }
        fn positive(self) -> u32 {
            use core::arch::wasm32::{f64x2_gt, f64x2_splat, i64x2_bitmask};
            let z = f64x2_splat(0.0);
            (i64x2_bitmask(f64x2_gt(self.0, z)) as u32) | (i64x2_bitmask(f64x2_gt(self.1, z)) as u32) << 2
        }
        fn lane(self, q: usize) -> f64 {
            use core::arch::wasm32::f64x2_extract_lane;
            match q {
                0 => f64x2_extract_lane::<0>(self.0),
                1 => f64x2_extract_lane::<1>(self.0),
                2 => f64x2_extract_lane::<0>(self.1),
                _ => f64x2_extract_lane::<1>(self.1),
            }
        }
    }

    /// Four f64 lanes; the compiler vectorizes the loops natively.
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    #[derive(Clone, Copy)]
    pub(crate) struct V([f64; 4]);

    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    impl Lanes for V {
        const N: usize = 4;
        fn splat(x: f64) -> Self {
            V([x; 4])
        }
        fn load(f: impl Fn(usize) -> f64) -> Self {
            V(std::array::from_fn(f))
        }
        fn sub_mul(self, a: Self, b: Self) -> Self {
            V(std::array::from_fn(|q| self.0[q] - a.0[q] * b.0[q]))
        }
        fn add(self, b: Self) -> Self {
            V(std::array::from_fn(|q| self.0[q] + b.0[q]))
        }
        fn sub(self, b: Self) -> Self {
            V(std::array::from_fn(|q| self.0[q] - b.0[q]))
        }
        fn scale(self, x: f64) -> Self {
            V(self.0.map(|v| v * x))
        }
        fn abs(self) -> Self {
            V(self.0.map(f64::abs))
        }
        fn max(self, b: Self) -> Self {
            V(std::array::from_fn(|q| if b.0[q] > self.0[q] { b.0[q] } else { self.0[q] }))
        }
        fn le(self, b: Self) -> u32 {
            (0..4).fold(0, |m, q| m | ((self.0[q] <= b.0[q]) as u32) << q)
        }
        fn div(self, d: Self) -> Self {
            V(std::array::from_fn(|q| self.0[q] / d.0[q]))
        }
        fn sqrt(self) -> Self {
            V(self.0.map(f64::sqrt))
        }
        fn positive(self) -> u32 {
            (0..4).fold(0, |m, q| m | ((self.0[q] > 0.0) as u32) << q)
        }
        fn lane(self, q: usize) -> f64 {
            self.0[q]
        }
    }
}

/// Largest n of the batched fast path ([`small_cholesky_into`]).
pub(crate) const SMALL_BATCH_N: usize = SMALL_N;

/// The fast path for batches of small covariances: when `cov` (`n <= SMALL_BATCH_N`) is
/// symmetric within `tol` and its Cholesky succeeds, writes `R = Lᵀ` into `r` (zeroed, `n * n`)
/// and returns true, exactly as [`factor`] with `Method::Cholesky` would; otherwise returns false
/// and the caller runs [`factor`] (which raises the error or takes the PSD-safe path).
pub(crate) fn small_cholesky_into(cov: &[f32], n: usize, tol: f64, r: &mut [f32]) -> bool {
    if n == 0 || n > SMALL_N {
        return false;
    }
    cholesky_lanes::<f64>(&[cov], n, Some(tol), &mut [r]) & 1 == 1
}

/// [`small_cholesky_into`] for [`LANES`] matrices at once (`rs`: their zeroed `n * n` slots).
pub(crate) fn small_cholesky_batch(covs: [&[f32]; LANES], n: usize, tol: f64, mut rs: [&mut [f32]; LANES]) -> [bool; LANES] {
    if n == 0 || n > SMALL_N {
        return [false; LANES];
    }
    let done = cholesky_lanes::<lanes::V>(&covs, n, Some(tol), &mut rs);
    std::array::from_fn(|q| done >> q & 1 == 1)
}


/// The largest |cov[i][j] - cov[j][i]|, the largest |entry| and where the asymmetry is largest.
fn asymmetry(cov: &[f32], n: usize) -> (f64, f64, (usize, usize)) {
    let mut scale = 0.0f64;
    let mut asym = 0.0f64;
    let mut worst = (0, 0);
    // The pairs of the upper triangle in row-major order find the same first worst entry as a
    // scan of the whole matrix (its mirror comes later), at half the cost. The input is finite.
    for i in 0..n {
        for j in i..n {
            let (a, b) = (cov[i * n + j] as f64, cov[j * n + i] as f64);
            let m = if a.abs() > b.abs() { a.abs() } else { b.abs() };
            if m > scale {
                scale = m;
            }
            let d = (a - b).abs();
            if d > asym {
                asym = d;
                worst = (i, j);
            }
        }
    }
    (asym, scale, worst)
}

/// The Cholesky factor `L` (in the lower triangle; the upper one is left as it was) of the
/// symmetric positive definite `s`, or `None` when a pivot is not positive. Sequential: on a
/// many-core host faer's rayon-parallel Cholesky of a 512 x 512 matrix took 35-70 ms, several
/// times the single-threaded time.
#[cfg(not(target_arch = "wasm32"))]
fn llt_lower(s: &Mat<f64>) -> Option<Mat<f64>> {
    use faer::dyn_stack::{MemBuffer, MemStack};
    use faer::linalg::cholesky::llt::factor;
    let par = faer::Par::Seq;
    let mut a = s.clone();
    let mut buf = MemBuffer::new(factor::cholesky_in_place_scratch::<f64>(s.nrows(), par, Default::default()));
    factor::cholesky_in_place(a.as_mut(), Default::default(), par, MemStack::new(&mut buf), Default::default()).ok()?;
    Some(a)
}

/// [`llt_lower`] in wasm: the blocked SIMD Cholesky of `crate::cholesky` (faer's is several
/// times slower there).
#[cfg(target_arch = "wasm32")]
fn llt_lower(s: &Mat<f64>) -> Option<Mat<f64>> {
    let n = s.nrows();
    let mut a = vec![0f64; n * n];
    for (i, row) in a.chunks_exact_mut(n).enumerate() {
        for (j, v) in row.iter_mut().enumerate().take(i + 1) {
            *v = s[(i, j)];
        }
    }
    crate::cholesky::factor_in_place(&mut a, n).then(|| Mat::from_fn(n, n, |i, j| if j <= i { a[i * n + j] } else { s[(i, j)] }))
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
    let op = "multivariate_normal";
    if n == 0 {
        let used = if method == Method::Cholesky { FactorMethod::Cholesky } else if method == Method::Eigh { FactorMethod::Eigh } else { FactorMethod::Svd };
        let report = FactorReport { batch_index, method, method_used: used, rank: 0, min_eigenvalue: 0.0, max_eigenvalue: 0.0, clipped: false };
        return Ok(Factored { report: Some(report), method_used: used, clipped_warning: None });
    }
    // Symmetry, relative to the largest entry.
    let (asym, scale, worst) = asymmetry(cov, n);
    if asym > tol * scale {
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
    if method == Method::Cholesky && n <= SMALL_N && cholesky_small(cov, n, r) {
        return Ok(Factored { report: None, method_used: FactorMethod::Cholesky, clipped_warning: None });
    }
    let s = Mat::<f64>::from_fn(n, n, |i, j| 0.5 * (cov[i * n + j] as f64 + cov[j * n + i] as f64));

    if method == Method::Cholesky {
        if let Some(l) = llt_lower(&s) {
            r.fill(0.0);
            for i in 0..n {
                for j in 0..=i {
                    r[j * n + i] = l[(i, j)] as f32; // R = Lᵀ
                }
            }
            return Ok(Factored { report: None, method_used: FactorMethod::Cholesky, clipped_warning: None });
        }
    }

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
            let a = Mat::<f64>::from_fn(n, n, |i, j| sq[i] * q[(j, i)]);
            let qr = a.qr();
            let rr = qr.R();
            for i in 0..n {
                let sign = if rr[(i, i)] < 0.0 { -1.0 } else { 1.0 };
                for j in i..n {
                    r[i * n + j] = (sign * rr[(i, j)]) as f32;
                }
            }
            FactorMethod::CholeskyPsd
        }
        Method::Eigh => {
            let qs = Mat::<f64>::from_fn(n, n, |i, k| q[(i, k)] * sq[k]);
            to_f32(&(&qs * q.transpose()), r);
            FactorMethod::Eigh
        }
        Method::Svd => {
            // MLX's std = U sqrt(S) Vᵀ. For a symmetric C = Q diag(λ) Qᵀ the SVD has
            // U = Q, S = |λ|, V = Q diag(sign λ), so std = Q diag(sign(λ) sqrt|λ|) Qᵀ: computed
            // from the eigendecomposition (of the clipped matrix when asked), with no SVD.
            let sv: Vec<f64> = eigs.iter().map(|&l| if clipped { l.max(0.0).sqrt() } else { l.signum() * l.abs().sqrt() }).collect();
            let qs = Mat::<f64>::from_fn(n, n, |i, k| q[(i, k)] * sv[k]);
            to_f32(&(&qs * q.transpose()), r);
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
fn eigen(s: &Mat<f64>) -> Option<(Vec<f64>, Mat<f64>)> {
    let n = s.nrows();
    if (0..n).all(|i| (0..n).all(|j| i == j || s[(i, j)] == 0.0)) {
        return Some(((0..n).map(|i| s[(i, i)]).collect(), Mat::identity(n, n)));
    }
    let evd = s.self_adjoint_eigen(Side::Lower).ok()?;
    let eigs: Vec<f64> = (0..n).map(|i| evd.S()[i]).collect();
    let spec = eigs.iter().fold(0f64, |m, l| m.max(l.abs()));
    let smallest = eigs.iter().fold(f64::INFINITY, |m, l| m.min(l.abs()));
    if n <= JACOBI_MAX_N && smallest < 1e8 * n as f64 * f64::EPSILON * spec {
        if let Some(l) = llt_lower(s) {
            return Some(jacobi_from_cholesky(&l));
        }
    }
    Some((eigs, evd.U().to_owned()))
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

fn to_f32(m: &Mat<f64>, r: &mut [f32]) {
    let c = m.ncols();
    for i in 0..m.nrows() {
        for j in 0..c {
            r[i * c + j] = m[(i, j)] as f32;
        }
    }
}
