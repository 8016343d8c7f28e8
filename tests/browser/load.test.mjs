// Load in headless Chromium (tests/js/load.html), on WebGPU (SwiftShader) and on the CPU backend:
// 10,000 sequential and 1,000 concurrent small calls give the results of single calls, while the
// wasm memory, the live GPUBuffers and the GPU process's memory stay flat. Figures: docs/load.md.
// MVN_LOAD_SEQ / MVN_LOAD_PAR change the counts (default 10000 / 1000).
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { serve } from '../js/server.mjs';
import { launch } from '../js/chromium.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const SEQ = Number(process.env.MVN_LOAD_SEQ ?? 10000);
const PAR = Number(process.env.MVN_LOAD_PAR ?? 1000);
const MiB = 2 ** 20;

/** RSS in bytes of Chromium's GPU process among this process's descendants (Linux /proc). */
function gpuProcessRss() {
  const kids = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!kids.has(ppid)) kids.set(ppid, []);
      kids.get(ppid).push(Number(d));
    } catch {}
  }
  const todo = [process.pid];
  while (todo.length) {
    const pid = todo.pop();
    for (const k of kids.get(pid) ?? []) {
      try {
        if (readFileSync(`/proc/${k}/cmdline`, 'utf8').includes('--type=gpu-process')) {
          return Number(readFileSync(`/proc/${k}/statm`, 'utf8').split(' ')[1]) * 4096;
        }
      } catch {}
      todo.push(k);
    }
  }
  return undefined;
}

test(`load in Chromium: ${SEQ} sequential and ${PAR} concurrent calls, WebGPU and CPU`, { timeout: 600_000 }, async () => {
  const { server, url } = await serve(root);
  const browser = await launch();
  try {
    const page = await browser.newPage();
    const log = [];
    page.on('console', (m) => log.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));
    const rss = {};
    await page.exposeFunction('__mark', (label) => {
      rss[label] = gpuProcessRss();
    });
    const t0 = Date.now();
    await page.goto(`${url}/tests/js/load.html?seq=${SEQ}&par=${PAR}`);
    await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 580_000 });
    const result = await page.evaluate(() => window.__result);
    const seconds = (Date.now() - t0) / 1000;
    assert.equal(result.error, undefined, `${result.error}\n${log.join('\n')}`);
    assert.ok(!log.some((l) => /panicked|unreachable/.test(l)), log.join('\n'));
    const fmt = (b) => (b === undefined ? '?' : `${(b / MiB).toFixed(1)} MiB`);
    for (const [backend, r] of Object.entries(result.backends)) {
      assert.deepEqual(r.failures, [], backend);
      assert.equal(r.checks, 1 + 2 * PAR + 100, `${backend}: checks`);
      console.log(
        `${backend}: ${SEQ} sequential in ${(r.seqMs / 1000).toFixed(1)} s, ${PAR} concurrent in ${r.parMs.map((m) => (m / 1000).toFixed(2)).join(' / ')} s; ` +
          `wasm ${fmt(r.wasmWarm)} after warm-up, ${fmt(r.wasmSeq)} after the sequential calls, ${r.wasmPar.map(fmt).join(' / ')} after each concurrent round; ` +
          `live GPUBuffers ${r.buffersWarm} -> ${r.buffersSeq} -> ${r.buffersEnd} (${r.buffersCreated} created in the page so far); ` +
          `GPU process RSS ${fmt(rss[`${backend} warm`])} -> ${fmt(rss[`${backend} sequential`])} -> ${r.parMs.map((_, i) => fmt(rss[`${backend} concurrent ${i}`])).join(' / ')}`,
      );
      // Flat: the sequential calls add no wasm memory and no live buffers; a second round of
      // concurrent calls reuses what the first one grew.
      assert.ok(r.wasmSeq - r.wasmWarm < MiB, `${backend}: wasm grew ${r.wasmSeq - r.wasmWarm} bytes over ${SEQ} sequential calls`);
      assert.ok(r.wasmPar[1] - r.wasmPar[0] < MiB, `${backend}: wasm grew ${r.wasmPar[1] - r.wasmPar[0]} bytes in the second concurrent round`);
      assert.ok(r.wasmEnd < 16 * MiB, `${backend}: wasm memory ${r.wasmEnd} bytes`);
      assert.ok(r.buffersSeq <= r.buffersWarm + 2 && r.buffersEnd <= r.buffersWarm + 2, `${backend}: live GPUBuffers ${r.buffersWarm} -> ${r.buffersSeq} -> ${r.buffersEnd}`);
      const [w, s] = [rss[`${backend} warm`], rss[`${backend} sequential`]];
      if (w !== undefined && s !== undefined) assert.ok(s - w < 16 * MiB, `${backend}: the GPU process grew ${fmt(s - w)} over the sequential calls`);
    }
    assert.ok(result.backends.webgpu.buffersCreated >= SEQ, 'the WebGPU calls must have made buffers (counting works)');
    assert.ok(result.worstGpuCpu <= 1e-5, `WebGPU vs CPU: ${result.worstGpuCpu}`);
    assert.equal(result.distinctResults, SEQ, 'every key gives different samples');
    console.log(`WebGPU vs CPU: max |diff| ${result.worstGpuCpu}; whole page ${seconds.toFixed(1)} s`);
  } finally {
    await browser.close();
    server.close();
  }
});
