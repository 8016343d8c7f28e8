// What a frame draws: the view (fitted to the distribution, refitted when it leaves), the layout
// of its cells, the renderer's cells (projections through the affine preview, density scales),
// and the 2-D canvas overlays around the points (frames, ellipses, histograms, the 3-D ellipsoid).
import { pairLayout, fitPair, matrixLayout, fitRanges, orbitLayout, fitOrbit, pixelJacobian } from './view.js';
import { prepare, drawBack, drawFront } from './plot2d.js';
import { app, state } from './state.js';
import { matmul, transpose, factorOf } from './matrix.js';
import { $, clamp } from './util.js';

/** The shown axes [a, b, c]: the pair, and a third one for 3-D (another when it clashes). */
export function viewAxes(n = state.n) {
  const [a, b] = state.pair;
  let c = state.third;
  if (c === a || c === b || c >= n) c = [0, 1, 2].find((i) => i !== a && i !== b);
  return [a, b, c];
}

const orbit = (cam) => (cam ? { yaw: cam.yaw, pitch: cam.pitch, zoom: cam.zoom } : {});

/** Fits the view to the valid distribution when the view itself changed (its axes, its kind). */
function ensureView() {
  const { valid } = app;
  const key = `${state.view}|${valid.n}|${state.pair}|${state.third}`;
  if (key === app.viewKey && app.pairView && app.ranges && app.cam) return;
  app.viewKey = key;
  const [a, b, c] = viewAxes(valid.n);
  app.pairView = fitPair(app.size.W, app.size.H, valid.mean, valid.cov, a, b);
  app.ranges = fitRanges(valid.mean, valid.cov);
  if (valid.n >= 3) app.cam = fitOrbit(valid.mean, valid.cov, a, b, c, orbit(app.cam));
  else app.cam = app.cam ?? { yaw: -0.6, pitch: 0.35, zoom: 1, center: [0, 0, 0], scale: 1 };
}

/** Refits when the 3σ region left the view or shrank to a corner of it; false when not now (no input, a drag). */
export function fitView() {
  const { valid, layout, cam } = app;
  if (!valid || app.pointer) return false;
  ensureView();
  const { mean, cov } = valid;
  const out = (lo, hi, mu, s) => mu - 3 * s < lo || mu + 3 * s > hi || 6 * s < 0.2 * (hi - lo);
  const sd = (i) => Math.sqrt(Math.max(cov[i][i], 0));
  if (state.view === 'pair' && layout?.mode === 'pair') {
    const [a, b] = state.pair;
    const g = layout.cells[0].range;
    const outside = mean[a] - 3 * sd(a) < g.x0 || mean[a] + 3 * sd(a) > g.x1 || mean[b] - 3 * sd(b) < g.y0 || mean[b] + 3 * sd(b) > g.y1;
    const small = 6 * Math.max(sd(a), sd(b)) < 0.25 * Math.min(g.x1 - g.x0, g.y1 - g.y0);
    if (outside || small) app.pairView = fitPair(app.size.W, app.size.H, mean, cov, a, b);
  } else if (state.view === 'matrix') {
    if (app.ranges.some(([lo, hi], i) => out(lo, hi, mean[i], sd(i)))) app.ranges = fitRanges(mean, cov);
  } else if (valid.n >= 3) {
    const [a, b, c] = viewAxes(valid.n);
    const s = 3 * Math.max(sd(a), sd(b), sd(c), 1e-6);
    const moved = [a, b, c].some((i, k) => Math.abs(mean[i] - cam.center[k]) > 0.8 * cam.scale);
    if (moved || s > 1.6 * cam.scale || s < 0.45 * cam.scale) app.cam = fitOrbit(mean, cov, a, b, c, orbit(cam));
  }
  app.flags.draw = true;
  return true;
}

export function currentLayout() {
  ensureView();
  const { W, H } = app.size;
  const n = app.valid.n;
  const [a, b, c] = viewAxes(n);
  if (state.view === 'matrix') return matrixLayout(W, H, n, app.ranges);
  if (state.view === '3d' && n >= 3) return orbitLayout(W, H, a, b, c, app.cam);
  return pairLayout(W, H, a, b, app.pairView);
}

/** The renderer's cells: viewport, projection rows (with the affine update), density scale. */
function renderCells(L, d) {
  const { valid, buf } = app;
  const dpr = app.size.dpr;
  const n = valid.n;
  const N = buf.N;
  const S = d.kind === 'stale' ? buf.cov : valid.cov;
  const scatter = L.cells.filter((c) => c.kind !== 'hist');
  // The matrix draws every sample once per cell: past a budget of splats per frame, each cell
  // shows the first `count` samples (a fair subsample: they are independent).
  const budget = app.gpu ? 32e6 : 12e6;
  const count = scatter.length > 1 ? Math.min(N, Math.max(100_000, Math.floor(budget / scatter.length))) : N;
  app.perCell = count;
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

/** Draws the points of layout L as `d` shows them (`capture`: also returns the pixels). */
export function drawPoints(L, d, capture = false) {
  return app.renderer.draw(renderCells(L, d), { shading: state.shading, capture });
}

// Columns of the statistics' prefix (cached per drawn samples), through the affine update when previewing.
const columns = { seq: -1, cols: new Map() };
function columnValues(i, d) {
  const { buf } = app;
  if (!buf || d.kind === 'none' || i >= buf.n) return null;
  const { prefix, m, n } = buf;
  if (d.kind !== 'preview') {
    if (columns.seq !== buf.seq) {
      columns.seq = buf.seq;
      columns.cols.clear();
    }
    if (!columns.cols.has(i)) {
      const col = new Float32Array(m);
      for (let s = 0; s < m; s++) col[s] = prefix[s * n + i];
      columns.cols.set(i, col);
    }
    return columns.cols.get(i);
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

let backKey = ''; // the back layer (frames, grid, ticks) changes only with the layout
export function drawOverlays(L, d) {
  const { W, H, dpr } = app.size;
  const { valid } = app;
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
    handles: L.mode === 'pair', active: app.pointer?.id, hover: app.hover, selected: state.pair,
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
      const dist = app.sampler.distribution([0, 0, 0], S, { method: 'eigh' });
      try { F = factorOf(dist); } finally { dist.free(); }
    } catch (e) {
      console.warn(e);
    }
    ellipsoid = { key, F };
  }
  return ellipsoid.F;
}
