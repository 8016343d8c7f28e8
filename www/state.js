// The demo's state, in two objects every module shares: `state`, the inputs as the user set them
// (possibly invalid: what the controls and the address show), and `app`, what the running page
// keeps (the backend, the last valid distribution, the drawn samples, scheduling, the view, and
// the measurements the status line shows). Modules keep only private caches of their own.
export const STATS_MAX = 262_144; // samples read back for the statistics and the histograms
export const CPU_MAX = 1_000_000; // the CPU fallback's most samples
export const IDLE_MS = 160; // an input at rest this long is resampled
export const MAX_N = 8;

export const state = {
  n: 2, mean: [0.5, -0.25], cov: [[1.44, 0.576], [0.576, 0.64]],
  method: 'cholesky', N: 100_000, key: Uint32Array.of(0, 42), // key(42): made before the wasm loads
  view: 'pair', pair: [0, 1], third: 2, shading: 'density', symmetric: true,
};

export const app = {
  // the backend
  sampler: null,
  renderer: null,
  device: null,
  gpu: false, // samples stay on the GPU and WebGPU draws them
  backend: null,
  fallbackReason: null,
  adapter: null,
  epoch: 0, // bumped when the backend changes (a lost GPU device falls back to the CPU)

  // the distribution and its samples
  valid: null, // the last valid input: { id, n, mean, cov, method, dist, report, F }
  buf: null, // the drawn samples: { seq, validId, n, N, key, method, mean, cov, Finv, m, prefix, stats, buffer | data }
  validSeq: 0,
  bufSeq: 0,
  failed: null, // the (validId, N, key) whose sampling failed: not retried until the input changes
  retired: [], // GPU buffers of replaced samples, destroyed when no frame draws them
  covError: null,
  sampleError: null,
  lastError: null,

  // scheduling: input events only mark what changed; one animation frame applies them
  flags: { params: false, draw: true },
  sampling: null, // promise of the sampling in flight
  drawing: false,
  rafPending: false,
  idleTimer: 0,
  lastInputAt: -1e9,
  benchActive: false,

  // the view
  size: { W: 800, H: 600, dpr: 1 },
  layout: null,
  viewKey: '', // the view is refitted when this changes
  pairView: null,
  ranges: null,
  cam: null,
  pointer: null, // the drag in progress
  hover: null, // the handle under the mouse

  // measurements, and what the page shows
  timings: { factorMs: null, sampleMs: null, readbackMs: null, drawMs: null },
  frameTimes: [],
  fps: 0,
  drawCount: 0,
  sampleCount: 0,
  lastStatsAt: 0,
  perCell: null, // samples per cell of the last frame
  stats: null,
  report: null,
  preview: false,
  bench: null,
};
