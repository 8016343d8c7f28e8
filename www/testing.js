// Test and benchmark hooks: `window.demo`, for tests/demo/ and for measuring by hand. The page
// itself never loads this module: the tests add it once the page has loaded
// (`page.addScriptTag({ type: 'module', url: '/www/testing.js' })`), and in a browser console
// `await import('/www/testing.js')` does the same. It reads the app's state and drives the page
// only through what its controls call.
import { key as keyFromSeed } from '../js/index.js';
import { ready } from './main.js';
import { app, state } from './state.js';
import { request, refit, idle } from './scheduler.js';
import { display } from './samples.js';
import { currentLayout, drawPoints } from './frame.js';
import { pairHandles } from './plot2d.js';
import { buildInputs, setN, setCount, setKey, syncInputs, syncSliders, syncViewControls } from './controls.js';
import { benchmark } from './bench.js';
import { $, nextFrame } from './util.js';

/** Sets inputs programmatically: any of n, mean, cov, N, method, view, pair, third, shading, seed, key; resolves when drawn. */
function set(p = {}) {
  if (p.n !== undefined && p.n !== state.n) setN(p.n, { view: p.view });
  if (p.mean) state.mean = p.mean.slice();
  if (p.cov) state.cov = p.cov.map((r) => r.slice());
  if (p.mean || p.cov) {
    state.n = state.mean.length;
    buildInputs();
    syncSliders();
    app.flags.params = true;
  }
  if (p.method) { state.method = p.method; app.flags.params = true; }
  if (p.view) state.view = p.view;
  if (p.pair) state.pair = p.pair.slice();
  if (p.third !== undefined) state.third = p.third;
  if (p.shading) state.shading = p.shading;
  syncViewControls();
  syncSliders();
  syncInputs();
  if (p.N) setCount(p.N);
  if (p.seed !== undefined) setKey(keyFromSeed(p.seed));
  if (p.key) setKey(p.key);
  app.flags.draw = true;
  request();
  return idle().then(() => { refit(); return idle(); });
}

/** The points canvas' pixels, rendered again with a copy: { width, height, nonzero, sum, grid (24 x 24 ink sums) }. */
async function pixels() {
  await idle();
  while (app.drawing) await nextFrame();
  const d = display();
  if (!app.buf || !d || d.kind === 'none') return null;
  app.drawing = true;
  let img;
  try {
    img = await drawPoints(app.layout ?? currentLayout(), d, true);
  } finally {
    app.drawing = false;
  }
  const G = 24;
  const grid = new Array(G * G).fill(0);
  let nonzero = 0, sum = 0;
  const { width, height, data } = img;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      const ink = data[o + 3] + (255 - data[o]) * (data[o + 3] / 255);
      if (data[o + 3] > 0) nonzero++;
      sum += ink;
      grid[Math.floor((y * G) / height) * G + Math.floor((x * G) / width)] += ink;
    }
  }
  return { width, height, nonzero, sum, grid };
}

/** Viewport coordinates of the pair view's handles (mean, axis1, axis2), to drag them with the mouse. */
function handles() {
  const { layout, valid } = app;
  if (!layout || layout.mode !== 'pair' || !valid) return null;
  const r = $('front').getBoundingClientRect();
  return pairHandles(layout.cells[0], valid.mean, valid.cov).map((h) => ({ id: h.id, x: r.left + h.px[0], y: r.top + h.px[1] }));
}

const demo = {
  state,
  /** The drawn samples' dimension and count. */
  get n() { return app.buf?.n ?? state.n; },
  get count() { return app.buf?.N ?? 0; },
  set,
  idle,
  pixels,
  benchmark,
  handles,
  /** The code panel's snippet. */
  code: () => $('code').dataset.text,
  /** The first `count` drawn samples, flat. */
  prefix: (count = 4) => (app.buf ? Array.from(app.buf.prefix.subarray(0, count * app.buf.n)) : null),
};
// what the page shows and measured, read live
for (const k of ['backend', 'fallbackReason', 'adapter', 'stats', 'report', 'lastError', 'timings', 'fps', 'drawCount', 'sampleCount', 'preview', 'bench', 'perCell']) {
  Object.defineProperty(demo, k, { get: () => app[k], enumerable: true });
}
demo.ready = ready.then(() => demo);
window.demo = demo;
