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
