// Forgotten objects release their memory: 100,000 distributions and 1,000 samplers created and
// dropped without free() or destroy() leave the wasm memory flat once collected (the wasm glue's
// FinalizationRegistry frees a distribution; js/index.js's own destroys a sampler and its device).
// Run in a child with --expose-gc; the figures are printed (README and the issue note quote them).
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const SRC = `
import { Sampler, init, wasmMemoryBytes } from 'mvn-gpu';
await init();
const mean = [0, 1, 2, 3];
const cov = [[2, 0.1, 0, 0], [0.1, 2, 0, 0], [0, 0, 2, 0], [0, 0, 0, 2]];
const gc = async () => { for (let i = 0; i < 4; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 0)); } };
const s = await Sampler.create({ backend: 'cpu' });
const marks = {};
const distributions = async (count) => { for (let i = 0; i < count; i++) { s.distribution(mean, cov); if (i % 5000 === 4999) await gc(); } await gc(); };
const samplers = async (count) => { for (let i = 0; i < count; i++) { (await Sampler.create({ backend: 'cpu' })).distribution(mean, cov); if (i % 100 === 99) await gc(); } await gc(); };
await distributions(20000); marks.warm = wasmMemoryBytes();
await distributions(100000); marks.distributions = wasmMemoryBytes();
await samplers(200); marks.warmSamplers = wasmMemoryBytes();
await samplers(1000); marks.samplers = wasmMemoryBytes();
marks.rssMiB = process.memoryUsage().rss / 2 ** 20;
console.log(JSON.stringify(marks));
`;

test('100,000 dropped distributions and 1,000 dropped samplers keep the wasm memory flat', { timeout: 300_000 }, () => {
  const out = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', SRC], { cwd: root, encoding: 'utf8' });
  const m = JSON.parse(out.trim().split('\\n').pop());
  console.log(`wasm memory: ${m.warm} B after 20,000 distributions, ${m.distributions} B after 100,000 more; ${m.warmSamplers} B after 200 samplers, ${m.samplers} B after 1,000 more; RSS ${m.rssMiB.toFixed(0)} MiB`);
  // Leaked, each distribution would keep a few hundred bytes (30+ MB for 100,000).
  assert.ok(m.distributions - m.warm <= 1 << 20, `distributions: ${m.warm} -> ${m.distributions}`);
  assert.ok(m.samplers - m.warmSamplers <= 1 << 20, `samplers: ${m.warmSamplers} -> ${m.samplers}`);
});

// WebGPU samplers (Dawn): 1,000 created and dropped share one device; 20 with devices of their
// own (shared: false), dropped, are destroyed by the registry, so RSS comes back down.
const GPU_SRC = `
import { create } from 'webgpu';
import { Sampler } from 'mvn-gpu';
const gpu = create([]);
const gc = async () => { for (let i = 0; i < 6; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 20)); } };
const rss = () => process.memoryUsage().rss / 2 ** 20;
const marks = {};
const first = await Sampler.create({ gpu });
marks.backend = first.backend;
const device = first.device;
let same = 0;
for (let i = 0; i < 1000; i++) { const s = await Sampler.create({ gpu }); if (s.device === device) same++; if (i % 100 === 99) await gc(); }
await gc();
marks.shared = same;
marks.rssShared = rss();
for (let i = 0; i < 20; i++) { const s = await Sampler.create({ gpu, shared: false }); await s.normal([1000]); }
marks.rssOwnLive = rss();
await gc(); await new Promise((r) => setTimeout(r, 500)); await gc();
marks.rssOwnCollected = rss();
for (let i = 0; i < 20; i++) { const s = await Sampler.create({ gpu, shared: false }); await s.normal([1000]); }
await gc(); await new Promise((r) => setTimeout(r, 500)); await gc();
marks.rssOwnAgain = rss();
first.destroy();
console.log(JSON.stringify(marks));
process.exit(0);
`;

test('WebGPU samplers: 1,000 created and dropped share one device; dropped samplers with their own devices give their memory back', { timeout: 300_000 }, () => {
  const out = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', GPU_SRC], { cwd: root, encoding: 'utf8' });
  const m = JSON.parse(out.trim().split('\n').pop());
  console.log(`WebGPU (Dawn): ${m.shared}/1000 samplers shared the first one's device; RSS ${m.rssShared.toFixed(0)} MiB after them, ${m.rssOwnLive.toFixed(0)} MiB with 20 dropped samplers of their own devices, ${m.rssOwnCollected.toFixed(0)} MiB once collected, ${m.rssOwnAgain.toFixed(0)} MiB after 20 more dropped and collected`);
  assert.equal(m.backend, 'webgpu');
  assert.equal(m.shared, 1000);
  // Leaked, 20 more devices would add what the first 20 did (each is about 15 MB on
  // SwiftShader); released, the allocator reuses their memory and the peak barely moves.
  assert.ok(m.rssOwnAgain - m.rssOwnLive < 0.5 * (m.rssOwnLive - m.rssShared), JSON.stringify(m));
});
