// The distribution and its samples: validating and factoring the input with the package, one
// sampling at a time, and what a frame can show. While the input moves with the key fixed, the
// last samples through the exact affine map x' = mean' + F' F⁻¹ (x − mean) (F: the package's own
// factor, x = mean + F z) equal resampling, so a drag stays interactive at millions of points.
import { readPrefix } from './render.js';
import { app, state, STATS_MAX } from './state.js';
import { zeros, matmul, inverse, factorOf } from './matrix.js';
import { now, keyEq } from './util.js';

/** Validates and factors the input; returns the package's error (the last valid input stays) or null. */
export function applyParams() {
  const mean = state.mean.slice();
  const cov = state.cov.map((r) => r.slice());
  const t0 = now();
  let dist;
  try {
    dist = app.sampler.distribution(mean, cov, { method: state.method });
  } catch (e) {
    return e;
  }
  app.timings.factorMs = now() - t0;
  const old = app.valid;
  app.valid = {
    id: ++app.validSeq, n: mean.length, mean, cov, method: state.method, dist,
    report: dist.report[0], F: factorOf(dist),
  };
  old?.dist.free();
  app.flags.draw = true;
  return null;
}

/** The drawn samples have the current count, key and dimension (the same z). */
function sameDraw() {
  const { buf, valid } = app;
  return buf && valid && buf.n === valid.n && buf.N === state.N && keyEq(buf.key, state.key);
}

export function needSample() {
  const { valid, failed, buf } = app;
  if (!valid) return false;
  if (failed && failed.validId === valid.id && failed.N === state.N && keyEq(failed.key, state.key)) return false;
  return !(sameDraw() && buf.validId === valid.id);
}

/**
 * What the frame shows: 'exact' (the samples of the valid input), 'preview' (the samples through
 * x' = A x + c), 'stale' (the last samples as they are, while sampling), or 'none'.
 */
export function display() {
  const { valid, buf } = app;
  if (!valid) return null;
  if (sameDraw() && buf.validId === valid.id) return { kind: 'exact', mean: valid.mean, cov: valid.cov };
  if (sameDraw() && buf.method === valid.method && buf.Finv) {
    const A = matmul(valid.F, buf.Finv);
    const c = valid.mean.map((m, i) => m - A[i].reduce((s, v, k) => s + v * buf.mean[k], 0));
    return { kind: 'preview', mean: valid.mean, cov: valid.cov, A, c };
  }
  if (buf && buf.n === valid.n) return { kind: 'stale', mean: buf.mean, cov: buf.cov };
  return { kind: 'none', mean: valid.mean, cov: valid.cov };
}

/** Samples the valid distribution with the current key and count, then reads back the prefix. */
export async function sampleNow() {
  const v = app.valid;
  const N = state.N;
  const k = Uint32Array.from(state.key);
  const n = v.n;
  const m = Math.min(N, STATS_MAX);
  const ep = app.epoch;
  const { timings } = app;
  try {
    const t0 = now();
    let next;
    if (app.gpu) {
      const r = await v.dist.sampleToBuffer([N], { key: k });
      await app.device.queue.onSubmittedWorkDone();
      const t1 = now();
      const prefix = await readPrefix(app.device, r.buffer, m, n);
      timings.sampleMs = t1 - t0;
      timings.readbackMs = now() - t1;
      next = { buffer: r.buffer, prefix };
    } else {
      const r = await v.dist.sample([N], { key: k });
      timings.sampleMs = now() - t0;
      timings.readbackMs = 0;
      next = { data: r.data, prefix: r.data.subarray(0, m * n) };
    }
    if (ep !== app.epoch) return;
    const nb = {
      seq: ++app.bufSeq, validId: v.id, n, N, key: k, method: v.method, mean: v.mean, cov: v.cov,
      Finv: inverse(v.F), // null when singular: no preview
      m, stats: moments(next.prefix, m, n), ...next,
    };
    app.renderer.setSamples(app.gpu ? { buffer: nb.buffer, count: N, n } : { data: nb.data, count: N, n });
    if (app.buf?.buffer) app.retired.push(app.buf.buffer);
    app.buf = nb;
    app.sampleError = null;
    app.failed = null;
    app.sampleCount++;
    if (!app.drawing) retire();
  } catch (e) {
    if (ep !== app.epoch) return;
    console.error(e);
    app.sampleError = e;
    app.failed = { validId: v.id, N, key: k };
    app.lastError = String(e.message ?? e);
  }
}

/** Destroys the GPU buffers of replaced samples (once no frame draws them). */
export function retire() {
  for (const b of app.retired) b.destroy();
  app.retired = [];
}

/** Sample mean and covariance (float64, two passes) of the first m samples. */
function moments(x, m, n) {
  const mean = new Array(n).fill(0);
  for (let i = 0; i < m; i++) for (let k = 0; k < n; k++) mean[k] += x[i * n + k];
  for (let k = 0; k < n; k++) mean[k] /= m;
  const cov = zeros(n);
  const d = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    for (let k = 0; k < n; k++) d[k] = x[i * n + k] - mean[k];
    for (let p = 0; p < n; p++) for (let q = p; q < n; q++) cov[p][q] += d[p] * d[q];
  }
  for (let p = 0; p < n; p++) for (let q = p; q < n; q++) cov[q][p] = cov[p][q] /= Math.max(m - 1, 1);
  return { mean, cov };
}
