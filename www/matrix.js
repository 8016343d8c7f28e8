// Small dense matrices for the demo (n <= 8): products, inverses, and the package's factor as a
// matrix. Plain arrays of rows, float64. The factorizations themselves are the package's
// (`distribution.factors`).

export const zeros = (r, c = r) => Array.from({ length: r }, () => new Array(c).fill(0));
export const identity = (n) => zeros(n).map((row, i) => { row[i] = 1; return row; });

export function matmul(a, b) {
  const out = zeros(a.length, b[0].length);
  for (let i = 0; i < a.length; i++) {
    for (let k = 0; k < b.length; k++) {
      const v = a[i][k];
      if (v === 0) continue;
      for (let j = 0; j < b[0].length; j++) out[i][j] += v * b[k][j];
    }
  }
  return out;
}

export const transpose = (a) => a[0].map((_, j) => a.map((r) => r[j]));

/** Inverse by Gauss-Jordan with partial pivoting, or null when (nearly) singular. */
export function inverse(M, rtol = 1e-7) {
  const n = M.length;
  const a = M.map((r, i) => [...r, ...identity(n)[i]]);
  const scale = Math.max(...M.flat().map(Math.abs), 1e-300);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r][c]) > Math.abs(a[p][c])) p = r;
    if (Math.abs(a[p][c]) <= rtol * scale) return null;
    [a[c], a[p]] = [a[p], a[c]];
    const d = a[c][c];
    for (let j = 0; j < 2 * n; j++) a[c][j] /= d;
    for (let r = 0; r < n; r++) {
      if (r === c || a[r][c] === 0) continue;
      const f = a[r][c];
      for (let j = 0; j < 2 * n; j++) a[r][j] -= f * a[c][j];
    }
  }
  return a.map((r) => r.slice(n));
}

/**
 * The factor F (x = mean + F z, column convention) of a package distribution of one covariance:
 * the transpose of its `factors` R (x = mean + z R), so exactly what the samples were drawn with.
 */
export function factorOf(dist) {
  const { data, shape: [, n] } = dist.factors;
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => data[j * n + i]));
}
