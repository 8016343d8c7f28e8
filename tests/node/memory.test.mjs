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
