//! The triangular factor of a Householder QR decomposition, for the npm package's wasm: the
//! PSD-safe Cholesky fallback needs only `R` (of `A = Q R`), and faer's blocked QR with its
//! matrix-product kernels costs several KB of the gzipped download there. Natively faer's
//! `qr()` serves; the unit test holds this one to it (rows up to sign).

/// The upper-triangular `R` (row-major `n x n`, zero below the diagonal) of `A = Q R` for the
/// square `a`, given column-major (`a[j * n + i]` is `A[i][j]`, overwritten).
pub(crate) fn qr_r(a: &mut [f64], n: usize) -> Vec<f64> {
    let mut r = vec![0f64; n * n];
    for k in 0..n {
        // The reflector H = I - v vᵀ / (α (α - a_kk)) maps column k below row k onto α e_k.
        let (head, tail) = a.split_at_mut((k + 1) * n);
        let col = &mut head[k * n..];
        let norm = col[k..].iter().map(|x| x * x).sum::<f64>().sqrt();
        let alpha = if col[k] > 0.0 { -norm } else { norm };
        r[k * n + k] = alpha;
        if norm == 0.0 {
            continue;
        }
        col[k] -= alpha; // v = col[k..] - α e_k
        let vnorm2 = -2.0 * alpha * col[k]; // |v|² = 2 α (α - a_kk)
        let v = &col[k..];
        for (j, c) in tail.chunks_exact_mut(n).enumerate() {
            let dot = v.iter().zip(&c[k..]).map(|(x, y)| x * y).sum::<f64>();
            let f = 2.0 * dot / vnorm2;
            c[k..].iter_mut().zip(v).for_each(|(y, x)| *y -= f * x);
            r[k * n + k + 1 + j] = c[k];
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against faer's R on random and rank-deficient matrices, up to the sign of each row.
    #[test]
    fn matches_faer_up_to_row_signs() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        };
        for n in [1usize, 2, 3, 7, 16, 33] {
            for deficient in [false, true] {
                let mut a: Vec<f64> = (0..n * n).map(|_| next()).collect();
                if deficient && n > 1 {
                    // Column n-1 repeats column 0: rank n - 1.
                    for i in 0..n {
                        a[(n - 1) * n + i] = a[i];
                    }
                }
                let m = faer::Mat::<f64>::from_fn(n, n, |i, j| a[j * n + i]);
                let want = m.qr().R().to_owned();
                let got = qr_r(&mut a.clone(), n);
                for i in 0..n {
                    let s = if (got[i * n + i] < 0.0) == (want[(i, i)] < 0.0) { 1.0 } else { -1.0 };
                    for j in 0..n {
                        let w = if j >= i { want[(i, j)] } else { 0.0 };
                        assert!((s * got[i * n + j] - w).abs() <= 1e-12 * n as f64, "n = {n}, deficient {deficient}: R[{i}][{j}] {} vs faer {w}", got[i * n + j]);
                    }
                }
            }
        }
    }
}
