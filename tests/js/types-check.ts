// Compiled with `tsc --noEmit` by tests/node/package.test.mjs: the declarations describe the API.
// A browser app's setup: the DOM lib and WebGPU's types (which the package's own declarations
// merge into).
/// <reference types="@webgpu/types" />
import { Sampler, Distribution, MvnError, init, key, split, seed, state, type FactorReport, type Samples, type GpuSamples } from 'mvn-gpu';

async function main(): Promise<void> {
  await init();
  await init({ wasm: new URL('https://example.com/mvn_gpu_bg.wasm') });
  const k = key(42n);
  const [k1, k2] = split(k);
  seed(7);
  const s: Uint32Array = state();
  const sampler = await Sampler.create({ backend: 'auto', powerPreference: 'high-performance' });
  const backend: 'webgpu' | 'cpu' = sampler.backend;
  const x: Samples = await sampler.multivariateNormal([0, 0], [[1, 0], [0, 1]], { shape: [10], key: k1, method: 'svd', onInvalid: 'clip' });
  const d: Distribution = sampler.distribution({ data: new Float64Array(2), shape: [2] }, new Float32Array([1, 0, 0, 1]));
  const b8: Uint8Array = (await sampler.bits([4], { width: 1 })).data;
  const b32: Uint32Array = (await sampler.bits([4])).data;
  void b8;
  void b32;
  const r: FactorReport[] = d.report;
  const used: 'cholesky' | 'cholesky-psd' | 'eigh' | 'svd' | 'scale_tril' | undefined = r[0]?.methodUsed;
  void used;
  const y: Samples = await d.sample([3], { key: k2 });
  const lp64: Float64Array = d.logProb([[0, 0]], { allowSingular: true }).data;
  const lp32: Float32Array = (await d.logProbAsync([[0, 0]], { out: new Float32Array(1) })).data;
  const low: Distribution = sampler.distribution([0, 0], null, { covFactor: [[1], [1]], covDiag: [1, 1] });
  const rank: number | null = low.rank;
  const dense: Distribution = low.toDense();
  void [lp64, lp32, rank, dense.entropy.data];
  if (sampler.backend === 'webgpu') {
    const g: GpuSamples = await sampler.multivariateNormalToBuffer([0, 0], [[1, 0], [0, 1]], { shape: [1000] });
    const usage: number = g.buffer.usage;
    g.device.queue.submit([]);
    void usage;
    const app = await Sampler.create({ device: g.device });
    const into: GpuSamples = await app.distribution([0, 0], [[1, 0], [0, 1]]).sampleInto(g.buffer, [1000], { key: k1 });
    const lpGpu: Samples = await d.logProbAsync(g.buffer, { xShape: [1000, 2] });
    const lpInto: GpuSamples = await d.logProbInto(g.buffer, [[0, 0]]);
    void [into, lpGpu, lpInto];
  }
  const z = await sampler.normal([2, 3], { key: k, loc: 1, scale: 2 });
  const u = await sampler.uniform([3], { low: [0, 1, 2], high: 5 });
  const b: Uint32Array = (await sampler.bits([4])).data;
  try {
    await sampler.multivariateNormal([0], [[-1]]);
  } catch (e) {
    if (e instanceof MvnError && e.code === 'NOT_POSITIVE_SEMIDEFINITE') console.log(e.message);
  }
  d.free();
  sampler.destroy();
  void [s, backend, x, r, y, z, u, b];
}
void main();
