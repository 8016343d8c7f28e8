//! The project's own Cholesky factorizations in f64, where faer's per-call cost or its wasm
//! speed does not fit:
//! - batches of small matrices (n <= 16): on the stack, four matrices per SIMD lane group, with
//!   the symmetry check in the same pass;
//! - large matrices in the wasm build ([`factor_in_place`]): left-looking by blocks of `NB`
//!   columns, so that almost all the work is dot products of two contiguous rows, done four rows
//!   by two at a time in SIMD registers (f64x2).


/// Largest n factored by the allocation-free Cholesky below (batches of small matrices).
pub(crate) const SMALL_N: usize = 16;

/// Cholesky of the symmetrized `cov` in f64 on the stack, as `R = Lᵀ` in float32; `None` when a
/// pivot is not positive (the caller then takes the PSD-safe path). Thousands of small
/// covariances per call (W4) would otherwise pay faer's per-call setup each time.
pub(crate) fn cholesky_small(cov: &[f32], n: usize, r: &mut [f32]) -> bool {
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
/// pass checks symmetry as `linalg::asymmetry` decides it (`max |a - aᵀ| <= tol max |a|`) and fails
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
    /// [`Lanes::load_all`] one entry at a time.
    fn load_each<T: Lanes>(covs: &[&[f32]], x: &mut [T]) {
        for (k, v) in x.iter_mut().enumerate() {
            *v = T::load(|q| covs[q][k] as f64);
        }
    }

    pub(super) trait Lanes: Copy {
        const N: usize;
        fn splat(x: f64) -> Self;
        fn load(f: impl Fn(usize) -> f64) -> Self;
        /// Every entry of the `n x n` matrices `covs` (one per lane) into `x` (`n * n` long),
        /// row-major.
        fn load_all(covs: &[&[f32]], _n: usize, x: &mut [Self]) {
            load_each(covs, x);
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
                return load_each(covs, x);
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

/// The fast path for batches of small covariances: when `cov` (`n <= SMALL_N`) is
/// symmetric within `tol` and its Cholesky succeeds, writes `R = Lᵀ` into `r` (zeroed, `n * n`)
/// and returns true, exactly as `linalg::factor` with `Method::Cholesky` would; otherwise returns false
/// and the caller runs `linalg::factor` (which raises the error or takes the PSD-safe path).
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


/// Columns per block: the rows of a block stay in cache while the rows below stream past.
const NB: usize = 32;

/// Factors the symmetric positive definite `a` (`n x n`, row-major; only its lower triangle is
/// read) in place: its lower triangle becomes `L` with `L Lᵀ = a`. The upper triangle is left
/// with scratch values. False when a pivot is not positive (the matrix is not numerically
/// positive definite).
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
pub(crate) fn factor_in_place(a: &mut [f64], n: usize) -> bool {
    for j0 in (0..n).step_by(NB) {
        let j1 = (j0 + NB).min(n);
        // The block column j0..j1, rows j0..n, less the contribution of the columns before it.
        update_block_column(a, n, j0, j1);
        // Then the block itself, column by column (sums of at most NB terms).
        for j in j0..j1 {
            let rj = j * n;
            let d = a[rj + j] - dot(&a[rj + j0..rj + j], &a[rj + j0..rj + j]);
            if !(d > 0.0) {
                return false;
            }
            let d = d.sqrt();
            a[rj + j] = d;
            for i in j + 1..n {
                let ri = i * n;
                let s = a[ri + j] - dot(&a[ri + j0..ri + j], &a[rj + j0..rj + j]);
                a[ri + j] = s / d;
            }
        }
    }
    true
}

/// `a[i][j] -= dot(L[i][0..j0], L[j][0..j0])` for rows `i >= j0` and columns `j0 <= j < j1`
/// (also for the `j > i` of the diagonal block: those land in the upper triangle, unread).
fn update_block_column(a: &mut [f64], n: usize, j0: usize, j1: usize) {
    if j0 == 0 {
        return;
    }
    let mut i = j0;
    while i < n {
        let rows = (n - i).min(4);
        let mut j = j0;
        while j < j1 {
            let cols = (j1 - j).min(2);
            if rows == 4 && cols == 2 {
                let d = dots_4x2(a, n, i, j, j0);
                for (r, row) in d.iter().enumerate() {
                    a[(i + r) * n + j] -= row[0];
                    a[(i + r) * n + j + 1] -= row[1];
                }
            } else {
                for r in 0..rows {
                    for c in 0..cols {
                        let d = dot(&a[(i + r) * n..(i + r) * n + j0], &a[(j + c) * n..(j + c) * n + j0]);
                        a[(i + r) * n + j + c] -= d;
                    }
                }
            }
            j += 2;
        }
        i += 4;
    }
}

/// `x · y` over `min(x.len(), y.len())` terms.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn dot(x: &[f64], y: &[f64]) -> f64 {
    x.iter().zip(y).map(|(a, b)| a * b).sum()
}

/// `x · y`, two f64x2 accumulators wide.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn dot(x: &[f64], y: &[f64]) -> f64 {
    use core::arch::wasm32::*;
    let len = x.len().min(y.len());
    let (mut a0, mut a1) = (f64x2_splat(0.0), f64x2_splat(0.0));
    let mut k = 0;
    while k + 4 <= len {
        // SAFETY: k + 4 <= len, within both slices; v128 loads need no alignment.
        unsafe {
            let (px, py) = (x.as_ptr().add(k), y.as_ptr().add(k));
            a0 = f64x2_add(a0, f64x2_mul(v128_load(px as *const v128), v128_load(py as *const v128)));
            a1 = f64x2_add(a1, f64x2_mul(v128_load(px.add(2) as *const v128), v128_load(py.add(2) as *const v128)));
        }
        k += 4;
    }
    let v = f64x2_add(a0, a1);
    let mut s = f64x2_extract_lane::<0>(v) + f64x2_extract_lane::<1>(v);
    while k < len {
        s += x[k] * y[k];
        k += 1;
    }
    s
}

/// The 4 x 2 dot products of rows `i..i+4` with rows `j..j+2`, over columns `0..len`, the eight
/// sums written out as variables (arrays and loops over them would stay in memory in the
/// size-optimized build, at half the speed).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn dots_4x2(a: &[f64], n: usize, i: usize, j: usize, len: usize) -> [[f64; 2]; 4] {
    use core::arch::wasm32::*;
    assert!((i + 3) * n + len <= a.len() && (j + 1) * n + len <= a.len());
    let p = a.as_ptr();
    let (x0, x1, x2, x3) = (i * n, (i + 1) * n, (i + 2) * n, (i + 3) * n);
    let (y0, y1) = (j * n, (j + 1) * n);
    let z = f64x2_splat(0.0);
    let (mut a0, mut b0, mut a1, mut b1, mut a2, mut b2, mut a3, mut b3) = (z, z, z, z, z, z, z, z);
    let step = |acc: v128, x: v128, y: v128| f64x2_add(acc, f64x2_mul(x, y));
    let mut k = 0;
    while k + 2 <= len {
        // SAFETY: every row offset plus k + 2 <= len is within `a` (asserted above); v128 loads
        // need no alignment.
        unsafe {
            let ld = |row: usize| v128_load(p.add(row + k) as *const v128);
            let (v0, v1) = (ld(y0), ld(y1));
            let (r0, r1, r2, r3) = (ld(x0), ld(x1), ld(x2), ld(x3));
            (a0, b0, a1, b1) = (step(a0, r0, v0), step(b0, r0, v1), step(a1, r1, v0), step(b1, r1, v1));
            (a2, b2, a3, b3) = (step(a2, r2, v0), step(b2, r2, v1), step(a3, r3, v0), step(b3, r3, v1));
        }
        k += 2;
    }
    let sum = |acc: v128, x: usize, y: usize| {
        let s = f64x2_extract_lane::<0>(acc) + f64x2_extract_lane::<1>(acc);
        if k < len { s + a[x + k] * a[y + k] } else { s }
    };
    [[sum(a0, x0, y0), sum(b0, x0, y1)], [sum(a1, x1, y0), sum(b1, x1, y1)], [sum(a2, x2, y0), sum(b2, x2, y1)], [sum(a3, x3, y0), sum(b3, x3, y1)]]
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn dots_4x2(a: &[f64], n: usize, i: usize, j: usize, len: usize) -> [[f64; 2]; 4] {
    std::array::from_fn(|r| std::array::from_fn(|c| dot(&a[(i + r) * n..(i + r) * n + len], &a[(j + c) * n..(j + c) * n + len])))
}

#[cfg(test)]
mod tests {
    /// Against faer's Cholesky on random SPD matrices of sizes around the block edges.
    #[test]
    fn matches_faer() {
        let mut seed = 12345u64;
        let mut rnd = || {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((seed >> 11) as f64 / (1u64 << 53) as f64) - 0.5
        };
        for n in [1, 2, 5, 31, 32, 33, 64, 70, 130] {
            let g: Vec<f64> = (0..n * n).map(|_| rnd()).collect();
            let mut a = vec![0.0; n * n];
            for i in 0..n {
                for j in 0..n {
                    a[i * n + j] = (0..n).map(|k| g[i * n + k] * g[j * n + k]).sum::<f64>() / n as f64 + if i == j { 1.0 } else { 0.0 };
                }
            }
            let m = faer::Mat::<f64>::from_fn(n, n, |i, j| a[i * n + j]);
            let want = m.llt(faer::Side::Lower).expect("SPD").L().to_owned();
            let mut got = a.clone();
            assert!(super::factor_in_place(&mut got, n));
            for i in 0..n {
                for j in 0..=i {
                    assert!((got[i * n + j] - want[(i, j)]).abs() <= 1e-12, "n = {n}: L[{i}][{j}] = {} vs {}", got[i * n + j], want[(i, j)]);
                }
            }
        }
        let mut indefinite = vec![1.0, 2.0, 2.0, 1.0];
        assert!(!super::factor_in_place(&mut indefinite, 2));
    }
}
