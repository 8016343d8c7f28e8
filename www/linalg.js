// Small dense linear algebra for the demo (n <= 8): factors, inverses, eigen-decompositions,
// and number formatting. Plain arrays of rows, float64.

export const zeros = (r, c = r) => Array.from({ length: r }, () => new Array(c).fill(0));
export const identity = (n) => zeros(n).map((row, i) => { row[i] = 1; return row; });
export const clone = (m) => m.map((r) => r.slice());

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
export const matvec = (a, x) => a.map((r) => r.reduce((s, v, j) => s + v * x[j], 0));

/** Lower-triangular L with S = L Lᵀ; zero pivots (PSD, singular) give zero columns. */
export function cholesky(S) {
  const n = S.length;
  const L = zeros(n);
  const scale = Math.max(...S.map((r, i) => Math.abs(r[i])), 1e-300);
  for (let j = 0; j < n; j++) {
    let d = S[j][j];
    for (let k = 0; k < j; k++) d -= L[j][k] * L[j][k];
    if (d <= 1e-9 * scale) { L[j][j] = 0; continue; }
    L[j][j] = Math.sqrt(d);
    for (let i = j + 1; i < n; i++) {
      let v = S[i][j];
      for (let k = 0; k < j; k++) v -= L[i][k] * L[j][k];
      L[i][j] = v / L[j][j];
    }
  }
  return L;
}

/** Eigen-decomposition of a symmetric matrix (cyclic Jacobi): { values (descending), vectors (columns) }. */
export function eigh(S) {
  const n = S.length;
  const a = clone(S);
  const v = identity(n);
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p][q] * a[p][q];
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        if (Math.abs(a[p][q]) < 1e-300) continue;
        const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k][p], akq = a[k][q];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p][k], aqk = a[q][k];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k][p], vkq = v[k][q];
          v[k][p] = c * vkp - s * vkq;
          v[k][q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = a.map((r, i) => i).sort((i, j) => a[j][j] - a[i][i]);
  return { values: order.map((i) => a[i][i]), vectors: v.map((row) => order.map((i) => row[i])) };
}

/** Symmetric (principal) square root V √Λ Vᵀ of a PSD matrix. */
export function sqrtm(S) {
  const { values, vectors } = eigh(S);
  const n = S.length;
  const out = zeros(n);
  for (let k = 0; k < n; k++) {
    const l = Math.sqrt(Math.max(values[k], 0));
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i][j] += vectors[i][k] * l * vectors[j][k];
  }
  return out;
}

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

/** The factor F (x = mean + F z) the package uses for `method`, or null where it is not unique ('svd'). */
export function factor(S, method) {
  if (method === 'cholesky') return cholesky(S);
  if (method === 'eigh') return sqrtm(S);
  return null;
}

/** 2x2 symmetric: { l1 >= l2, angle of the first eigenvector }. */
export function eig2(sxx, sxy, syy) {
  const tr = (sxx + syy) / 2;
  const d = Math.sqrt(Math.max(((sxx - syy) / 2) ** 2 + sxy * sxy, 0));
  const l1 = tr + d, l2 = tr - d;
  const angle = 0.5 * Math.atan2(2 * sxy, sxx - syy);
  return { l1, l2: Math.max(l2, 0), angle };
}

/** Shortest decimal that is the same float32 (what the package sees), e.g. 0.6 not 0.6000000238. */
export function f32str(v) {
  const f = Math.fround(v);
  if (!Number.isFinite(f)) return String(f);
  if (Object.is(f, -0)) return '0';
  for (let p = 1; p <= 9; p++) {
    const s = Number(f.toPrecision(p));
    if (Math.fround(s) === f) return String(s);
  }
  return String(f);
}

/** A number for a table or a label: fixed digits, tabular-friendly, true minus sign. */
export function fmt(v, digits = 3) {
  if (v === undefined || v === null || Number.isNaN(v)) return '–';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  const a = Math.abs(v);
  let s;
  if (a !== 0 && (a < 10 ** -digits || a >= 1e5)) s = v.toExponential(Math.max(digits - 2, 1));
  else s = v.toFixed(digits);
  if (/^-0\.?0*$/.test(s)) s = s.slice(1);
  return s.replace('-', '−');
}

/** 1234567 -> "1,234,567". */
export const commas = (n) => Math.round(n).toLocaleString('en-US');
