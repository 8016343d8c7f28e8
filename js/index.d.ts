// Type declarations for mvn-gpu: MLX's random.multivariate_normal for JavaScript, on WebGPU
// with a CPU (wasm) fallback.

declare global {
  // The WebGPU objects the API takes and gives, declared empty so that the package compiles
  // without the DOM lib or any WebGPU types (a Node project, `skipLibCheck: false`). Where
  // `@webgpu/types` or a DOM lib with WebGPU is loaded, these merge into the full interfaces.
  interface GPU {}
  interface GPUDevice {}
  interface GPUBuffer {}
  // Likewise `WebAssembly.Module` (for `init({ wasm })`), which only the DOM lib declares.
  namespace WebAssembly {
    interface Module {}
  }
}

/**
 * A PRNG key: two unsigned 32-bit words, as MLX's `uint32` array of shape `(2,)`.
 * @example
 * const k: Key = key(0); // Uint32Array [0, 0]
 */
export type Key = Uint32Array;

/**
 * Codes of {@link MvnError} (docs/errors.md lists which input gives which).
 * @example
 * const retry = (code: MvnErrorCode) => code === 'DEVICE_LOST';
 */
export type MvnErrorCode =
  | 'INVALID_SHAPE'
  | 'BROADCAST_ERROR'
  | 'NON_FINITE'
  | 'NOT_SYMMETRIC'
  | 'NOT_POSITIVE_SEMIDEFINITE'
  | 'INVALID_KEY'
  | 'INVALID_DTYPE'
  | 'INVALID_ARGUMENT'
  | 'TOO_LARGE'
  | 'NOT_CONVERGED'
  | 'NO_ADAPTER'
  | 'DEVICE_ERROR'
  | 'DEVICE_LOST'
  | 'DESTROYED'
  | 'NOT_LOADED';

/**
 * The error every failed call throws: `name === 'MvnError'`, a stable `code`, and a message that
 * names the operation, e.g. `[multivariate_normal] cov is not positive semidefinite: ...`.
 */
/**
 * @example
 * try {
 *   await sampler.multivariateNormal([0, 0], [[1, 2], [2, 1]]);
 * } catch (e) {
 *   if (e instanceof MvnError && e.code === 'NOT_POSITIVE_SEMIDEFINITE') console.log(e.message);
 * }
 */
export class MvnError extends Error {
  readonly name: 'MvnError';
  readonly code: MvnErrorCode;
}

/**
 * An n-d array input: a number, nested arrays (`[[1, 0.5], [0.5, 2]]`), `{ data, shape }` with
 * any typed array or array as data (Float64Array included; converted to float32), or a flat
 * typed array (its shape given separately, or inferred: `[length]`, or `[n, n]` for a cov).
 * Rows may be typed arrays. Values are float32: beyond ±3.4028235e38 they become inf (`NON_FINITE`).
 * @example
 * const cov: ArrayInput = [[1, 0.5], [0.5, 2]];
 * const same: ArrayInput = { data: new Float64Array([1, 0.5, 0.5, 2]), shape: [2, 2] };
 */
export type ArrayInput =
  | number
  | number[]
  | NestedArray
  | ArrayLike<number>
  | { data: ArrayLike<number>; shape?: number[] };
/**
 * Nested arrays of numbers, e.g. a batch of covariances `[[[1, 0], [0, 1]], [[2, 0], [0, 2]]]`.
 * @example
 * const batch: NestedArray = [[[1, 0], [0, 1]], [[2, 0], [0, 2]]];
 */
export interface NestedArray extends Array<number | NestedArray> {}

/**
 * A result read back to the host: row-major `data` of `shape`.
 * @example
 * const { data, shape } = await sampler.normal([2, 3]);
 * const row1 = data.subarray(3, 6);
 */
export interface Samples {
  data: Float32Array;
  shape: number[];
}

/**
 * A float64 result (log-densities, moments): row-major `data` of `shape`.
 * @example
 * const { data, shape } = d.logProb([[0, 0]]);
 */
export interface Float64Result {
  data: Float64Array;
  shape: number[];
}

/**
 * Samples kept on the GPU. The buffer belongs to the caller: `buffer.destroy()` it when done.
 * @example
 * const g: GpuSamples = await sampler.multivariateNormalToBuffer(mean, cov, { shape: [n] });
 * g.buffer.destroy();
 */
export interface GpuSamples {
  /** Row-major float32 samples; usage STORAGE | VERTEX | COPY_SRC. */
  buffer: GPUBuffer;
  /** The device that owns `buffer` (render with it). */
  device: GPUDevice;
  shape: number[];
}

/**
 * How the covariance is factored: `cov = F Fᵀ`. `'svd'` gives MLX's own samples for the same key.
 * @example
 * await sampler.multivariateNormal(mean, cov, { method: 'svd', key: key(0) });
 */
export type Method = 'cholesky' | 'eigh' | 'svd';

/**
 * Options of {@link Sampler.multivariateNormal} and {@link Sampler.distribution}.
 * @example
 * const o: MvnOptions = { shape: [100], key: key(0), method: 'eigh', onInvalid: 'clip' };
 */
export interface MvnOptions {
  /** Sample shape, broadcast with the batch shape of mean and cov (default `[]`). */
  shape?: number[];
  /** The key (default: the next key of the default sequence, as MLX). */
  key?: Key | number[];
  /** `'cholesky'` (default), `'eigh'` (symmetric square root) or `'svd'` (MLX's own samples). */
  method?: Method;
  /** Only `'float32'`. */
  dtype?: 'float32';
  /** An indefinite covariance: `'raise'` (default), `'warn'` (clip and `console.warn`), `'clip'`. */
  onInvalid?: 'raise' | 'warn' | 'clip';
  /** A lower-triangular factor `L` (cov = L Lᵀ) to use instead of `cov`: pass `cov` as `null`; `method` and `onInvalid` do not apply (refused). */
  scaleTril?: ArrayInput;
  /** The precision matrix (inverse covariance) instead of `cov` (pass `cov` as `null`): factored in float64 as `P = L Lᵀ` and sampled with `L⁻¹`, never inverted. */
  precision?: ArrayInput;
  /** Variances of independent coordinates, shape `(..., n)`, instead of `cov` (pass `cov` as `null`): nothing is factored. */
  diag?: ArrayInput;
  /**
   * With `covDiag`, instead of `cov` (pass `cov` as `null`): `cov = W Wᵀ + diag(d)` for
   * `covFactor` `W (..., n, rank)` (nested rows or `{ data, shape }`) and `covDiag` `d (..., n)`,
   * all positive (torch's `LowRankMultivariateNormal`). Never formed: a draw takes `rank + n`
   * normals per sample and the log-density the Woodbury identity, so n = 10,000 with rank 16 is
   * cheap; on WebGPU a kernel draws them (also into GPU buffers: `sampleToBuffer`,
   * `sampleInto`). Its log-density is float64 on the CPU (no `logProbInto`, no points in a
   * `GPUBuffer`) and it has no `factors`; `toDense()` forms the covariance.
   */
  covFactor?: ArrayInput;
  /** The diagonal `d (..., n)` of a low-rank covariance (see `covFactor`). */
  covDiag?: ArrayInput;
  /**
   * A Float32Array of exactly the output's size to write the samples into (`multivariateNormal`
   * only; refused by `distribution`). Reusing one spares a new allocation per call, which for
   * hundreds of megabytes costs more than the readback itself.
   */
  out?: Float32Array;
  /** The shape of a flat typed-array `mean`. */
  meanShape?: number[];
  /** The shape of a flat typed-array `cov` (or `scaleTril`, `precision`, `diag`). */
  covShape?: number[];
}

/**
 * What the factorization of one distinct covariance found.
 * @example
 * const [r] = sampler.distribution([0, 0], [[1, 1], [1, 1]]).report;
 * r?.methodUsed; // 'cholesky-psd', r.rank === 1
 */
export interface FactorReport {
  /** Index in cov's batch of the first covariance with this factor. */
  batchIndex: number;
  method: Method;
  /** `'cholesky'`, `'cholesky-psd'` (PSD-safe fallback for singular input), `'eigh'`, `'svd'` or `'scale_tril'`. */
  methodUsed: 'cholesky' | 'cholesky-psd' | 'eigh' | 'svd' | 'scale_tril';
  rank: number;
  minEigenvalue: number;
  maxEigenvalue: number;
  /** Negative eigenvalues were clipped to zero (`onInvalid: 'warn' | 'clip'`). */
  clipped: boolean;
}

/**
 * Where {@link init} finds the package's `.wasm`: its URL, its bytes, a `Response` (or a promise of one), or a compiled module.
 * @example
 * await init({ wasm: fetch('/assets/mvn_gpu_bg.wasm') });
 */
export type WasmSource = URL | string | Response | PromiseLike<Response> | ArrayBuffer | ArrayBufferView | WebAssembly.Module;

/**
 * Loads the package's WebAssembly, once (later calls return at once). Importing the package
 * loads nothing; `Sampler.create()` calls this. Call it first to use `key`, `split`, `seed`,
 * `state` or the stage timer in a browser (in Node they load the wasm themselves), or to say
 * where the `.wasm` is when a bundler does not emit it (it is exported as `mvn-gpu/wasm`).
 * @throws {MvnError} `NOT_LOADED` when the `.wasm` cannot be fetched or instantiated (a later call may retry).
 * @example
 * import { init, key } from 'mvn-gpu';
 * import wasmUrl from 'mvn-gpu/wasm?url'; // Vite; or any URL where the .wasm is served
 * await init({ wasm: wasmUrl });
 * const k = key(0);
 */
export function init(options?: { wasm?: WasmSource }): Promise<void>;

/**
 * MLX's `key(seed)` for a number or BigInt seed in [0, 2^64).
 * @throws {MvnError} `INVALID_ARGUMENT` for a seed that is not an integer in range; `NOT_LOADED` in a browser before {@link init}.
 * @example
 * const k = key(42); // MLX: mx.random.key(42)
 */
export function key(seed: number | bigint): Key;
/**
 * MLX's `split(key, num = 2)`: `num` new keys (a pair when `num` is left out).
 * @throws {MvnError} `INVALID_KEY` for a key that is not two uint32 words; `INVALID_ARGUMENT` for a bad `num`.
 * @example
 * const [a, b] = split(key(0));
 * const many = split(key(0), 8);
 */
export function split(key: Key | number[]): [Key, Key];
export function split(key: Key | number[], num: number): Key[];
/**
 * MLX's `seed(s)`: resets the default key sequence used by calls without a key.
 * @throws {MvnError} `INVALID_ARGUMENT` for a seed that is not an integer in [0, 2^64).
 * @example
 * seed(0);
 * const x = await sampler.normal([3]); // the same three numbers as MLX after mx.random.seed(0)
 */
export function seed(s: number | bigint): void;
/**
 * The current key of the default sequence (MLX's `mx.random.state`).
 * @throws {MvnError} `NOT_LOADED` in a browser before {@link init}.
 * @example
 * const k = state();
 */
export function state(): Key;
/**
 * One timed stage of a call (`takeProfile`): what ran, and for how many milliseconds.
 * @example
 * const slowest: Stage | undefined = takeProfile().sort((a, b) => b.ms - a.ms)[0];
 */
export interface Stage {
  stage: string;
  ms: number;
}
/**
 * Turns the stage timer on or off (off by default, and then free). While on, each call records
 * its stages (reading the inputs, validation, deduplication, factorization, upload, encoding,
 * GPU wait and readback, the copy into a Float32Array); off clears them.
 */
/**
 * @throws {MvnError} `NOT_LOADED` in a browser before {@link init}.
 * @example
 * setProfiling(true);
 * await sampler.multivariateNormal(mean, cov, { shape: [1e6] });
 * console.table(takeProfile());
 */
export function setProfiling(on: boolean): void;
/**
 * The stages recorded since the last call of `takeProfile`, in order.
 * @throws {MvnError} `NOT_LOADED` in a browser before {@link init}.
 * @example
 * for (const { stage, ms } of takeProfile()) console.log(stage, ms.toFixed(2));
 */
export function takeProfile(): Stage[];
/**
 * Bytes of the package's WebAssembly memory now (it only grows): for watching memory use.
 * @throws {MvnError} `NOT_LOADED` in a browser before {@link init}.
 * @example
 * console.log(`${wasmMemoryBytes() / 2 ** 20} MiB of wasm memory`);
 */
export function wasmMemoryBytes(): number;
/**
 * Every {@link MvnErrorCode}, as the library defines them (no wasm needed).
 * @example
 * if (errorCodes.includes(e.code)) report(e.code);
 */
export const errorCodes: readonly MvnErrorCode[];

/**
 * Options of {@link Sampler.create}.
 * @example
 * const own: SamplerCreateOptions = { backend: 'webgpu', shared: false };
 */
export interface SamplerCreateOptions {
  /** `'auto'` (default: WebGPU, else the CPU with `fallbackReason`), `'webgpu'` (fail without it) or `'cpu'`. */
  backend?: 'auto' | 'webgpu' | 'cpu';
  powerPreference?: 'high-performance' | 'low-power';
  /** A WebGPU entry point where `navigator.gpu` is missing (Node: `create([])` of the npm `webgpu` package). */
  gpu?: GPU;
  /**
   * The application's own `GPUDevice` (e.g. a renderer's), to sample on it so that the samples
   * can be drawn without a copy. The sampler never destroys or replaces it: once it is lost,
   * calls fail with `DEVICE_LOST`. Not with `gpu`, `powerPreference` or `backend: 'cpu'`.
   */
  device?: GPUDevice;
  /**
   * `true` (default): samplers created with the same `backend`, `powerPreference` and `gpu`
   * share one GPU device per page (opening one costs 100-400 ms); it is destroyed with the last
   * of them. `false`: a device of its own. Samplers on an application's `device` and CPU
   * samplers are never shared.
   */
  shared?: boolean;
}

/**
 * Draws MLX-compatible samples on WebGPU or on the CPU (wasm).
 * @example
 * const sampler = await Sampler.create(); // WebGPU where there is one, else the CPU
 * const { data, shape } = await sampler.multivariateNormal([0, 0], [[1, 0.5], [0.5, 2]], { shape: [1000], key: key(0) });
 * sampler.destroy();
 */
export class Sampler {
  private constructor();
  /**
   * Creates a sampler (loading the wasm on first use); `'auto'` falls back to the CPU when WebGPU
   * or the device request fails, and says why in `fallbackReason`.
   * @throws {MvnError} `NO_ADAPTER` with `backend: 'webgpu'` and no WebGPU (in Node, the message says how to pass `gpu` and which Vulkan driver setting to use); `INVALID_ARGUMENT` for unknown or bad options; `NOT_LOADED` when the `.wasm` cannot be loaded.
   * @example
   * const gpu = await Sampler.create({ backend: 'webgpu', powerPreference: 'high-performance' });
   * const cpu = await Sampler.create({ backend: 'cpu' });
   * // Node: import { create } from 'webgpu'; await Sampler.create({ gpu: create([]) });
   */
  static create(options?: SamplerCreateOptions): Promise<Sampler>;
  /** The backend obtained. */
  readonly backend: 'webgpu' | 'cpu';
  /** The WebGPU adapter, or `null` on the CPU. */
  readonly adapterInfo: { name: string; vendor: number; device: number; driver: string; driverInfo: string; backend: 'webgpu' | 'vulkan' | 'metal' | 'dx12' | 'gl' | 'noop' } | null;
  /** Why `'auto'` fell back to the CPU. */
  readonly fallbackReason: string | undefined;
  /** The `GPUDevice` samples are drawn on, or `null` on the CPU: the application's `device` when given, else the sampler's own (a new one after a lost device was replaced). */
  readonly device: GPUDevice | null;
  /**
   * Why the GPU device was lost, until the next call replaces it (that call runs on a new device;
   * a call the loss interrupted runs again there once), or `undefined`.
   */
  readonly deviceLost: string | undefined;
  /** How many lost GPU devices the sampler replaced with new ones. */
  readonly deviceReplacements: number;
  /**
   * MLX's `multivariate_normal(mean (..., n), cov (..., n, n))`: output `broadcast(shape, batch) + [n]`, float32.
   * @throws {MvnError} `INVALID_SHAPE`, `BROADCAST_ERROR`, `NON_FINITE`, `NOT_SYMMETRIC`, `NOT_POSITIVE_SEMIDEFINITE`, `INVALID_KEY`, `INVALID_ARGUMENT`, `TOO_LARGE` for bad inputs (nothing is drawn); `DEVICE_ERROR` or `DEVICE_LOST` from the GPU; `DESTROYED` after {@link Sampler.destroy}.
   * @example
   * const x = await sampler.multivariateNormal([0, 1], [[1, 0.3], [0.3, 2]], { shape: [10000], key: key(1) });
   * x.shape; // [10000, 2]
   */
  multivariateNormal(mean: ArrayInput, cov: ArrayInput | null, options?: MvnOptions): Promise<Samples>;
  /**
   * As {@link Sampler.multivariateNormal}, the samples kept on the GPU (WebGPU backend), in a new buffer that is the caller's to destroy.
   * @throws {MvnError} As {@link Sampler.multivariateNormal}; `INVALID_ARGUMENT` on the CPU backend.
   * @example
   * const { buffer, device } = await sampler.multivariateNormalToBuffer(mean, cov, { shape: [1e6] });
   * pass.setVertexBuffer(0, buffer); // drawn with `device`
   */
  multivariateNormalToBuffer(mean: ArrayInput, cov: ArrayInput | null, options?: MvnOptions): Promise<GpuSamples>;
  /**
   * As {@link Sampler.multivariateNormal}, written into the caller's `buffer` from offset 0
   * with no allocation (WebGPU backend): `buffer` needs `STORAGE` usage, 4 bytes per value, and
   * must belong to {@link Sampler.device}; otherwise `INVALID_ARGUMENT`, and nothing is written.
   */
  /**
   * @throws {MvnError} As {@link Sampler.multivariateNormal}; `INVALID_ARGUMENT` for a buffer that is too small, lacks STORAGE usage or is another device's.
   * @example
   * const buffer = sampler.device.createBuffer({ size: 1e6 * 2 * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.VERTEX });
   * await sampler.multivariateNormalInto(buffer, [0, 0], [[1, 0], [0, 1]], { shape: [1e6] });
   */
  multivariateNormalInto(buffer: GPUBuffer, mean: ArrayInput, cov: ArrayInput | null, options?: Omit<MvnOptions, 'out'>): Promise<GpuSamples>;
  /**
   * Validates and factors once; sample many times (each draw then skips both).
   * @throws {MvnError} The input errors of {@link Sampler.multivariateNormal}; `DESTROYED` after {@link Sampler.destroy}.
   * @example
   * const d = sampler.distribution([0, 0], [[1, 0.9], [0.9, 1]]);
   * for (const k of split(key(0), 4)) await d.sample([256], { key: k });
   * d.free();
   */
  distribution(mean: ArrayInput, cov: ArrayInput | null, options?: Omit<MvnOptions, 'shape' | 'key'>): Distribution;
  /**
   * MLX's `normal(shape, loc, scale, key)`.
   * @throws {MvnError} `INVALID_SHAPE`, `INVALID_KEY`, `INVALID_ARGUMENT` (unknown options, a positional key), `NON_FINITE`, `TOO_LARGE`; `DESTROYED`.
   * @example
   * const z = await sampler.normal([2, 3], { key: key(0), loc: 1, scale: 0.5 });
   */
  normal(shape?: number[], options?: { key?: Key | number[]; loc?: number; scale?: number; dtype?: 'float32' }): Promise<Samples>;
  /**
   * MLX's `uniform(low, high, shape, key)`; bounds broadcast to `shape`.
   * @throws {MvnError} As {@link Sampler.normal}; `BROADCAST_ERROR` for bounds that do not broadcast to `shape`.
   * @example
   * const u = await sampler.uniform([4], { key: key(0), low: -1, high: [1, 2, 3, 4] });
   */
  uniform(shape?: number[], options?: { key?: Key | number[]; low?: ArrayInput; high?: ArrayInput; dtype?: 'float32' }): Promise<Samples>;
  /**
   * MLX's `bits(shape, width, key)`: random words of `width` bytes (4, 2 or 1: Uint32Array, Uint16Array or Uint8Array).
   * @throws {MvnError} As {@link Sampler.normal}; `INVALID_ARGUMENT` for a width other than 1, 2 or 4.
   * @example
   * const { data } = await sampler.bits([16], { key: key(0), width: 1 }); // Uint8Array
   */
  bits(shape?: number[], options?: { key?: Key | number[]; width?: 4 }): Promise<{ data: Uint32Array; shape: number[] }>;
  bits(shape: number[], options: { key?: Key | number[]; width: 2 }): Promise<{ data: Uint16Array; shape: number[] }>;
  bits(shape: number[], options: { key?: Key | number[]; width: 1 }): Promise<{ data: Uint8Array; shape: number[] }>;
  /**
   * As {@link Sampler.destroy}.
   * @example
   * sampler.free();
   */
  free(): void;
  /**
   * Releases the sampler: later calls throw `DESTROYED`, calls in flight reject with it. Its GPU
   * device (never an application's `device`) is destroyed with the last sampler sharing it, and
   * its wasm memory is freed. A sampler dropped without it is released when collected. Also run
   * by `using` / `await using` (`Symbol.dispose`, `Symbol.asyncDispose`).
   * @example
   * sampler.destroy();
   * await sampler.normal([1]); // rejects with MvnError DESTROYED
   */
  destroy(): void;
}

/**
 * A validated, factored multivariate normal, from {@link Sampler.distribution}.
 * @example
 * const d = sampler.distribution([[0, 0], [5, 5]], [[1, 0], [0, 1]]); // a batch of two
 * d.batchShape; // [2]
 */
export class Distribution {
  private constructor();
  /**
   * Samples of shape `broadcast(shape, batchShape) + [n]`.
   * @throws {MvnError} `INVALID_SHAPE`, `BROADCAST_ERROR`, `INVALID_KEY`, `INVALID_ARGUMENT` (a bad `out`), `TOO_LARGE`; `DESTROYED` once it or its sampler is freed.
   * @example
   * const out = new Float32Array(1000 * 2);
   * await d.sample([1000], { key: key(3), out }); // reuses `out`
   */
  sample(shape?: number[], options?: { key?: Key | number[]; out?: Float32Array }): Promise<Samples>;
  /**
   * Samples kept on the GPU (WebGPU backend), in a new buffer that is the caller's to destroy.
   * @throws {MvnError} As {@link Distribution.sample}; `INVALID_ARGUMENT` on the CPU backend.
   * @example
   * const { buffer } = await d.sampleToBuffer([1e6], { key: key(0) });
   */
  sampleToBuffer(shape?: number[], options?: { key?: Key | number[] }): Promise<GpuSamples>;
  /**
   * Samples written into the caller's `buffer` from offset 0, with no allocation (WebGPU
   * backend), e.g. a vertex buffer redrawn every frame: it needs `STORAGE` usage, 4 bytes per
   * value, and must belong to the sampler's device; otherwise `INVALID_ARGUMENT`, and nothing
   * is written. Resolves to `{ buffer, device, shape }`, `buffer` the one given.
   */
  /**
   * @throws {MvnError} As {@link Distribution.sample}; `INVALID_ARGUMENT` for a buffer that is too small, lacks STORAGE usage or is another device's.
   * @example
   * await d.sampleInto(vertexBuffer, [n], { key: split(frameKey)[0] });
   */
  sampleInto(buffer: GPUBuffer, shape?: number[], options?: { key?: Key | number[] }): Promise<GpuSamples>;
  /** One report per distinct covariance. */
  readonly report: FactorReport[];
  /** The factors `R` with `x = mean + z R`, one per distinct covariance: shape `[k, n, n]`, row-major. */
  readonly factors: Samples;
  /** Warnings recorded while factoring (`onInvalid: 'warn'`). */
  readonly warnings: string[];
  /** The dimension n. */
  readonly dim: number;
  /** The broadcast batch shape of mean and cov. */
  readonly batchShape: number[];
  /**
   * The log-density at float32 points `x (..., n)` (SciPy's `logpdf`, torch's `log_prob`),
   * broadcast against the batch: shape `broadcast(x.shape[:-1], batchShape)`, computed in
   * float64 from the stored factors. A singular covariance is an error unless
   * `allowSingular`, which gives SciPy's density on its support (the pseudo-determinant) and
   * `-Infinity` off it.
   * @throws {MvnError} `INVALID_SHAPE` (x is not `(..., n)`), `BROADCAST_ERROR`, `NON_FINITE`, `INVALID_ARGUMENT` (a singular covariance without `allowSingular`); `DESTROYED` once freed.
   * @example
   * const d = sampler.distribution([0, 0], [[1, 0], [0, 1]]);
   * d.logProb([[0, 0], [1, 1]]).data; // Float64Array [-1.8379, -2.8379]
   */
  logProb(x: ArrayInput, options?: { allowSingular?: boolean; xShape?: number[] }): Float64Result;
  /**
   * The log-density in float32 on the sampler's backend, for many points: on WebGPU a WGSL
   * kernel evaluates `|L⁻¹ (x - μ)|²` per point from float64 inverse factors (within about
   * `n · 2⁻²³` relative of {@link Distribution.logProb}); the CPU backend, singular
   * covariances, broadcast points, n > 128 and low-rank distributions take the float64 path,
   * rounded. `x` is on the host, or a `GPUBuffer` of float32 points (STORAGE | COPY_SRC usage,
   * from offset 0; `xShape` required), e.g. from {@link Distribution.sampleToBuffer}: then
   * nothing but the results crosses to the host. `out`: a Float32Array of the result's size to
   * write into.
   * @throws {MvnError} As {@link Distribution.logProb}; `INVALID_ARGUMENT` for a `GPUBuffer` without `xShape`, too small or on the CPU backend, or a bad `out`.
   * @example
   * const { buffer } = await d.sampleToBuffer([1e7], { key: key(0) });
   * const lp = await d.logProbAsync(buffer, { xShape: [1e7, d.dim] }); // Float32Array of 1e7
   * buffer.destroy();
   */
  logProbAsync(x: ArrayInput | GPUBuffer, options?: { allowSingular?: boolean; xShape?: number[]; out?: Float32Array }): Promise<Samples>;
  /**
   * As {@link Distribution.logProbAsync}, written into the caller's `buffer` (STORAGE usage, 4
   * bytes per value, the sampler's device) from offset 0 (WebGPU backend; dense distributions).
   * Resolves to `{ buffer, device, shape }`, `buffer` the one given.
   * @throws {MvnError} As {@link Distribution.logProbAsync}; `INVALID_ARGUMENT` for a buffer that is too small or lacks STORAGE usage, on the CPU backend, or for a low-rank distribution.
   * @example
   * await d.logProbInto(densityBuffer, pointsBuffer, { xShape: [n, d.dim] });
   */
  logProbInto(buffer: GPUBuffer, x: ArrayInput | GPUBuffer, options?: { allowSingular?: boolean; xShape?: number[] }): Promise<GpuSamples>;
  /**
   * The same distribution with its covariance formed: a low-rank one as a float32 `scaleTril`
   * (its Cholesky factor in float64); a dense one as it is. A new object to free.
   * @throws {MvnError} `NOT_POSITIVE_SEMIDEFINITE` when `covDiag` is so small next to `covFactor` that float64 cannot factor the covariance; `DESTROYED` once freed.
   * @example
   * const dense = sampler.distribution(mean, null, { covFactor: w, covDiag: d }).toDense();
   * dense.report; // [{ methodUsed: 'scale_tril', ... }]
   */
  toDense(): Distribution;
  /**
   * The rank of `covFactor` for a low-rank distribution, `null` for a dense one.
   * @example
   * sampler.distribution([0, 0], null, { covFactor: [[1], [1]], covDiag: [1, 1] }).rank; // 1
   */
  readonly rank: number | null;
  /**
   * The conditional distribution of the other coordinates given `x[indices] = values`
   * (`values (..., k)`, broadcast against the batch): Schur complements in float64, a new
   * distribution of dimension `n - k` ready to sample, the coordinates left in their order.
   * @throws {MvnError} `INVALID_ARGUMENT` (indices repeated or out of range), `INVALID_SHAPE`, `NON_FINITE`, `NOT_POSITIVE_SEMIDEFINITE` (the observed block is singular); `DESTROYED` once freed.
   * @example
   * const c = sampler.distribution([0, 0], [[1, 0.9], [0.9, 1]]).condition([0], [2]);
   * c.mean.data; // Float64Array [1.8]
   * await c.sample([1000], { key: key(1) });
   */
  condition(indices: number[], values: ArrayInput, options?: { valuesShape?: number[] }): Distribution;
  /**
   * The mean of each batch element, shape `batchShape + [n]`, in float64.
   * @throws {MvnError} `DESTROYED` once freed.
   * @example
   * d.mean.data; // Float64Array [0, 0]
   */
  readonly mean: Float64Result;
  /**
   * The covariance sampled (`Rᵀ R` from the stored factors), shape `batchShape + [n, n]`, in float64.
   * @throws {MvnError} `DESTROYED` once freed.
   * @example
   * d.covariance.shape; // [2, 2]
   */
  readonly covariance: Float64Result;
  /**
   * A lower-triangular `L` with `L Lᵀ` the covariance, shape `batchShape + [n, n]`, in float64.
   * @throws {MvnError} `INVALID_ARGUMENT` for a singular covariance whose factor is not triangular; `DESTROYED` once freed.
   * @example
   * d.scaleTril.data; // Float64Array [1, 0, 0, 1]
   */
  readonly scaleTril: Float64Result;
  /**
   * The differential entropy of each batch element, shape `batchShape`, in float64 (SciPy's `entropy`).
   * @throws {MvnError} `NOT_CONVERGED` in the rare eigendecomposition failure of a singular covariance; `DESTROYED` once freed.
   * @example
   * d.entropy.data; // Float64Array [2.8379]
   */
  readonly entropy: Float64Result;
  /**
   * Releases the factors' wasm memory; later calls throw `DESTROYED`. Also run by `using`. A
   * distribution dropped without it is released when collected.
   * @example
   * d.free();
   */
  free(): void;
}
