// The page's text around the plot: the backend badge, the covariance error, the factorization
// report, the statistics table, the status line, and the runnable code of the current draw.
import { app, state, CPU_MAX } from './state.js';
import { display } from './samples.js';
import { matmul, transpose } from './matrix.js';
import { f32str, fmt, commas, ms, esc, sub } from './format.js';
import { $, now } from './util.js';

export function showBackend(reason) {
  const { gpu } = app;
  const badge = $('backend');
  badge.classList.toggle('webgpu', gpu);
  badge.classList.toggle('cpu', !gpu);
  $('backend-text').innerHTML = gpu
    ? `<b>WebGPU</b> · ${esc(app.adapter ?? '')}`
    : '<b>CPU fallback</b> · wasm + 2-D canvas';
  badge.title = gpu ? `WebGPU adapter: ${app.adapter}` : reason ?? '';
  const notice = $('backend-notice');
  if (!gpu) {
    notice.hidden = false;
    notice.innerHTML = `<div><b>Running on the CPU.</b> ${esc(reason || 'WebGPU is not available in this browser.')} Samples are drawn on the CPU (WebAssembly) and plotted with a 2-D canvas, at most ${commas(CPU_MAX)} of them.</div>`;
  } else {
    notice.hidden = true;
  }
}

/** The package's message for an invalid input (null: none); the picture keeps the last valid one. */
export function showCovError(e) {
  const el = $('cov-error');
  app.covError = e;
  app.lastError = e ? String(e.message ?? e) : null;
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

export function renderReport() {
  const { valid } = app;
  const r = valid.report;
  app.report = { ...r };
  const psd = r.methodUsed === 'cholesky-psd';
  const tag = `<span class="tag${r.rank < valid.n || r.clipped ? ' warn' : ''}">${r.methodUsed}</span>`;
  const rank = r.rank === valid.n ? `full rank ${r.rank}` : `<b>rank ${r.rank} of ${valid.n}</b> (singular: the samples lie in a ${r.rank}-dimensional subspace)`;
  $('report').innerHTML = `${tag} ${rank} · eigenvalues ${fmt(r.minEigenvalue, 3)} … ${fmt(r.maxEigenvalue, 3)}${psd ? ' · PSD-safe Cholesky' : ''}${r.clipped ? ' · negative eigenvalues clipped' : ''}`;
}

/** The statistics of the shown samples (through the affine update when previewing) and their target. */
function shownStats(d) {
  const { buf, valid } = app;
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

export function renderStats(d) {
  const s = shownStats(d);
  if (!s) return;
  app.stats = s;
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
  for (let i = 0; i < n; i++) row(`μ${sub(i)}`, s.mean[i], s.targetMean[i], Math.sqrt(Math.max(T[i][i], 0) / m), i === a || i === b);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      row(`Σ${sub(i)}${sub(j)}`, s.cov[i][j], T[i][j], Math.sqrt((T[i][i] * T[j][j] + T[i][j] ** 2) / m), (i === a || i === b) && (j === a || j === b));
    }
  }
  $('stats').tBodies[0].innerHTML = rows.join('');
  const src = app.gpu ? 'read back from the GPU' : 'on the CPU';
  $('stats-caption').textContent = `The first ${commas(m)} of ${commas(s.of)} samples (${src}); z = error ÷ its standard error${d.kind === 'preview' ? ' · previewing the same z under the new Σ' : ''}.`;
}

export function renderStatus(d = display()) {
  const { valid, timings, frameTimes } = app;
  if (!valid) return;
  const N = app.buf?.N ?? state.N;
  const kind = d?.kind;
  let note = kind === 'preview' ? ' · same z, resampling when you pause' : kind === 'stale' ? ' · sampling…' : '';
  if (app.layout?.mode === 'matrix' && app.perCell !== null && app.perCell < N) note += ` · each cell shows the first ${commas(app.perCell)}`;
  $('points-info').textContent = `${commas(N)} points · n = ${valid.n}${note}`;
  $('t-factor').textContent = ms(timings.factorMs);
  $('t-sample').textContent = app.sampleError ? 'failed' : ms(timings.sampleMs);
  $('t-readback').textContent = app.gpu ? ms(timings.readbackMs) : 'none (CPU)';
  $('t-draw').textContent = ms(timings.drawMs);
  const recent = frameTimes.length && now() - frameTimes[frameTimes.length - 1] < 1500;
  $('fps').textContent = app.fps ? app.fps.toFixed(app.fps < 10 ? 1 : 0) : '–';
  $('fps').parentElement.classList.toggle('stale', !recent);
  if (app.sampleError) {
    $('bench-out').textContent = `sampling failed: ${app.sampleError.message ?? app.sampleError}`;
  }
}

function codeText() {
  const v = app.valid;
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

/** The code panel: a runnable snippet of the current draw (highlighted; the plain text in data-text). */
export function renderCode() {
  if (!app.valid) return;
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
