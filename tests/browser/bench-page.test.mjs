// Keeps the browser benchmark page (benches/browser/, `npm run bench`) from rotting: its smoke mode
// (tiny sizes, one rep) must give every implementation a time or a recorded error for every
// workload, our own outputs must pass the page's statistical check, and that check must flag
// wrong samples. Speed is not asserted.
import test from 'node:test';
import assert from 'node:assert/strict';
import { runBrowserBench, report, table } from '../../benches/browser_run.mjs';
import { check } from '../../benches/browser/check.mjs';

test('benchmark page, smoke mode: every implementation gives a result or a recorded error', async () => {
  const log = [];
  const { result, browserVersion } = await runBrowserBench({ query: { mode: 'smoke' }, onLog: (l) => log.push(l), timeout: 120_000 });
  assert.equal(result.error, undefined, `${result.error}\n${log.join('\n')}`);
  const impls = ['mvn-gpu webgpu', 'mvn-gpu webgpu (toBuffer)', 'mvn-gpu cpu (wasm)', 'jax-js webgpu', 'jax-js wasm', 'tfjs webgpu', 'tfjs wasm', 'multivariate-normal'];
  assert.deepEqual(Object.keys(result.impls), impls);
  const workloads = Object.keys(result.workloads);
  assert.deepEqual(workloads, ['C1', 'C2', 'C3', 'C4']);
  for (const name of impls) {
    const rec = result.impls[name];
    if (rec.error) continue; // recorded (e.g. a peer that cannot start here)
    for (const w of workloads) {
      const r = rec.results[w];
      assert.ok((r && ((Number.isFinite(r.ms) && r.ms >= 0) || r.lower_bound_ms > 0)) || typeof rec.errors[w] === 'string', `${name} ${w}: neither a time nor an error`);
    }
    assert.equal(typeof rec.sanity_ok, 'boolean', `${name}: no sanity verdict`);
  }
  // Ours must run on WebGPU here and produce samples with the inputs' mean and covariance.
  for (const name of ['mvn-gpu webgpu', 'mvn-gpu webgpu (toBuffer)', 'mvn-gpu cpu (wasm)']) {
    const rec = result.impls[name];
    assert.equal(rec.error, undefined, `${name}: ${rec.error}\n${log.join('\n')}`);
    assert.deepEqual(rec.errors, {}, name);
    assert.equal(rec.sanity_ok, true, `${name}: ${JSON.stringify(rec.sanity)}`);
  }
  assert.equal(result.impls['mvn-gpu webgpu'].info.backend, 'webgpu');
  const doc = report(result, browserVersion);
  assert.equal(doc.rows.length, 4);
  for (const row of doc.rows) assert.ok(row.ours_ms > 0 && Object.keys(row.peers).length === impls.length - 1, JSON.stringify(row));
  console.log(table(doc));
});

// Correct samples from a seeded Box-Muller generator, then the same samples made wrong in ways a
// broken peer could be wrong.
function samples({ d, S, B, mean, cov }, layout, seed = 7) {
  let st = seed >>> 0;
  const u = () => ((st = (Math.imul(st, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32;
  const out = new Float32Array(S * B * d);
  const z = new Float64Array(d);
  for (let b = 0; b < B; b++) {
    const L = new Float64Array(d * d); // Cholesky of cov[b]
    for (let j = 0; j < d; j++) {
      let s = cov[b * d * d + j * d + j];
      for (let k = 0; k < j; k++) s -= L[j * d + k] ** 2;
      L[j * d + j] = Math.sqrt(s);
      for (let i = j + 1; i < d; i++) {
        let t = cov[b * d * d + i * d + j];
        for (let k = 0; k < j; k++) t -= L[i * d + k] * L[j * d + k];
        L[i * d + j] = t / L[j * d + j];
      }
    }
    for (let s = 0; s < S; s++) {
      for (let i = 0; i < d; i++) z[i] = Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
      const o = layout === 'BSd' ? (b * S + s) * d : (s * B + b) * d;
      for (let i = 0; i < d; i++) {
        let x = mean[b * d + i];
        for (let k = 0; k <= i; k++) x += L[i * d + k] * z[k];
        out[o + i] = x;
      }
    }
  }
  return out;
}

test('benchmark page: its statistical check passes right samples and flags wrong ones', () => {
  const d = 3, S = 8192, B = 2;
  const mean = Float32Array.from([0.5, -1, 2, 1, 0, -0.5]);
  const cov = Float32Array.from([2, 0.6, 0.2, 0.6, 1, -0.3, 0.2, -0.3, 1.5, 1, 0.9, 0, 0.9, 1, 0, 0, 0, 3]);
  const inp = { d, S, B, mean, cov };
  const right = samples(inp, 'SBd');
  assert.equal(check(right, 'SBd', inp).ok, true, JSON.stringify(check(right, 'SBd', inp)));
  assert.equal(check(samples(inp, 'BSd'), 'BSd', inp).ok, true);
  const verdicts = {
    shiftedMean: check(right.map((v, i) => (i % d === 1 ? v + 0.1 : v)), 'SBd', inp),
    scaledCov: check(right.map((v, i) => v * 1.1 - 0.1 * mean[i % (B * d)]), 'SBd', inp),
    wrongLayout: check(right, 'BSd', inp),
    independent: check(samples({ ...inp, cov: cov.map((v, i) => ((i % (d * d)) % (d + 1) === 0 ? v : 0)) }, 'SBd'), 'SBd', inp),
    nonFinite: check(right.map((v, i) => (i === 5 ? NaN : v)), 'SBd', inp),
    short: check(right.subarray(1), 'SBd', inp),
  };
  if (process.env.SHOW) console.log(verdicts);
  for (const [name, v] of Object.entries(verdicts)) assert.equal(v.ok, false, `${name} must be flagged: ${JSON.stringify(v)}`);
});
