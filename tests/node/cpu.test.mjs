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
  // In Node the reason says what is missing and how to get it: the webgpu package and a driver.
  assert.match(s.fallbackReason, /^\[Sampler.create\] this Node has no WebGPU: navigator.gpu is undefined and no gpu option was given\./);
  assert.match(s.fallbackReason, /gpu: create\(\[\]\).*VK_ICD_FILENAMES/);
  await assert.rejects(api.Sampler.create({ backend: 'webgpu' }), (e) => e.name === 'MvnError' && e.code === 'NO_ADAPTER' && /this Node has no WebGPU.*VK_ICD_FILENAMES/.test(e.message));
  assert.equal(globalThis.Window, undefined, 'nothing was written onto globals');
  // Dawn with no Vulkan driver it accepts: the reason names WebGPU and the fix, not wgpu's native backends.
  const { create } = await import('webgpu');
  const env = process.env.VK_ICD_FILENAMES;
  process.env.VK_ICD_FILENAMES = '/nonexistent.json';
  try {
    const none = await api.Sampler.create({ gpu: create([]), shared: false });
    assert.equal(none.backend, 'cpu');
    assert.doesNotMatch(none.fallbackReason, /not compiled in/);
    assert.match(none.fallbackReason, /returned no adapter.*VK_ICD_FILENAMES/s);
    none.destroy();
  } finally {
    if (env === undefined) delete process.env.VK_ICD_FILENAMES;
    else process.env.VK_ICD_FILENAMES = env;
  }
  assert.equal(globalThis.navigator?.gpu, undefined, 'nothing was written onto globals');
  assert.equal(globalThis.Window, undefined, 'nothing was written onto globals');
});

test('calls after destroy() throw DESTROYED', async () => {
  const s = await api.Sampler.create({ backend: 'cpu' });
  s.destroy();
  await assert.rejects(s.normal([2]), (e) => e.code === 'DESTROYED');
  assert.throws(() => s.backend, (e) => e.code === 'DESTROYED');
});

test('Symbol.dispose and Symbol.asyncDispose (`using`) destroy a sampler and free a distribution', async () => {
  const s = await api.Sampler.create({ backend: 'cpu' });
  const d = s.distribution([0], [[1]]);
  assert.equal(typeof Symbol.dispose, 'symbol', 'this Node defines Symbol.dispose');
  d[Symbol.dispose]();
  assert.throws(() => d.dim, (e) => e.code === 'DESTROYED');
  s[Symbol.dispose]();
  await assert.rejects(s.normal([2]), (e) => e.code === 'DESTROYED');
  const t = await api.Sampler.create({ backend: 'cpu' });
  await t[Symbol.asyncDispose]();
  assert.throws(() => t.backend, (e) => e.code === 'DESTROYED');
});

test('every error is an MvnError instance: from the wasm checks, the library and the wrappers', async () => {
  const s = await api.Sampler.create({ backend: 'cpu' });
  const errs = [];
  const grab = async (f) => { try { await f(); } catch (e) { errs.push(e); } };
  await grab(() => s.normal([-1]));                              // library (shape)
  await grab(() => s.normal([2], { key: [1, 2, 3] }));            // boundary (key)
  await grab(() => s.multivariateNormal([0, 0], [[1, 2], [2, 1]])); // library (PSD)
  await grab(() => api.key(-1));                                   // boundary (seed)
  await grab(() => new api.Sampler({}));                           // wrapper misuse
  s.destroy();
  await grab(() => s.normal([2]));                                 // lifecycle
  assert.deepEqual(errs.map((e) => e.code), ['INVALID_SHAPE', 'INVALID_KEY', 'NOT_POSITIVE_SEMIDEFINITE', 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', 'DESTROYED']);
  for (const e of errs) {
    assert.ok(e instanceof api.MvnError && e instanceof Error, `${e.code}: not an MvnError instance`);
    assert.equal(e.name, 'MvnError');
    assert.ok(api.errorCodes.includes(e.code), e.code);
  }
});

test("the .d.ts code union is the library's list of codes", async () => {
  const dts = await readFile(new URL('../../js/index.d.ts', import.meta.url), 'utf8');
  const union = dts.match(/export type MvnErrorCode =([^;]+);/)[1].match(/'([A-Z_]+)'/g).map((c) => c.slice(1, -1));
  assert.deepEqual(union, [...api.errorCodes]);
  // And the wrapper's constant list is Rust's (src/error.rs: ErrorKind::ALL and their codes).
  const rs = await readFile(new URL('../../src/error.rs', import.meta.url), 'utf8');
  const codeOf = Object.fromEntries([...rs.matchAll(/ErrorKind::(\w+) => "([A-Z_]+)"/g)].map((m) => [m[1], m[2]]));
  const all = rs.match(/pub const ALL: \[ErrorKind; \d+\] = \[([^\]]+)\]/)[1].match(/ErrorKind::(\w+)/g).map((k) => codeOf[k.slice(11)]);
  assert.ok(all.length >= 15 && all.every(Boolean), `parsed ${all}`);
  assert.deepEqual([...api.errorCodes], all);
});

test('inputs: typed-array rows, which shape fails to broadcast, and float32 overflow name the fix', async () => {
  const s = await api.Sampler.create({ backend: 'cpu' });
  const k = api.key(5);
  const nested = await s.multivariateNormal([[0, 1]], [[2, 0.5], [0.5, 1]], { shape: [4], key: k });
  const typed = await s.multivariateNormal([new Float64Array([0, 1])], [new Float32Array([2, 0.5]), Float64Array.of(0.5, 1)], { shape: [4], key: k });
  assert.deepEqual(typed.shape, nested.shape);
  assert.deepEqual(typed.data, nested.data);
  await assert.rejects(s.multivariateNormal([0, 0], [new Float32Array([1, 0]), new Float32Array([0])]), { code: 'INVALID_SHAPE', message: /ragged/ });
  await assert.rejects(s.multivariateNormal([[0, 0], [1, 1]], [[[1, 0], [0, 1]], [[1, 0], [0, 1]], [[1, 0], [0, 1]]]), (e) => e.code === 'BROADCAST_ERROR' && /\(3\) and \(2\) cannot be broadcast \(cov's batch and mean's batch\)/.test(e.message));
  await assert.rejects(s.multivariateNormal([[0, 0], [1, 1]], [[1, 0], [0, 1]], { shape: [3] }), (e) => /\(2\) and \(3\) cannot be broadcast \(the batch of mean and cov and the sample shape\)/.test(e.message));
  await assert.rejects(s.multivariateNormal([0, 0], [[1e39, 0], [0, 1]]), (e) => e.code === 'NON_FINITE' && /cov contains inf at index \(0,0\)\. Inputs are float32: a value beyond ±3\.4028235e38 \(e\.g\. 1e39\) becomes inf\./.test(e.message));
  s.destroy();
});
