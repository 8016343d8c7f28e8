// Our wasm CPU path in Node on C1-C4 (whole calls through the npm package's JS API), in the
// peers' JSON format so that report.py can put it beside the native figures.
import { Sampler, key } from 'mvn-gpu';

const WORKLOADS = { C1: [3, [1 << 20], 1], C2: [64, [1 << 16], 1], C3: [512, [1 << 12], 1], C4: [8, [16, 4096], 4096] };
const [REPS, WARMUP] = [5, 2];
const sampler = await Sampler.create({ backend: 'cpu' });
const peers = [];
for (const [name, [d, shape, covs]] of Object.entries(WORKLOADS)) {
  // A Aᵀ/d + I and standard normal means, from our own seeded normals.
  const a = (await sampler.normal([covs * d * d], { key: key(1) })).data;
  const cov = new Float32Array(covs * d * d);
  for (let b = 0; b < covs; b++) {
    for (let i = 0; i < d; i++) {
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let k = 0; k < d; k++) s += a[b * d * d + i * d + k] * a[b * d * d + j * d + k];
        const v = s / d + (i === j ? 1 : 0);
        cov[b * d * d + i * d + j] = v;
        cov[b * d * d + j * d + i] = v;
      }
    }
  }
  const mean = (await sampler.normal([covs * d], { key: key(2) })).data;
  const meanIn = { data: mean, shape: covs > 1 ? [covs, d] : [d] };
  const covIn = { data: cov, shape: covs > 1 ? [covs, d, d] : [d, d] };
  const ts = [];
  for (let i = 0; i < WARMUP + REPS; i++) {
    const t = performance.now();
    await sampler.multivariateNormal(meanIn, covIn, { shape, key: key(100 + i) });
    if (i >= WARMUP) ts.push(performance.now() - t);
  }
  ts.sort((x, y) => x - y);
  peers.push({ impl: 'mvn-gpu wasm cpu (node)', workload: name, ms: ts[Math.floor(ts.length / 2)] });
}
console.log(JSON.stringify({ peers, errors: {}, versions: { node: process.version } }));
