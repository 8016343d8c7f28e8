// Runs the npm `multivariate-normal` package for the benchmark page (bench.mjs) in a classic worker,
// so that a call that takes too long can be stopped (worker.terminate()). Timing is taken here,
// around the package's calls: constructor (eig + SVD of the covariance) and one sample() per vector,
// copied into a Float32Array (layout [draws, covariances, d]).
/* global importScripts, MultivariateNormal */
importScripts('/benches/browser/.build/multivariate-normal.js');

let inputs = null;
onmessage = ({ data: msg }) => {
  try {
    if (msg.type === 'load') {
      inputs = msg.inputs; // { d, S, B, means: number[][], covs: number[][][] }
      postMessage({ id: msg.id, ok: true });
      return;
    }
    const { d, S, B, means, covs } = inputs;
    if (B === 1) {
      const n = msg.count ?? S;
      const t0 = performance.now();
      const dist = MultivariateNormal(means[0], covs[0]);
      const t1 = performance.now();
      const out = new Float32Array(n * d);
      for (let s = 0; s < n; s++) {
        const v = dist.sample();
        for (let i = 0; i < d; i++) out[s * d + i] = v[i];
      }
      const t2 = performance.now();
      postMessage({ id: msg.id, data: out, count: n, ms: t2 - t0, ctorMs: t1 - t0, sampleMs: t2 - t1 }, [out.buffer]);
      return;
    }
    const nb = msg.count ?? B;
    const t0 = performance.now();
    const out = new Float32Array(S * nb * d);
    for (let b = 0; b < nb; b++) {
      const dist = MultivariateNormal(means[b], covs[b]);
      for (let s = 0; s < S; s++) {
        const v = dist.sample();
        for (let i = 0; i < d; i++) out[(s * nb + b) * d + i] = v[i];
      }
    }
    postMessage({ id: msg.id, data: out, count: nb, ms: performance.now() - t0 }, [out.buffer]);
  } catch (e) {
    postMessage({ id: msg.id, error: String((e && (e.stack || e.message)) || e) });
  }
};
