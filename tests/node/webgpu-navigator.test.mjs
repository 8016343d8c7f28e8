// Node with navigator.gpu set by the application (no `gpu` option): the package finds it.
import test from 'node:test';
import assert from 'node:assert/strict';
import { create, globals } from 'webgpu';
import { Sampler, key } from 'mvn-gpu';

test('navigator.gpu provided by the app is used in Node', async () => {
  Object.assign(globalThis, globals);
  Object.defineProperty(globalThis, 'navigator', { value: { gpu: create([]) }, configurable: true, writable: true });
  const s = await Sampler.create();
  assert.equal(s.backend, 'webgpu');
  assert.equal(s.fallbackReason, undefined);
  const cpu = await Sampler.create({ backend: 'cpu' });
  const a = await s.bits([1001], { key: key(9) });
  const b = await cpu.bits([1001], { key: key(9) });
  assert.deepEqual(a, b);
  s.destroy();
});
