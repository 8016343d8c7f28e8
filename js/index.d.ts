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

/** A PRNG key: two unsigned 32-bit words, as MLX's `uint32` array of shape `(2,)`. */
export type Key = Uint32Array;

/** Codes of {@link MvnError}. */
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
export class MvnError extends Error {
  readonly name: 'MvnError';
  readonly code: MvnErrorCode;
}

/**
 * An n-d array input: a number, nested arrays (`[[1, 0.5], [0.5, 2]]`), `{ data, shape }` with
 * any typed array or array as data (Float64Array included; converted to float32), or a flat
 * typed array (its shape given separately, or inferred: `[length]`, or `[n, n]` for a cov).
 */
export type ArrayInput =
  | number
  | number[]
  | NestedArray
  | ArrayLike<number>
  | { data: ArrayLike<number>; shape?: number[] };
export interface NestedArray extends Array<number | NestedArray> {}

/** A result read back to the host: row-major `data` of `shape`. */
export interface Samples {
  data: Float32Array;
  shape: number[];
}

/** Samples kept on the GPU. The buffer belongs to the caller: `buffer.destroy()` it when done. */
export interface GpuSamples {
  /** Row-major float32 samples; usage STORAGE | VERTEX | COPY_SRC. */
  buffer: GPUBuffer;
  /** The device that owns `buffer` (render with it). */
  device: GPUDevice;
  shape: number[];
}

/** How the covariance is factored: `cov = F Fᵀ`. */
export type Method = 'cholesky' | 'eigh' | 'svd';

/** Options of {@link Sampler.multivariateNormal} and {@link Sampler.distribution}. */
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
  /**
   * A Float32Array of exactly the output's size to write the samples into (`multivariateNormal`
   * only; refused by `distribution`). Reusing one spares a new allocation per call, which for
   * hundreds of megabytes costs more than the readback itself.
   */
  out?: Float32Array;
  /** The shape of a flat typed-array `mean`. */
  meanShape?: number[];
  /** The shape of a flat typed-array `cov` (or `scaleTril`). */
  covShape?: number[];
}

/** What the factorization of one distinct covariance found. */
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

/** Where {@link init} finds the package's `.wasm`: its URL, its bytes, a `Response` (or a promise of one), or a compiled module. */
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

/** MLX's `key(seed)` for a number or BigInt seed in [0, 2^64). Before {@link init} in a browser: `NOT_LOADED`. */
export function key(seed: number | bigint): Key;
/** MLX's `split(key, num = 2)`: `num` new keys (two when `num` is left out). */
export function split(key: Key | number[]): [Key, Key];
export function split(key: Key | number[], num: number): Key[];
/** MLX's `seed(s)`: resets the default key sequence used by calls without a key. */
export function seed(s: number | bigint): void;
/** The current key of the default sequence (MLX's `mx.random.state`). */
export function state(): Key;
/** One timed stage of a call (`takeProfile`): what ran, and for how many milliseconds. */
export interface Stage {
  stage: string;
  ms: number;
}
/**
 * Turns the stage timer on or off (off by default, and then free). While on, each call records
 * its stages (reading the inputs, validation, deduplication, factorization, upload, encoding,
 * GPU wait and readback, the copy into a Float32Array); off clears them.
 */
export function setProfiling(on: boolean): void;
/** The stages recorded since the last call of `takeProfile`, in order. */
export function takeProfile(): Stage[];
/** Bytes of the package's WebAssembly memory now (it only grows): for watching memory use. */
export function wasmMemoryBytes(): number;
/** Every {@link MvnErrorCode}, as the library defines them. */
export const errorCodes: readonly MvnErrorCode[];

/** Options of {@link Sampler.create}. */
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

/** Draws MLX-compatible samples on WebGPU or on the CPU. */
export class Sampler {
  private constructor();
  /** Creates a sampler; `'auto'` falls back to the CPU when WebGPU or the device request fails. */
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
  /** MLX's `multivariate_normal(mean (..., n), cov (..., n, n))`: output `broadcast(shape, batch) + [n]`. */
  multivariateNormal(mean: ArrayInput, cov: ArrayInput | null, options?: MvnOptions): Promise<Samples>;
  /** As {@link Sampler.multivariateNormal}, the samples kept on the GPU (WebGPU backend). */
  multivariateNormalToBuffer(mean: ArrayInput, cov: ArrayInput | null, options?: MvnOptions): Promise<GpuSamples>;
  /**
   * As {@link Sampler.multivariateNormal}, written into the caller's `buffer` from offset 0
   * with no allocation (WebGPU backend): `buffer` needs `STORAGE` usage, 4 bytes per value, and
   * must belong to {@link Sampler.device}; otherwise `INVALID_ARGUMENT`, and nothing is written.
   */
  multivariateNormalInto(buffer: GPUBuffer, mean: ArrayInput, cov: ArrayInput | null, options?: Omit<MvnOptions, 'out'>): Promise<GpuSamples>;
  /** Validates and factors once; sample many times. */
  distribution(mean: ArrayInput, cov: ArrayInput | null, options?: Omit<MvnOptions, 'shape' | 'key'>): Distribution;
  /** MLX's `normal(shape, loc, scale, key)`. */
  normal(shape?: number[], options?: { key?: Key | number[]; loc?: number; scale?: number; dtype?: 'float32' }): Promise<Samples>;
  /** MLX's `uniform(low, high, shape, key)`; bounds broadcast to `shape`. */
  uniform(shape?: number[], options?: { key?: Key | number[]; low?: ArrayInput; high?: ArrayInput; dtype?: 'float32' }): Promise<Samples>;
  /** MLX's `bits(shape, width, key)`: random words of `width` bytes (4, 2 or 1: Uint32Array, Uint16Array or Uint8Array). */
  bits(shape?: number[], options?: { key?: Key | number[]; width?: 4 }): Promise<{ data: Uint32Array; shape: number[] }>;
  bits(shape: number[], options: { key?: Key | number[]; width: 2 }): Promise<{ data: Uint16Array; shape: number[] }>;
  bits(shape: number[], options: { key?: Key | number[]; width: 1 }): Promise<{ data: Uint8Array; shape: number[] }>;
  /** As {@link Sampler.destroy}. */
  free(): void;
  /**
   * Releases the sampler: later calls throw `DESTROYED`, calls in flight reject with it. Its GPU
   * device (never an application's `device`) is destroyed with the last sampler sharing it, and
   * its wasm memory is freed. A sampler dropped without it is released when collected.
   */
  destroy(): void;
}

/** A validated, factored multivariate normal. */
export class Distribution {
  private constructor();
  /** Samples of shape `broadcast(shape, batchShape) + [n]` (`DESTROYED` once its sampler is destroyed or freed). */
  sample(shape?: number[], options?: { key?: Key | number[]; out?: Float32Array }): Promise<Samples>;
  /** Samples kept on the GPU (WebGPU backend). */
  sampleToBuffer(shape?: number[], options?: { key?: Key | number[] }): Promise<GpuSamples>;
  /**
   * Samples written into the caller's `buffer` from offset 0, with no allocation (WebGPU
   * backend), e.g. a vertex buffer redrawn every frame: it needs `STORAGE` usage, 4 bytes per
   * value, and must belong to the sampler's device; otherwise `INVALID_ARGUMENT`, and nothing
   * is written. Resolves to `{ buffer, device, shape }`, `buffer` the one given.
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
  /** Releases the factors' wasm memory; later calls throw `DESTROYED`. */
  free(): void;
}
