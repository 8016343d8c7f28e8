// 2-D canvas layers around the point cloud: the back layer (frames, grid, ticks) and the front
// layer (1σ/2σ/3σ ellipses, handles, marginal histograms with the exact normal densities, 3-D axes).
import { ticks, toPx, pixelJacobian, HIST } from './view.js';
import { matmul, transpose } from './matrix.js';
import { fmt, sub } from './format.js';

export const COLORS = {
  frame: '#d5dbe5',
  grid: 'rgba(120, 135, 160, 0.16)',
  text: '#5b6473',
  strong: '#1f2633',
  truth: '#e0641b', // the exact distribution: ellipses and density curves
  truthSoft: 'rgba(224, 100, 27, 0.55)',
  hist: 'rgba(62, 99, 196, 0.26)',
  histLine: 'rgba(62, 99, 196, 0.55)',
  handle: '#2f54c6',
  selected: '#2f54c6',
};

const FONT = '11px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
export const coordName = (i) => `x${sub(i)}`;

export function prepare(canvas, W, H, dpr) {
  const w = Math.max(1, Math.round(W * dpr)), h = Math.max(1, Math.round(H * dpr));
  if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, W, H);
  ctx.font = FONT;
  return ctx;
}

const tickLabel = (v, step) => {
  const d = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return fmt(v, Math.min(d, 4));
};

/** Back layer: plot frames, grid lines and tick labels. */
export function drawBack(ctx, L, { n }) {
  ctx.lineWidth = 1;
  if (L.mode === 'pair') {
    const cell = L.cells[0], r = cell.rect, g = cell.range;
    ctx.fillStyle = '#fff';
    ctx.fillRect(r.x, r.y, r.w, r.h);
    const xt = ticks(g.x0, g.x1, Math.max(3, Math.round(r.w / 90)));
    const yt = ticks(g.y0, g.y1, Math.max(3, Math.round(r.h / 70)));
    ctx.strokeStyle = COLORS.grid;
    ctx.beginPath();
    for (const v of xt) { const [px] = toPx(cell, [v, 0, v]); ctx.moveTo(Math.round(px) + 0.5, r.y); ctx.lineTo(Math.round(px) + 0.5, r.y + r.h); }
    for (const v of yt) { const [, py] = toPx(cell, [0, v, 0]); ctx.moveTo(r.x, Math.round(py) + 0.5); ctx.lineTo(r.x + r.w, Math.round(py) + 0.5); }
    ctx.stroke();
    ctx.strokeStyle = COLORS.frame;
    ctx.strokeRect(r.x + 0.5, r.y + 0.5, r.w - 1, r.h - 1);
    ctx.fillStyle = COLORS.text;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    const xs = xt.length > 1 ? xt[1] - xt[0] : 1, ys = yt.length > 1 ? yt[1] - yt[0] : 1;
    for (const v of xt) { const [px] = toPx(cell, [v, 0, v]); ctx.fillText(tickLabel(v, xs), px, r.y + r.h + 5); }
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (const v of yt) { const [, py] = toPx(cell, [0, v, 0]); ctx.fillText(tickLabel(v, ys), r.x - 6, py); }
    ctx.fillStyle = COLORS.strong;
    ctx.font = `600 ${FONT}`;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'bottom';
    ctx.fillText(coordName(cell.a), r.x + r.w - 4, r.y + r.h - 4);
    ctx.textAlign = 'left';
    ctx.textBaseline = 'top';
    ctx.fillText(coordName(cell.b), r.x + 5, r.y + 4);
    // marginal strips: a baseline each
    ctx.strokeStyle = COLORS.frame;
    ctx.beginPath();
    ctx.moveTo(L.histX.x, L.histX.y + L.histX.h + 0.5); ctx.lineTo(L.histX.x + L.histX.w, L.histX.y + L.histX.h + 0.5);
    ctx.moveTo(L.histY.x + 0.5, L.histY.y); ctx.lineTo(L.histY.x + 0.5, L.histY.y + L.histY.h);
    ctx.stroke();
  } else if (L.mode === 'matrix') {
    for (const cell of L.cells) {
      const r = cell.rect;
      ctx.fillStyle = cell.kind === 'hist' ? '#f7f9fc' : '#fff';
      ctx.fillRect(r.x, r.y, r.w, r.h);
      ctx.strokeStyle = COLORS.frame;
      ctx.strokeRect(r.x + 0.5, r.y + 0.5, r.w - 1, r.h - 1);
    }
    ctx.fillStyle = COLORS.strong;
    ctx.font = `600 ${FONT}`;
    for (let i = 0; i < n; i++) {
      const rowCell = L.cells[i * n], colCell = L.cells[(n - 1) * n + i];
      ctx.textAlign = 'right'; ctx.textBaseline = 'middle';
      ctx.fillText(coordName(i), rowCell.rect.x - 6, rowCell.rect.y + rowCell.rect.h / 2);
      ctx.textAlign = 'center'; ctx.textBaseline = 'top';
      ctx.fillText(coordName(i), colCell.rect.x + colCell.rect.w / 2, colCell.rect.y + colCell.rect.h + 6);
    }
  } else {
    const r = L.plot;
    ctx.fillStyle = '#fff';
    ctx.fillRect(r.x, r.y, r.w, r.h);
    ctx.strokeStyle = COLORS.frame;
    ctx.strokeRect(r.x + 0.5, r.y + 0.5, r.w - 1, r.h - 1);
  }
}

/** 2x2 symmetric: { l1 >= l2, angle of the first eigenvector } (the 2-D ellipses' axes, closed form). */
function eig2(sxx, sxy, syy) {
  const tr = (sxx + syy) / 2;
  const d = Math.sqrt(Math.max(((sxx - syy) / 2) ** 2 + sxy * sxy, 0));
  const l1 = tr + d, l2 = tr - d;
  const angle = 0.5 * Math.atan2(2 * sxy, sxx - syy);
  return { l1, l2: Math.max(l2, 0), angle };
}

/** `steps + 1` points around the k-sigma ellipse of a 2-D normal with centre m and covariance [[sxx, sxy], [sxy, syy]]. */
function ellipsePoints(m, sxx, sxy, syy, k, steps) {
  const { l1, l2, angle } = eig2(sxx, sxy, syy);
  const c = Math.cos(angle), s = Math.sin(angle), r1 = k * Math.sqrt(l1), r2 = k * Math.sqrt(l2);
  return Array.from({ length: steps + 1 }, (_, i) => {
    const t = (2 * Math.PI * i) / steps;
    return [m[0] + r1 * Math.cos(t) * c - r2 * Math.sin(t) * s, m[1] + r1 * Math.cos(t) * s + r2 * Math.sin(t) * c];
  });
}

/** Points of the k-sigma ellipse of the 2-D marginal (a, b) in CSS pixels. */
function ellipse(cell, mean, cov, k, steps = 120) {
  const { a, b } = cell;
  return ellipsePoints([mean[a], mean[b]], cov[a][a], cov[a][b], cov[b][b], k, steps).map(([x, y]) => toPx(cell, [x, y, x]));
}

function strokePath(ctx, pts) {
  ctx.beginPath();
  pts.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
  ctx.stroke();
}

/** The handles of the pair view: the mean and the ends of the 1σ principal axes (CSS px and data). */
export function pairHandles(cell, mean, cov) {
  const { a, b } = cell;
  const { l1, l2, angle } = eig2(cov[a][a], cov[a][b], cov[b][b]);
  const c = Math.cos(angle), s = Math.sin(angle);
  const m = [mean[a], mean[b]];
  const h1 = [m[0] + Math.sqrt(l1) * c, m[1] + Math.sqrt(l1) * s];
  const h2 = [m[0] - Math.sqrt(l2) * s, m[1] + Math.sqrt(l2) * c];
  const px = (p) => toPx(cell, [p[0], p[1], p[0]]);
  return [
    { id: 'mean', data: m, px: px(m) },
    { id: 'axis1', data: h1, px: px(h1), dir: [c, s], l: l1, other: l2 },
    { id: 'axis2', data: h2, px: px(h2), dir: [-s, c], l: l2, other: l1 },
  ];
}

/** Histogram of `values` over [lo, hi] with `bins` bins. */
export function histogram(values, lo, hi, bins) {
  const h = new Float64Array(bins);
  const f = bins / (hi - lo);
  for (let i = 0; i < values.length; i++) {
    const k = Math.floor((values[i] - lo) * f);
    if (k >= 0 && k < bins) h[k]++;
  }
  return h;
}

const normalPdf = (x, mu, s2) => Math.exp(-((x - mu) ** 2) / (2 * s2)) / Math.sqrt(2 * Math.PI * s2);

/**
 * A marginal histogram in `rect` along an axis (`horizontal`: values along x, bars grow up;
 * else along y, bars grow right), with the exact N(mu, s2) density scaled to the same counts.
 */
function drawMarginal(ctx, rect, { values, lo, hi, mu, s2, horizontal, bins = 64, toAxis }) {
  const m = values ? values.length : 0;
  // about 2 m^(1/3) bins across ±3σ (fewer for few samples), at most `bins`
  if (m && s2 > 0) bins = Math.round(Math.min(bins, Math.max(12, (2 * Math.cbrt(m) * (hi - lo)) / (6 * Math.sqrt(s2)))));
  const h = values ? histogram(values, lo, hi, bins) : null;
  const width = (hi - lo) / bins;
  const curve = [];
  const steps = 160;
  let cmax = 0;
  for (let i = 0; i <= steps; i++) {
    const x = lo + ((hi - lo) * i) / steps;
    const y = s2 > 0 ? normalPdf(x, mu, s2) * width : 0;
    curve.push([x, y]);
    cmax = Math.max(cmax, y);
  }
  const hmax = h ? Math.max(...h) / Math.max(m, 1) : 0;
  const top = Math.max(cmax, hmax, 1e-12) * 1.08;
  const span = horizontal ? rect.h : rect.w;
  const base = (v) => (v / top) * (span - 2);
  const pos = (x, v) => (horizontal ? [toAxis(x), rect.y + rect.h - base(v)] : [rect.x + base(v), toAxis(x)]);
  ctx.save();
  ctx.beginPath();
  ctx.rect(rect.x, rect.y, rect.w, rect.h);
  ctx.clip();
  if (h) {
    ctx.fillStyle = COLORS.hist;
    ctx.strokeStyle = COLORS.histLine;
    ctx.beginPath();
    const start = horizontal ? [toAxis(lo), rect.y + rect.h] : [rect.x, toAxis(lo)];
    ctx.moveTo(...start);
    for (let k = 0; k < bins; k++) {
      const v = h[k] / m;
      const p0 = pos(lo + k * width, v), p1 = pos(lo + (k + 1) * width, v);
      ctx.lineTo(...p0);
      ctx.lineTo(...p1);
    }
    ctx.lineTo(...(horizontal ? [toAxis(hi), rect.y + rect.h] : [rect.x, toAxis(hi)]));
    ctx.closePath();
    ctx.fill();
    ctx.lineWidth = 1;
    ctx.stroke();
  }
  if (s2 > 0) {
    ctx.strokeStyle = COLORS.truth;
    ctx.lineWidth = 1.6;
    strokePath(ctx, curve.map(([x, v]) => pos(x, v)));
  } else {
    // a point mass: a spike at mu
    const [x0, y0] = pos(mu, 0), [x1, y1] = pos(mu, top / 1.08);
    ctx.strokeStyle = COLORS.truth;
    ctx.lineWidth = 1.6;
    strokePath(ctx, [[x0, y0], [x1, y1]]);
  }
  ctx.restore();
}

/**
 * Front layer. `d`: { mean, cov (the distribution shown), values(i) -> Float32Array | null
 * (the statistics' samples of coordinate i), handles: bool, active: handle id, selected: [a, b],
 * ellipsoid: in 3-D a factor F (3 x 3, S = F Fᵀ) of the shown axes' covariance, or null }.
 */
export function drawFront(ctx, L, d) {
  const { mean, cov } = d;
  if (L.mode === 'pair') {
    const cell = L.cells[0], r = cell.rect, g = cell.range;
    ctx.save();
    ctx.beginPath();
    ctx.rect(r.x, r.y, r.w, r.h);
    ctx.clip();
    const labels = ['1σ', '2σ', '3σ'];
    [1, 2, 3].forEach((k) => {
      ctx.strokeStyle = k === 1 ? COLORS.truth : COLORS.truthSoft;
      ctx.lineWidth = k === 1 ? 1.8 : 1.2;
      ctx.setLineDash(k === 1 ? [] : [5, 4]);
      const pts = ellipse(cell, mean, cov, k);
      strokePath(ctx, pts);
      // label between the principal axes (the handles sit on the axes), just outside the curve
      const q = pts[Math.round(pts.length * 0.375)];
      const c0 = toPx(cell, [mean[cell.a], mean[cell.b], mean[cell.a]]);
      const len = Math.hypot(q[0] - c0[0], q[1] - c0[1]) || 1;
      const p = [q[0] + ((q[0] - c0[0]) / len) * 11, q[1] + ((q[1] - c0[1]) / len) * 11];
      ctx.setLineDash([]);
      ctx.fillStyle = COLORS.truth;
      ctx.font = FONT;
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      if (p[1] > r.y + 8 && p[1] < r.y + r.h - 8 && p[0] > r.x + 8 && p[0] < r.x + r.w - 8) {
        ctx.lineWidth = 3;
        ctx.strokeStyle = 'rgba(255, 255, 255, 0.9)';
        ctx.strokeText(labels[k - 1], p[0], p[1]);
        ctx.fillText(labels[k - 1], p[0], p[1]);
      }
    });
    if (d.handles) {
      const hs = pairHandles(cell, mean, cov);
      for (const h of hs.slice(1)) {
        ctx.lineWidth = 2.4;
        ctx.strokeStyle = 'rgba(255, 255, 255, 0.7)';
        strokePath(ctx, [hs[0].px, h.px]);
        ctx.lineWidth = 1.3;
        ctx.strokeStyle = COLORS.truth;
        strokePath(ctx, [hs[0].px, h.px]);
      }
      for (const h of hs) {
        const big = h.id === 'mean';
        const active = d.active === h.id || d.hover === h.id;
        const ink = big ? COLORS.strong : COLORS.truth;
        ctx.beginPath();
        ctx.arc(h.px[0], h.px[1], (big ? 7.5 : 6) + (active ? 1.5 : 0), 0, 2 * Math.PI);
        ctx.fillStyle = active ? ink : '#fff';
        ctx.fill();
        ctx.lineWidth = 2.2;
        ctx.strokeStyle = ink;
        ctx.stroke();
        if (big) {
          ctx.beginPath();
          ctx.fillStyle = active ? '#fff' : ink;
          ctx.arc(h.px[0], h.px[1], 2.2, 0, 2 * Math.PI);
          ctx.fill();
        }
      }
    }
    ctx.restore();
    const a = cell.a, b = cell.b;
    drawMarginal(ctx, L.histX, {
      values: d.values(a), lo: g.x0, hi: g.x1, mu: mean[a], s2: cov[a][a], horizontal: true,
      toAxis: (x) => toPx(cell, [x, 0, x])[0], bins: Math.max(24, Math.min(90, Math.round(r.w / 8))),
    });
    drawMarginal(ctx, L.histY, {
      values: d.values(b), lo: g.y0, hi: g.y1, mu: mean[b], s2: cov[b][b], horizontal: false,
      toAxis: (y) => toPx(cell, [0, y, 0])[1], bins: Math.max(24, Math.min(90, Math.round(r.h / 8))),
    });
  } else if (L.mode === 'matrix') {
    for (const cell of L.cells) {
      const r = cell.rect, g = cell.range;
      if (cell.kind === 'hist') {
        const i = cell.i;
        drawMarginal(ctx, { x: r.x + 1, y: r.y + 3, w: r.w - 2, h: r.h - 4 }, {
          values: d.values(i), lo: g.x0, hi: g.x1, mu: mean[i], s2: cov[i][i], horizontal: true,
          toAxis: (x) => toPx(cell, [x, 0, x])[0], bins: Math.max(16, Math.min(48, Math.round(r.w / 5))),
        });
        continue;
      }
      ctx.save();
      ctx.beginPath();
      ctx.rect(r.x, r.y, r.w, r.h);
      ctx.clip();
      [1, 2].forEach((k) => {
        ctx.strokeStyle = k === 1 ? COLORS.truth : COLORS.truthSoft;
        ctx.lineWidth = k === 1 ? 1.3 : 1;
        ctx.setLineDash(k === 1 ? [] : [4, 3]);
        strokePath(ctx, ellipse(cell, mean, cov, k, 64));
      });
      ctx.restore();
      ctx.setLineDash([]);
      const sel = d.selected;
      if (sel && cell.a === sel[0] && cell.b === sel[1]) {
        ctx.strokeStyle = COLORS.selected;
        ctx.lineWidth = 2;
        ctx.strokeRect(r.x + 1, r.y + 1, r.w - 2, r.h - 2);
      }
    }
  } else {
    draw3d(ctx, L, d);
  }
}

function draw3d(ctx, L, d) {
  const { mean, cov } = d;
  const cell = L.cells[0], r = cell.rect;
  const idx = [cell.a, cell.b, cell.c];
  const mu = idx.map((i) => mean[i]);
  const S = idx.map((i) => idx.map((j) => cov[i][j]));
  ctx.save();
  ctx.beginPath();
  ctx.rect(r.x, r.y, r.w, r.h);
  ctx.clip();
  // the box mean ± 3σ, for depth
  const half = [0, 1, 2].map((k) => 3 * Math.sqrt(Math.max(S[k][k], 0)));
  const corner = (bits) => [0, 1, 2].map((k) => mu[k] + ((bits >> k) & 1 ? half[k] : -half[k]));
  ctx.strokeStyle = 'rgba(120, 135, 160, 0.28)';
  ctx.lineWidth = 1;
  for (let c0 = 0; c0 < 8; c0++) {
    for (let k = 0; k < 3; k++) {
      if ((c0 >> k) & 1) continue;
      strokePath(ctx, [toPx(cell, corner(c0)), toPx(cell, corner(c0 | (1 << k)))]);
    }
  }
  // coordinate axes through the mean, ±3σ
  ctx.font = `600 ${FONT}`;
  idx.forEach((coord, k) => {
    const s = 3 * Math.sqrt(Math.max(S[k][k], 0));
    const p0 = mu.slice(), p1 = mu.slice();
    p0[k] -= s; p1[k] += s;
    const a = toPx(cell, p0), b = toPx(cell, p1);
    ctx.strokeStyle = 'rgba(60, 70, 90, 0.45)';
    ctx.lineWidth = 1;
    strokePath(ctx, [a, b]);
    ctx.fillStyle = COLORS.strong;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    const dx = b[0] - a[0], dy = b[1] - a[1], len = Math.hypot(dx, dy) || 1;
    ctx.fillText(coordName(coord), b[0] + (dx / len) * 12, b[1] + (dy / len) * 12);
  });
  // the 1σ ellipsoid {mu + F u : |u| = 1} (S = F Fᵀ): its outline (orthographic, so the 1σ
  // ellipse of the projected covariance J S Jᵀ in pixels), and the images of three orthogonal
  // great circles of the unit sphere under F (the package's factor), which lie on its surface
  const J = pixelJacobian(cell);
  const P = matmul(matmul(J, S), transpose(J));
  ctx.strokeStyle = COLORS.truth;
  ctx.lineWidth = 1.5;
  strokePath(ctx, ellipsePoints(toPx(cell, mu), P[0][0], P[0][1], P[1][1], 1, 120));
  const F = d.ellipsoid;
  ctx.strokeStyle = COLORS.truthSoft;
  ctx.lineWidth = 1;
  for (const [p, q] of F ? [[0, 1], [0, 2], [1, 2]] : []) {
    const pts = [];
    for (let i = 0; i <= 120; i++) {
      const t = (2 * Math.PI * i) / 120;
      pts.push(toPx(cell, [0, 1, 2].map((k) => mu[k] + Math.cos(t) * F[k][p] + Math.sin(t) * F[k][q])));
    }
    strokePath(ctx, pts);
  }
  ctx.restore();
}

export { HIST };
