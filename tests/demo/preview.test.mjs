// The demo's drag preview: with the key fixed, x' = mean' + F' F⁻¹ (x − mean) must equal what the
// package draws for (mean', cov'), with F the package's own factor as the demo reads it (www/matrix.js).
import test from 'node:test';
import assert from 'node:assert/strict';
import { Sampler, key } from '../../js/index.js';
import { factorOf, inverse, matmul } from '../../www/matrix.js';
import { f32str } from '../../www/format.js';

const cases = [
  { mean: [1, 2, 3], cov: [[1, 0.5, 0.2], [0.5, 2, 0.3], [0.2, 0.3, 1.5]], mean2: [-1, 0.5, 0], cov2: [[2, -0.4, 0.1], [-0.4, 1, 0.6], [0.1, 0.6, 3]] },
  { mean: [0.5, -0.25], cov: [[1.44, 0.576], [0.576, 0.64]], mean2: [0.9, 0.1], cov2: [[0.36, -0.3], [-0.3, 1.21]] },
];

/** The demo's F for (cov, method): the package's factor, read as x = mean + F z. */
function factor(sampler, cov, method) {
  const dist = sampler.distribution(cov.map(() => 0), cov, { method });
  try {
    return factorOf(dist);
  } finally {
    dist.free();
  }
}

test('the affine preview equals resampling with the same key (cholesky, eigh, svd)', async () => {
  const sampler = await Sampler.create({ backend: 'cpu' });
  for (const method of ['cholesky', 'eigh', 'svd']) {
    for (const c of cases) {
      const n = c.mean.length;
      const x1 = (await sampler.multivariateNormal(c.mean, c.cov, { shape: [64], key: key(3), method })).data;
      const x2 = (await sampler.multivariateNormal(c.mean2, c.cov2, { shape: [64], key: key(3), method })).data;
      const A = matmul(factor(sampler, c.cov2, method), inverse(factor(sampler, c.cov, method)));
      let worst = 0;
      for (let i = 0; i < 64; i++) {
        for (let r = 0; r < n; r++) {
          let v = c.mean2[r];
          for (let k = 0; k < n; k++) v += A[r][k] * (x1[i * n + k] - c.mean[k]);
          worst = Math.max(worst, Math.abs(v - x2[i * n + r]) / (1 + Math.abs(x2[i * n + r])));
        }
      }
      assert.ok(worst < 5e-6, `${method} n=${n}: preview differs by ${worst}`);
    }
  }
  // F is the package's R transposed (x = mean + z R), and F Fᵀ = cov
  const cov = cases[0].cov;
  for (const method of ['cholesky', 'eigh', 'svd']) {
    const F = factor(sampler, cov, method);
    const FFt = matmul(F, F[0].map((_, j) => F.map((r) => r[j])));
    FFt.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - cov[i][j]) < 1e-5, `${method}: (F Fᵀ)[${i}][${j}] = ${v}`)));
  }
  assert.equal(factor(sampler, [[1, 0], [0, 1]], 'cholesky')[0][1], 0, 'cholesky: lower triangular F');
  // a singular factor has no inverse: the demo resamples instead of previewing
  for (const method of ['cholesky', 'eigh', 'svd']) assert.equal(inverse(factor(sampler, [[1, 1], [1, 1]], method)), null, method);
  sampler.free();
});

test('f32str gives the shortest decimal of the same float32', () => {
  for (const v of [0.6, 0.1 + 0.2, 1 / 3, -2.5, 2.4499968, 1e-7, 12345.678, 0]) {
    const s = f32str(v);
    assert.equal(Math.fround(Number(s)), Math.fround(v), `${v} -> ${s}`);
  }
  assert.equal(f32str(0.6), '0.6');
  assert.equal(f32str(0.1 + 0.2), '0.3');
});
