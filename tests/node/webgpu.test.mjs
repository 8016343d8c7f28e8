// The package in Node with WebGPU from the npm `webgpu` package (Dawn on SwiftShader).
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { create, globals } from 'webgpu';
import * as api from 'mvn-gpu';
import { suite } from '../js/suite.mjs';

Object.assign(globalThis, globals);
const load = async (name) => JSON.parse(await readFile(new URL(`../fixtures/${name}`, import.meta.url), 'utf8'));

test('WebGPU (Dawn) in Node agrees with MLX and with the CPU', async () => {
  const gpu = create([]);
  const s = await api.Sampler.create({ backend: 'webgpu', gpu });
  assert.equal(s.backend, 'webgpu');
  const r = await suite(api, s, load, gpu);
  console.log(`Node WebGPU (${s.adapterInfo?.name}): ${r.passed} checks; ${r.notes.join('; ')}`);
  assert.deepEqual(r.failures, []);
  s.destroy();
});

test('samplers share one device unless asked not to, and no globals are left behind', async () => {
  const before = { navigator: globalThis.navigator, gpu: globalThis.navigator?.gpu, Window: globalThis.Window };
  const gpu = create([]);
  let t = performance.now();
  const a = await api.Sampler.create({ gpu });
  const first = performance.now() - t;
  t = performance.now();
  const b = await api.Sampler.create({ gpu });
  const second = performance.now() - t;
  const own = await api.Sampler.create({ gpu, shared: false });
  console.log(`Sampler.create in Node (Dawn): first ${first.toFixed(1)} ms, shared ${second.toFixed(2)} ms`);
  assert.equal(a.backend, 'webgpu');
  assert.equal(a.adapterInfo.backend, 'webgpu');
  assert.ok(a.device === b.device, 'the same options share one device');
  assert.ok(own.device !== a.device, 'shared: false opens a device of its own');
  assert.deepEqual({ navigator: globalThis.navigator, gpu: globalThis.navigator?.gpu, Window: globalThis.Window }, before, 'globals changed');
  const k = api.key(3);
  const want = (await own.normal([64], { key: k })).data;
  const d = b.distribution([0, 0], [[1, 0], [0, 1]]);
  a.destroy();
  assert.deepEqual((await b.normal([64], { key: k })).data, want, 'a shared sampler works on after another share is destroyed');
  assert.equal((await d.sample([3], { key: k })).shape.join(), '3,2');
  await assert.rejects(a.normal([1]), { code: 'DESTROYED' });
  const device = b.device;
  b.free(); // free() releases the share as destroy() does: the last share destroys the device
  const lost = await Promise.race([device.lost.then((i) => i.reason), new Promise((r) => setTimeout(() => r('not lost'), 5000))]);
  assert.equal(lost, 'destroyed');
  const c = await api.Sampler.create({ gpu });
  assert.ok(c.device !== device, 'a new device once every share was released');
  assert.deepEqual((await c.normal([64], { key: k })).data, want);
  await assert.rejects(api.Sampler.create({ gpu, shared: 'yes' }), (e) => e.code === 'INVALID_ARGUMENT' && /shared must be true or false/.test(e.message));
  c.destroy();
  own.destroy();
  assert.deepEqual({ navigator: globalThis.navigator, gpu: globalThis.navigator?.gpu, Window: globalThis.Window }, before, 'globals changed');
});
