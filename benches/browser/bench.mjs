// The browser benchmark (issue 6), run inside one headless-Chromium page by benches/browser_run.mjs:
// mvn-gpu on WebGPU and on its CPU (wasm) fallback against jax-js (webgpu and wasm backends),
// TensorFlow.js (webgpu and wasm backends) and the npm `multivariate-normal` package, on C1-C4
// (WORKLOADS.md, "Browser workloads"). The workloads, the inputs and the mvn-gpu and jax-js
// implementations are shared with the Node + Dawn runner (common.mjs).
//
// Every timing is one whole call, from the inputs on the host to the samples readable on the host:
//   mvn-gpu:             `await sampler.multivariateNormal(mean, cov, { shape, key })` (validation,
//                        Cholesky, upload, sampling, readback into a Float32Array);
//   mvn-gpu toBuffer:    `await sampler.multivariateNormalToBuffer(...)` then
//                        `await device.queue.onSubmittedWorkDone()` (samples ready on the GPU, no readback);
//   jax-js (webgpu, wasm): `random.multivariateNormal(key, mean, cov, shape)` from host arrays
//                        (Cholesky on its device), `await x.data()`;
//   tfjs (webgpu, wasm): tensors from the mean and the factor L, `tf.randomNormal` (tfjs draws it in JS
//                        on the CPU), `tf.matMul(z, L, false, true)`, `tf.add(mean)`, `await x.data()`.
//                        tfjs has no Cholesky: L is computed outside (f64 JS Cholesky) and NOT timed;
//   multivariate-normal: its constructor (eigenvalues + SVD of the covariance, in numeric.js) and one
//                        `dist.sample()` per vector, copied into a Float32Array; it draws with Math.random.
// Median of `reps` after `warmups`. multivariate-normal gets a time budget per workload: the full count
// when it fits, else a reduced count whose time is scaled up and labelled `extrapolated`.
//
// URL parameters: mode=full|smoke (smoke: tiny sizes, 1 rep), impls=a,b (subset), workloads=C1,C2,
// reps, warmups, budget (seconds for multivariate-normal per workload). Result: window.__result.
import { Sampler } from '/js/index.js';
import { check } from './check.mjs';
import { CPU_WORKLOADS, SMOKE_WORKLOADS, errText, jaxImpl, makeInputs, median, now, oursImpl, timeReps } from './common.mjs';

const params = new URLSearchParams(location.search);
const SMOKE = params.get('mode') === 'smoke';
const REPS = Number(params.get('reps') ?? (SMOKE ? 1 : 5));
const WARMUPS = Number(params.get('warmups') ?? (SMOKE ? 0 : 2));
const BUDGET_MS = Number(params.get('budget') ?? (SMOKE ? 10 : 60)) * 1000;

const WORKLOADS = SMOKE ? SMOKE_WORKLOADS : CPU_WORKLOADS;
// Small cases whose output statistics are checked against the inputs for every implementation.
const SANITY = { single: [4, 16384, 1], batched: [3, 8192, 2] };

const log = (...a) => console.log('[bench]', ...a);

// Lower Cholesky factor in f64 of each d×d block (for tfjs, computed outside its timing).
function choleskyF32(cov, d, B) {
  const out = new Float32Array(B * d * d);
  const L = new Float64Array(d * d);
  for (let b = 0; b < B; b++) {
    const o = b * d * d;
    L.fill(0);
    for (let j = 0; j < d; j++) {
      let s = cov[o + j * d + j];
      for (let k = 0; k < j; k++) s -= L[j * d + k] * L[j * d + k];
      if (!(s > 0)) throw new Error(`cholesky: matrix ${b} is not positive definite`);
      const ljj = Math.sqrt(s);
      L[j * d + j] = ljj;
      for (let i = j + 1; i < d; i++) {
        let t = cov[o + i * d + j];
        for (let k = 0; k < j; k++) t -= L[i * d + k] * L[j * d + k];
        L[i * d + j] = t / ljj;
      }
    }
    for (let i = 0; i < d * d; i++) out[o + i] = L[i];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Implementations: { setup() -> info, prepare(inp) -> prepared (not timed), run(prep, count?) ->
// { data?, layout, count }, teardown() }. `run` is the timed whole call.
function tfjsImpl(backend) {
  let rep = 0;
  return {
    sync: 'await x.data() (samples read back into a Float32Array); the Cholesky factor is computed outside and not timed',
    async setup() {
      const tf = globalThis.tf;
      if (!tf?.version_core) throw new Error('tfjs did not load');
      if (backend === 'wasm') tf.wasm.setWasmPaths('/node_modules/@tensorflow/tfjs-backend-wasm/dist/');
      if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') failed`);
      await tf.ready();
      const info = { backend: tf.getBackend(), version: tf.version_core };
      if (backend === 'wasm') {
        info.threads = tf.wasm.getThreadsCount?.();
        info.simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
        info.multithreading = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
      }
      if (backend === 'webgpu') info.adapter = tf.backend().adapterInfo ?? null;
      return info;
    },
    // Both tfjs backends stay registered; the current one is switched before each (untimed) call.
    async activate() {
      if (globalThis.tf.getBackend() !== backend && !(await globalThis.tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') failed`);
    },
    prepare: (inp) => ({ ...inp, factor: choleskyF32(inp.cov, inp.d, inp.B) }),
    async run(p) {
      const tf = globalThis.tf;
      const { d, S, B } = p;
      const x = tf.tidy(() => {
        const L = tf.tensor(p.factor, B > 1 ? [B, d, d] : [d, d]);
        const m = tf.tensor(p.mean, B > 1 ? [B, 1, d] : [d]);
        const z = tf.randomNormal(B > 1 ? [B, S, d] : [S, d], 0, 1, 'float32', 1000 + rep++);
        return tf.add(tf.matMul(z, L, false, true), m); // rows z Lᵀ = (L z)ᵀ
      });
      const data = await x.data();
      x.dispose();
      return { data, layout: 'BSd' };
    },
    teardown() {
      const tf = globalThis.tf;
      try { tf?.removeBackend(backend); } catch { /* ignore */ }
    },
  };
}

// In a worker (benches/browser/mvn-worker.js), so that a call over the time limit can be stopped.
function mvnJsImpl() {
  let worker = null;
  let loaded = null;
  let seq = 0;
  const start = () => {
    worker = new Worker('./mvn-worker.js');
    loaded = null;
  };
  const call = (msg, transfer, limitMs) => new Promise((resolve, reject) => {
    const id = ++seq;
    const timer = setTimeout(() => {
      worker.terminate();
      start();
      const e = new Error(`did not finish within ${(limitMs / 1000).toFixed(0)} s; stopped`);
      e.timeout = limitMs;
      reject(e);
    }, limitMs);
    worker.onmessage = ({ data }) => {
      if (data.id !== id) return;
      clearTimeout(timer);
      if (data.error) reject(new Error(data.error));
      else resolve(data);
    };
    worker.onerror = (e) => {
      clearTimeout(timer);
      reject(new Error(`worker: ${e.message}`));
    };
    worker.postMessage({ ...msg, id }, transfer);
  });
  return {
    sync: 'synchronous JS in a worker: constructor (eig + SVD of the covariance) and one dist.sample() per vector, '
      + 'copied into a Float32Array; timed inside the worker',
    async setup() {
      start();
      await call({ type: 'load', inputs: { d: 1, S: 1, B: 1, means: [[0]], covs: [[[1]]] } }, [], 60_000);
      const r = await call({ type: 'run' }, [], 60_000);
      if (r.data.length !== 1) throw new Error('multivariate-normal: unexpected output');
      return { where: 'dedicated worker', random: 'Math.random (unseeded)' };
    },
    prepare(inp) {
      const { d, B } = inp;
      const means = [];
      const covs = [];
      for (let b = 0; b < B; b++) {
        means.push(Array.from(inp.mean.subarray(b * d, (b + 1) * d)));
        const c = [];
        for (let i = 0; i < d; i++) c.push(Array.from(inp.cov.subarray(b * d * d + i * d, b * d * d + (i + 1) * d)));
        covs.push(c);
      }
      return { ...inp, means, covs };
    },
    // `count`: draws (one covariance) or covariances (batched) actually done; `limitMs`: stop after.
    async run(p, { count, limitMs = Math.max(BUDGET_MS, 10_000) } = {}) {
      if (loaded !== p) {
        await call({ type: 'load', inputs: { d: p.d, S: p.S, B: p.B, means: p.means, covs: p.covs } }, [], 60_000);
        loaded = p;
      }
      const r = await call({ type: 'run', count }, [], limitMs);
      return { ...r, layout: 'SBd' };
    },
    teardown() { worker?.terminate(); },
  };
}

// ---------------------------------------------------------------------------------------------
// multivariate-normal: the full count when it fits in the budget, else a reduced count, scaled.
async function timeBudgeted(impl, p) {
  const full = p.B === 1 ? p.S : p.B;
  const probeCount = Math.max(1, Math.min(full, Math.ceil(full / 256)));
  let probe;
  try {
    probe = await impl.run(p, { count: probeCount, limitMs: BUDGET_MS * 1.5 });
  } catch (e) {
    if (!e.timeout) throw e;
    return {
      ms: null, lower_bound_ms: e.timeout, count: probeCount, full_count: full,
      note: `${probeCount} of ${full} ${p.B === 1 ? 'draws (plus the constructor)' : 'covariances'} did not finish within ${e.timeout / 1000} s; stopped`,
    };
  }
  const probeMs = probe.ms;
  // One covariance: constructor + per-draw cost; batched: per-covariance cost.
  const estimate = (n) => (p.B === 1 ? probe.ctorMs + (probe.sampleMs * n) / probeCount : (probeMs * n) / probeCount);
  const est = estimate(full);
  if (est * 2 <= BUDGET_MS) {
    const runs = Math.max(2, Math.min(WARMUPS + REPS, Math.floor(BUDGET_MS / est)));
    const warmups = Math.min(WARMUPS, Math.floor((runs - 1) / 2)); // the probe warmed up too
    const r = await timeReps(() => impl.run(p), runs - warmups, warmups);
    return { ...r, count: full, extrapolated: false, estimate_ms: +est.toFixed(1) };
  }
  if (est <= BUDGET_MS) {
    const r = await timeReps(() => impl.run(p), 1, 0);
    return { ...r, count: full, extrapolated: false, estimate_ms: +est.toFixed(1), note: 'one rep (the probe served as warm-up)' };
  }
  // Too slow: time a count that takes about a third of the budget (or keep the probe if it already
  // took half of it), then scale the per-draw (per-covariance) part linearly.
  let n = full;
  while (n > probeCount && estimate(n) > BUDGET_MS / 3) n = Math.ceil(n / 2);
  let r = { ...probe, ms: probeMs };
  const again = n > probeCount && probeMs < BUDGET_MS / 2;
  if (again) r = await impl.run(p, { count: n });
  const ms = p.B === 1 ? r.ctorMs + (r.sampleMs * full) / r.count : (r.ms * full) / r.count;
  return {
    ms, measured_ms: +r.ms.toFixed(3), reps: 1, warmups: again ? 1 : 0, count: r.count, full_count: full,
    extrapolated: true, estimate_ms: +est.toFixed(1),
    ...(p.B === 1 ? { constructor_ms: +r.ctorMs.toFixed(3) } : {}),
    note: `extrapolated linearly from ${r.count} of ${full} ${p.B === 1 ? 'draws (the constructor, timed once, is counted as is)' : 'covariances'}`,
  };
}

// jax-js from node_modules (the page is served from the repository root).
const loadJax = () => import('/node_modules/@jax-js/jax/dist/index.js');

const IMPLS = {
  'mvn-gpu webgpu': () => oursImpl('webgpu', false),
  'mvn-gpu webgpu (toBuffer)': () => oursImpl('webgpu', true),
  'mvn-gpu cpu (wasm)': () => oursImpl('cpu', false),
  'jax-js webgpu': () => jaxImpl(loadJax, 'webgpu', true),
  'jax-js wasm': () => jaxImpl(loadJax, 'wasm', true),
  'tfjs webgpu': () => tfjsImpl('webgpu'),
  'tfjs wasm': () => tfjsImpl('wasm'),
  'multivariate-normal': () => mvnJsImpl(),
};

async function main() {
  const only = params.get('impls')?.split(',');
  const onlyW = params.get('workloads')?.split(',');
  const out = {
    mode: SMOKE ? 'smoke' : 'full', reps: REPS, warmups: WARMUPS, budget_s: BUDGET_MS / 1000,
    userAgent: navigator.userAgent, hardwareConcurrency: navigator.hardwareConcurrency, crossOriginIsolated: globalThis.crossOriginIsolated,
    workloads: {}, impls: {}, errors: {},
  };
  try {
    const adapter = await navigator.gpu?.requestAdapter();
    out.adapter = adapter ? { ...Object.fromEntries(['vendor', 'architecture', 'device', 'description'].map((k) => [k, adapter.info?.[k]])) } : null;
  } catch (e) {
    out.adapter = { error: errText(e) };
  }
  const cpu = await Sampler.create({ backend: 'cpu' });
  const inputs = {};
  let seed = 1;
  for (const [name, w] of Object.entries(WORKLOADS)) {
    if (onlyW && !onlyW.includes(name)) continue;
    const [d, S, B] = w;
    out.workloads[name] = { d, draws: S, covariances: B, sample_shape: B > 1 ? [S, B] : [S] };
    inputs[name] = await makeInputs(cpu, name, w, (seed += 10));
  }
  const sanityInputs = {};
  for (const [name, w] of Object.entries(SANITY)) sanityInputs[name] = await makeInputs(cpu, name, w, (seed += 10));
  cpu.free();

  // Set up every implementation and check its output statistics.
  const live = [];
  for (const [implName, make] of Object.entries(IMPLS)) {
    if (only && !only.includes(implName)) continue;
    const impl = make();
    const rec = { sync: impl.sync, results: {}, errors: {}, sanity: {} };
    out.impls[implName] = rec;
    try {
      rec.info = await impl.setup();
    } catch (e) {
      rec.error = `setup: ${errText(e)}`;
      out.errors[implName] = rec.error;
      log(implName, 'unavailable:', rec.error);
      continue;
    }
    for (const [name, inp] of Object.entries(sanityInputs)) {
      try {
        await impl.activate?.();
        const r = await impl.run(impl.prepare(inp), { readback: true });
        rec.sanity[name] = check(r.data, r.layout, inp);
      } catch (e) {
        rec.sanity[name] = { ok: false, error: errText(e) };
      }
    }
    rec.sanity_ok = Object.values(rec.sanity).every((s) => s.ok);
    log(implName, 'sanity', rec.sanity_ok ? 'ok' : 'FAILED', JSON.stringify(rec.sanity));
    live.push({ name: implName, impl, rec });
  }

  // Workload by workload; within one, the implementations take turns rep by rep (after their
  // warm-ups), so that a change in the machine's load falls on all of them alike. The budgeted
  // multivariate-normal runs after the others.
  const settle = () => new Promise((r) => setTimeout(r, 0));
  for (const [name, inp] of Object.entries(inputs)) {
    const turns = [];
    for (const l of live) {
      if (l.name === 'multivariate-normal') continue;
      try {
        turns.push({ ...l, p: l.impl.prepare(inp), times: [] });
      } catch (e) {
        l.rec.errors[name] = errText(e);
      }
    }
    for (let i = 0; i < WARMUPS + REPS; i++) {
      for (const t of turns) {
        if (t.rec.errors[name]) continue;
        try {
          await t.impl.activate?.();
          await settle();
          const t0 = now();
          await t.impl.run(t.p);
          if (i >= WARMUPS) t.times.push(now() - t0);
        } catch (e) {
          t.rec.errors[name] = errText(e);
          log(t.name, name, 'error:', t.rec.errors[name]);
        }
      }
    }
    for (const t of turns) {
      if (t.rec.errors[name]) continue;
      t.rec.results[name] = { ms: median(t.times), times_ms: t.times.map((x) => +x.toFixed(3)), reps: REPS, warmups: WARMUPS };
      log(t.name, name, `${median(t.times).toFixed(2)} ms`);
    }
    const m = live.find((l) => l.name === 'multivariate-normal');
    if (m) {
      try {
        const r = await timeBudgeted(m.impl, m.impl.prepare(inp));
        m.rec.results[name] = r;
        log(m.name, name, r.ms == null ? `> ${r.lower_bound_ms} ms (${r.note})` : `${r.ms.toFixed(2)} ms`, r.extrapolated ? `(${r.note})` : '');
      } catch (e) {
        m.rec.errors[name] = errText(e);
        log(m.name, name, 'error:', m.rec.errors[name]);
      }
    }
  }
  for (const l of live) {
    try {
      l.impl.teardown();
    } catch { /* ignore */ }
  }
  return out;
}

window.__bench = { WORKLOADS, SANITY, IMPLS: Object.keys(IMPLS) };
try {
  window.__result = await main();
} catch (e) {
  window.__result = { error: errText(e) };
}
