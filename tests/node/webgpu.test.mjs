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
  const s = await api.Sampler.create({ backend: 'webgpu', gpu: create([]) });
  assert.equal(s.backend, 'webgpu');
  const r = await suite(api, s, load);
  console.log(`Node WebGPU (${s.adapterInfo?.name}): ${r.passed} checks; ${r.notes.join('; ')}`);
  assert.deepEqual(r.failures, []);
  s.destroy();
});
