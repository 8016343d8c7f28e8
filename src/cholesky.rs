//! A blocked Cholesky in f64 for the wasm build, where faer's runs several times slower than
//! natively: left-looking by blocks of `NB` columns, so that almost all the work is dot products
//! of two contiguous rows, done four rows by two at a time in SIMD registers (f64x2).

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

/// The 4 x 2 dot products of rows `i..i+4` with rows `j..j+2`, over columns `0..len`.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn dots_4x2(a: &[f64], n: usize, i: usize, j: usize, len: usize) -> [[f64; 2]; 4] {
    use core::arch::wasm32::*;
    let x: [&[f64]; 4] = std::array::from_fn(|r| &a[(i + r) * n..(i + r) * n + len]);
    let y: [&[f64]; 2] = std::array::from_fn(|c| &a[(j + c) * n..(j + c) * n + len]);
    let mut acc = [[f64x2_splat(0.0); 2]; 4];
    let mut k = 0;
    while k + 2 <= len {
        // SAFETY: k + 2 <= len, within every row slice; v128 loads need no alignment.
        unsafe {
            let y0 = v128_load(y[0].as_ptr().add(k) as *const v128);
            let y1 = v128_load(y[1].as_ptr().add(k) as *const v128);
            for r in 0..4 {
                let xr = v128_load(x[r].as_ptr().add(k) as *const v128);
                acc[r][0] = f64x2_add(acc[r][0], f64x2_mul(xr, y0));
                acc[r][1] = f64x2_add(acc[r][1], f64x2_mul(xr, y1));
            }
        }
        k += 2;
    }
    std::array::from_fn(|r| {
        std::array::from_fn(|c| {
            let s = f64x2_extract_lane::<0>(acc[r][c]) + f64x2_extract_lane::<1>(acc[r][c]);
            if k < len { s + x[r][k] * y[c][k] } else { s }
        })
    })
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
