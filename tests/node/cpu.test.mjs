// The package in Node 20+: imported by name (no manual wasm path), CPU backend, MLX vectors.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import * as api from 'mvn-gpu';
import { suite } from '../js/suite.mjs';

const load = async (name) => JSON.parse(await readFile(new URL(`../fixtures/${name}`, import.meta.url), 'utf8'));

test('CPU backend in Node agrees with MLX and reports errors with codes', async () => {
  const s = await api.Sampler.create({ backend: 'cpu' });
  assert.equal(s.backend, 'cpu');
  assert.equal(s.adapterInfo, null);
  const r = await suite(api, s, load);
  console.log(`Node CPU: ${r.passed} checks; ${r.notes.join('; ')}`);
  assert.deepEqual(r.failures, []);
  s.free();
});

test("'auto' without WebGPU falls back to the CPU and says why; 'webgpu' fails with NO_ADAPTER", async () => {
  const s = await api.Sampler.create();
  assert.equal(s.backend, 'cpu');
  assert.match(s.fallbackReason, /WebGPU/);
  await assert.rejects(api.Sampler.create({ backend: 'webgpu' }), (e) => e.name === 'MvnError' && e.code === 'NO_ADAPTER');
});

test('calls after destroy() throw DESTROYED', async () => {
  const s = await api.Sampler.create({ backend: 'cpu' });
  s.destroy();
  await assert.rejects(s.normal([2]), (e) => e.code === 'DESTROYED');
  assert.throws(() => s.backend, (e) => e.code === 'DESTROYED');
});
