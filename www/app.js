// The mvn-gpu demo: explore a multivariate normal live. Samples come from the package
// (`distribution(mean, cov).sampleToBuffer([N], key)`) and are rendered by WebGPU straight from
// that buffer; only a prefix is read back, for the histograms and the statistics.
//
// While a control is dragged the key stays fixed, so the standard normals z stay the same and
// x = mean + F z deforms smoothly. Between two samplings the frame shows the last samples through
// the exact affine map x' = mean' + F' F⁻¹ (x − mean) (F: the package's own factor), so
// a drag stays interactive at millions of points; the package resamples as soon as the input
// rests, and the picture is then the package's own output for the current input.
import { Sampler, key as keyFromSeed, split } from '../js/index.js';
import { GpuRenderer, readPrefix } from './render.js';
import { CpuRenderer } from './cpu-render.js';
import { pairLayout, fitPair, matrixLayout, fitRanges, orbitLayout, fitOrbit, fromPx, pixelJacobian } from './view.js';
import { prepare, drawBack, drawFront, pairHandles, coordName } from './plot2d.js';
import { identity, matmul, transpose, inverse, factorOf, f32str, fmt, commas } from './linalg.js';

const STATS_MAX = 262_144;
const CPU_MAX = 1_000_000;
const IDLE_MS = 160;
const MAX_N = 8;

const $ = (id) => document.getElementById(id);
const now = () => performance.now();
const ms = (v) => (v === null || v === undefined ? '–' : v < 10 ? `${v.toFixed(2)} ms` : v < 100 ? `${v.toFixed(1)} ms` : `${Math.round(v)} ms`);
const keyEq = (a, b) => a && b && a[0] === b[0] && a[1] === b[1];
const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));

// ---------------------------------------------------------------------------------------------
// State: the inputs (possibly invalid), the last valid distribution, and the drawn samples.

const DEFAULT = {
  n: 2, mean: [0.5, -0.25], cov: [[1.44, 0.576], [0.576, 0.64]],
  method: 'cholesky', N: 100_000, key: keyFromSeed(42),
  view: 'pair', pair: [0, 1], third: 2, shading: 'density', symmetric: true,
};
const state = structuredClone(DEFAULT);

let sampler = null;
let renderer = null;
let gpu = false; // samples stay on the GPU and WebGPU draws them
let device = null;
let valid = null; // { id, n, mean, cov, method, dist, report, F }
let buf = null; // the drawn samples: { seq, validId, n, N, key, method, mean, cov, Finv, m, prefix, stats, buffer | data }
let validSeq = 0, bufSeq = 0;
let covError = null;
let sampleError = null;
let failed = null; // the (validId, N, key) whose sampling failed: not retried until the input changes
const flags = { params: false, draw: true };
let sampling = null; // promise of the sampling in flight
let drawing = false;
let rafPending = false;
let idleTimer = 0;
let pointer = null;
let hover = null;
let lastInputAt = -1e9;
let benchActive = false;
let retired = [];
let layout = null;
let size = { W: 800, H: 600, dpr: 1 };
let viewKey = '';
let pairView = null, ranges = null, cam = null;
const frameTimes = [];
const timings = { factorMs: null, sampleMs: null, readbackMs: null, drawMs: null };
let lastStatsAt = 0;
let epoch = 0; // bumped when the backend changes (a lost GPU device falls back to the CPU)

const demo = {
  ready: null,
  backend: null,
  fallbackReason: null,
  adapter: null,
  n: state.n,
  count: 0,
  stats: null,
  report: null,
  lastError: null,
  timings,
  fps: 0,
  drawCount: 0,
  sampleCount: 0,
  preview: false,
  bench: null,
  state,
};
window.demo = demo;

// ---------------------------------------------------------------------------------------------
// The distribution: validate and factor with the package (errors keep the last valid picture).

function applyParams() {
  const mean = state.mean.slice();
  const cov = state.cov.map((r) => r.slice());
  const t0 = now();
  let dist;
  try {
    dist = sampler.distribution(mean, cov, { method: state.method });
  } catch (e) {
    showCovError(e);
    return false;
  }
  timings.factorMs = now() - t0;
  const old = valid;
  valid = {
    id: ++validSeq, n: mean.length, mean, cov, method: state.method, dist,
    report: dist.report[0], F: factorOf(dist),
  };
  old?.dist.free();
  showCovError(null);
  renderReport();
  renderCode();
  scheduleHash();
  flags.draw = true;
  return true;
}

function showCovError(e) {
  const el = $('cov-error');
  covError = e;
  demo.lastError = e ? String(e.message ?? e) : null;
  $('cov-inputs').classList.toggle('invalid', !!e);
  if (!e) {
    el.hidden = true;
    el.textContent = '';
    return;
  }
  el.hidden = false;
  el.textContent = String(e.message ?? e);
  const kept = document.createElement('span');
  kept.className = 'kept';
  kept.textContent = 'The picture shows the last valid input.';
  el.append(kept);
}

function renderReport() {
  const r = valid.report;
  demo.report = { ...r };
  const el = $('report');
  const psd = r.methodUsed === 'cholesky-psd';
  const tag = `<span class="tag${r.rank < valid.n || r.clipped ? ' warn' : ''}">${r.methodUsed}</span>`;
  const rank = r.rank === valid.n ? `full rank ${r.rank}` : `<b>rank ${r.rank} of ${valid.n}</b> (singular: the samples lie in a ${r.rank}-dimensional subspace)`;
  el.innerHTML = `${tag} ${rank} · eigenvalues ${fmt(r.minEigenvalue, 3)} … ${fmt(r.maxEigenvalue, 3)}${psd ? ' · PSD-safe Cholesky' : ''}${r.clipped ? ' · negative eigenvalues clipped' : ''}`;
}

// ---------------------------------------------------------------------------------------------
// What the frame shows: the drawn samples, through the exact affine update when the input moved.

function sameDraw() {
  return buf && valid && buf.n === valid.n && buf.N === state.N && keyEq(buf.key, state.key);
}

function needSample() {
  if (!valid) return false;
  if (failed && failed.validId === valid.id && failed.N === state.N && keyEq(failed.key, state.key)) return false;
  return !(sameDraw() && buf.validId === valid.id);
}

function display() {
  if (!valid) return null;
  if (sameDraw() && buf.validId === valid.id) return { kind: 'exact', mean: valid.mean, cov: valid.cov };
  if (sameDraw() && buf.method === valid.method && buf.Finv) {
    const A = matmul(valid.F, buf.Finv);
    const c = valid.mean.map((m, i) => m - A[i].reduce((s, v, k) => s + v * buf.mean[k], 0));
    return { kind: 'preview', mean: valid.mean, cov: valid.cov, A, c };
  }
  if (buf && buf.n === valid.n) return { kind: 'stale', mean: buf.mean, cov: buf.cov };
  return { kind: 'none', mean: valid.mean, cov: valid.cov };
}

// ---------------------------------------------------------------------------------------------
// Scheduling: input events only mark what changed; one animation frame applies them (coalesced).

function request() {
  if (!rafPending) {
    rafPending = true;
    requestAnimationFrame(tick);
  }
}

function interacting() {
  return benchActive || !!pointer || now() - lastInputAt < IDLE_MS;
}

function tick() {
  rafPending = false;
  if (!sampler) return;
  if (flags.params) {
    flags.params = false;
    applyParams();
  }
  maybeSample();
  if (flags.draw && !drawing) {
    flags.draw = false;
    drawFrame();
  }
}

function maybeSample() {
  if (sampling || !needSample()) return;
  const d = display();
  if (d && d.kind === 'preview' && interacting()) {
    if (!idleTimer) idleTimer = setTimeout(() => { idleTimer = 0; request(); }, IDLE_MS);
    return;
  }
  sampling = sampleNow().finally(() => {
    sampling = null;
    flags.draw = true;
    request();
  });
}

/** Samples the valid distribution with the current key and count, then reads back the prefix. */
async function sampleNow() {
  const v = valid;
  const N = state.N;
  const k = Uint32Array.from(state.key);
  const n = v.n;
  const m = Math.min(N, STATS_MAX);
  const ep = epoch;
  try {
    const t0 = now();
    let next;
    if (gpu) {
      const r = await v.dist.sampleToBuffer([N], k);
      await device.queue.onSubmittedWorkDone();
      const t1 = now();
      const prefix = await readPrefix(device, r.buffer, m, n);
      timings.sampleMs = t1 - t0;
      timings.readbackMs = now() - t1;
      next = { buffer: r.buffer, prefix };
    } else {
      const r = await v.dist.sample([N], k);
      timings.sampleMs = now() - t0;
      timings.readbackMs = 0;
      next = { data: r.data, prefix: r.data.subarray(0, m * n) };
    }
    if (ep !== epoch) return;
    const nb = {
      seq: ++bufSeq, validId: v.id, n, N, key: k, method: v.method, mean: v.mean, cov: v.cov,
      Finv: inverse(v.F), m, stats: moments(next.prefix, m, n), ...next, // Finv null when singular: no preview
    };
    renderer.setSamples(gpu ? { buffer: nb.buffer, count: N, n } : { data: nb.data, count: N, n });
    if (buf?.buffer) retired.push(buf.buffer);
    buf = nb;
    columns.clear();
    sampleError = null;
    failed = null;
    demo.sampleCount++;
    demo.count = N;
    demo.n = n;
    if (!drawing) retire();
  } catch (e) {
    if (ep !== epoch) return;
    console.error(e);
    sampleError = e;
    failed = { validId: v.id, N, key: k };
    demo.lastError = String(e.message ?? e);
  }
  renderStatus();
}

function retire() {
  for (const b of retired) b.destroy();
  retired = [];
}

/** Sample mean and covariance (float64, two passes) of the first m samples. */
function moments(x, m, n) {
  const mean = new Array(n).fill(0);
  for (let i = 0; i < m; i++) for (let k = 0; k < n; k++) mean[k] += x[i * n + k];
  for (let k = 0; k < n; k++) mean[k] /= m;
  const cov = identity(n).map((r) => r.fill(0));
  const d = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    for (let k = 0; k < n; k++) d[k] = x[i * n + k] - mean[k];
    for (let p = 0; p < n; p++) for (let q = p; q < n; q++) cov[p][q] += d[p] * d[q];
  }
  for (let p = 0; p < n; p++) for (let q = p; q < n; q++) cov[q][p] = cov[p][q] /= Math.max(m - 1, 1);
  return { mean, cov };
}

// ---------------------------------------------------------------------------------------------
// Views

function viewIndices() {
  const [a, b] = state.pair;
  let c = state.third;
  if (c === a || c === b || c >= valid.n) c = [0, 1, 2].find((i) => i !== a && i !== b);
  return [a, b, c];
}

function ensureView(force = false) {
  const key = `${state.view}|${valid.n}|${state.pair}|${state.third}`;
  if (!force && key === viewKey && pairView && ranges && cam) return;
  viewKey = key;
  const [a, b, c] = viewIndices();
  pairView = fitPair(size.W, size.H, valid.mean, valid.cov, a, b);
  ranges = fitRanges(valid.mean, valid.cov);
  if (valid.n >= 3) cam = fitOrbit(valid.mean, valid.cov, a, b, c, cam ? { yaw: cam.yaw, pitch: cam.pitch, zoom: cam.zoom } : {});
  else cam = cam ?? { yaw: -0.6, pitch: 0.35, zoom: 1, center: [0, 0, 0], scale: 1 };
}

/** Refits when the 3σ region left the view or shrank to a corner of it. */
function maybeRefit() {
  if (!valid || pointer) return;
  ensureView();
  const { mean, cov } = valid;
  const out = (lo, hi, mu, s) => mu - 3 * s < lo || mu + 3 * s > hi || 6 * s < 0.2 * (hi - lo);
  const sd = (i) => Math.sqrt(Math.max(cov[i][i], 0));
  if (state.view === 'pair' && layout?.mode === 'pair') {
    const [a, b] = state.pair;
    const g = layout.cells[0].range;
    const outside = mean[a] - 3 * sd(a) < g.x0 || mean[a] + 3 * sd(a) > g.x1 || mean[b] - 3 * sd(b) < g.y0 || mean[b] + 3 * sd(b) > g.y1;
    const small = 6 * Math.max(sd(a), sd(b)) < 0.25 * Math.min(g.x1 - g.x0, g.y1 - g.y0);
    if (outside || small) pairView = fitPair(size.W, size.H, mean, cov, a, b);
  } else if (state.view === 'matrix') {
    if (ranges.some(([lo, hi], i) => out(lo, hi, mean[i], sd(i)))) ranges = fitRanges(mean, cov);
  } else if (valid.n >= 3) {
    const [a, b, c] = viewIndices();
    const s = 3 * Math.max(sd(a), sd(b), sd(c), 1e-6);
    const moved = [a, b, c].some((i, k) => Math.abs(mean[i] - cam.center[k]) > 0.8 * cam.scale);
    if (moved || s > 1.6 * cam.scale || s < 0.45 * cam.scale) cam = fitOrbit(mean, cov, a, b, c, { yaw: cam.yaw, pitch: cam.pitch, zoom: cam.zoom });
  }
  flags.draw = true;
  request();
}

function currentLayout() {
  ensureView();
  const { W, H } = size;
  const [a, b, c] = viewIndices();
  if (state.view === 'matrix') return matrixLayout(W, H, valid.n, ranges);
  if (state.view === '3d' && valid.n >= 3) return orbitLayout(W, H, a, b, c, cam);
  return pairLayout(W, H, a, b, pairView);
}

/** The renderer's cells: viewport, projection rows (with the affine update), density scale. */
function renderCells(L, d) {
  const dpr = size.dpr;
  const n = valid.n;
  const N = buf.N;
  const S = d.kind === 'stale' ? buf.cov : valid.cov;
  const scatter = L.cells.filter((c) => c.kind !== 'hist');
  // The matrix draws every sample once per cell: past a budget of splats per frame, each cell
  // shows the first `count` samples (a fair subsample: they are independent).
  const budget = gpu ? 32e6 : 12e6;
  const count = scatter.length > 1 ? Math.min(N, Math.max(100_000, Math.floor(budget / scatter.length))) : N;
  demo.perCell = count;
  const r0 = scatter[0].rect;
  let radius = 0.42 * Math.sqrt((r0.w * r0.h * dpr * dpr) / count);
  radius = radius < 1.15 ? 0 : Math.min(radius, 2.6 * dpr);
  const unit = (i) => Array.from({ length: n }, (_, k) => (k === i ? 1 : 0));
  return scatter.map((cell) => {
    const idx = [cell.a, cell.b, cell.c];
    const rows = idx.map((i) => (d.A ? d.A[i] : unit(i)));
    const offs = idx.map((i) => (d.c ? d.c[i] : 0));
    const r = cell.rect;
    const x0 = Math.round(r.x * dpr), y0 = Math.round(r.y * dpr);
    const vp = [x0, y0, Math.max(1, Math.round((r.x + r.w) * dpr) - x0), Math.max(1, Math.round((r.y + r.h) * dpr) - y0)];
    // Expected peak count per pixel: N * (area of a point) * (peak of the projected normal density)
    const J = pixelJacobian(cell).map((row) => row.map((v) => v * dpr));
    const Su = idx.map((i) => idx.map((j) => S[i][j]));
    const P = matmul(matmul(J, Su), transpose(J));
    const blur = 0.3 + (radius * radius) / 2;
    const det = (P[0][0] + blur) * (P[1][1] + blur) - P[0][1] * P[1][0];
    const area = radius > 0 ? Math.PI * radius * radius + 0.3 : 1;
    const peak = clamp((count * area) / (2 * Math.PI * Math.sqrt(Math.max(det, 1e-9))), 1, 2048);
    // Below ~16 per pixel single points carry the density (by how many there are): keep them light.
    return { vp, m: cell.m, rows, offs, radius, count, norm: 1 / Math.log1p(1.6 * Math.max(peak, radius > 0 ? 3 : 16)), alpha: clamp(0.9 / peak, 2 / 255, 0.9) };
  });
}

// Columns of the statistics' prefix (cached per buffer), through the affine update when previewing.
const columns = new Map();
function columnValues(i, d) {
  if (!buf || d.kind === 'none' || i >= buf.n) return null;
  const { prefix, m, n } = buf;
  if (d.kind !== 'preview') {
    if (!columns.has(i)) {
      const col = new Float32Array(m);
      for (let s = 0; s < m; s++) col[s] = prefix[s * n + i];
      columns.set(i, col);
    }
    return columns.get(i);
  }
  const row = d.A[i], c = d.c[i];
  const col = new Float32Array(m);
  for (let s = 0, o = 0; s < m; s++, o += n) {
    let v = c;
    for (let k = 0; k < n; k++) v += row[k] * prefix[o + k];
    col[s] = v;
  }
  return col;
}

async function drawFrame() {
  const d = display();
  if (!d) return;
  const L = currentLayout();
  layout = L;
  const to = now();
  drawOverlays(L, d);
  timings.overlayMs = now() - to;
  const t = now();
  if (!interacting() || t - lastStatsAt > 250) {
    lastStatsAt = t;
    renderStats(d);
  }
  demo.preview = d.kind === 'preview';
  if (d.kind === 'none' || !buf) return;
  drawing = true;
  const t0 = now();
  const ep = epoch;
  try {
    await renderer.draw(renderCells(L, d), { shading: state.shading });
  } catch (e) {
    if (ep === epoch) {
      console.error(e);
      demo.lastError = String(e.message ?? e);
    }
  }
  const t1 = now();
  drawing = false;
  timings.drawMs = t1 - t0;
  demo.drawCount++;
  frameTimes.push(t1);
  while (frameTimes.length && t1 - frameTimes[0] > 1000) frameTimes.shift();
  if (frameTimes.length >= 3) demo.fps = ((frameTimes.length - 1) * 1000) / (frameTimes[frameTimes.length - 1] - frameTimes[0]);
  retire();
  $('loading').hidden = true;
  renderStatus(d);
  if (flags.draw || flags.params || needSample()) request();
  else if (interacting() && !idleTimer) {
    // one more frame once the input rests: the statistics table, throttled while dragging
    idleTimer = setTimeout(() => { idleTimer = 0; flags.draw = true; request(); }, IDLE_MS);
  }
}

let backKey = '';
function drawOverlays(L, d) {
  const { W, H, dpr } = size;
  // the back layer (frames, grid, ticks) changes only with the layout
  const key = JSON.stringify([W, H, dpr, L.mode, L.cells.map((c) => [c.rect, c.range, c.a, c.b])]);
  if (key !== backKey) {
    backKey = key;
    drawBack(prepare($('back'), W, H, dpr), L, { n: valid.n });
  }
  const values = new Map();
  const c0 = L.cells[0];
  drawFront(prepare($('front'), W, H, dpr), L, {
    mean: valid.mean, cov: valid.cov,
    values: (i) => {
      if (!values.has(i)) values.set(i, columnValues(i, d));
      return values.get(i);
    },
    handles: L.mode === 'pair', active: pointer?.id, hover, selected: state.pair,
    ellipsoid: L.mode === '3d' ? ellipsoidFactor([c0.a, c0.b, c0.c], valid.cov) : null,
  });
}

/** A factor F (S = F Fᵀ) of the 3 x 3 covariance of axes `idx`, from the package (its symmetric square root), or null. */
let ellipsoid = { key: '', F: null };
function ellipsoidFactor(idx, cov) {
  const S = idx.map((i) => idx.map((j) => cov[i][j]));
  const key = JSON.stringify(S);
  if (key !== ellipsoid.key) {
    let F = null;
    try {
      const dist = sampler.distribution([0, 0, 0], S, { method: 'eigh' });
      try { F = factorOf(dist); } finally { dist.free(); }
    } catch (e) {
      console.warn(e);
    }
    ellipsoid = { key, F };
  }
  return ellipsoid.F;
}

// ---------------------------------------------------------------------------------------------
// Statistics, status, report, code

function shownStats(d) {
  if (!buf || d.kind === 'none') return null;
  let { mean, cov } = buf.stats;
  let target = d.kind === 'stale' ? buf : valid;
  if (d.kind === 'preview') {
    mean = d.A.map((row, i) => row.reduce((s, v, k) => s + v * mean[k], d.c[i]));
    cov = matmul(matmul(d.A, cov), transpose(d.A));
    target = valid;
  }
  return { mean, cov, targetMean: target.mean, targetCov: target.cov, used: buf.m, of: buf.N };
}

function renderStats(d) {
  const s = shownStats(d);
  if (!s) return;
  demo.stats = s;
  const n = s.mean.length, m = s.used;
  const [a, b] = state.pair;
  const rows = [];
  const z = (err, se) => (se > 0 ? err / se : null);
  const row = (name, v, t, se, sel) => {
    const e = v - t, zz = z(e, se);
    const cls = zz === null ? '' : Math.abs(zz) < 3 ? 'z-ok' : 'z-warn';
    rows.push(`<tr${sel ? ' class="sel"' : ''}><td>${name}</td><td>${fmt(v, 4)}</td><td class="target">${fmt(t, 4)}</td><td>${fmt(e, 4)}</td><td class="${cls}">${zz === null ? '–' : fmt(zz, 2)}</td></tr>`);
  };
  const T = s.targetCov;
  const sub = (i) => '₀₁₂₃₄₅₆₇₈₉'[i + 1];
  for (let i = 0; i < n; i++) row(`μ${sub(i)}`, s.mean[i], s.targetMean[i], Math.sqrt(Math.max(T[i][i], 0) / m), i === a || i === b);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      row(`Σ${sub(i)}${sub(j)}`, s.cov[i][j], T[i][j], Math.sqrt((T[i][i] * T[j][j] + T[i][j] ** 2) / m), (i === a || i === b) && (j === a || j === b));
    }
  }
  $('stats').tBodies[0].innerHTML = rows.join('');
  const src = gpu ? 'read back from the GPU' : 'on the CPU';
  $('stats-caption').textContent = `The first ${commas(m)} of ${commas(s.of)} samples (${src}); z = error ÷ its standard error${d.kind === 'preview' ? ' · previewing the same z under the new Σ' : ''}.`;
}

function renderStatus(d = display()) {
  if (!valid) return;
  const N = buf?.N ?? state.N;
  const kind = d?.kind;
  let note = kind === 'preview' ? ' · same z, resampling when you pause' : kind === 'stale' ? ' · sampling…' : '';
  if (layout?.mode === 'matrix' && demo.perCell < N) note += ` · each cell shows the first ${commas(demo.perCell)}`;
  $('points-info').textContent = `${commas(N)} points · n = ${valid.n}${note}`;
  $('t-factor').textContent = ms(timings.factorMs);
  $('t-sample').textContent = sampleError ? 'failed' : ms(timings.sampleMs);
  $('t-readback').textContent = gpu ? ms(timings.readbackMs) : 'none (CPU)';
  $('t-draw').textContent = ms(timings.drawMs);
  const recent = frameTimes.length && now() - frameTimes[frameTimes.length - 1] < 1500;
  $('fps').textContent = demo.fps ? demo.fps.toFixed(demo.fps < 10 ? 1 : 0) : '–';
  $('fps').parentElement.classList.toggle('stale', !recent);
  if (sampleError) {
    $('bench-out').textContent = `sampling failed: ${sampleError.message ?? sampleError}`;
  }
}

const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function codeText() {
  const v = valid;
  const [k0, k1] = state.key;
  const seed = (BigInt(k0) << 32n) | BigInt(k1);
  const cov = v.cov.map((r) => `  [${r.map(f32str).join(', ')}],`).join('\n');
  return `import { Sampler } from 'mvn-gpu';

// WebGPU where the browser has it, else the CPU (wasm)
const sampler = await Sampler.create();
const mean = [${v.mean.map(f32str).join(', ')}];
const cov = [
${cov}
];
const { data, shape } = await sampler.multivariateNormal(mean, cov, {
  shape: [${state.N}],
  key: Uint32Array.of(${k0}, ${k1}), // = key(${seed}${seed > BigInt(Number.MAX_SAFE_INTEGER) ? 'n' : ''})
  method: '${v.method}',
});
// shape: [${state.N}, ${v.n}]; data: Float32Array, row-major
console.log(shape, data.subarray(0, ${v.n}));

// To render them, keep them on the GPU:
// multivariateNormalToBuffer(mean, cov, opts)
//   -> { buffer: GPUBuffer, device, shape }
`;
}

function renderCode() {
  if (!valid) return;
  const text = codeText();
  const html = text.split('\n').map((line) => {
    const i = line.indexOf('//');
    const [code, comment] = i >= 0 ? [line.slice(0, i), line.slice(i)] : [line, ''];
    const c = esc(code)
      .replace(/('[^']*')/g, '<span class="s">$1</span>')
      .replace(/\b(import|from|const|await)\b/g, '<span class="k">$1</span>');
    return c + (comment ? `<span class="c">${esc(comment)}</span>` : '');
  }).join('\n');
  $('code').firstElementChild.innerHTML = html;
  $('code').dataset.text = text;
}

// ---------------------------------------------------------------------------------------------
// Controls

const SUBS = '₀₁₂₃₄₅₆₇₈₉';

function buildInputs() {
  const n = state.n;
  const grid = $('cov-inputs');
  grid.innerHTML = '';
  grid.style.gridTemplateColumns = `22px repeat(${n}, minmax(0, 1fr))`;
  grid.classList.toggle('dense', n > 5);
  const label = (text, cls = '') => {
    const el = document.createElement('span');
    el.className = `lab ${cls}`;
    el.textContent = text;
    return el;
  };
  const make = (id, label) => {
    const el = document.createElement('input');
    el.type = 'text';
    el.inputMode = 'decimal';
    el.id = id;
    el.spellcheck = false;
    el.autocomplete = 'off';
    el.setAttribute('aria-label', label);
    el.title = label;
    return el;
  };
  grid.append(label(''));
  for (let j = 0; j < n; j++) grid.append(label(coordName(j), 'head'));
  grid.append(label('μ', 'row'));
  for (let i = 0; i < n; i++) {
    const el = make(`mean-${i}`, `μ${SUBS[i + 1]}`);
    el.classList.add('mean');
    el.addEventListener('input', () => onEntry(el, 'mean', i, i));
    el.addEventListener('change', () => maybeRefit());
    grid.append(el);
  }
  for (let i = 0; i < n; i++) {
    grid.append(label(i === 0 ? 'Σ' : '', 'row'));
    for (let j = 0; j < n; j++) {
      const el = make(`cov-${i}-${j}`, `Σ${SUBS[i + 1]}${SUBS[j + 1]}`);
      if (i === j) el.classList.add('diag');
      if (i === 0) el.classList.add('first');
      el.addEventListener('input', () => onEntry(el, 'cov', i, j));
      el.addEventListener('change', () => maybeRefit());
      grid.append(el);
    }
  }
  syncInputs(true);
}

function onEntry(el, what, i, j) {
  const v = el.value.trim() === '' ? NaN : Number(el.value);
  if (what === 'mean') state.mean[i] = v;
  else {
    state.cov[i][j] = v;
    if (state.symmetric && i !== j) {
      state.cov[j][i] = v;
      const other = $(`cov-${j}-${i}`);
      if (other) other.value = el.value;
    }
  }
  document.querySelectorAll('.grid-inputs input.edited').forEach((x) => x.classList.remove('edited'));
  el.classList.add('edited');
  lastInputAt = now();
  flags.params = true;
  syncSliders();
  request();
}

function syncInputs(all = false) {
  const n = state.n;
  const [a, b] = state.pair;
  for (let i = 0; i < n; i++) {
    const el = $(`mean-${i}`);
    if (!el) continue;
    if (all || document.activeElement !== el) el.value = Number.isFinite(state.mean[i]) ? f32str(state.mean[i]) : el.value;
    el.classList.toggle('sel', i === a || i === b);
    for (let j = 0; j < n; j++) {
      const c = $(`cov-${i}-${j}`);
      if (all || document.activeElement !== c) c.value = Number.isFinite(state.cov[i][j]) ? f32str(state.cov[i][j]) : c.value;
      c.classList.toggle('sel', (i === a || i === b) && (j === a || j === b));
    }
  }
}

function syncSliders() {
  const [a, b] = state.pair;
  const C = state.cov;
  const sx = Math.sqrt(Math.max(C[a][a], 0)), sy = Math.sqrt(Math.max(C[b][b], 0));
  const rho = sx > 0 && sy > 0 ? C[a][b] / (sx * sy) : 0;
  if (Number.isFinite(sx)) { $('sx').value = sx; $('sx-out').textContent = fmt(sx, 2); }
  if (Number.isFinite(sy)) { $('sy').value = sy; $('sy-out').textContent = fmt(sy, 2); }
  if (Number.isFinite(rho)) { $('rho').value = rho; $('rho-out').textContent = fmt(rho, 2); }
  $('sx-label').textContent = `σ${SUBS[a + 1]}`;
  $('sy-label').textContent = `σ${SUBS[b + 1]}`;
  $('rho-label').textContent = 'ρ';
  $('shape-title').textContent = `Shape of (${coordName(a)}, ${coordName(b)})`;
}

/** Sets the (a, b) block to σa², ρσaσb, σb²; for n > 2 through x' = μ + T(x − μ), which keeps Σ PSD. */
function setPairShape(sx, sy, rho) {
  if (covError && valid) {
    state.mean = valid.mean.slice();
    state.cov = valid.cov.map((r) => r.slice());
  }
  const [a, b] = state.pair;
  const C = state.cov.map((r) => r.slice());
  const nb = [[sx * sx, rho * sx * sy], [rho * sx * sy, sy * sy]];
  const ob = [[C[a][a], C[a][b]], [C[b][a], C[b][b]]];
  if (state.n > 2) {
    const chol2 = (B) => {
      const l00 = Math.sqrt(Math.max(B[0][0], 0));
      const l10 = l00 > 0 ? B[1][0] / l00 : 0;
      const l11 = Math.sqrt(Math.max(B[1][1] - l10 * l10, 0));
      return [[l00, 0], [l10, l11]];
    };
    const Lo = chol2(ob), Ln = chol2(nb);
    if (Lo[0][0] > 1e-9 && Lo[1][1] > 1e-6 * Lo[0][0]) {
      const inv = [[1 / Lo[0][0], 0], [-Lo[1][0] / (Lo[0][0] * Lo[1][1]), 1 / Lo[1][1]]];
      const T2 = matmul(Ln, inv);
      const T = identity(state.n);
      T[a][a] = T2[0][0]; T[a][b] = T2[0][1]; T[b][a] = T2[1][0]; T[b][b] = T2[1][1];
      const out = matmul(matmul(T, C), transpose(T));
      for (let i = 0; i < state.n; i++) for (let j = 0; j < state.n; j++) C[i][j] = i <= j ? out[i][j] : out[j][i];
    }
  }
  C[a][a] = nb[0][0];
  C[b][b] = nb[1][1];
  C[a][b] = C[b][a] = nb[0][1];
  state.cov = C;
  lastInputAt = now();
  flags.params = true;
  syncInputs();
  request();
}

function onSlider() {
  const sx = Number($('sx').value), sy = Number($('sy').value), rho = Number($('rho').value);
  $('sx-out').textContent = fmt(sx, 2);
  $('sy-out').textContent = fmt(sy, 2);
  $('rho-out').textContent = fmt(rho, 2);
  setPairShape(sx, sy, rho);
}

function niceCount(v) {
  const p = 10 ** Math.floor(Math.log10(v) - 1);
  return clamp(Math.round(v / p) * p, 1000, 10_000_000);
}

function setCount(N, fromSlider = false) {
  const cap = gpu ? 10_000_000 : CPU_MAX;
  state.N = Math.min(N, cap);
  if (!fromSlider) $('count').value = Math.log10(state.N);
  $('count-out').textContent = commas(state.N);
  document.querySelectorAll('.chips button').forEach((b) => b.classList.toggle('on', Number(b.dataset.count) === state.N));
  const mb = (state.N * state.n * 4) / 2 ** 20;
  $('count-note').textContent = !gpu
    ? `CPU fallback: at most ${commas(CPU_MAX)} samples${N > CPU_MAX ? ` (asked for ${commas(N)})` : ''}.`
    : state.N >= 1_000_000 ? `${commas(state.N)} × ${state.n} float32 = ${mb.toFixed(mb < 10 ? 1 : 0)} MiB, kept on the GPU.` : '';
  lastInputAt = now();
  renderCode();
  scheduleHash();
  request();
}

function setKey(k) {
  state.key = Uint32Array.from(k);
  $('key').value = `${state.key[0]}, ${state.key[1]}`;
  if (document.activeElement !== $('seed')) $('seed').value = String((BigInt(state.key[0]) << 32n) | BigInt(state.key[1]));
  $('key-error').hidden = true;
  renderCode();
  scheduleHash();
  request();
}

function parseKey(text) {
  const parts = text.replace(/[[\]()]/g, ' ').split(/[\s,]+/).filter(Boolean);
  if (parts.length !== 2) return null;
  const words = parts.map((p) => Number(p));
  return words.every((w) => Number.isInteger(w) && w >= 0 && w < 2 ** 32) ? words : null;
}

function fillSelect(el, n, value) {
  el.innerHTML = '';
  for (let i = 0; i < n; i++) el.add(new Option(coordName(i), String(i)));
  el.value = String(value);
}

function syncViewControls() {
  const n = state.n;
  if (state.view === '3d' && n < 3) state.view = 'pair';
  $('view').value = state.view;
  $('view').querySelector('option[value="3d"]').disabled = n < 3;
  fillSelect($('pair-x'), n, state.pair[0]);
  fillSelect($('pair-y'), n, state.pair[1]);
  fillSelect($('pair-z'), n, viewIndicesFor()[2]);
  $('pair-z-wrap').hidden = state.view !== '3d';
  $('pair-x-wrap').hidden = n === 2 && state.view !== 'pair';
  $('pair-y-wrap').hidden = n === 2 && state.view !== 'pair';
  $('shading').value = state.shading;
  $('method').value = state.method;
  $('dim').value = String(n);
  const hints = {
    pair: 'drag the mean · drag the handles on the 1σ ellipse · wheel to zoom · double-click to fit',
    matrix: 'click a cell to open that pair',
    '3d': 'drag to orbit · wheel to zoom · orange: the 1σ ellipsoid',
  };
  $('plot-hint').textContent = hints[state.view];
}

function viewIndicesFor() {
  const [a, b] = state.pair;
  let c = state.third;
  if (c === a || c === b || c >= state.n) c = [0, 1, 2, 3].find((i) => i !== a && i !== b);
  return [a, b, c];
}

function setN(n, { view } = {}) {
  n = clamp(Math.round(n), 2, MAX_N);
  const old = state.n;
  const mean = Array.from({ length: n }, (_, i) => (i < old ? state.mean[i] : 0));
  const cov = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i < old && j < old ? state.cov[i][j] : i === j ? 1 : 0)));
  state.n = n;
  state.mean = mean;
  state.cov = cov;
  state.view = view ?? (n === 2 ? 'pair' : n === 3 ? '3d' : 'matrix');
  if (state.pair[0] >= n || state.pair[1] >= n || state.pair[0] === state.pair[1]) state.pair = [0, 1];
  if (state.third >= n || state.pair.includes(state.third)) state.third = viewIndicesFor()[2] ?? 2;
  afterStructureChange();
}

function afterStructureChange() {
  buildInputs();
  syncViewControls();
  syncSliders();
  setCount(state.N);
  flags.params = true;
  viewKey = '';
  request();
}

const PRESETS = {
  correlated: () => ({ n: 2, mean: [0.5, -0.25], cov: [[1.44, 0.576], [0.576, 0.64]], view: 'pair' }),
  singular: () => ({ n: 2, mean: [0, 0], cov: [[1, 1], [1, 1]], view: 'pair' }),
  indefinite: () => ({ n: 2, mean: [0, 0], cov: [[1, 2], [2, 1]], view: 'pair' }),
  tilted3: () => ({ n: 3, mean: [0, 0, 0], cov: [[1, 0.6, 0.3], [0.6, 1.2, -0.4], [0.3, -0.4, 0.5]], view: '3d' }),
  ar5: () => ({ n: 5, mean: [0, 0.5, 1, 1.5, 2], cov: [0, 1, 2, 3, 4].map((i) => [0, 1, 2, 3, 4].map((j) => Number((0.8 ** Math.abs(i - j)).toFixed(4)))), view: 'matrix' }),
  factor8: () => {
    const B = [[0.9, 0.1], [0.8, 0.3], [0.7, -0.2], [0.2, 0.9], [0.1, 0.8], [-0.3, 0.7], [0.5, 0.5], [0.6, -0.5]];
    const cov = B.map((bi, i) => B.map((bj, j) => Number((bi[0] * bj[0] + bi[1] * bj[1] + (i === j ? 0.25 : 0)).toFixed(4))));
    return { n: 8, mean: [0, 0, 0, 0, 0, 0, 0, 0], cov, view: 'matrix' };
  },
};

function applyPreset(name) {
  const p = PRESETS[name]?.();
  if (!p) return;
  state.n = p.n;
  state.mean = p.mean;
  state.cov = p.cov;
  state.view = p.view;
  state.pair = [0, 1];
  state.third = 2;
  afterStructureChange();
}

/** Sets inputs programmatically (tests, the URL): any of n, mean, cov, N, method, view, pair, shading, seed, key. */
function set(p = {}) {
  if (p.n !== undefined && p.n !== state.n) setN(p.n, { view: p.view });
  if (p.mean) state.mean = p.mean.slice();
  if (p.cov) state.cov = p.cov.map((r) => r.slice());
  if (p.mean || p.cov) {
    state.n = state.mean.length;
    buildInputs();
    syncSliders();
    flags.params = true;
  }
  if (p.method) { state.method = p.method; flags.params = true; }
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
  flags.draw = true;
  request();
  return idle().then(() => { maybeRefit(); return idle(); });
}

function idle() {
  return new Promise((resolve) => {
    const check = () => {
      if (sampler && !flags.params && !flags.draw && !sampling && !drawing && !rafPending && !needSample() && !interacting() && !idleTimer) resolve();
      else setTimeout(check, 25);
    };
    check();
  });
}

const nextFrame = () => new Promise((r) => requestAnimationFrame(() => r()));

/**
 * Measures (1) a drag: ρ of the shown pair animated for `seconds`, frames drawn with the same z,
 * and (2) the full path per frame: factor + sample + readback + draw, `full` times.
 */
async function benchmark({ seconds = 2.5, full = 3 } = {}) {
  await idle();
  const btn = $('bench');
  btn.disabled = true;
  $('bench-out').textContent = 'measuring…';
  const saved = { mean: state.mean.slice(), cov: state.cov.map((r) => r.slice()) };
  const [a, b] = state.pair;
  const sx = Math.sqrt(state.cov[a][a]), sy = Math.sqrt(state.cov[b][b]);
  const rho0 = clamp(state.cov[a][b] / (sx * sy), -0.7, 0.7);
  const yaw0 = cam?.yaw;
  benchActive = true;
  const c0 = demo.drawCount;
  const draws = [];
  const t0 = now();
  let lastCount = c0;
  while (now() - t0 < seconds * 1000) {
    const t = (now() - t0) / 1000;
    if (state.view === '3d' && valid.n >= 3) {
      cam.yaw = yaw0 + 0.6 * Math.sin(2 * Math.PI * t / 2.5);
      flags.draw = true;
    } else {
      setPairShape(sx, sy, rho0 + 0.25 * Math.sin((2 * Math.PI * t) / 1.25));
    }
    request();
    await nextFrame();
    if (demo.drawCount !== lastCount) { lastCount = demo.drawCount; draws.push(timings.drawMs); }
  }
  while (drawing) await nextFrame();
  const elapsed = now() - t0;
  const frames = demo.drawCount - c0;
  benchActive = false;
  if (yaw0 !== undefined) cam.yaw = yaw0;
  state.mean = saved.mean;
  state.cov = saved.cov;
  flags.params = true;
  syncInputs();
  syncSliders();
  request();
  await idle();
  // the full path, every frame a new sample
  const fullMs = [];
  const parts = { sampleMs: [], readbackMs: [], drawMs: [] };
  for (let i = 0; i < full; i++) {
    const t1 = now();
    flags.params = true; // a new distribution object: factor, sample, read back, draw
    lastInputAt = -1e9;
    request();
    await idle();
    fullMs.push(now() - t1);
    parts.sampleMs.push(timings.sampleMs);
    parts.readbackMs.push(timings.readbackMs);
    parts.drawMs.push(timings.drawMs);
  }
  const med = (xs) => xs.slice().sort((p, q) => p - q)[Math.floor(xs.length / 2)];
  const dragDraw = draws.length ? draws.reduce((s, v) => s + v, 0) / draws.length : null;
  const result = {
    N: state.N, n: valid.n, view: state.view, backend: demo.backend,
    dragFps: (frames * 1000) / elapsed, dragFrames: frames, dragDrawMs: dragDraw,
    fullFrameMs: med(fullMs), fullFps: 1000 / med(fullMs),
    sampleMs: med(parts.sampleMs), readbackMs: med(parts.readbackMs), drawMs: med(parts.drawMs), factorMs: timings.factorMs,
  };
  demo.bench = result;
  $('bench-out').textContent = `${commas(result.N)} points: drag ${result.dragFps.toFixed(1)} fps (draw ${ms(dragDraw)}) · resample every frame ${result.fullFps.toFixed(1)} fps (${ms(result.fullFrameMs)})`;
  btn.disabled = false;
  return result;
}

/** The points canvas' pixels, rendered again with a copy: { width, height, nonzero, grid (24 x 24 sums) }. */
async function pixels() {
  await idle();
  while (drawing) await nextFrame();
  const d = display();
  if (!buf || !d || d.kind === 'none') return null;
  drawing = true;
  let img;
  try {
    img = await renderer.draw(renderCells(layout ?? currentLayout(), d), { shading: state.shading, capture: true });
  } finally {
    drawing = false;
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

// ---------------------------------------------------------------------------------------------
// Pointer interaction on the plot

function hitHandle(px, py) {
  if (!layout || layout.mode !== 'pair' || !valid) return null;
  const hs = pairHandles(layout.cells[0], valid.mean, valid.cov);
  let best = null, bd = 13;
  for (const h of hs) {
    const dist = Math.hypot(h.px[0] - px, h.px[1] - py);
    if (dist < bd || (h.id !== 'mean' && dist < bd + 2)) { best = h; bd = dist; }
  }
  return best;
}

const roundTo = (v, step) => Number((Math.round(v / step) * step).toFixed(Math.max(0, -Math.floor(Math.log10(step)))));
const dataStep = () => 10 ** Math.floor(Math.log10(1 / pairView.k));

function localXY(e) {
  const r = $('front').getBoundingClientRect();
  return [e.clientX - r.left, e.clientY - r.top];
}

function onPointerDown(e) {
  if (!valid || !layout) return;
  const [px, py] = localXY(e);
  if (covError) {
    state.mean = valid.mean.slice();
    state.cov = valid.cov.map((r) => r.slice());
    showCovError(null);
    syncInputs(true);
  }
  if (layout.mode === 'pair') {
    const cell = layout.cells[0], r = cell.rect;
    const h = hitHandle(px, py);
    const [x, y] = fromPx(cell, px, py);
    const [a, b] = state.pair;
    if (h && h.id !== 'mean') pointer = { id: h.id, other: h.other };
    else if (h || (px >= r.x && px <= r.x + r.w && py >= r.y && py <= r.y + r.h)) pointer = { id: 'mean', off: [x - state.mean[a], y - state.mean[b]] };
    else return;
  } else if (layout.mode === 'matrix') {
    const cell = layout.cells.find((c) => px >= c.rect.x && px <= c.rect.x + c.rect.w && py >= c.rect.y && py <= c.rect.y + c.rect.h);
    if (!cell) return;
    pointer = { id: 'click', cell, start: [px, py] };
  } else {
    pointer = { id: 'orbit', last: [px, py] };
  }
  pointer.pointerId = e.pointerId;
  $('front').setPointerCapture(e.pointerId);
  $('front').classList.add('grabbing');
  e.preventDefault();
  flags.draw = true;
  request();
}

function onPointerMove(e) {
  const [px, py] = localXY(e);
  if (!pointer) {
    if (layout?.mode === 'pair') {
      const h = hitHandle(px, py);
      const id = h?.id ?? null;
      $('front').classList.toggle('grab', !!h);
      if (id !== hover) { hover = id; flags.draw = true; request(); }
    } else {
      $('front').classList.toggle('grab', layout?.mode === '3d');
    }
    return;
  }
  if (pointer.id === 'orbit') {
    cam.yaw += (px - pointer.last[0]) * 0.008;
    cam.pitch = clamp(cam.pitch + (py - pointer.last[1]) * 0.008, -1.5, 1.5);
    pointer.last = [px, py];
    flags.draw = true;
    request();
    return;
  }
  if (pointer.id === 'click') return;
  const cell = layout.cells[0];
  const [x, y] = fromPx(cell, px, py);
  const [a, b] = state.pair;
  const step = dataStep();
  if (pointer.id === 'mean') {
    state.mean[a] = roundTo(x - pointer.off[0], step);
    state.mean[b] = roundTo(y - pointer.off[1], step);
    lastInputAt = now();
    flags.params = true;
    syncInputs();
    request();
  } else {
    const d = [x - state.mean[a], y - state.mean[b]];
    const len = Math.hypot(d[0], d[1]);
    if (len < 1e-9) return;
    const u = [d[0] / len, d[1] / len];
    const l = len * len, o = pointer.other;
    const S = [[l * u[0] * u[0] + o * u[1] * u[1], (l - o) * u[0] * u[1]], [0, l * u[1] * u[1] + o * u[0] * u[0]]];
    const sx = Math.max(roundTo(Math.sqrt(S[0][0]), step), step);
    const sy = Math.max(roundTo(Math.sqrt(S[1][1]), step), step);
    const rho = clamp(roundTo(S[0][1] / (Math.sqrt(S[0][0] * S[1][1]) || 1), 0.001), -1, 1);
    setPairShape(sx, sy, rho);
    syncSliders();
  }
}

function onPointerUp(e) {
  if (!pointer) return;
  const p = pointer;
  pointer = null;
  $('front').classList.remove('grabbing');
  try { $('front').releasePointerCapture(e.pointerId); } catch { /* released */ }
  if (p.id === 'click') {
    const [px, py] = localXY(e);
    if (Math.hypot(px - p.start[0], py - p.start[1]) < 6) {
      const c = p.cell;
      state.pair = c.kind === 'hist' ? [c.i, c.i === 0 ? 1 : 0] : [c.a, c.b];
      state.view = 'pair';
      syncViewControls();
      syncSliders();
      syncInputs();
      viewKey = '';
    }
  }
  lastInputAt = now();
  flags.draw = true;
  request();
  setTimeout(maybeRefit, IDLE_MS + 20);
}

function onWheel(e) {
  if (!layout) return;
  e.preventDefault();
  const f = Math.exp(-e.deltaY * 0.0015);
  if (layout.mode === 'pair') {
    const [px, py] = localXY(e);
    const [x, y] = fromPx(layout.cells[0], px, py);
    const k = pairView.k * f;
    pairView = { cx: x - (x - pairView.cx) / f, cy: y - (y - pairView.cy) / f, k };
  } else if (layout.mode === '3d') {
    cam.zoom = clamp(cam.zoom * f, 0.2, 8);
  } else return;
  flags.draw = true;
  request();
}

// ---------------------------------------------------------------------------------------------
// URL hash: the view is reproducible from its address.

let hashTimer = 0;
function scheduleHash() {
  clearTimeout(hashTimer);
  hashTimer = setTimeout(() => {
    if (!valid) return;
    const p = new URLSearchParams({
      n: String(valid.n), mean: valid.mean.map(f32str).join(','), cov: valid.cov.flat().map(f32str).join(','),
      N: String(state.N), key: `${state.key[0]}.${state.key[1]}`, method: valid.method, view: state.view,
      pair: state.pair.join('.'), shade: state.shading,
    });
    history.replaceState(null, '', `#${p}`);
  }, 300);
}

function readHash() {
  if (location.hash.length < 2) return;
  try {
    const p = new URLSearchParams(location.hash.slice(1));
    const n = Number(p.get('n'));
    const mean = p.get('mean')?.split(',').map(Number);
    const flat = p.get('cov')?.split(',').map(Number);
    if (n >= 2 && n <= MAX_N && mean?.length === n && flat?.length === n * n) {
      state.n = n;
      state.mean = mean;
      state.cov = Array.from({ length: n }, (_, i) => flat.slice(i * n, i * n + n));
    }
    const N = Number(p.get('N'));
    if (N >= 1000 && N <= 10_000_000) state.N = Math.round(N);
    const k = p.get('key')?.split('.').map(Number);
    if (k?.length === 2 && k.every((w) => Number.isInteger(w) && w >= 0 && w < 2 ** 32)) state.key = Uint32Array.from(k);
    if (['cholesky', 'eigh', 'svd'].includes(p.get('method'))) state.method = p.get('method');
    if (['pair', 'matrix', '3d'].includes(p.get('view'))) state.view = p.get('view');
    const pair = p.get('pair')?.split('.').map(Number);
    if (pair?.length === 2 && pair.every((i) => Number.isInteger(i) && i >= 0 && i < state.n) && pair[0] !== pair[1]) state.pair = pair;
    if (['density', 'additive'].includes(p.get('shade'))) state.shading = p.get('shade');
  } catch { /* a malformed address: the defaults */ }
}

// ---------------------------------------------------------------------------------------------
// Start

function wire() {
  const dim = $('dim');
  for (let n = 2; n <= MAX_N; n++) dim.add(new Option(String(n), String(n)));
  dim.addEventListener('change', () => setN(Number(dim.value)));
  $('method').addEventListener('change', () => { state.method = $('method').value; flags.params = true; request(); });
  $('preset').addEventListener('change', () => { applyPreset($('preset').value); $('preset').value = ''; });
  $('view').addEventListener('change', () => { state.view = $('view').value; syncViewControls(); viewKey = ''; flags.draw = true; scheduleHash(); request(); });
  const pick = (which) => () => {
    const v = Number($(`pair-${which}`).value);
    if (which === 'z') state.third = v;
    else {
      const i = which === 'x' ? 0 : 1;
      if (state.pair[1 - i] === v) state.pair[1 - i] = state.pair[i];
      state.pair[i] = v;
    }
    syncViewControls();
    syncSliders();
    syncInputs();
    viewKey = '';
    flags.draw = true;
    scheduleHash();
    request();
  };
  $('pair-x').addEventListener('change', pick('x'));
  $('pair-y').addEventListener('change', pick('y'));
  $('pair-z').addEventListener('change', pick('z'));
  $('shading').addEventListener('change', () => { state.shading = $('shading').value; flags.draw = true; scheduleHash(); request(); });
  for (const id of ['sx', 'sy', 'rho']) {
    $(id).addEventListener('input', onSlider);
    $(id).addEventListener('change', () => setTimeout(maybeRefit, IDLE_MS + 20));
  }
  $('symmetric').addEventListener('change', () => { state.symmetric = $('symmetric').checked; });
  $('count').addEventListener('input', () => setCount(niceCount(10 ** Number($('count').value)), true));
  document.querySelectorAll('.chips button').forEach((b) => b.addEventListener('click', () => setCount(Number(b.dataset.count))));
  $('seed').addEventListener('input', () => {
    const t = $('seed').value.trim();
    if (!/^\d+$/.test(t) || BigInt(t) >= 1n << 64n) {
      $('key-error').hidden = false;
      $('key-error').textContent = 'The seed is an integer in [0, 2⁶⁴).';
      return;
    }
    setKey(keyFromSeed(BigInt(t)));
  });
  $('key').addEventListener('input', () => {
    const k = parseKey($('key').value);
    if (!k) {
      $('key-error').hidden = false;
      $('key-error').textContent = 'A key is two unsigned 32-bit integers, e.g. 0, 42.';
      return;
    }
    state.key = Uint32Array.from(k);
    $('seed').value = String((BigInt(k[0]) << 32n) | BigInt(k[1]));
    $('key-error').hidden = true;
    renderCode();
    scheduleHash();
    request();
  });
  $('resample').addEventListener('click', () => setKey(split(state.key)[0]));
  $('fit').addEventListener('click', () => { viewKey = ''; flags.draw = true; request(); });
  $('bench').addEventListener('click', () => benchmark());
  $('copy').addEventListener('click', async () => {
    const text = $('code').dataset.text ?? '';
    let ok = false;
    try {
      await navigator.clipboard.writeText(text);
      ok = true;
    } catch {
      const range = document.createRange();
      range.selectNodeContents($('code'));
      const sel = getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
      try { ok = document.execCommand('copy'); } catch { ok = false; }
    }
    $('copy').textContent = ok ? 'Copied ✓' : 'Select and copy';
    setTimeout(() => { $('copy').textContent = 'Copy code'; }, 1600);
  });
  const front = $('front');
  front.addEventListener('pointerdown', onPointerDown);
  front.addEventListener('pointermove', onPointerMove);
  front.addEventListener('pointerup', onPointerUp);
  front.addEventListener('pointercancel', onPointerUp);
  front.addEventListener('pointerleave', () => { if (!pointer && hover) { hover = null; flags.draw = true; request(); } });
  front.addEventListener('wheel', onWheel, { passive: false });
  front.addEventListener('dblclick', () => { viewKey = ''; flags.draw = true; request(); });
  new ResizeObserver(() => {
    const el = $('plot');
    const dpr = Math.min(window.devicePixelRatio || 1, 2);
    size = { W: el.clientWidth, H: el.clientHeight, dpr };
    renderer?.resize(Math.round(size.W * dpr), Math.round(size.H * dpr));
    if (valid && pairView && state.view === 'pair') {
      // keep the centre and the scale; refit only if the distribution left the view
      setTimeout(maybeRefit, 0);
    }
    flags.draw = true;
    request();
  }).observe($('plot'));
}

async function adapterName(s) {
  const info = s.adapterInfo;
  if (info?.name) return info.name;
  try {
    const a = await navigator.gpu.requestAdapter();
    const i = a?.info;
    const name = [i?.vendor, i?.architecture, i?.description].filter(Boolean).join(' ');
    if (name) return name;
  } catch { /* no details */ }
  return 'adapter name hidden by the browser';
}

function showBackend(reason) {
  const badge = $('backend');
  badge.classList.toggle('webgpu', gpu);
  badge.classList.toggle('cpu', !gpu);
  $('backend-text').innerHTML = gpu
    ? `<b>WebGPU</b> · ${esc(demo.adapter ?? '')}`
    : '<b>CPU fallback</b> · wasm + 2-D canvas';
  badge.title = gpu ? `WebGPU adapter: ${demo.adapter}` : reason ?? '';
  const notice = $('backend-notice');
  if (!gpu) {
    notice.hidden = false;
    notice.innerHTML = `<div><b>Running on the CPU.</b> ${esc(reason || 'WebGPU is not available in this browser.')} Samples are drawn on the CPU (WebAssembly) and plotted with a 2-D canvas, at most ${commas(CPU_MAX)} of them.</div>`;
  } else {
    notice.hidden = true;
  }
}

async function start() {
  readHash();
  wire();
  state.n = state.mean.length;
  buildInputs();
  syncViewControls();
  syncSliders();
  $('symmetric').checked = state.symmetric;
  setKey(state.key);
  let reason;
  sampler = await Sampler.create();
  demo.backend = sampler.backend;
  demo.fallbackReason = sampler.fallbackReason ?? null;
  reason = sampler.fallbackReason ? `WebGPU is unavailable (${sampler.fallbackReason}).` : undefined;
  if (sampler.backend === 'webgpu') {
    try {
      device = sampler.device;
      renderer = await new GpuRenderer(device, $('points')).init();
      gpu = true;
      demo.adapter = await adapterName(sampler);
      device.lost?.then((info) => fallbackToCpu(`The WebGPU device was lost (${info.message || info.reason}).`));
    } catch (e) {
      console.error(e);
      reason = `WebGPU rendering failed (${e.message ?? e}).`;
      sampler = await Sampler.create({ backend: 'cpu' });
      demo.backend = 'cpu';
      demo.fallbackReason = reason;
      const fresh = $('points').cloneNode();
      $('points').replaceWith(fresh);
      device = null;
      renderer = null;
    }
  }
  if (!gpu) renderer = await new CpuRenderer($('points')).init();
  const dpr = Math.min(window.devicePixelRatio || 1, 2);
  size = { W: $('plot').clientWidth, H: $('plot').clientHeight, dpr };
  renderer.resize(Math.round(size.W * dpr), Math.round(size.H * dpr));
  showBackend(reason);
  setCount(state.N);
  $('loading').textContent = 'Sampling…';
  flags.params = true;
  request();
  await idle();
  renderStatus();
}

/** A lost GPU device: carry on with the CPU sampler and the 2-D canvas. */
async function fallbackToCpu(reason) {
  if (!gpu) return;
  epoch++;
  gpu = false;
  device = null;
  sampler = null;
  console.warn(reason);
  const fresh = $('points').cloneNode();
  $('points').replaceWith(fresh);
  renderer = await new CpuRenderer(fresh).init();
  renderer.resize(Math.round(size.W * size.dpr), Math.round(size.H * size.dpr));
  try { valid?.dist.free(); } catch { /* the old sampler's */ }
  valid = null;
  buf = null;
  retired = [];
  columns.clear();
  failed = null;
  sampleError = null;
  sampler = await Sampler.create({ backend: 'cpu' });
  demo.backend = 'cpu';
  demo.fallbackReason = reason;
  demo.lastError = null;
  showBackend(reason);
  setCount(state.N);
  flags.params = true;
  flags.draw = true;
  request();
}

/** Viewport coordinates of the pair view's handles (mean, axis1, axis2), for tests. */
demo.handles = () => {
  if (!layout || layout.mode !== 'pair' || !valid) return null;
  const r = $('front').getBoundingClientRect();
  return pairHandles(layout.cells[0], valid.mean, valid.cov).map((h) => ({ id: h.id, x: r.left + h.px[0], y: r.top + h.px[1] }));
};

demo.set = set;
demo.idle = idle;
demo.pixels = pixels;
demo.benchmark = benchmark;
demo.code = () => $('code').dataset.text;
demo.prefix = (count = 4) => (buf ? Array.from(buf.prefix.subarray(0, count * buf.n)) : null);
demo.ready = start().then(() => demo, (e) => {
  console.error(e);
  demo.lastError = String(e?.message ?? e);
  $('loading').textContent = `The demo failed to start: ${demo.lastError}`;
  throw e;
});
