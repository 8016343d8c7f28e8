// Scheduling: input events only mark what changed (app.flags) and request a frame; one animation
// frame applies them, coalesced. Sampling runs one at a time; while the input moves, frames show
// the affine preview and the package resamples once the input rests for IDLE_MS.
import { app, IDLE_MS } from './state.js';
import { applyParams, needSample, display, sampleNow, retire } from './samples.js';
import { currentLayout, drawOverlays, drawPoints, fitView } from './frame.js';
import { showCovError, renderReport, renderCode, renderStats, renderStatus } from './panels.js';
import { scheduleHash } from './hash.js';
import { renderConditioning } from './condition.js';
import { $, now } from './util.js';

export function request() {
  if (!app.rafPending) {
    app.rafPending = true;
    requestAnimationFrame(tick);
  }
}

/** Marks the frame for drawing (`refit`: the view fitted again) and requests it. */
export function redraw({ refit = false } = {}) {
  if (refit) app.viewKey = '';
  app.flags.draw = true;
  request();
}

/** An input moved the distribution: apply it next frame (and count it as interaction). */
export function paramsChanged() {
  app.lastInputAt = now();
  app.flags.params = true;
  request();
}

/** Refits the view if the distribution left it. */
export function refit() {
  if (fitView()) request();
}

/** Refits once the input that moved it rests. */
export const refitSoon = () => setTimeout(refit, IDLE_MS + 20);

/** A drag, a benchmark, or an input within IDLE_MS: the preview is shown instead of resampling. */
function interacting() {
  return app.benchActive || !!app.pointer || now() - app.lastInputAt < IDLE_MS;
}

function tick() {
  app.rafPending = false;
  if (!app.sampler) return;
  if (app.flags.params) {
    app.flags.params = false;
    const e = applyParams();
    showCovError(e);
    if (!e) {
      renderReport();
      renderConditioning();
      renderCode();
      scheduleHash();
    }
  }
  maybeSample();
  if (app.flags.draw && !app.drawing) {
    app.flags.draw = false;
    drawFrame();
  }
}

function maybeSample() {
  if (app.sampling || !needSample()) return;
  const d = display();
  if (d && d.kind === 'preview' && interacting()) {
    if (!app.idleTimer) app.idleTimer = setTimeout(() => { app.idleTimer = 0; request(); }, IDLE_MS);
    return;
  }
  app.sampling = sampleNow().finally(() => {
    app.sampling = null;
    renderStatus();
    app.flags.draw = true;
    request();
  });
}

async function drawFrame() {
  const d = display();
  if (!d) return;
  const L = currentLayout();
  app.layout = L;
  const { timings, frameTimes } = app;
  const to = now();
  drawOverlays(L, d);
  timings.overlayMs = now() - to;
  const t = now();
  if (!interacting() || t - app.lastStatsAt > 250) {
    app.lastStatsAt = t;
    renderStats(d);
  }
  app.preview = d.kind === 'preview';
  if (d.kind === 'none' || !app.buf) return;
  app.drawing = true;
  const t0 = now();
  const ep = app.epoch;
  try {
    await drawPoints(L, d);
  } catch (e) {
    if (ep === app.epoch) {
      console.error(e);
      app.lastError = String(e.message ?? e);
    }
  }
  const t1 = now();
  app.drawing = false;
  timings.drawMs = t1 - t0;
  app.drawCount++;
  frameTimes.push(t1);
  while (frameTimes.length && t1 - frameTimes[0] > 1000) frameTimes.shift();
  if (frameTimes.length >= 3) app.fps = ((frameTimes.length - 1) * 1000) / (frameTimes[frameTimes.length - 1] - frameTimes[0]);
  retire();
  $('loading').hidden = true;
  renderStatus(d);
  if (app.flags.draw || app.flags.params || needSample()) request();
  else if (interacting() && !app.idleTimer) {
    // one more frame once the input rests: the statistics table, throttled while dragging
    app.idleTimer = setTimeout(() => { app.idleTimer = 0; app.flags.draw = true; request(); }, IDLE_MS);
  }
}

/** Resolves once nothing is pending: no input to apply, no sampling, no frame to draw. */
export function idle() {
  return new Promise((resolve) => {
    const check = () => {
      const { flags } = app;
      if (app.sampler && !flags.params && !flags.draw && !app.sampling && !app.drawing && !app.rafPending && !needSample() && !interacting() && !app.idleTimer) resolve();
      else setTimeout(check, 25);
    };
    check();
  });
}
