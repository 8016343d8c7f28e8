// The mouse on the plot: in the pair view drag the mean (anywhere) or the handles on the 1σ
// ellipse (its principal axes), wheel to zoom about the pointer; in the matrix click a cell to
// open that pair; in 3-D drag to orbit, wheel to zoom; double-click refits.
import { fromPx } from './view.js';
import { pairHandles } from './plot2d.js';
import { app, state } from './state.js';
import { redraw, refitSoon, paramsChanged } from './scheduler.js';
import { showCovError } from './panels.js';
import { syncInputs, syncSliders, setPairShape, restoreValid, pairChanged } from './controls.js';
import { $, now, clamp } from './util.js';

/** The handle of the pair view under (px, py), the axes' handles winning ties with the mean. */
function hitHandle(px, py) {
  const { layout, valid } = app;
  if (!layout || layout.mode !== 'pair' || !valid) return null;
  const hs = pairHandles(layout.cells[0], valid.mean, valid.cov);
  let best = null, bd = 13;
  for (const h of hs) {
    const dist = Math.hypot(h.px[0] - px, h.px[1] - py);
    if (dist < bd || (h.id !== 'mean' && dist < bd + 2)) { best = h; bd = dist; }
  }
  return best;
}

// Dragged values are rounded to about a pixel's worth of data units, so the inputs stay readable.
const roundTo = (v, step) => Number((Math.round(v / step) * step).toFixed(Math.max(0, -Math.floor(Math.log10(step)))));
const dataStep = () => 10 ** Math.floor(Math.log10(1 / app.pairView.k));
const inside = (r, px, py) => px >= r.x && px <= r.x + r.w && py >= r.y && py <= r.y + r.h;

function localXY(e) {
  const r = $('front').getBoundingClientRect();
  return [e.clientX - r.left, e.clientY - r.top];
}

function onPointerDown(e) {
  const { valid, layout } = app;
  if (!valid || !layout) return;
  const [px, py] = localXY(e);
  if (app.covError) {
    restoreValid();
    showCovError(null);
    syncInputs(true);
  }
  let p;
  if (layout.mode === 'pair') {
    const cell = layout.cells[0];
    const h = hitHandle(px, py);
    const [x, y] = fromPx(cell, px, py);
    const [a, b] = state.pair;
    if (h && h.id !== 'mean') p = { id: h.id, other: h.other };
    else if (h || inside(cell.rect, px, py)) p = { id: 'mean', off: [x - state.mean[a], y - state.mean[b]] };
    else return;
  } else if (layout.mode === 'matrix') {
    const cell = layout.cells.find((c) => inside(c.rect, px, py));
    if (!cell) return;
    p = { id: 'click', cell, start: [px, py] };
  } else {
    p = { id: 'orbit', last: [px, py] };
  }
  app.pointer = { ...p, pointerId: e.pointerId };
  $('front').setPointerCapture(e.pointerId);
  $('front').classList.add('grabbing');
  e.preventDefault();
  redraw();
}

function onPointerMove(e) {
  const { pointer, layout, cam } = app;
  const [px, py] = localXY(e);
  if (!pointer) {
    if (layout?.mode === 'pair') {
      const h = hitHandle(px, py);
      const id = h?.id ?? null;
      $('front').classList.toggle('grab', !!h);
      if (id !== app.hover) { app.hover = id; redraw(); }
    } else {
      $('front').classList.toggle('grab', layout?.mode === '3d');
    }
    return;
  }
  if (pointer.id === 'orbit') {
    cam.yaw += (px - pointer.last[0]) * 0.008;
    cam.pitch = clamp(cam.pitch + (py - pointer.last[1]) * 0.008, -1.5, 1.5);
    pointer.last = [px, py];
    redraw();
    return;
  }
  if (pointer.id === 'click') return;
  const [x, y] = fromPx(layout.cells[0], px, py);
  const [a, b] = state.pair;
  const step = dataStep();
  if (pointer.id === 'mean') {
    state.mean[a] = roundTo(x - pointer.off[0], step);
    state.mean[b] = roundTo(y - pointer.off[1], step);
    syncInputs();
    paramsChanged();
  } else {
    // the dragged axis takes the pointer's direction and length; the other axis keeps its length
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
  const p = app.pointer;
  if (!p) return;
  app.pointer = null;
  $('front').classList.remove('grabbing');
  try { $('front').releasePointerCapture(e.pointerId); } catch { /* released */ }
  if (p.id === 'click') {
    const [px, py] = localXY(e);
    if (Math.hypot(px - p.start[0], py - p.start[1]) < 6) {
      const c = p.cell;
      state.pair = c.kind === 'hist' ? [c.i, c.i === 0 ? 1 : 0] : [c.a, c.b];
      state.view = 'pair';
      pairChanged();
    }
  }
  app.lastInputAt = now();
  redraw();
  refitSoon();
}

function onWheel(e) {
  const { layout, pairView } = app;
  if (!layout) return;
  e.preventDefault();
  const f = Math.exp(-e.deltaY * 0.0015);
  if (layout.mode === 'pair') {
    const [px, py] = localXY(e);
    const [x, y] = fromPx(layout.cells[0], px, py);
    app.pairView = { cx: x - (x - pairView.cx) / f, cy: y - (y - pairView.cy) / f, k: pairView.k * f };
  } else if (layout.mode === '3d') {
    app.cam.zoom = clamp(app.cam.zoom * f, 0.2, 8);
  } else return;
  redraw();
}

export function wirePointer() {
  const front = $('front');
  front.addEventListener('pointerdown', onPointerDown);
  front.addEventListener('pointermove', onPointerMove);
  front.addEventListener('pointerup', onPointerUp);
  front.addEventListener('pointercancel', onPointerUp);
  front.addEventListener('pointerleave', () => { if (!app.pointer && app.hover) { app.hover = null; redraw(); } });
  front.addEventListener('wheel', onWheel, { passive: false });
  front.addEventListener('dblclick', () => redraw({ refit: true }));
}
