// "Measure fps": (1) a drag, ρ of the shown pair animated (or the 3-D view orbited) for `seconds`,
// frames drawn with the same z through the affine preview; (2) the full path every frame
// (factor + sample + readback + draw), `full` times. The page's button runs it; the tests too.
import { app, state } from './state.js';
import { request, idle } from './scheduler.js';
import { setPairShape, syncInputs, syncSliders } from './controls.js';
import { commas, ms } from './format.js';
import { $, now, clamp, nextFrame } from './util.js';

const median = (xs) => xs.slice().sort((p, q) => p - q)[Math.floor(xs.length / 2)];

export async function benchmark({ seconds = 2.5, full = 3 } = {}) {
  await idle();
  const { timings } = app;
  const btn = $('bench');
  btn.disabled = true;
  $('bench-out').textContent = 'measuring…';
  const saved = { mean: state.mean.slice(), cov: state.cov.map((r) => r.slice()) };
  const [a, b] = state.pair;
  const sx = Math.sqrt(state.cov[a][a]), sy = Math.sqrt(state.cov[b][b]);
  const rho0 = clamp(state.cov[a][b] / (sx * sy), -0.7, 0.7);
  const yaw0 = app.cam?.yaw;
  app.benchActive = true;
  const c0 = app.drawCount;
  const draws = [];
  const t0 = now();
  let lastCount = c0;
  while (now() - t0 < seconds * 1000) {
    const t = (now() - t0) / 1000;
    if (state.view === '3d' && app.valid.n >= 3) {
      app.cam.yaw = yaw0 + 0.6 * Math.sin(2 * Math.PI * t / 2.5);
      app.flags.draw = true;
    } else {
      setPairShape(sx, sy, rho0 + 0.25 * Math.sin((2 * Math.PI * t) / 1.25));
    }
    request();
    await nextFrame();
    if (app.drawCount !== lastCount) { lastCount = app.drawCount; draws.push(timings.drawMs); }
  }
  while (app.drawing) await nextFrame();
  const elapsed = now() - t0;
  const frames = app.drawCount - c0;
  app.benchActive = false;
  if (yaw0 !== undefined) app.cam.yaw = yaw0;
  state.mean = saved.mean;
  state.cov = saved.cov;
  app.flags.params = true;
  syncInputs();
  syncSliders();
  request();
  await idle();
  // the full path, every frame a new sample
  const fullMs = [];
  const parts = { sampleMs: [], readbackMs: [], drawMs: [] };
  for (let i = 0; i < full; i++) {
    const t1 = now();
    app.flags.params = true; // a new distribution object: factor, sample, read back, draw
    app.lastInputAt = -1e9;
    request();
    await idle();
    fullMs.push(now() - t1);
    for (const k of Object.keys(parts)) parts[k].push(timings[k]);
  }
  const dragDraw = draws.length ? draws.reduce((s, v) => s + v, 0) / draws.length : null;
  const result = {
    N: state.N, n: app.valid.n, view: state.view, backend: app.backend,
    dragFps: (frames * 1000) / elapsed, dragFrames: frames, dragDrawMs: dragDraw,
    fullFrameMs: median(fullMs), fullFps: 1000 / median(fullMs),
    sampleMs: median(parts.sampleMs), readbackMs: median(parts.readbackMs), drawMs: median(parts.drawMs), factorMs: timings.factorMs,
  };
  app.bench = result;
  $('bench-out').textContent = `${commas(result.N)} points: drag ${result.dragFps.toFixed(1)} fps (draw ${ms(dragDraw)}) · resample every frame ${result.fullFps.toFixed(1)} fps (${ms(result.fullFrameMs)})`;
  btn.disabled = false;
  return result;
}
