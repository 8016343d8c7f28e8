// The controls: the mean and covariance inputs, the σ/ρ sliders of the shown pair, the sample
// count, the seed and key, the presets, the view pickers and the code panel's copy button. Each
// writes `state` and marks what changed; the next frame applies it.
import { key as keyFromSeed, split } from '../js/index.js';
import { app, state, CPU_MAX, MAX_N } from './state.js';
import { request, redraw, refit, refitSoon, paramsChanged } from './scheduler.js';
import { viewAxes } from './frame.js';
import { coordName } from './plot2d.js';
import { renderCode } from './panels.js';
import { scheduleHash } from './hash.js';
import { identity, matmul, transpose } from './matrix.js';
import { f32str, fmt, commas, sub } from './format.js';
import { $, now, clamp, isKey } from './util.js';

/** The grid of μ and Σ inputs for the current n. */
export function buildInputs() {
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
  const make = (id, label, what, i, j) => {
    const el = document.createElement('input');
    el.type = 'text';
    el.inputMode = 'decimal';
    el.id = id;
    el.spellcheck = false;
    el.autocomplete = 'off';
    el.setAttribute('aria-label', label);
    el.title = label;
    el.addEventListener('input', () => onEntry(el, what, i, j));
    el.addEventListener('change', refit);
    return el;
  };
  grid.append(label(''));
  for (let j = 0; j < n; j++) grid.append(label(coordName(j), 'head'));
  grid.append(label('μ', 'row'));
  for (let i = 0; i < n; i++) {
    const el = make(`mean-${i}`, `μ${sub(i)}`, 'mean', i, i);
    el.classList.add('mean');
    grid.append(el);
  }
  for (let i = 0; i < n; i++) {
    grid.append(label(i === 0 ? 'Σ' : '', 'row'));
    for (let j = 0; j < n; j++) {
      const el = make(`cov-${i}-${j}`, `Σ${sub(i)}${sub(j)}`, 'cov', i, j);
      if (i === j) el.classList.add('diag');
      if (i === 0) el.classList.add('first');
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
  syncSliders();
  paramsChanged();
}

/** Writes `state` into the inputs (`all`: also the one being edited). */
export function syncInputs(all = false) {
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

export function syncSliders() {
  const [a, b] = state.pair;
  const C = state.cov;
  const sx = Math.sqrt(Math.max(C[a][a], 0)), sy = Math.sqrt(Math.max(C[b][b], 0));
  const rho = sx > 0 && sy > 0 ? C[a][b] / (sx * sy) : 0;
  if (Number.isFinite(sx)) { $('sx').value = sx; $('sx-out').textContent = fmt(sx, 2); }
  if (Number.isFinite(sy)) { $('sy').value = sy; $('sy-out').textContent = fmt(sy, 2); }
  if (Number.isFinite(rho)) { $('rho').value = rho; $('rho-out').textContent = fmt(rho, 2); }
  $('sx-label').textContent = `σ${sub(a)}`;
  $('sy-label').textContent = `σ${sub(b)}`;
  $('rho-label').textContent = 'ρ';
  $('shape-title').textContent = `Shape of (${coordName(a)}, ${coordName(b)})`;
}

/** Back to the last valid input: a drag or a slider moves the picture shown, not an invalid entry. */
export function restoreValid() {
  state.mean = app.valid.mean.slice();
  state.cov = app.valid.cov.map((r) => r.slice());
}

/** Sets the (a, b) block to σa², ρσaσb, σb²; for n > 2 through x' = μ + T(x − μ), which keeps Σ PSD. */
export function setPairShape(sx, sy, rho) {
  if (app.covError && app.valid) restoreValid();
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
  syncInputs();
  paramsChanged();
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

/** Sets the sample count (at most CPU_MAX on the CPU fallback) and says what it costs. */
export function setCount(N, fromSlider = false) {
  const { gpu } = app;
  state.N = Math.min(N, gpu ? 10_000_000 : CPU_MAX);
  if (!fromSlider) $('count').value = Math.log10(state.N);
  $('count-out').textContent = commas(state.N);
  document.querySelectorAll('.chips button').forEach((b) => b.classList.toggle('on', Number(b.dataset.count) === state.N));
  const mb = (state.N * state.n * 4) / 2 ** 20;
  $('count-note').textContent = !gpu
    ? `CPU fallback: at most ${commas(CPU_MAX)} samples${N > CPU_MAX ? ` (asked for ${commas(N)})` : ''}.`
    : state.N >= 1_000_000 ? `${commas(state.N)} × ${state.n} float32 = ${mb.toFixed(mb < 10 ? 1 : 0)} MiB, kept on the GPU.` : '';
  app.lastInputAt = now();
  keyOrCountChanged();
}

export function setKey(k) {
  state.key = Uint32Array.from(k);
  $('key').value = `${state.key[0]}, ${state.key[1]}`;
  if (document.activeElement !== $('seed')) $('seed').value = seedOf(state.key);
  $('key-error').hidden = true;
  keyOrCountChanged();
}

function keyOrCountChanged() {
  renderCode();
  scheduleHash();
  request();
}

const seedOf = (k) => String((BigInt(k[0]) << 32n) | BigInt(k[1]));

function parseKey(text) {
  const words = text.replace(/[[\]()]/g, ' ').split(/[\s,]+/).filter(Boolean).map(Number);
  return isKey(words) ? words : null;
}

function keyError(text) {
  $('key-error').hidden = false;
  $('key-error').textContent = text;
}

function fillSelect(el, n, value) {
  el.innerHTML = '';
  for (let i = 0; i < n; i++) el.add(new Option(coordName(i), String(i)));
  el.value = String(value);
}

export function syncViewControls() {
  const n = state.n;
  if (state.view === '3d' && n < 3) state.view = 'pair';
  $('view').value = state.view;
  $('view').querySelector('option[value="3d"]').disabled = n < 3;
  fillSelect($('pair-x'), n, state.pair[0]);
  fillSelect($('pair-y'), n, state.pair[1]);
  fillSelect($('pair-z'), n, viewAxes()[2]);
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

/** After the pair changed: the pickers, sliders and inputs show it, and the view is fitted to it. */
export function pairChanged() {
  syncViewControls();
  syncSliders();
  syncInputs();
  app.viewKey = '';
}

/** Changes the dimension, keeping the entries that remain (new ones: mean 0, unit variance). */
export function setN(n, { view } = {}) {
  n = clamp(Math.round(n), 2, MAX_N);
  const old = state.n;
  const mean = Array.from({ length: n }, (_, i) => (i < old ? state.mean[i] : 0));
  const cov = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i < old && j < old ? state.cov[i][j] : i === j ? 1 : 0)));
  state.n = n;
  state.mean = mean;
  state.cov = cov;
  state.view = view ?? (n === 2 ? 'pair' : n === 3 ? '3d' : 'matrix');
  if (state.pair[0] >= n || state.pair[1] >= n || state.pair[0] === state.pair[1]) state.pair = [0, 1];
  if (state.third >= n || state.pair.includes(state.third)) state.third = viewAxes()[2] ?? 2;
  afterStructureChange();
}

function afterStructureChange() {
  buildInputs();
  syncViewControls();
  syncSliders();
  setCount(state.N);
  app.flags.params = true;
  app.viewKey = '';
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

async function copyCode() {
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
}

export function wireControls() {
  const on = (id, type, f) => $(id).addEventListener(type, f);
  const dim = $('dim');
  for (let n = 2; n <= MAX_N; n++) dim.add(new Option(String(n), String(n)));
  on('dim', 'change', () => setN(Number(dim.value)));
  on('method', 'change', () => { state.method = $('method').value; app.flags.params = true; request(); });
  on('preset', 'change', () => { applyPreset($('preset').value); $('preset').value = ''; });
  on('view', 'change', () => { state.view = $('view').value; syncViewControls(); scheduleHash(); redraw({ refit: true }); });
  const pick = (which) => () => {
    const v = Number($(`pair-${which}`).value);
    if (which === 'z') state.third = v;
    else {
      const i = which === 'x' ? 0 : 1;
      if (state.pair[1 - i] === v) state.pair[1 - i] = state.pair[i];
      state.pair[i] = v;
    }
    pairChanged();
    scheduleHash();
    redraw();
  };
  for (const which of ['x', 'y', 'z']) on(`pair-${which}`, 'change', pick(which));
  on('shading', 'change', () => { state.shading = $('shading').value; scheduleHash(); redraw(); });
  for (const id of ['sx', 'sy', 'rho']) {
    on(id, 'input', onSlider);
    on(id, 'change', refitSoon);
  }
  on('symmetric', 'change', () => { state.symmetric = $('symmetric').checked; });
  on('count', 'input', () => setCount(niceCount(10 ** Number($('count').value)), true));
  document.querySelectorAll('.chips button').forEach((b) => b.addEventListener('click', () => setCount(Number(b.dataset.count))));
  on('seed', 'input', () => {
    const t = $('seed').value.trim();
    if (!/^\d+$/.test(t) || BigInt(t) >= 1n << 64n) return keyError('The seed is an integer in [0, 2⁶⁴).');
    setKey(keyFromSeed(BigInt(t)));
  });
  on('key', 'input', () => {
    const k = parseKey($('key').value);
    if (!k) return keyError('A key is two unsigned 32-bit integers, e.g. 0, 42.');
    state.key = Uint32Array.from(k);
    $('seed').value = seedOf(k);
    $('key-error').hidden = true;
    keyOrCountChanged();
  });
  on('resample', 'click', () => setKey(split(state.key)[0]));
  on('fit', 'click', () => redraw({ refit: true }));
  on('copy', 'click', copyCode);
}
