// The mvn-gpu demo: explore a multivariate normal live. Samples come from the package
// (`distribution(mean, cov).sampleToBuffer([N], { key })`) and are rendered by WebGPU straight from
// that buffer; only a prefix is read back, for the histograms and the statistics. Without WebGPU
// (or when its rendering fails, or the device is lost) the package's CPU backend samples and a
// 2-D canvas draws. This module starts the page; state.js says where everything is kept.
import { Sampler } from '../js/index.js';
import { GpuRenderer } from './render.js';
import { CpuRenderer } from './cpu-render.js';
import { app, state } from './state.js';
import { request, redraw, refit, idle } from './scheduler.js';
import { showBackend, renderStatus } from './panels.js';
import { readHash } from './hash.js';
import { wireControls, buildInputs, syncViewControls, syncSliders, setCount, setKey } from './controls.js';
import { wirePointer } from './pointer.js';
import { benchmark } from './bench.js';
import { $ } from './util.js';
import { wireConditioning } from './condition.js';

/** Measures the plot and sizes the points canvas (device pixels, at most 2 per CSS pixel). */
function fitCanvas() {
  const el = $('plot');
  const dpr = Math.min(window.devicePixelRatio || 1, 2);
  app.size = { W: el.clientWidth, H: el.clientHeight, dpr };
  app.renderer?.resize(Math.round(app.size.W * dpr), Math.round(app.size.H * dpr));
}

/** A new points canvas: one that had a WebGPU context cannot get a 2-D one. */
function freshCanvas() {
  const fresh = $('points').cloneNode();
  $('points').replaceWith(fresh);
  return fresh;
}

async function useCpuSampler(reason) {
  app.sampler = await Sampler.create({ backend: 'cpu' });
  app.backend = 'cpu';
  app.fallbackReason = reason;
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

async function start() {
  readHash();
  wireControls();
  wireConditioning();
  wirePointer();
  $('bench').addEventListener('click', () => benchmark());
  new ResizeObserver(() => {
    fitCanvas();
    // keep the centre and the scale; refit only if the distribution left the view
    if (app.valid && app.pairView && state.view === 'pair') setTimeout(refit, 0);
    redraw();
  }).observe($('plot'));
  state.n = state.mean.length;
  buildInputs();
  syncViewControls();
  syncSliders();
  $('symmetric').checked = state.symmetric;
  setKey(state.key);
  const sampler = await Sampler.create();
  app.sampler = sampler;
  app.backend = sampler.backend;
  app.fallbackReason = sampler.fallbackReason ?? null;
  let reason = sampler.fallbackReason ? `WebGPU is unavailable (${sampler.fallbackReason}).` : undefined;
  if (sampler.backend === 'webgpu') {
    try {
      app.device = sampler.device;
      app.renderer = await new GpuRenderer(app.device, $('points')).init();
      app.gpu = true;
      app.adapter = await adapterName(sampler);
      app.device.lost?.then((info) => fallbackToCpu(`The WebGPU device was lost (${info.message || info.reason}).`));
    } catch (e) {
      console.error(e);
      reason = `WebGPU rendering failed (${e.message ?? e}).`;
      await useCpuSampler(reason);
      freshCanvas();
      app.device = null;
      app.renderer = null;
    }
  }
  if (!app.gpu) app.renderer = await new CpuRenderer($('points')).init();
  fitCanvas();
  showBackend(reason);
  setCount(state.N);
  $('loading').textContent = 'Sampling…';
  app.flags.params = true;
  request();
  await idle();
  renderStatus();
}

/** A lost GPU device: carry on with the CPU sampler and the 2-D canvas. */
async function fallbackToCpu(reason) {
  if (!app.gpu) return;
  app.epoch++;
  app.gpu = false;
  app.device = null;
  app.sampler = null;
  console.warn(reason);
  app.renderer = await new CpuRenderer(freshCanvas()).init();
  fitCanvas();
  try { app.valid?.dist.free(); } catch { /* the old sampler's */ }
  Object.assign(app, { valid: null, buf: null, retired: [], failed: null, sampleError: null });
  await useCpuSampler(reason);
  app.lastError = null;
  showBackend(reason);
  setCount(state.N);
  app.flags.params = true;
  redraw();
}

/** Resolves when the page has drawn its first samples (rejects, with the message shown, if it cannot start). */
export const ready = start().catch((e) => {
  console.error(e);
  app.lastError = String(e?.message ?? e);
  $('loading').textContent = `The demo failed to start: ${app.lastError}`;
  throw e;
});
