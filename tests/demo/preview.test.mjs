// The demo's drag preview: with the key fixed, x' = mean' + F' F⁻¹ (x − mean) must equal what the
// package draws for (mean', cov'), for the factors the demo computes (www/linalg.js).
import test from 'node:test';
import assert from 'node:assert/strict';
import { Sampler, key } from '../../js/index.js';
import { factor, inverse, matmul, f32str } from '../../www/linalg.js';

const cases = [
  { mean: [1, 2, 3], cov: [[1, 0.5, 0.2], [0.5, 2, 0.3], [0.2, 0.3, 1.5]], mean2: [-1, 0.5, 0], cov2: [[2, -0.4, 0.1], [-0.4, 1, 0.6], [0.1, 0.6, 3]] },
  { mean: [0.5, -0.25], cov: [[1.44, 0.576], [0.576, 0.64]], mean2: [0.9, 0.1], cov2: [[0.36, -0.3], [-0.3, 1.21]] },
];

test('the affine preview equals resampling with the same key (cholesky, eigh)', async () => {
  const sampler = await Sampler.create({ backend: 'cpu' });
  for (const method of ['cholesky', 'eigh']) {
    for (const c of cases) {
      const n = c.mean.length;
      const x1 = (await sampler.multivariateNormal(c.mean, c.cov, { shape: [64], key: key(3), method })).data;
      const x2 = (await sampler.multivariateNormal(c.mean2, c.cov2, { shape: [64], key: key(3), method })).data;
      const A = matmul(factor(c.cov2, method), inverse(factor(c.cov, method)));
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
  assert.equal(factor([[1, 0], [0, 1]], 'svd'), null, 'svd factors are not unique: no preview');
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
