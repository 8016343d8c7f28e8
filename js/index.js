// mvn-gpu: MLX's random.multivariate_normal (and key, split, normal, uniform, bits) for
// JavaScript, on WebGPU with a CPU (wasm) fallback. Same key, same numbers as MLX.
import init, { WasmSampler, keyFromParts, splitKey, seedFromParts, keyState } from '../pkg/mvn_gpu.js';

const wasmUrl = new URL('../pkg/mvn_gpu_bg.wasm', import.meta.url);
const isNode = typeof process !== 'undefined' && !!(process.versions && process.versions.node);
let wasm;
if (isNode && wasmUrl.protocol === 'file:') {
  const fsModule = 'node:fs/promises'; // a variable, so bundlers leave this Node-only import alone
  const { readFile } = await import(/* @vite-ignore */ fsModule);
  wasm = await init({ module_or_path: await readFile(wasmUrl) });
} else {
  wasm = await init({ module_or_path: wasmUrl });
}

/** Bytes of the package's WebAssembly memory now (it only grows): for watching memory use. */
export function wasmMemoryBytes() {
  return wasm.memory.buffer.byteLength;
}

/** The error every failed call throws: `name === 'MvnError'`, a stable `code`, MLX's message. */
export class MvnError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'MvnError';
    this.code = code;
  }
}

const TWO_32 = 2 ** 32;
/** The most elements one request may produce (MLX's 32-bit counter): 2^32 - 1. */
const MAX_ELEMENTS = TWO_32 - 1;
/** Samplers that were destroyed or freed: their distributions refuse to sample. */
const deadSamplers = new WeakSet();

function fail(code, op, message) {
  throw new MvnError(code, `[${op}] ${message}`);
}

/** Splits a seed (number or BigInt in [0, 2^64)) into its high and low 32-bit words. */
function seedParts(op, seed) {
  if (typeof seed === 'bigint') {
    if (seed < 0n || seed >= 1n << 64n) fail('INVALID_ARGUMENT', op, `seed must be an integer in [0, 2^64), got ${seed}.`);
    return [Number(seed >> 32n), Number(seed & 0xffffffffn)];
  }
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0) {
    fail('INVALID_ARGUMENT', op, `seed must be an integer in [0, 2^64), got ${String(seed)}.`);
  }
  if (!Number.isSafeInteger(seed)) {
    fail('INVALID_ARGUMENT', op, `seed ${seed} is beyond 2^53 - 1 and cannot be exact as a number; pass a BigInt.`);
  }
  return [Math.floor(seed / TWO_32), seed % TWO_32];
}

/** MLX's `key(seed)`: `Uint32Array [seed >> 32, seed & 0xffffffff]`. */
export function key(seed) {
  return keyFromParts(...seedParts('key', seed));
}

/** Validates a key: a `Uint32Array` (or array) of two unsigned 32-bit integers. */
function checkKey(k, op) {
  if (k === undefined || k === null) return undefined;
  if (ArrayBuffer.isView(k) && !(k instanceof Uint32Array)) {
    fail('INVALID_KEY', op, `Expected key type uint32 but received ${k.constructor.name}.`);
  }
  if (!(k instanceof Uint32Array) && !Array.isArray(k)) {
    fail('INVALID_KEY', op, `Expected a key (Uint32Array of 2 words) but received ${typeof k}.`);
  }
  if (k.length !== 2) fail('INVALID_KEY', op, `Expected key shape (2) but received (${k.length}).`);
  for (const w of k) {
    if (!Number.isInteger(w) || w < 0 || w >= TWO_32) {
      fail('INVALID_KEY', op, `key words must be integers in [0, 2^32), got ${String(w)}.`);
    }
  }
  return k instanceof Uint32Array ? k : Uint32Array.from(k);
}

/** MLX's `split(key, num = 2)`: an array of `num` new keys. */
export function split(k, num = 2) {
  if (typeof num !== 'number') fail('INVALID_ARGUMENT', 'split', `num must be a number, got ${typeof num}.`);
  const words = splitKey(checkKey(k, 'split') ?? fail('INVALID_KEY', 'split', 'a key is required.'), num);
  const out = [];
  for (let i = 0; i < words.length; i += 2) out.push(words.slice(i, i + 2));
  return out;
}

/** MLX's `seed(s)`: resets the default key sequence used by calls without a key. */
export function seed(s) {
  seedFromParts(...seedParts('seed', s));
}

/** The current key of the default sequence (MLX's `mx.random.state`). */
export function state() {
  return keyState();
}

function checkShape(shape, op) {
  if (shape === undefined || shape === null) return new Float64Array(0);
  if (typeof shape === 'number') shape = [shape];
  if (!Array.isArray(shape) && !ArrayBuffer.isView(shape)) fail('INVALID_SHAPE', op, `shape must be an array of integers, got ${typeof shape}.`);
  for (const d of shape) {
    if (typeof d !== 'number' && typeof d !== 'bigint') fail('INVALID_SHAPE', op, `shape entries must be integers, got ${String(d)}.`);
  }
  return Float64Array.from(shape, Number);
}

/** Nested arrays, `{ data, shape }`, or a flat typed array / array with `shape`, to `[Float32Array, Uint32Array]`. */
function toArray(x, name, op, shape) {
  if (x && typeof x === 'object' && !Array.isArray(x) && !ArrayBuffer.isView(x) && 'data' in x) {
    return toArray(x.data, name, op, x.shape ?? shape);
  }
  if (ArrayBuffer.isView(x) || (shape !== undefined && Array.isArray(x))) {
    if (Array.isArray(x)) {
      const i = x.findIndex((v) => typeof v !== 'number');
      if (i >= 0) fail('INVALID_ARGUMENT', op, `${name}[${i}] is not a number: ${String(x[i])}.`);
    } else if (x instanceof BigInt64Array || x instanceof BigUint64Array) {
      fail('INVALID_ARGUMENT', op, `${name} must hold numbers, not ${x.constructor.name}.`);
    }
    const data = Float32Array.from(x, Number);
    const s = shape ?? [data.length];
    if (!Array.isArray(s) || s.some((d) => !Number.isInteger(d) || d < 0)) {
      fail('INVALID_SHAPE', op, `${name} shape must be an array of non-negative integers.`);
    }
    // Checked here: a Uint32Array would wrap larger entries silently.
    if (s.reduce((a, d) => (d === 0 ? a : a * d), 1) > MAX_ELEMENTS) {
      fail('TOO_LARGE', op, `${name} shape (${s.join(',')}) is beyond the limit of ${MAX_ELEMENTS} elements.`);
    }
    return [data, Uint32Array.from(s)];
  }
  if (typeof x === 'number') return [Float32Array.of(x), new Uint32Array(0)];
  if (!Array.isArray(x)) fail('INVALID_ARGUMENT', op, `${name} must be a number, nested arrays, a typed array or { data, shape }.`);
  const dims = [];
  for (let v = x; Array.isArray(v); v = v[0]) dims.push(v.length);
  const size = dims.reduce((a, b) => a * b, 1);
  const data = new Float32Array(size);
  let at = 0;
  const walk = (v, depth, path) => {
    if (depth === dims.length) {
      if (typeof v !== 'number') fail('INVALID_ARGUMENT', op, `${name}${path} is not a number.`);
      data[at++] = v;
      return;
    }
    if (!Array.isArray(v) || v.length !== dims[depth]) {
      fail('INVALID_SHAPE', op, `${name} is ragged: ${name}${path} should have ${dims[depth]} entries.`);
    }
    v.forEach((e, i) => walk(e, depth + 1, `${path}[${i}]`));
  };
  walk(x, 0, '');
  return [data, Uint32Array.from(dims)];
}

function checkOptions(opts, op, allowed) {
  if (opts === undefined || opts === null) return {};
  if (typeof opts !== 'object') fail('INVALID_ARGUMENT', op, `options must be an object.`);
  for (const k of Object.keys(opts)) {
    if (!allowed.includes(k)) fail('INVALID_ARGUMENT', op, `unknown option '${k}'; expected one of ${allowed.join(', ')}.`);
  }
  return opts;
}

function checkString(v, name, op, dflt) {
  if (v === undefined) return dflt;
  if (typeof v !== 'string') fail('INVALID_ARGUMENT', op, `${name} must be a string.`);
  return v;
}

function bound(v, name) {
  if (v === undefined) v = name === 'low' ? 0 : 1;
  return toArray(v, name, 'uniform');
}

const MVN_OPTIONS = ['shape', 'key', 'method', 'dtype', 'onInvalid', 'scaleTril', 'meanShape', 'covShape'];

/**
 * Draws MLX-compatible samples on WebGPU or on the CPU (wasm). Create with `await Sampler.create()`.
 */
export class Sampler {
  #inner;
  #destroyed = false;

  constructor(inner) {
    if (!(inner instanceof WasmSampler)) fail('INVALID_ARGUMENT', 'Sampler', 'use `await Sampler.create()`.');
    this.#inner = inner;
  }

  /** `await Sampler.create({ backend: 'auto' | 'webgpu' | 'cpu', powerPreference, gpu })`. */
  static async create(options) {
    const o = checkOptions(options, 'Sampler.create', ['backend', 'powerPreference', 'gpu']);
    // In Node, WebGPU comes from a package (e.g. `webgpu`): as `gpu`, or already on navigator.gpu.
    const gpu = o.gpu ?? (isNode && globalThis.navigator ? globalThis.navigator.gpu : undefined);
    if (gpu) installGpu(gpu);
    const backend = checkString(o.backend, 'backend', 'Sampler.create', 'auto');
    const pp = checkString(o.powerPreference, 'powerPreference', 'Sampler.create', '');
    return new Sampler(await WasmSampler.create(backend, pp));
  }

  #live(op) {
    if (this.#destroyed) fail('DESTROYED', op, 'the sampler was destroyed.');
    return this.#inner;
  }

  /** `'webgpu'` or `'cpu'`. */
  get backend() { return this.#live('backend').backend; }
  /** The adapter's `{ name, vendor, device, driver, driverInfo, backend }`, or `null` on the CPU. */
  get adapterInfo() { return this.#live('adapterInfo').adapterInfo; }
  /** Why `'auto'` fell back to the CPU, or `undefined`. */
  get fallbackReason() { return this.#live('fallbackReason').fallbackReason; }
  /** The `GPUDevice` the samples live on (WebGPU backend), or `null`: a new one after a lost device was replaced. */
  get device() { return this.#live('device').device; }
  /** Why the GPU device was lost, until the next call replaces it; otherwise `undefined`. */
  get deviceLost() { return this.#live('deviceLost').deviceLost; }
  /** How many lost GPU devices the sampler replaced with new ones. */
  get deviceReplacements() { return this.#live('deviceReplacements').deviceReplacements; }

  /** Validates and factors once; sample many times with `.sample(shape, key)`. */
  distribution(mean, cov, options) {
    const op = 'multivariate_normal';
    const o = checkOptions(options, op, MVN_OPTIONS);
    const inner = this.#live(op);
    const [m, ms] = toArray(mean, 'mean', op, o.meanShape);
    let covShape = o.covShape;
    if (covShape === undefined && ArrayBuffer.isView(cov) && ms.length > 0) {
      const n = ms[ms.length - 1];
      if (cov.length === n * n) covShape = [n, n];
    }
    const tril = o.scaleTril !== undefined;
    const [c, cs] = toArray(tril ? o.scaleTril : cov, tril ? 'scaleTril' : 'cov', op, covShape);
    const d = inner.distribution(m, ms, c, cs, checkString(o.method, 'method', op, 'cholesky'), checkString(o.dtype, 'dtype', op, 'float32'),
      checkString(o.onInvalid, 'onInvalid', op, 'raise'), tril);
    for (const w of d.warnings) console.warn(w);
    return new Distribution(d, this);
  }

  /** MLX's `multivariate_normal`: resolves to `{ data: Float32Array, shape: number[] }`. */
  async multivariateNormal(mean, cov, options) {
    const d = this.distribution(mean, cov, withoutShapeKey(options));
    try {
      return await d.sample(options?.shape, options?.key);
    } finally {
      d.free();
    }
  }

  /** Samples kept on the GPU: resolves to `{ buffer: GPUBuffer, device: GPUDevice, shape }`. */
  async multivariateNormalToBuffer(mean, cov, options) {
    const d = this.distribution(mean, cov, withoutShapeKey(options));
    try {
      return await d.sampleToBuffer(options?.shape, options?.key);
    } finally {
      d.free();
    }
  }

  /** MLX's `normal(shape, loc, scale, key)`. */
  async normal(shape, options) {
    const o = checkOptions(options, 'normal', ['key', 'loc', 'scale', 'dtype']);
    if (o.dtype !== undefined && o.dtype !== 'float32') fail('INVALID_DTYPE', 'normal', `dtype must be float32, got ${o.dtype}.`);
    const num = (v, name, d) => (v === undefined ? d : typeof v === 'number' ? v : fail('INVALID_ARGUMENT', 'normal', `${name} must be a number.`));
    return this.#live('normal').normal(checkShape(shape, 'normal'), checkKey(o.key, 'normal'), num(o.loc, 'loc', 0), num(o.scale, 'scale', 1));
  }

  /** MLX's `uniform(low, high, shape, key)`; bounds are numbers or arrays that broadcast to `shape`. */
  async uniform(shape, options) {
    const o = checkOptions(options, 'uniform', ['key', 'low', 'high', 'dtype']);
    if (o.dtype !== undefined && o.dtype !== 'float32') fail('INVALID_DTYPE', 'uniform', `dtype must be float32, got ${o.dtype}.`);
    const [l, ls] = bound(o.low, 'low');
    const [h, hs] = bound(o.high, 'high');
    return this.#live('uniform').uniform(checkShape(shape, 'uniform'), checkKey(o.key, 'uniform'), l, ls, h, hs);
  }

  /** MLX's `bits(shape, key)`: resolves to `{ data: Uint32Array, shape }`. */
  async bits(shape, options) {
    const o = checkOptions(options, 'bits', ['key']);
    return this.#live('bits').bits(checkShape(shape, 'bits'), checkKey(o.key, 'bits'));
  }

  /** Releases the wasm memory of the sampler. */
  free() {
    if (!this.#destroyed) {
      this.#destroyed = true;
      deadSamplers.add(this);
      this.#inner.free();
    }
  }

  /** Destroys the GPU device and releases the sampler; later calls throw `DESTROYED`. */
  destroy() {
    if (!this.#destroyed) this.#inner.destroy();
    this.free();
  }
}

function withoutShapeKey(options) {
  if (!options || typeof options !== 'object') return options;
  const { shape, key: k, ...rest } = options;
  return rest;
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
    if (this.#freed) fail('DESTROYED', op, 'the distribution was freed.');
    if (sampling && deadSamplers.has(this.#sampler)) fail('DESTROYED', op, 'the sampler of this distribution was destroyed.');
    return this.#inner;
  }

  /** Samples of shape `broadcast(shape, batchShape) + [n]`: `{ data: Float32Array, shape }`. */
  async sample(shape, k) {
    return this.#live('multivariate_normal', true).sample(checkShape(shape, 'multivariate_normal'), checkKey(k, 'multivariate_normal'));
  }

  /** Samples kept on the GPU: `{ buffer: GPUBuffer, device: GPUDevice, shape }` (WebGPU backend only). */
  async sampleToBuffer(shape, k) {
    return this.#live('sample_to_buffer', true).sampleToBuffer(checkShape(shape, 'sample_to_buffer'), checkKey(k, 'sample_to_buffer'));
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

  /** Releases the factors' wasm memory. */
  free() {
    if (!this.#freed) {
      this.#freed = true;
      this.#inner.free();
    }
  }
}

/** Installs a WebGPU entry point (e.g. `create([])` of the npm `webgpu` package in Node). */
function installGpu(gpu) {
  const g = globalThis;
  if (g.navigator === undefined) {
    Object.defineProperty(g, 'navigator', { value: { gpu }, configurable: true, writable: true });
  } else if (g.navigator.gpu === undefined) {
    Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  }
  // wgpu's WebGPU backend looks for a window or a dedicated worker global.
  if (g.Window === undefined && g.WorkerGlobalScope === undefined) {
    Object.defineProperty(g, 'Window', { value: class Window {}, configurable: true, writable: true });
  }
}
