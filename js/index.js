// mvn-gpu: MLX's random.multivariate_normal (and key, split, normal, uniform, bits) for
// JavaScript, on WebGPU with a CPU (wasm) fallback. Same key, same numbers as MLX.
//
// This file loads the wasm (lazily: on the first `Sampler.create()` or `init()`) and wraps its
// objects: every argument goes to Rust as given (src/wasm/convert.rs reads and checks it), and
// every error is an MvnError built there (or, for the wrapper's own checks, here).
import wasmInit, * as wasmApi from '../pkg/mvn_gpu.js';

const { WasmSampler, setErrorClass } = wasmApi;
const isNode = typeof process !== 'undefined' && !!(process.versions && process.versions.node);

/** The error every failed call throws: `name === 'MvnError'`, a stable `code`, MLX's message. */
export class MvnError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'MvnError';
    this.code = code;
  }
}

/** An error of the wrapper itself, in Rust's format (`[op] message`). */
const mvnError = (code, op, message) => new MvnError(code, `[${op}] ${message}`);

/**
 * Every `MvnError` code (src/error.rs's `ErrorKind::ALL`, which tests/node/cpu.test.mjs checks
 * this against; a constant, so that it needs no wasm).
 */
export const errorCodes = Object.freeze([
  'INVALID_SHAPE', 'BROADCAST_ERROR', 'NON_FINITE', 'NOT_SYMMETRIC', 'NOT_POSITIVE_SEMIDEFINITE', 'INVALID_KEY',
  'INVALID_DTYPE', 'INVALID_ARGUMENT', 'TOO_LARGE', 'NOT_CONVERGED', 'NO_ADAPTER', 'DEVICE_ERROR', 'DEVICE_LOST',
  'DESTROYED', 'NOT_LOADED',
]);

// Loading. The .wasm beside the glue, found the way bundlers understand (`new URL(..., import.meta.url)`);
// `init({ wasm })` overrides it for setups that do not emit it.
// Vite's dev server pre-bundles this module into node_modules/.vite/deps/, where that relative
// URL misses; the package itself is still served at node_modules/mvn-gpu/ (no URL literal here, so
// that no bundler tries to emit it).
const VITE_DEPS = /\/node_modules\/\.vite\/deps\/[^/]*$/;
const defaultWasmUrl = () => {
  const here = import.meta.url.split('?')[0];
  return VITE_DEPS.test(here) ? new URL(here.replace(VITE_DEPS, '/node_modules/mvn-gpu/pkg/mvn_gpu_bg.wasm')) : new URL('../pkg/mvn_gpu_bg.wasm', import.meta.url);
};
let wasm = null; // the instance's exports once loaded
let loading = null; // the load in progress

/**
 * In Node, the default .wasm's bytes, read with `fs` (found without an import, so bundlers leave
 * the page's code alone; `getBuiltinModule`: Node 20.16+); `undefined` elsewhere.
 */
function nodeWasmBytes() {
  const fs = isNode ? globalThis.process.getBuiltinModule?.('node:fs') : undefined;
  const url = defaultWasmUrl();
  return fs && url.protocol === 'file:' ? fs.readFileSync(url) : undefined;
}

function loaded(exports) {
  wasm = exports;
  setErrorClass(MvnError);
  return wasm;
}

/**
 * Loads the WebAssembly (once; later calls return the same promise). `Sampler.create()` calls
 * it; call it yourself to load early, or to say where the `.wasm` is: `wasm` may be its URL
 * (or a string), a `Response` (or a promise of one), its bytes, or a compiled `WebAssembly.Module`.
 */
export function init(options = {}) {
  if (wasm) return Promise.resolve();
  if (loading) return loading;
  const given = options?.wasm;
  loading = (async () => {
    const where = given === undefined ? defaultWasmUrl() : given;
    try {
      const source = given ?? nodeWasmBytes() ?? where;
      loaded(await wasmInit({ module_or_path: source }));
    } catch (e) {
      loading = null; // a later init({ wasm }) may succeed
      const at = where instanceof URL || typeof where === 'string' ? String(where) : Object.prototype.toString.call(where);
      throw mvnError('NOT_LOADED', 'init', `could not load the WebAssembly from ${at}: ${e?.message ?? e}. If your bundler does not emit mvn-gpu's .wasm, copy it (mvn-gpu/wasm) to your assets and pass its URL: await init({ wasm: url }).`);
    }
  })();
  return loading;
}

/** The wasm for a synchronous call: in Node it is loaded on the spot; elsewhere `init()` must have run. */
function ready(op) {
  if (wasm) return wasm;
  const bytes = loading ? undefined : nodeWasmBytes();
  if (bytes) return loaded(wasmApi.initSync({ module: bytes }));
  throw mvnError('NOT_LOADED', op, 'the WebAssembly is not loaded yet: await init() (or await Sampler.create()) first.');
}

/** Bytes of the package's WebAssembly memory now (it only grows): for watching memory use. */
export function wasmMemoryBytes() {
  return ready('wasmMemoryBytes').memory.buffer.byteLength;
}

// MLX's key(seed), split(key, num = 2), seed(s) and state(), from Rust (js/index.d.ts documents them).
export const key = (s) => (ready('key'), wasmApi.key(s));
export const split = (k, num) => (ready('split'), wasmApi.split(k, num));
export const seed = (s) => (ready('seed'), wasmApi.seed(s));
export const state = () => (ready('state'), wasmApi.state());

// The stage timer: Rust records its stages; this wrapper adds its own (the readback).
let jsStages = null;
const now = () => performance.now();
const stage = (name, since) => {
  const t = now();
  jsStages?.push({ stage: name, ms: t - since });
  return t;
};

/** Turns the stage timer on or off (off clears what was recorded). */
export function setProfiling(on) {
  ready('setProfiling');
  wasmApi.setProfiling(!!on);
  jsStages = on ? [] : null;
}

/** The stages recorded since the last call, in order: `[{ stage, ms }, ...]`. */
export function takeProfile() {
  ready('takeProfile');
  const all = [...wasmApi.takeProfile(), ...(jsStages ?? [])];
  if (jsStages) jsStages = [];
  return all;
}

// Explicit resource management (`using`): the symbols where the runtime has them, else the
// registered ones that TypeScript's and Babel's helpers look up.
const disposeSymbol = Symbol.dispose ?? Symbol.for('Symbol.dispose');
const asyncDisposeSymbol = Symbol.asyncDispose ?? Symbol.for('Symbol.asyncDispose');

/**
 * Samplers that were dropped without destroy(): their share of the wasm sampler is released once
 * they are collected, as destroy() would (a forgotten distribution's wasm memory is released by
 * the wasm glue's own registry). The held value is the lease, never the wrapper.
 */
const forgottenSamplers = new FinalizationRegistry((lease) => lease.release());

/** A sampler's hold on its wasm object; `release` destroys its own device and frees it, once. */
function lease(inner, onLast = () => {}) {
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      if (onLast()) return; // others still share the wasm sampler
      try {
        inner.destroy();
        inner.free();
      } catch {}
    },
  };
}

/**
 * WebGPU samplers share one device per page: `Sampler.create()` calls that ask for the same
 * backend, powerPreference and gpu entry point get the same wasm sampler (one device open costs
 * 200-370 ms and tens of MB), counted; the last share released destroys it. `shared: false`, or
 * an application's `device`, gives a sampler of its own; CPU samplers are never pooled.
 */
const pool = new Map(); // key -> { opening: Promise<{ inner, reason, gpu }>, refs }
const gpuIds = new WeakMap();
let nextGpuId = 1;

function poolKey(options) {
  if (options === undefined || options === null) return 'auto||';
  if (typeof options !== 'object' || options.shared === false || options.device !== undefined || options.backend === 'cpu') return undefined;
  const { gpu } = options;
  if (gpu !== undefined && !isObject(gpu)) return undefined; // Rust reports it
  if (gpu !== undefined && !gpuIds.has(gpu)) gpuIds.set(gpu, nextGpuId++);
  return `${options.backend ?? 'auto'}|${options.powerPreference ?? ''}|${gpu === undefined ? '' : gpuIds.get(gpu)}`;
}

/** `options` for Rust: without `shared`, which only this wrapper reads (checked here). */
function withoutShared(options) {
  if (!isObject(options) || !('shared' in options)) return options;
  const { shared, ...rest } = options;
  if (shared !== undefined && typeof shared !== 'boolean') {
    throw mvnError('INVALID_ARGUMENT', 'Sampler.create', `shared must be true or false, got ${typeof shared === 'string' ? `'${shared}'` : typeof shared}.`);
  }
  return rest;
}

/** Opens a wasm sampler: `{ inner, reason, gpu }` (`gpu`: what `globalsFor` needs for its calls). */
async function open(options) {
  // In Node, WebGPU comes from a package (e.g. `webgpu`): already on navigator.gpu, or as `gpu`,
  // which Rust reads and checks with the other options (once) and hands to `install`.
  const bare = isNode && !globalThis.navigator?.gpu && options?.gpu === undefined && options?.device === undefined;
  let given;
  let holds = 0;
  const install = (gpu) => {
    given = guardGpu(gpu);
    holdGlobals(given);
    holds++;
  };
  if (isNode) {
    holdGlobals(undefined);
    holds++;
  }
  try {
    const inner = await WasmSampler.create(options, install);
    const reason = isNode && inner.fallbackReason !== undefined ? nodeWebGpuReason(inner.fallbackReason, bare) : undefined;
    return { inner, reason, gpu: isNode && inner.backend === 'webgpu' ? { gpu: given } : null };
  } catch (e) {
    if (isNode && e?.code === 'NO_ADAPTER') throw new MvnError(e.code, nodeWebGpuReason(e.message, bare));
    throw e;
  } finally {
    while (holds-- > 0) releaseGlobals();
  }
}

/** Samplers that were destroyed or freed: their distributions refuse to sample. */
const deadSamplers = new WeakSet();

/**
 * Draws MLX-compatible samples on WebGPU or on the CPU (wasm). Create with `await Sampler.create()`.
 */
export class Sampler {
  #inner;
  #destroyed = false;

  #lease;
  #reason;
  #globals;

  constructor(opened, hold) {
    if (!(opened?.inner instanceof WasmSampler) || hold === undefined) throw mvnError('INVALID_ARGUMENT', 'Sampler', 'use `await Sampler.create()`.');
    this.#inner = opened.inner;
    this.#reason = opened.reason;
    this.#globals = opened.gpu;
    this.#lease = hold;
    forgottenSamplers.register(this, hold, this);
    globalsOf.set(this, opened.gpu);
  }

  /** `using sampler = await Sampler.create()`: destroyed at the end of the scope. */
  [disposeSymbol]() {
    this.destroy();
  }

  /** `await using sampler = ...`: as `[Symbol.dispose]`. */
  async [asyncDisposeSymbol]() {
    this.destroy();
  }

  /**
   * `await Sampler.create({ backend: 'auto' | 'webgpu' | 'cpu', powerPreference, gpu, device })`.
   * `device`: the application's own `GPUDevice` (a renderer's), to sample on it; the sampler
   * never destroys or replaces it.
   */
  static async create(options) {
    await init();
    const rest = withoutShared(options);
    const key = poolKey(options);
    if (key === undefined) {
      const opened = await open(rest);
      return new Sampler(opened, lease(opened.inner));
    }
    for (;;) {
      const entry = pool.get(key) ?? { opening: open(rest), refs: 0 };
      if (!pool.has(key)) {
        pool.set(key, entry);
        entry.opening.catch(() => pool.get(key) === entry && pool.delete(key));
      }
      const opened = await entry.opening;
      // Its last share may have been released while this call waited: then open a new one.
      if (pool.get(key) !== entry) continue;
      entry.refs++;
      return new Sampler(opened, lease(opened.inner, () => {
        if (--entry.refs > 0) return true;
        if (pool.get(key) === entry) pool.delete(key);
        return false;
      }));
    }
  }

  #live(op) {
    if (this.#destroyed) throw mvnError('DESTROYED', op, 'the sampler was destroyed.');
    return this.#inner;
  }

  /** `call(inner)`'s result, or DESTROYED when the sampler is destroyed while it runs (`callers`: the result's buffer is the caller's, never destroyed). */
  async #run(op, call, callers = false) {
    const inner = this.#live(op);
    return settleLive(op, withGlobals(this.#globals, () => call(inner)), () => this.#destroyed, callers);
  }

  /** `'webgpu'` or `'cpu'`. */
  get backend() { return this.#live('backend').backend; }
  /** The adapter's `{ name, vendor, device, driver, driverInfo, backend }`, or `null` on the CPU. */
  get adapterInfo() { return this.#live('adapterInfo').adapterInfo; }
  /** Why `'auto'` fell back to the CPU, or `undefined`. */
  get fallbackReason() { return this.#reason ?? this.#live('fallbackReason').fallbackReason; }
  /** The `GPUDevice` the samples live on (WebGPU backend), or `null`: the application's when given, or the sampler's own (a new one after a lost device was replaced). */
  get device() { return this.#live('device').device; }
  /** Why the GPU device was lost, until the next call replaces it; otherwise `undefined`. */
  get deviceLost() { return this.#live('deviceLost').deviceLost; }
  /** How many lost GPU devices the sampler replaced with new ones. */
  get deviceReplacements() { return this.#live('deviceReplacements').deviceReplacements; }

  /** Validates and factors once; sample many times with `.sample(shape, { key })`. */
  distribution(mean, cov, options) {
    return new Distribution(this.#live('multivariate_normal').distribution(mean, cov, options), this);
  }

  /** MLX's `multivariate_normal`: resolves to `{ data: Float32Array, shape: number[] }`. */
  async multivariateNormal(mean, cov, options) {
    return this.#run('multivariate_normal', (s) => s.multivariateNormal(mean, cov, options, false, undefined).then((r) => readBack('multivariate_normal', r)));
  }

  /** Samples kept on the GPU: resolves to `{ buffer: GPUBuffer, device: GPUDevice, shape }`. */
  async multivariateNormalToBuffer(mean, cov, options) {
    return this.#run('multivariate_normal', (s) => s.multivariateNormal(mean, cov, options, true, undefined));
  }

  /** Samples written into the caller's `GPUBuffer` (STORAGE usage, on `sampler.device`), with no allocation: resolves to `{ buffer, device, shape }`. */
  async multivariateNormalInto(buffer, mean, cov, options) {
    if (buffer === undefined) throw mvnError('INVALID_ARGUMENT', 'sample_into', 'buffer must be a GPUBuffer (from device.createBuffer()), got undefined.');
    return this.#run('sample_into', (s) => s.multivariateNormal(mean, cov, options, true, buffer), true);
  }

  /** MLX's `normal(shape, loc, scale, key)`. */
  async normal(shape, options) {
    return this.#run('normal', (s) => s.words('normal', shape, options));
  }

  /** MLX's `uniform(low, high, shape, key)`; bounds are numbers or arrays that broadcast to `shape`. */
  async uniform(shape, options) {
    return this.#run('uniform', (s) => s.words('uniform', shape, options));
  }

  /** MLX's `bits(shape, key)`: resolves to `{ data: Uint32Array, shape }`. */
  async bits(shape, options) {
    return this.#run('bits', (s) => s.words('bits', shape, options));
  }

  /** As `destroy()`: a freed sampler holds neither wasm memory nor a device of its own. */
  free() {
    this.destroy();
  }

  /**
   * Releases the sampler; later calls throw `DESTROYED`. Its GPU device (never an application's
   * `device`) is destroyed with the last sampler that shares it, and the wasm memory is freed.
   */
  destroy() {
    if (!this.#destroyed) {
      this.#destroyed = true;
      deadSamplers.add(this);
      forgottenSamplers.unregister(this);
      this.#lease.release();
    }
  }
}

/** A validated, factored distribution: sample it many times with different keys and shapes. */
export class Distribution {
  #inner;
  #sampler;
  #freed = false;

  constructor(inner, sampler) {
    this.#inner = inner;
    this.#sampler = sampler;
  }

  #live(op, sampling = false) {
    if (this.#freed) throw mvnError('DESTROYED', op, 'the distribution was freed.');
    if (sampling && deadSamplers.has(this.#sampler)) throw mvnError('DESTROYED', op, 'the sampler of this distribution was destroyed.');
    return this.#inner;
  }

  /** Samples of shape `broadcast(shape, batchShape) + [n]`: `{ data: Float32Array, shape }`; `options`: `{ key, out }` (`data` is `out` when given). */
  async sample(shape, options) {
    const dead = () => deadSamplers.has(this.#sampler);
    const inner = this.#live('multivariate_normal', true);
    const p = withGlobals(globalsOf.get(this.#sampler), () => inner.sample(shape, options)).then((r) => readBack('multivariate_normal', r));
    return settleLive('multivariate_normal', p, dead);
  }

  /** Samples kept on the GPU: `{ buffer: GPUBuffer, device: GPUDevice, shape }` (WebGPU backend only). */
  async sampleToBuffer(shape, options) {
    const dead = () => deadSamplers.has(this.#sampler);
    const inner = this.#live('sample_to_buffer', true);
    return settleLive('sample_to_buffer', withGlobals(globalsOf.get(this.#sampler), () => inner.sampleToBuffer(shape, options)), dead);
  }

  /** Samples written into the caller's `GPUBuffer` (STORAGE usage, at least 4 bytes per value, on `sampler.device`) from offset 0, with no allocation: `{ buffer, device, shape }`. */
  async sampleInto(buffer, shape, options) {
    const dead = () => deadSamplers.has(this.#sampler);
    const inner = this.#live('sample_into', true);
    return settleLive('sample_into', withGlobals(globalsOf.get(this.#sampler), () => inner.sampleInto(buffer, shape, options)), dead, true);
  }

  /** Per distinct covariance: `{ batchIndex, method, methodUsed, rank, minEigenvalue, maxEigenvalue, clipped }`. */
  get report() { return this.#live('report').report; }
  /** The factors `R` with `x = mean + z R`, one per distinct covariance: `{ data: Float32Array, shape: [k, n, n] }`. */
  get factors() { return this.#live('factors').factors; }
  /** Warnings recorded while factoring (`onInvalid: 'warn'`). */
  get warnings() { return this.#live('warnings').warnings; }
  /** The dimension `n`. */
  get dim() { return this.#live('dim').dim; }
  /** The broadcast batch shape of mean and cov. */
  get batchShape() { return this.#live('batchShape').batchShape; }

  /** Log-densities at float32 points `x (..., n)`, broadcast against the batch, in float64: `{ data: Float64Array, shape }`; `options`: `{ allowSingular, xShape }`. */
  logProb(x, options) { return this.#live('log_prob').logProb(x, options); }

  /** Log-densities in float32 on the sampler's backend (the WGSL kernel on WebGPU): `x` on the host or a `GPUBuffer` (with `options.xShape`); `{ data: Float32Array, shape }`; `options`: `{ allowSingular, xShape, out }`. */
  async logProbAsync(x, options) {
    const dead = () => deadSamplers.has(this.#sampler);
    const inner = this.#live('log_prob', true);
    const p = withGlobals(globalsOf.get(this.#sampler), () => inner.logProbAsync(x, options, undefined)).then((r) => readBack('log_prob', r));
    return settleLive('log_prob', p, dead);
  }

  /** Log-densities written into the caller's `GPUBuffer` (STORAGE usage, 4 bytes per value) from offset 0: `{ buffer, device, shape }`; `x` as in {@link logProbAsync}. */
  async logProbInto(buffer, x, options) {
    const dead = () => deadSamplers.has(this.#sampler);
    const inner = this.#live('log_prob_into', true);
    if (buffer === undefined) throw mvnError('INVALID_ARGUMENT', 'log_prob_into', 'buffer must be a GPUBuffer (from device.createBuffer()), got undefined.');
    return settleLive('log_prob_into', withGlobals(globalsOf.get(this.#sampler), () => inner.logProbAsync(x, options, buffer)), dead, true);
  }

  /** The same distribution with its covariance formed (a low-rank one as a float32 `scaleTril`); a dense one as it is, in a new object. */
  toDense() { return new Distribution(this.#live('toDense').toDense(), this.#sampler); }
  /** The rank of `covFactor` for a low-rank distribution, else `null`. */
  get rank() { return this.#live('rank').rank ?? null; }
  /** The conditional distribution of the other coordinates given `x[indices] = values`, ready to sample; `options`: `{ valuesShape }`. */
  condition(indices, values, options) { return new Distribution(this.#live('condition').condition(indices, values, options), this.#sampler); }
  /** The means, covariances (`Rᵀ R`), lower Cholesky factors and entropies, in float64: `{ data: Float64Array, shape }`. */
  get mean() { return this.#live('mean').moments('mean'); }
  get covariance() { return this.#live('covariance').moments('covariance'); }
  get scaleTril() { return this.#live('scaleTril').moments('scaleTril'); }
  get entropy() { return this.#live('entropy').moments('entropy'); }

  /** Releases the factors' wasm memory. */
  free() {
    if (!this.#freed) {
      this.#freed = true;
      this.#inner.free();
    }
  }

  /** `using d = sampler.distribution(...)`: freed at the end of the scope. */
  [disposeSymbol]() {
    this.free();
  }
}

// GPUBufferUsage.MAP_READ | COPY_DST and GPUMapMode.READ (not every host defines the globals).
const STAGING_USAGE = 0x0001 | 0x0008;
const MAP_READ = 0x0001;

/**
 * Each device's staging buffer for readbacks, kept for the next call: creating a host-visible
 * buffer costs about as much as reading it (60 ms for 200 MB on an H200 through Dawn). One call
 * at a time uses it; a call that finds it busy makes one of its own.
 */
const stagings = new WeakMap();

/**
 * `{ data, shape }` from a result Rust left on the GPU for reading back (`readback: true`): the
 * samples are copied to a staging buffer, mapped, and copied once into the Float32Array (the
 * caller's `out`, or a new one), with no round trip through the wasm heap. The sample buffer is
 * destroyed.
 */
async function readBack(op, r) {
  if (!r?.readback) return r;
  const { buffer, device, shape, out } = r;
  const size = shape.reduce((a, b) => a * b, 1) * 4;
  let t = now();
  let pooled = stagings.get(device);
  let own = null;
  try {
    if (!pooled || pooled.busy || pooled.size < size) {
      if (pooled && !pooled.busy) pooled.buffer.destroy();
      const staging = device.createBuffer({ size, usage: STAGING_USAGE });
      if (pooled?.busy) own = staging;
      else stagings.set(device, (pooled = { buffer: staging, size, busy: false }));
    }
    const staging = own ?? pooled.buffer;
    if (!own) pooled.busy = true;
    const enc = device.createCommandEncoder();
    enc.copyBufferToBuffer(buffer, 0, staging, 0, size);
    device.queue.submit([enc.finish()]);
    buffer.destroy();
    t = stage('readback: copy to staging', t);
    await staging.mapAsync(MAP_READ, 0, size);
    t = stage('readback: GPU wait + map', t);
    const mapped = new Float32Array(staging.getMappedRange(0, size));
    const data = out ?? new Float32Array(mapped.length);
    data.set(mapped);
    staging.unmap();
    stage('readback: copy to Float32Array', t);
    return { data, shape };
  } catch (e) {
    buffer.destroy();
    if (!own && pooled) {
      stagings.delete(device);
      pooled.buffer.destroy();
    }
    throw mvnError('DEVICE_ERROR', op, `readback: buffer map failed: ${e?.message ?? e}`);
  } finally {
    own?.destroy();
    if (!own && pooled) pooled.busy = false;
  }
}

/**
 * The result of a call in flight, unless its sampler was destroyed meanwhile: then DESTROYED
 * (a GPU buffer it made, on the destroyed device, is destroyed too, unless it is the caller's:
 * `callers`), whatever the call gave.
 */
async function settleLive(op, promise, destroyed, callers = false) {
  let result;
  let error;
  try {
    result = await promise;
  } catch (e) {
    error = e;
  }
  if (destroyed()) {
    if (!callers) result?.buffer?.destroy?.();
    throw mvnError('DESTROYED', op, 'the sampler was destroyed while the call was in flight.');
  }
  if (error !== undefined) throw error;
  return result;
}

/** How to get WebGPU in Node, added to Node's NO_ADAPTER errors and fallback reasons. */
const NODE_WEBGPU_HINT =
  " In Node, WebGPU comes from the npm package 'webgpu' (Dawn): `import { create } from 'webgpu'` and " +
  'Sampler.create({ gpu: create([]) }). Where Dawn finds no GPU driver (a server, CI), point Vulkan at a ' +
  'software one: VK_ICD_FILENAMES=/usr/share/vulkan/icd.d/lvp_icd.x86_64.json (Mesa lavapipe) or ' +
  "Chromium's vk_swiftshader_icd.json.";

/** Node's reason for no WebGPU (`bare`: neither navigator.gpu nor a gpu option), with the way to get it. */
function nodeWebGpuReason(message, bare) {
  const why = bare ? '[Sampler.create] this Node has no WebGPU: navigator.gpu is undefined and no gpu option was given.' : message;
  return why + NODE_WEBGPU_HINT;
}

// In Node, wgpu's WebGPU backend finds the GPU as navigator.gpu in a window (a `Window` global).
// Both are defined only while a call may open a device (Sampler.create, or a call that replaces a
// lost one) and removed when the last such call settles: the package leaves no globals behind.
// An application's own navigator.gpu or Window is never touched. (Two samplers with different
// `gpu` entry points that open devices at the same moment both see the first one's.)
let holders = 0;
let undo = [];

function holdGlobals(gpu) {
  const g = globalThis;
  holders++;
  if (gpu !== undefined && g.navigator === undefined) {
    Object.defineProperty(g, 'navigator', { value: { gpu }, configurable: true, writable: true });
    undo.push(() => delete g.navigator);
  } else if (gpu !== undefined && g.navigator.gpu === undefined) {
    Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
    undo.push(() => delete g.navigator.gpu);
  }
  if (g.Window === undefined && g.WorkerGlobalScope === undefined) {
    Object.defineProperty(g, 'Window', { value: class Window {}, configurable: true, writable: true });
    undo.push(() => delete g.Window);
  }
}

function releaseGlobals() {
  if (--holders > 0) return;
  for (const f of undo.reverse()) f();
  undo = [];
}

/** What a sampler's calls hold while they run (`null`: nothing, off Node or on the CPU). */
const globalsOf = new WeakMap();

/** `f()`'s promise, with the globals of `held` (see holdGlobals) defined until it settles. */
async function withGlobals(held, f) {
  if (!held) return f();
  holdGlobals(held.gpu);
  try {
    return await f();
  } finally {
    releaseGlobals();
  }
}

// wgpu calls requestAdapter() and requestDevice() without catching, and uses what they resolve
// to as an adapter and a device: a given entry point that throws, or resolves to something
// else, would throw through the wasm and never settle. The guards turn both into rejections,
// which Sampler.create reports as NO_ADAPTER ('auto' falls back to the CPU with the reason).
const settle = (f) => {
  try {
    return Promise.resolve(f());
  } catch (e) {
    return Promise.reject(e);
  }
};
const isObject = (v) => (typeof v === 'object' || typeof v === 'function') && v !== null;

/** Guarded entry points by the one given (one guard each, so pooling sees the same object). */
const guards = new WeakMap();

function guardGpu(gpu) {
  if (guards.has(gpu)) return guards.get(gpu);
  const guard = guarded(gpu, 'requestAdapter', (a) => {
    if (a === null || a === undefined) return null;
    if (!isObject(a) || typeof a.requestDevice !== 'function' || !isObject(a.features) || !isObject(a.limits)) {
      throw new TypeError(`requestAdapter() resolved to ${isObject(a) ? 'an object' : typeof a} that is not a GPUAdapter`);
    }
    return guarded(a, 'requestDevice', (d) => {
      if (!isObject(d) || typeof d.createBuffer !== 'function' || !isObject(d.queue)) {
        throw new TypeError(`requestDevice() resolved to ${isObject(d) ? 'an object' : typeof d} that is not a GPUDevice`);
      }
      return d;
    });
  });
  guards.set(gpu, guard);
  return guard;
}

/** `target` with its method `name` settled into a promise and its result checked by `check`. */
function guarded(target, name, check) {
  return new Proxy(target, {
    get(t, prop) {
      const v = Reflect.get(t, prop);
      if (typeof v !== 'function') return v;
      if (prop !== name) return v.bind(t);
      return (...args) => settle(() => v.apply(t, args)).then(check);
    },
  });
}
