// The conditioning card: the distribution of the other coordinates given one observed,
// x_i = v (Distribution.condition, Schur complements in float64), sampled, and the log-density
// (Distribution.logProb) of the first coordinate left, against its unconditioned marginal.
import { app, state } from './state.js';
import { $ } from './util.js';
import { coordName } from './plot2d.js';

const DRAWS = 20_000;
const GRID = 161;
let seq = 0;

export function wireConditioning() {
  $('cond-on').addEventListener('input', renderConditioning);
  $('cond-value').addEventListener('input', renderConditioning);
}

/** Redraws the card for the current valid distribution (called when it changes). */
export async function renderConditioning() {
  const v = app.valid;
  const card = $('cond-card');
  if (!v || !app.sampler) return;
  card.hidden = v.n < 2;
  if (v.n < 2) return;
  const sel = $('cond-on');
  if (sel.options.length !== v.n) {
    const keep = Math.min(+sel.value || 0, v.n - 1);
    sel.innerHTML = Array.from({ length: v.n }, (_, i) => `<option value="${i}">${coordName(i)}</option>`).join('');
    sel.value = String(keep);
  }
  const i = +sel.value;
  const j = i === 0 ? 1 : 0; // the first coordinate left
  const t = +$('cond-value').value; // the observation in standard deviations from the mean
  const value = v.mean[i] + t * Math.sqrt(v.cov[i][i]);
  $('cond-value-out').textContent = `${coordName(i)} = ${value.toFixed(2)}`;
  const mine = ++seq;
  let c;
  try {
    c = v.dist.condition([i], [value]);
  } catch (e) {
    $('cond-text').textContent = e.message;
    return;
  }
  try {
    const [m] = c.mean.data;
    const [s2] = c.covariance.data;
    const x = await c.sample([DRAWS], { key: state.key });
    if (mine !== seq) return;
    const lo = v.mean[j] - 4 * Math.sqrt(v.cov[j][j]);
    const hi = v.mean[j] + 4 * Math.sqrt(v.cov[j][j]);
    const grid = Float64Array.from({ length: GRID }, (_, k) => lo + ((hi - lo) * k) / (GRID - 1));
    // log p(x_j | x_i = v) and log p(x_j) on the grid, each from a one-dimensional distribution.
    const logp = (mean, variance) => {
      const d = app.sampler.distribution([mean], [[variance]]);
      try {
        return d.logProb({ data: grid, shape: [GRID, 1] }).data;
      } finally {
        d.free();
      }
    };
    const given = logp(m, s2);
    const marginal = logp(v.mean[j], v.cov[j][j]);
    const xs = Float32Array.from({ length: DRAWS }, (_, k) => x.data[k * c.dim]);
    draw($('cond-plot'), { grid, given, marginal, xs, lo, hi, name: coordName(j) });
    $('cond-text').textContent = `${coordName(j)} given ${coordName(i)} = ${value.toFixed(2)}: mean ${m.toFixed(3)}, variance ${s2.toFixed(3)} (unconditioned ${v.mean[j].toFixed(3)}, ${v.cov[j][j].toFixed(3)}); ${DRAWS.toLocaleString('en')} samples of the conditional.`;
  } catch (e) {
    $('cond-text').textContent = e.message;
  } finally {
    c.free();
  }
}

/** Top: the histogram of the conditional samples with both densities; bottom: the log-densities. */
function draw(canvas, { grid, given, marginal, xs, lo, hi, name }) {
  const dpr = window.devicePixelRatio || 1;
  const W = canvas.clientWidth || 300;
  const H = canvas.clientHeight || 180;
  canvas.width = Math.round(W * dpr);
  canvas.height = Math.round(H * dpr);
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, W, H);
  const top = { y: 4, h: H * 0.55 - 8 };
  const bottom = { y: H * 0.55 + 4, h: H * 0.45 - 20 };
  const X = (x) => ((x - lo) / (hi - lo)) * W;
  // Histogram, normalized as a density.
  const bins = 60;
  const counts = new Float64Array(bins);
  for (const x of xs) {
    const b = Math.floor(((x - lo) / (hi - lo)) * bins);
    if (b >= 0 && b < bins) counts[b]++;
  }
  const width = (hi - lo) / bins;
  const dens = Array.from(counts, (c) => c / (xs.length * width));
  const pmax = Math.max(...dens, ...Array.from(given, Math.exp)) * 1.05 || 1;
  const Yt = (p) => top.y + top.h * (1 - p / pmax);
  ctx.fillStyle = 'rgba(60, 110, 220, 0.25)';
  dens.forEach((p, b) => ctx.fillRect(X(lo + b * width), Yt(p), W / bins - 1, top.y + top.h - Yt(p)));
  const curve = (ys, Y, color, dash) => {
    ctx.beginPath();
    ctx.setLineDash(dash);
    ctx.strokeStyle = color;
    ctx.lineWidth = 1.5;
    grid.forEach((x, k) => (k ? ctx.lineTo(X(x), Y(ys[k])) : ctx.moveTo(X(x), Y(ys[k]))));
    ctx.stroke();
    ctx.setLineDash([]);
  };
  curve(Array.from(given, Math.exp), Yt, '#1f4fd1', []);
  curve(Array.from(marginal, Math.exp), Yt, '#888', [4, 3]);
  // Log-densities, clipped 12 below their maximum.
  const lmax = Math.max(...given, ...marginal);
  const lmin = lmax - 12;
  const Yb = (l) => bottom.y + bottom.h * (1 - (Math.max(l, lmin) - lmin) / (lmax - lmin));
  curve(given, Yb, '#1f4fd1', []);
  curve(marginal, Yb, '#888', [4, 3]);
  ctx.fillStyle = '#555';
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillText(`density of ${name}`, 4, top.y + 11);
  ctx.fillText(`log-density (logProb)`, 4, bottom.y + 11);
  ctx.fillText(lo.toFixed(1), 2, H - 4);
  ctx.fillText(hi.toFixed(1), W - 28, H - 4);
}
