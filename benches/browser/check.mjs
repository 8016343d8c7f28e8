// The benchmark page's sanity check (benches/browser/bench.mjs), a pure function so that Node can test it.
// Sanity: sample mean and covariance of each batch against the inputs, as z-scores (standard errors
// sqrt(Σii/n) for the mean, sqrt((Σii Σjj + Σij²)/n) for the covariance). `layout` says where draw s of
// batch b lives: 'SBd' (ours, multivariate-normal) or 'BSd' (tfjs: [B, S, d], no transpose).
export function check(data, layout, { d, S, B, mean, cov }, limits = { mean: 5, cov: 6 }) {
  if (!data || data.length !== S * B * d) return { ok: false, reason: `expected ${S * B * d} values, got ${data?.length}` };
  let maxMeanZ = 0;
  let maxCovZ = 0;
  let finite = true;
  const at = layout === 'BSd' ? (s, b) => (b * S + s) * d : (s, b) => (s * B + b) * d;
  for (let b = 0; b < B; b++) {
    const m = new Float64Array(d);
    for (let s = 0; s < S; s++) {
      const o = at(s, b);
      for (let i = 0; i < d; i++) {
        const v = data[o + i];
        if (!Number.isFinite(v)) finite = false;
        m[i] += v;
      }
    }
    for (let i = 0; i < d; i++) m[i] /= S;
    const c = new Float64Array(d * d);
    for (let s = 0; s < S; s++) {
      const o = at(s, b);
      for (let i = 0; i < d; i++) {
        const xi = data[o + i] - m[i];
        for (let j = 0; j <= i; j++) c[i * d + j] += xi * (data[o + j] - m[j]);
      }
    }
    const co = b * d * d;
    for (let i = 0; i < d; i++) {
      const sii = cov[co + i * d + i];
      maxMeanZ = Math.max(maxMeanZ, Math.abs(m[i] - mean[b * d + i]) / Math.sqrt(sii / S));
      for (let j = 0; j <= i; j++) {
        const sij = cov[co + i * d + j];
        const se = Math.sqrt((sii * cov[co + j * d + j] + sij * sij) / S);
        maxCovZ = Math.max(maxCovZ, Math.abs(c[i * d + j] / (S - 1) - sij) / se);
      }
    }
  }
  const ok = finite && maxMeanZ < limits.mean && maxCovZ < limits.cov;
  return { ok, finite, maxMeanZ: +maxMeanZ.toFixed(3), maxCovZ: +maxCovZ.toFixed(3), limits };
}

