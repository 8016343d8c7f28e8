// The demo page (www/) in headless Chromium: WebGPU (SwiftShader) renders the samples straight
// from the package's GPU buffer; the controls change the picture and the statistics; bad input
// shows the package's message and keeps the last picture; 3-D, the matrix and 1,000,000 points
// render; without WebGPU the page falls back to the CPU and a 2-D canvas. Saves docs/demo.png.
// The page is driven and measured through window.demo, which only the test hooks (www/testing.js)
// install: loadDemo checks that the page starts and draws without them, then adds them.
import test from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { mkdirSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { serve } from '../js/server.mjs';
import { launch, CHROMIUM } from '../js/chromium.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const SCREENSHOT = fileURLToPath(new URL('../../docs/demo.png', import.meta.url));

/**
 * launch() gives WebGPU compute on SwiftShader; presenting to a WebGPU canvas there also needs
 * SwiftShader as Chromium's Vulkan (--use-vulkan=swiftshader): without it getCurrentTexture()
 * destroys the device (the page then falls back to the CPU, which this test would catch).
 */
function launchWebGpu() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
      '--disable-quic', '--enable-unsafe-webgpu', '--use-angle=swiftshader', '--enable-features=Vulkan', '--use-vulkan=swiftshader'],
  });
}

/**
 * Opens the demo at `address` and adds its test hooks (www/testing.js, which installs
 * window.demo): the page itself never loads them, so first it must start and draw without them.
 */
async function loadDemo(page, address) {
  const requested = [];
  page.on('request', (r) => requested.push(new URL(r.url()).pathname));
  await page.goto(address);
  await page.waitForFunction(() => document.getElementById('loading').hidden, null, { timeout: 60_000 });
  assert.equal(await page.evaluate(() => typeof window.demo), 'undefined', 'a normal visit has no window.demo');
  assert.ok(!requested.includes('/www/testing.js'), 'a normal visit does not load the hooks');
  await page.addScriptTag({ type: 'module', url: new URL('/www/testing.js', address).href });
  await page.waitForFunction(() => window.demo && window.demo.ready, null, { timeout: 60_000 });
  await page.evaluate(() => window.demo.ready);
  await idle(page);
}

async function openDemo(browser, url, viewport = { width: 1440, height: 900 }) {
  const page = await browser.newPage({ viewport });
  const log = [];
  page.on('console', (m) => log.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));
  await loadDemo(page, `${url}/www/`);
  return { page, log };
}

const idle = (page) => page.evaluate(() => window.demo.idle());
const state = (page) => page.evaluate(() => {
  const d = window.demo;
  return { backend: d.backend, stats: d.stats, report: d.report, lastError: d.lastError, timings: { ...d.timings }, fps: d.fps, mean: d.state.mean.slice(), count: d.count, n: d.n };
});
const pixels = (page) => page.evaluate(() => window.demo.pixels());

/** Relative L1 distance between two 24x24 ink grids. */
function gridDistance(a, b) {
  let d = 0, s = 0;
  for (let i = 0; i < a.length; i++) { d += Math.abs(a[i] - b[i]); s += a[i] + b[i]; }
  return s ? d / s : 0;
}

/** A minimal PNG decoder (8-bit RGB/RGBA, non-interlaced: what Chromium writes). */
function decodePng(buf) {
  let o = 8, width = 0, height = 0, colorType = 0;
  const idat = [];
  while (o < buf.length) {
    const len = buf.readUInt32BE(o), type = buf.toString('latin1', o + 4, o + 8);
    const data = buf.subarray(o + 8, o + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0); height = data.readUInt32BE(4); colorType = data[9];
      assert.equal(data[8], 8, 'PNG bit depth');
      assert.equal(data[12], 0, 'PNG interlace');
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    o += 12 + len;
  }
  const bpp = colorType === 6 ? 4 : 3;
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * bpp;
  const out = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? out[y * stride + x - bpp] : 0;
      const b = y > 0 ? out[(y - 1) * stride + x] : 0;
      const c = x >= bpp && y > 0 ? out[(y - 1) * stride + x - bpp] : 0;
      let v = line[x];
      if (f === 1) v += a;
      else if (f === 2) v += b;
      else if (f === 3) v += (a + b) >> 1;
      else if (f === 4) { const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c); v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c; }
      out[y * stride + x] = v & 255;
    }
  }
  return { width, height, bpp, data: out };
}

/** Pixels of the plot as shown on screen with the overlays hidden that differ from the plot's background. */
async function screenInk(page) {
  await page.evaluate(() => { for (const id of ['back', 'front']) document.getElementById(id).style.visibility = 'hidden'; });
  const png = decodePng(await page.locator('#plot').screenshot());
  await page.evaluate(() => { for (const id of ['back', 'front']) document.getElementById(id).style.visibility = ''; });
  const bg = [png.data[0], png.data[1], png.data[2]];
  let ink = 0;
  for (let i = 0; i < png.data.length; i += png.bpp) {
    if (Math.abs(png.data[i] - bg[0]) + Math.abs(png.data[i + 1] - bg[1]) + Math.abs(png.data[i + 2] - bg[2]) > 24) ink++;
  }
  return { ink, total: png.width * png.height };
}

const ms = (v) => (v === null || v === undefined ? '–' : `${v.toFixed(1)} ms`);

test('demo on WebGPU: renders from the GPU buffer, controls, bad input, 3-D, matrix, 1M points, screenshot', { timeout: 240_000 }, async (t) => {
  const { server, url } = await serve(root);
  const browser = await launchWebGpu();
  let log = [];
  try {
    const opened = await openDemo(browser, url);
    const page = opened.page;
    log = opened.log;

    await t.test('WebGPU is in use and the canvas has drawn pixels', async () => {
      const s = await state(page);
      assert.equal(s.backend, 'webgpu', `backend ${s.backend}\n${log.join('\n')}`);
      assert.match(await page.locator('#backend').innerText(), /WebGPU/);
      assert.equal(await page.locator('#backend-notice').isVisible(), false);
      const p = await pixels(page);
      assert.ok(p.nonzero > 0.02 * p.width * p.height, `only ${p.nonzero} of ${p.width * p.height} pixels drawn`);
      // what the screen shows (overlays hidden): the WebGPU canvas is presented
      const screen = await screenInk(page);
      assert.ok(screen.ink > 0.02 * screen.total, `only ${screen.ink} of ${screen.total} screen pixels show points`);
      assert.equal(s.stats.of, 100_000);
      assert.ok(Math.abs(s.stats.cov[0][1] - 0.576) < 0.03, `sample cov ${s.stats.cov[0][1]}`);
      console.log(`WebGPU (${await page.evaluate(() => window.demo.adapter)}): 100,000 points, factor ${ms(s.timings.factorMs)}, sample ${ms(s.timings.sampleMs)}, readback ${ms(s.timings.readbackMs)}, draw ${ms(s.timings.drawMs)}`);
    });

    await t.test('the conditioning card samples the conditional and plots its log-density', async () => {
      // Σ = [[1.44, 0.576], [0.576, 0.64]], μ = [0.5, -0.25]; x₁ = μ₁ + 1σ₁ = 1.7 gives
      // x₂ | x₁: mean -0.25 + 0.4 (1.2) = 0.23, variance 0.64 - 0.576² / 1.44 = 0.4096.
      await page.waitForFunction(() => /mean/.test(document.getElementById('cond-text').textContent), null, { timeout: 20_000 });
      assert.match(await page.locator('#cond-text').innerText(), /given x\S* = 1\.70: mean 0\.230, variance 0\.410/);
      const inked = () => page.evaluate(() => {
        const c = document.getElementById('cond-plot');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
        return n;
      });
      assert.ok((await inked()) > 500, 'the density plot has drawn pixels');
      await page.locator('#cond-value').fill('-1');
      await page.waitForFunction(() => /= -0\.70:/.test(document.getElementById('cond-text').textContent), null, { timeout: 20_000 });
      assert.match(await page.locator('#cond-text').innerText(), /mean -0\.730, variance 0\.410/);
      await page.locator('#cond-value').fill('1');
      await page.waitForFunction(() => /= 1\.70:/.test(document.getElementById('cond-text').textContent), null, { timeout: 20_000 });
    });

    await t.test('the ρ slider changes the pixels and the statistics', async () => {
      const p0 = await pixels(page);
      const s0 = await state(page);
      await page.locator('#rho').fill('-0.5');
      await idle(page);
      const p1 = await pixels(page);
      const s1 = await state(page);
      assert.ok(gridDistance(p0.grid, p1.grid) > 0.1, `pixels barely changed (${gridDistance(p0.grid, p1.grid)})`);
      assert.ok(s1.stats.cov[0][1] < -0.3 && s0.stats.cov[0][1] > 0.3, `sample cov ${s0.stats.cov[0][1]} -> ${s1.stats.cov[0][1]}`);
      assert.ok(Math.abs(s1.stats.targetCov[0][1] - -0.5 * 1.2 * 0.8) < 1e-9);
      assert.equal(await page.locator('#cov-0-1').inputValue(), '-0.48');
    });

    await t.test('dragging the mean with the mouse moves it', async () => {
      const before = (await state(page)).mean;
      const h = (await page.evaluate(() => window.demo.handles())).find((x) => x.id === 'mean');
      await page.mouse.move(h.x, h.y);
      await page.mouse.down();
      await page.mouse.move(h.x + 90, h.y - 45, { steps: 8 });
      await page.mouse.up();
      await idle(page);
      const after = (await state(page));
      assert.ok(after.mean[0] > before[0] + 0.3, `mean x ${before[0]} -> ${after.mean[0]}`);
      assert.ok(after.mean[1] > before[1] + 0.15, `mean y ${before[1]} -> ${after.mean[1]}`);
      assert.ok(Math.abs(after.stats.mean[0] - after.mean[0]) < 0.05, 'the samples follow the mean');
      assert.equal(Number(await page.locator('#mean-0').inputValue()), after.mean[0]);
    });

    await t.test('an indefinite covariance shows the message and keeps the last picture', async () => {
      await page.locator('#cov-0-0').fill('1');
      await page.locator('#cov-1-1').fill('1');
      await page.locator('#cov-0-1').fill('0.3');
      await idle(page);
      const p0 = await pixels(page);
      const s0 = await state(page);
      assert.equal(s0.lastError, null);
      await page.locator('#cov-0-1').fill('2'); // keeps symmetric: [[1, 2], [2, 1]]
      await idle(page);
      const msg = await page.locator('#cov-error').innerText();
      assert.match(msg, /not positive semidefinite/);
      assert.ok(await page.locator('#cov-error').isVisible());
      const s1 = await state(page);
      assert.match(s1.lastError, /\[multivariate_normal\] cov is not positive semidefinite/);
      assert.deepEqual(s1.stats, s0.stats, 'the statistics stay those of the last valid input');
      const p1 = await pixels(page);
      assert.equal(gridDistance(p0.grid, p1.grid), 0, 'the picture stays that of the last valid input');
      // non-symmetric input: the package's other message
      await page.locator('#symmetric').uncheck();
      await page.locator('#cov-0-1').fill('0.3');
      await page.locator('#cov-1-0').fill('0.2');
      await idle(page);
      assert.match(await page.locator('#cov-error').innerText(), /not symmetric/);
      await page.locator('#symmetric').check();
    });

    await t.test('a singular covariance works and reports rank 1', async () => {
      await page.locator('#cov-0-1').fill('1'); // [[1, 1], [1, 1]]
      await idle(page);
      assert.equal(await page.locator('#cov-error').isVisible(), false);
      const s = await state(page);
      assert.equal(s.lastError, null);
      assert.equal(s.report.rank, 1);
      assert.equal(s.report.methodUsed, 'cholesky-psd');
      assert.match(await page.locator('#report').innerText(), /rank 1 of 2/);
      const p = await pixels(page);
      assert.ok(p.nonzero > 200, `singular: ${p.nonzero} pixels`);
      assert.ok(Math.abs(s.stats.cov[0][1] - s.stats.cov[0][0]) < 1e-3, 'the samples lie on the line x1 = x2');
    });

    await t.test('n = 3 renders in 3-D and orbits with the mouse', async () => {
      await page.locator('#dim').selectOption('3');
      await idle(page);
      assert.equal(await page.locator('#view').inputValue(), '3d');
      const p0 = await pixels(page);
      assert.ok(p0.nonzero > 2000, `3-D: ${p0.nonzero} pixels`);
      const box = await page.locator('#front').boundingBox();
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width / 2 + 120, box.y + box.height / 2 + 40, { steps: 6 });
      await page.mouse.up();
      await idle(page);
      const p1 = await pixels(page);
      assert.ok(gridDistance(p0.grid, p1.grid) > 0.05, 'orbiting changes the picture');
    });

    await t.test('n = 5 renders the matrix of pairwise projections', async () => {
      await page.locator('#preset').selectOption('ar5');
      await idle(page);
      assert.equal(await page.locator('#view').inputValue(), 'matrix');
      const s = await state(page);
      assert.equal(s.n, 5);
      const p = await pixels(page);
      // points in every off-diagonal cell: count the 24x24 grid's inked columns and rows
      const G = 24, cols = new Set(), rows = new Set();
      p.grid.forEach((v, i) => { if (v > 0) { cols.add(i % G); rows.add(Math.floor(i / G)); } });
      assert.ok(cols.size > 15 && rows.size > 15, `matrix: ink in ${cols.size} columns, ${rows.size} rows`);
      assert.ok(Math.abs(s.stats.cov[0][1] - 0.8) < 0.03, `AR(1) sample cov ${s.stats.cov[0][1]}`);
    });

    await t.test('1,000,000 points render; frame rate and draw times', async () => {
      await page.locator('#preset').selectOption('correlated');
      await page.locator('.chips button[data-count="1000000"]').click();
      await idle(page);
      const s = await state(page);
      assert.equal(s.count, 1_000_000);
      const p = await pixels(page);
      assert.ok(p.nonzero > 0.05 * p.width * p.height, `1M: ${p.nonzero} pixels`);
      // a real drag of a σ handle at 1M points: frames while the mouse moves
      const h = (await page.evaluate(() => window.demo.handles())).find((x) => x.id === 'axis1');
      const c0 = await page.evaluate(() => window.demo.drawCount);
      const t0 = Date.now();
      await page.mouse.move(h.x, h.y);
      await page.mouse.down();
      for (let i = 1; i <= 20; i++) await page.mouse.move(h.x + 3 * i, h.y - 4 * i);
      await page.mouse.up();
      const dragFrames = (await page.evaluate(() => window.demo.drawCount)) - c0;
      const dragSeconds = (Date.now() - t0) / 1000;
      await idle(page);
      const b = await page.evaluate(() => window.demo.benchmark());
      assert.ok(b.dragFps > 0 && b.fullFps > 0);
      assert.ok(await page.locator('#bench-out').innerText(), 'the page reports the measurement');
      assert.match(await page.locator('#fps').innerText(), /\d/);
      const sw = await page.evaluate(async () => { await window.demo.set({ N: 100_000 }); return window.demo.benchmark(); });
      console.log(`SwiftShader, 1,000,000 points: mouse drag ${dragFrames} frames in ${dragSeconds.toFixed(1)} s; ` +
        `animated drag ${b.dragFps.toFixed(1)} fps (draw ${ms(b.dragDrawMs)}); resampling every frame ${b.fullFps.toFixed(2)} fps ` +
        `(factor ${ms(b.factorMs)}, sample ${ms(b.sampleMs)}, readback ${ms(b.readbackMs)}, draw ${ms(b.drawMs)})`);
      console.log(`SwiftShader, 100,000 points: animated drag ${sw.dragFps.toFixed(1)} fps (draw ${ms(sw.dragDrawMs)}); resampling every frame ${sw.fullFps.toFixed(2)} fps ` +
        `(factor ${ms(sw.factorMs)}, sample ${ms(sw.sampleMs)}, readback ${ms(sw.readbackMs)}, draw ${ms(sw.drawMs)})`);
    });

    await t.test('the copy-code snippet reproduces the draw', async () => {
      await page.evaluate(() => window.demo.set({ N: 1000, seed: 7 }));
      const ok = await page.evaluate(async () => {
        const code = window.demo.code().replace("from 'mvn-gpu'", `from '${location.origin}/js/index.js'`) + '\nexport { data, shape };\n';
        const mod = await import(URL.createObjectURL(new Blob([code], { type: 'text/javascript' })));
        const mine = window.demo.prefix(3);
        return { shape: mod.shape, theirs: Array.from(mod.data.subarray(0, mine.length)), mine };
      });
      assert.deepEqual(ok.shape, [1000, 2]);
      ok.theirs.forEach((v, i) => assert.ok(Math.abs(v - ok.mine[i]) <= 1e-5 * (1 + Math.abs(v)), `sample value ${i}: ${v} vs ${ok.mine[i]}`));
      assert.equal(await page.locator('#seed').inputValue(), '7');
      await page.locator('#copy').click();
      await page.waitForFunction(() => /Copied|Select and copy/.test(document.getElementById('copy').textContent), null, { timeout: 10_000 });
      assert.equal(await page.locator('#key').inputValue(), '0, 7');
    });

    await t.test('the address reproduces the view; resample splits the key', async () => {
      await page.locator('#resample').click();
      await idle(page);
      await page.waitForTimeout(400); // the address is updated 300 ms after a change
      // the package sees float32 inputs: the address holds the shortest decimal of each float32
      const view = () => ({ mean: window.demo.state.mean.map(Math.fround), cov: window.demo.state.cov.map((r) => r.map(Math.fround)), key: Array.from(window.demo.state.key), N: window.demo.state.N, first: window.demo.prefix(1) });
      const mine = await page.evaluate(view);
      assert.notDeepEqual(mine.key, [0, 7]);
      const other = await browser.newPage({ viewport: { width: 1200, height: 800 } });
      await loadDemo(other, page.url());
      const theirs = await other.evaluate(view);
      await other.close();
      assert.deepEqual(theirs, mine);
    });

    await t.test('screenshot for the docs', async () => {
      await page.locator('#preset').selectOption('correlated');
      await page.evaluate(() => window.demo.set({ N: 1_000_000, seed: 42, shading: 'density' }));
      await page.evaluate(() => { document.getElementById('bench-out').textContent = ''; });
      await page.mouse.move(5, 5);
      // the whole page in one viewport (a full-page capture would resize the plot mid-shot)
      for (let i = 0; i < 3; i++) {
        const height = await page.evaluate(() => document.documentElement.scrollHeight);
        await page.setViewportSize({ width: 1440, height: Math.max(height, 1120) });
        await idle(page);
      }
      await page.waitForTimeout(200);
      mkdirSync(fileURLToPath(new URL('../../docs', import.meta.url)), { recursive: true });
      await page.screenshot({ path: SCREENSHOT });
      await page.setViewportSize({ width: 1440, height: 900 });
      console.log(`screenshot: docs/demo.png`);
    });

    await t.test('on a phone the panel stacks under the plot', async () => {
      const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
      await loadDemo(phone, `${url}/www/`);
      const plot = await phone.locator('#plot').boundingBox();
      const panel = await phone.locator('.panel').boundingBox();
      assert.ok(panel.y >= plot.y + plot.height, 'the controls come after the plot');
      assert.ok(plot.width <= 390 && panel.width <= 390, 'nothing wider than the screen');
      const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `horizontal overflow ${overflow}px`);
      const p = await phone.evaluate(() => window.demo.pixels());
      assert.ok(p.nonzero > 1000);
      await phone.close();
    });

    assert.deepEqual(log.filter((l) => l.startsWith('pageerror')), []);
  } catch (e) {
    console.log(log.join('\n'));
    throw e;
  } finally {
    await browser.close();
    server.close();
  }
});

test('demo without WebGPU: the CPU fallback draws on a 2-D canvas and says so', { timeout: 120_000 }, async () => {
  const { server, url } = await serve(root);
  const browser = await launch({ webgpu: false });
  try {
    const { page, log } = await openDemo(browser, url);
    const s = await state(page);
    assert.equal(s.backend, 'cpu', log.join('\n'));
    const notice = page.locator('#backend-notice');
    assert.ok(await notice.isVisible(), 'a visible notice');
    assert.match(await notice.innerText(), /CPU/);
    assert.match(await page.locator('#backend').innerText(), /CPU/);
    const p0 = await pixels(page);
    assert.ok(p0.nonzero > 0.02 * p0.width * p0.height, `CPU: only ${p0.nonzero} pixels drawn`);
    const screen = await screenInk(page);
    assert.ok(screen.ink > 0.02 * screen.total, `CPU: only ${screen.ink} screen pixels show points`);
    await page.locator('#rho').fill('-0.5');
    await idle(page);
    const p1 = await pixels(page);
    assert.ok(gridDistance(p0.grid, p1.grid) > 0.1, 'the ρ slider changes the picture');
    assert.ok((await state(page)).stats.cov[0][1] < -0.3);
    // at most 1,000,000 samples on the CPU, and the page says so
    await page.locator('.chips button[data-count="10000000"]').click();
    await idle(page);
    assert.equal((await state(page)).count, 1_000_000);
    assert.match(await page.locator('#count-note').innerText(), /CPU fallback: at most 1,000,000/);
    const b = await page.evaluate(() => window.demo.benchmark({ seconds: 1.5, full: 2 }));
    console.log(`CPU fallback, 1,000,000 points: animated drag ${b.dragFps.toFixed(1)} fps (draw ${ms(b.dragDrawMs)}); resampling every frame ${b.fullFps.toFixed(2)} fps (sample ${ms(b.sampleMs)}, draw ${ms(b.drawMs)})`);
    assert.deepEqual(log.filter((l) => l.startsWith('pageerror')), []);
  } finally {
    await browser.close();
    server.close();
  }
});
