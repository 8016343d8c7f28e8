// What the JavaScript benchmarks share, in the browser page (bench.mjs) and in Node with Dawn on
// the GPU machine (benches/dawn/bench.mjs): the workloads, their inputs, the timing loop, and the
// implementations that run in both places (mvn-gpu and jax-js).
import { Sampler, key, setProfiling, takeProfile } from '../../js/index.js';

// name: [d, draws per covariance, covariances]; sample shape [draws] or [draws, covariances].
export const GPU_WORKLOADS = { W1: [3, 1 << 24, 1], W2: [64, 1 << 20, 1], W3: [512, 1 << 16, 1], W4: [8, 64, 16384] };
export const CPU_WORKLOADS = { C1: [3, 1 << 20, 1], C2: [64, 1 << 16, 1], C3: [512, 1 << 12, 1], C4: [8, 16, 4096] };
export const SMOKE_WORKLOADS = { C1: [3, 1024, 1], C2: [8, 256, 1], C3: [32, 64, 1], C4: [4, 4, 16] };

export const now = () => performance.now();
export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
export const errText = (e) => String((e && (e.stack || e.message)) || e).split('\n').slice(0, 4).join(' | ').slice(0, 500);

/**
 * Inputs: covariances A Aᵀ/d + I with A standard normal, means standard normal, both drawn with our
 * own seeded normals (CPU backend, bit-exact MLX), as benches/mvn.rs does. Not timed.
 */
export async function makeInputs(cpu, name, [d, S, B], seed) {
  const a = (await cpu.normal([B * d * d], { key: key(seed) })).data;
  const mean = (await cpu.normal([B * d], { key: key(seed + 1) })).data;
  const cov = new Float32Array(B * d * d);
  for (let b = 0; b < B; b++) {
    const o = b * d * d;
    for (let i = 0; i < d; i++) {
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let k = 0; k < d; k++) s += a[o + i * d + k] * a[o + j * d + k];
        const v = s / d + (i === j ? 1 : 0);
        cov[o + i * d + j] = v;
        cov[o + j * d + i] = v;
      }
    }
  }
  return {
    name, d, S, B, mean, cov,
    meanShape: B > 1 ? [B, d] : [d],
    covShape: B > 1 ? [B, d, d] : [d, d],
    shape: B > 1 ? [S, B] : [S],
  };
}

/** Median of `reps` timed calls of `run` after `warmups`; `run` may report its own `ms`. */
export async function timeReps(run, reps, warmups) {
  const times = [];
  for (let i = 0; i < warmups + reps; i++) {
    const t = now();
    const r = await run();
    const ms = r?.ms ?? now() - t;
    if (i >= warmups) times.push(ms);
  }
  return { ms: median(times), times_ms: times.map((t) => +t.toFixed(3)), reps, warmups };
}

/** Median over `reps` calls of each stage's summed time in one call (`setProfiling`), and what no stage accounts for. */
export async function stageProfile(run, reps) {
  setProfiling(true);
  const perRep = [];
  for (let i = 0; i < reps; i++) {
    takeProfile();
    const t = now();
    const r = await run();
    const total = now() - t;
    const stages = {};
    for (const { stage, ms } of takeProfile()) stages[stage] = (stages[stage] ?? 0) + ms;
    for (const [stage, ms] of Object.entries(r?.stages ?? {})) stages[stage] = ms;
    stages['unaccounted (JS, promises)'] = total - Object.values(stages).reduce((a, b) => a + b, 0);
    stages.total = total;
    perRep.push(stages);
  }
  setProfiling(false);
  const names = [...new Set(perRep.flatMap(Object.keys))];
  return Object.fromEntries(names.map((n) => [n, +median(perRep.map((s) => s[n] ?? 0)).toFixed(3)]));
}

/**
 * mvn-gpu: `multivariateNormal` (read back into a Float32Array) or `multivariateNormalToBuffer`
 * then `onSubmittedWorkDone` (samples ready on the GPU). The whole call: inputs on the host,
 * validation, Cholesky, upload, sampling (and readback).
 */
export function oursImpl(backend, toBuffer, createOptions = {}, { reuseOut = false, into = false } = {}) {
  let sampler;
  let rep = 0;
  let out = null;
  let appDevice = null;
  let target = null; // the caller's GPUBuffer (into): kept across reps, as a renderer would
  return {
    sync: into
      ? "Sampler.create({ device }) on the application's GPUDevice, multivariateNormalInto(a reused GPUBuffer) + await device.queue.onSubmittedWorkDone() (no allocation per call)"
      : toBuffer
        ? 'multivariateNormalToBuffer + await device.queue.onSubmittedWorkDone() (samples ready on the GPU, no readback)'
        : `await sampler.multivariateNormal(...) (samples read back into ${reuseOut ? 'a reused Float32Array: the out option' : 'a new Float32Array'})`,
    async setup() {
      if (into) {
        const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
        appDevice = await adapter.requestDevice({ requiredLimits: { maxBufferSize: adapter.limits.maxBufferSize, maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize } });
        sampler = await Sampler.create({ device: appDevice });
      } else {
        sampler = await Sampler.create({ backend, ...createOptions });
      }
      if (sampler.backend !== backend) throw new Error(`asked for ${backend}, got ${sampler.backend}: ${sampler.fallbackReason}`);
      return { backend: sampler.backend, adapter: sampler.adapterInfo ?? null };
    },
    prepare: (inp) => ({
      ...inp,
      meanIn: { data: inp.mean, shape: inp.meanShape },
      covIn: { data: inp.cov, shape: inp.covShape },
    }),
    async run(p, { readback = false } = {}) {
      const opts = { shape: p.shape, key: key(1000 + rep++) };
      if (reuseOut) {
        const len = p.S * p.B * p.d;
        if (out?.length !== len) out = new Float32Array(len);
        opts.out = out;
      }
      if (!toBuffer) return { data: (await sampler.multivariateNormal(p.meanIn, p.covIn, opts)).data, layout: 'SBd' };
      if (into) {
        const size = p.S * p.B * p.d * 4;
        if (target?.size !== size) {
          target?.destroy();
          target = appDevice.createBuffer({ size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.VERTEX | GPUBufferUsage.COPY_SRC });
        }
        await sampler.multivariateNormalInto(target, p.meanIn, p.covIn, opts);
        const t = now();
        await appDevice.queue.onSubmittedWorkDone();
        return { layout: 'SBd', stages: { 'GPU wait (onSubmittedWorkDone)': now() - t } };
      }
      const r = await sampler.multivariateNormalToBuffer(p.meanIn, p.covIn, opts);
      const t = now();
      await r.device.queue.onSubmittedWorkDone();
      const gpuWait = now() - t;
      if (!readback) {
        r.buffer.destroy();
        return { layout: 'SBd', stages: { 'GPU wait (onSubmittedWorkDone)': gpuWait } };
      }
      return { data: await readBuffer(r.device, r.buffer), layout: 'SBd' };
    },
    teardown() {
      sampler?.destroy();
      target?.destroy();
      appDevice?.destroy();
    },
  };
}

export async function readBuffer(device, buffer) {
  const staging = device.createBuffer({ size: buffer.size, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
  const enc = device.createCommandEncoder();
  enc.copyBufferToBuffer(buffer, 0, staging, 0, buffer.size);
  device.queue.submit([enc.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const data = new Float32Array(staging.getMappedRange().slice(0));
  staging.destroy();
  buffer.destroy();
  return data;
}

/**
 * jax-js (`@jax-js/jax`): `random.multivariateNormal(key, mean, cov, shape)` on its `device`
 * ('webgpu': Threefry and Cholesky on the GPU; 'wasm'), with the mean and covariance uploaded
 * from the same host arrays inside the timing, as ours. On the GPU: `blockUntilReady()`;
 * read back: `await x.data()`.
 */
export function jaxImpl(loadJax, device, readback) {
  let jax;
  let rep = 0;
  return {
    sync: readback ? 'await x.data() (samples read back into a Float32Array)' : 'await x.blockUntilReady() (samples ready on the device)',
    async setup() {
      jax = await loadJax();
      const ok = await jax.init(device);
      if (!ok.includes(device)) throw new Error(`jax-js: backend ${device} unavailable (got ${ok.join(', ')})`);
      jax.defaultDevice(device);
      return { backend: device, devices: ok };
    },
    prepare: (inp) => inp,
    async run(p) {
      const np = jax.numpy;
      const mean = np.array(p.mean, { shape: p.meanShape });
      const cov = np.array(p.cov, { shape: p.covShape });
      const x = jax.random.multivariateNormal(jax.random.key(1000 + rep++), mean, cov, p.shape);
      if (!readback) {
        await x.blockUntilReady();
        x.dispose();
        return { layout: 'SBd' };
      }
      return { data: await x.data(), layout: 'SBd' };
    },
    teardown() {},
  };
}
