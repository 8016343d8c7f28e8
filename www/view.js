// Layout and projections of the three views (a pair, the matrix of pairs, 3-D), in CSS pixels.
// Each cell maps display coordinates u = (x_a, x_b, x_c) to clip space with a 4x4 matrix `m`
// (column-major, as WGSL's mat4x4f); the renderers and the overlays share it.

export const HIST = 54; // marginal histogram strip (CSS px)
const GAP = 6;

/** Column-major 4x4 from a row-major nested array. */
const colMajor = (r) => Float32Array.from({ length: 16 }, (_, i) => r[i % 4][Math.floor(i / 4)]);
const mul4 = (a, b) => a.map((row) => [0, 1, 2, 3].map((j) => row.reduce((s, v, k) => s + v * b[k][j], 0)));

/** Nice tick values covering [lo, hi] with about `count` ticks. */
export function ticks(lo, hi, count = 6) {
  const span = hi - lo;
  if (!(span > 0)) return [];
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((s) => s >= raw) ?? 10 * mag;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9 * span; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

/** The cells of the 2-D pair view: the plot and the two marginal strips. */
export function pairLayout(W, H, a, b, view) {
  const left = 48, bottom = 34, top = 8, right = 10;
  const plot = { x: left, y: top + HIST + GAP, w: Math.max(40, W - left - right - HIST - GAP), h: Math.max(40, H - top - HIST - GAP - bottom) };
  const { cx, cy, k } = view; // centre (data units), pixels per unit
  const hx = plot.w / (2 * k), hy = plot.h / (2 * k);
  const range = { x0: cx - hx, x1: cx + hx, y0: cy - hy, y1: cy + hy };
  const m = colMajor([
    [1 / hx, 0, 0, -cx / hx],
    [0, 1 / hy, 0, -cy / hy],
    [0, 0, 0, 0.5],
    [0, 0, 0, 1],
  ]);
  const cell = { kind: 'scatter', rect: plot, a, b, c: a, m, range };
  return {
    mode: 'pair', cells: [cell], plot,
    histX: { x: plot.x, y: top, w: plot.w, h: HIST },
    histY: { x: plot.x + plot.w + GAP, y: plot.y, w: HIST, h: plot.h },
  };
}

/** Fits the pair view (equal aspect) to mean ± 3.6σ of coordinates a, b. */
export function fitPair(W, H, mean, cov, a, b) {
  const L = pairLayout(W, H, a, b, { cx: 0, cy: 0, k: 1 });
  const sa = Math.sqrt(Math.max(cov[a][a], 0)), sb = Math.sqrt(Math.max(cov[b][b], 0));
  const s = Math.max(sa, sb, 1e-6);
  const k = Math.min(L.plot.w / (7.2 * Math.max(sa, s * 0.05)), L.plot.h / (7.2 * Math.max(sb, s * 0.05)));
  return { cx: mean[a], cy: mean[b], k };
}

/** The n x n matrix of pairwise projections (row i: y = x_i; column j: x = x_j); diagonals are histograms. */
export function matrixLayout(W, H, n, ranges) {
  const left = 30, bottom = 26, top = 6, right = 6, gap = n > 5 ? 4 : 6;
  const cw = Math.max(10, (W - left - right - gap * (n - 1)) / n);
  const ch = Math.max(10, (H - top - bottom - gap * (n - 1)) / n);
  const cells = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const rect = { x: left + j * (cw + gap), y: top + i * (ch + gap), w: cw, h: ch };
      const [x0, x1] = ranges[j], [y0, y1] = ranges[i];
      const hx = (x1 - x0) / 2, hy = (y1 - y0) / 2;
      const m = colMajor([
        [1 / hx, 0, 0, -(x0 + hx) / hx],
        [0, 1 / hy, 0, -(y0 + hy) / hy],
        [0, 0, 0, 0.5],
        [0, 0, 0, 1],
      ]);
      cells.push({ kind: i === j ? 'hist' : 'scatter', rect, a: j, b: i, c: j, i, j, m, range: { x0, x1, y0, y1 } });
    }
  }
  return { mode: 'matrix', cells, n };
}

/** Per-coordinate ranges mean ± 3.6σ for the matrix view. */
export function fitRanges(mean, cov) {
  return mean.map((mu, i) => {
    const s = Math.max(Math.sqrt(Math.max(cov[i][i], 0)), 1e-6);
    return [mu - 3.6 * s, mu + 3.6 * s];
  });
}

/**
 * 3-D view of coordinates (a, b, c) with an orthographic orbit camera: c is up, yaw turns about
 * it, pitch tilts towards the viewer. `cam`: { center: [3], scale, yaw, pitch, zoom }.
 */
export function orbitLayout(W, H, a, b, c, cam) {
  const plot = { x: 8, y: 8, w: Math.max(40, W - 16), h: Math.max(40, H - 16) };
  const { center, scale, yaw, pitch, zoom } = cam;
  const s = 1 / scale;
  const T = [[s, 0, 0, -center[0] * s], [0, s, 0, -center[1] * s], [0, 0, s, -center[2] * s], [0, 0, 0, 1]];
  // world: X = u0 (right), Y = u2 (up), Z = u1 (towards the viewer before rotation)
  const P = [[1, 0, 0, 0], [0, 0, 1, 0], [0, -1, 0, 0], [0, 0, 0, 1]];
  const cy = Math.cos(yaw), sy = Math.sin(yaw), cp = Math.cos(pitch), sp = Math.sin(pitch);
  const Ry = [[cy, 0, sy, 0], [0, 1, 0, 0], [-sy, 0, cy, 0], [0, 0, 0, 1]];
  const Rx = [[1, 0, 0, 0], [0, cp, -sp, 0], [0, sp, cp, 0], [0, 0, 0, 1]];
  const f = (zoom * Math.min(plot.w, plot.h)) / 2.9; // px per scale unit
  const S = [[(2 * f) / plot.w, 0, 0, 0], [0, (2 * f) / plot.h, 0, 0], [0, 0, 0.1, 0.5], [0, 0, 0, 1]];
  const M = mul4(S, mul4(Rx, mul4(Ry, mul4(P, T))));
  const cell = { kind: 'scatter3', rect: plot, a, b, c, m: colMajor(M), rows: M };
  return { mode: '3d', cells: [cell], plot };
}

export function fitOrbit(mean, cov, a, b, c, cam = {}) {
  const s = Math.max(...[a, b, c].map((i) => Math.sqrt(Math.max(cov[i][i], 0))), 1e-6);
  return { yaw: -0.6, pitch: 0.35, zoom: 1, ...cam, center: [mean[a], mean[b], mean[c]], scale: 3 * s };
}

/** Clip coordinates of display point u (3-vector) in a cell, then CSS pixels. */
export function toPx(cell, u) {
  const m = cell.m;
  const x = m[0] * u[0] + m[4] * u[1] + m[8] * u[2] + m[12];
  const y = m[1] * u[0] + m[5] * u[1] + m[9] * u[2] + m[13];
  const r = cell.rect;
  return [r.x + ((x + 1) / 2) * r.w, r.y + ((1 - y) / 2) * r.h];
}

/** CSS pixels to data (2-D cells only). */
export function fromPx(cell, px, py) {
  const { rect: r, range: g } = cell;
  return [g.x0 + ((px - r.x) / r.w) * (g.x1 - g.x0), g.y1 - ((py - r.y) / r.h) * (g.y1 - g.y0)];
}

/** The 2x3 Jacobian d(px)/du of a cell (rows: px x, px y). */
export function pixelJacobian(cell) {
  const m = cell.m, r = cell.rect;
  return [
    [m[0] * r.w / 2, m[4] * r.w / 2, m[8] * r.w / 2],
    [-m[1] * r.h / 2, -m[5] * r.h / 2, -m[9] * r.h / 2],
  ];
}
