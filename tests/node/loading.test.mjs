// How the package loads: the wasm only on the first Sampler.create() or init(), from any source
// init({ wasm }) is given (URL, bytes, Response, compiled module), with NOT_LOADED naming the fix
// when it cannot; synchronous calls load it on the spot in Node; require() and the exports map.
// Each case runs in a fresh Node process (the module's state is per process).
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = (src, type = 'module') =>
  execFileSync(process.execPath, [`--input-type=${type}`, '-e', src], { cwd: root, encoding: 'utf8', env: { ...process.env } }).trim();

// Counts the package's wasm instantiations (async and sync; not those of Node's own fetch,
// which instantiates its HTTP parser's wasm when Response is first touched).
const COUNT = `
let instances = 0;
const ours = () => new Error().stack.includes('mvn_gpu.js');
const inst = WebAssembly.instantiate;
WebAssembly.instantiate = (...a) => { instances += ours(); return inst.apply(WebAssembly, a); };
const Inst = WebAssembly.Instance;
WebAssembly.Instance = new Proxy(Inst, { construct(t, a) { instances += ours(); return Reflect.construct(t, a); } });
`;

test('importing the package loads no wasm; Sampler.create() loads it once', () => {
  const out = run(`${COUNT}
    const api = await import('mvn-gpu');
    const before = instances;
    const s = await api.Sampler.create({ backend: 'cpu' });
    const t = await api.Sampler.create({ backend: 'cpu' });
    await api.init();
    console.log(JSON.stringify({ before, after: instances, z: Array.from((await s.normal([2], { key: api.key(0) })).data) }));`);
  const r = JSON.parse(out);
  assert.equal(r.before, 0, 'the wasm was instantiated at import');
  assert.equal(r.after, 1, 'the wasm was instantiated more than once');
  assert.equal(r.z.length, 2);
});

test('synchronous calls in Node load the wasm on the spot', () => {
  const out = run(`import { key, split, errorCodes } from 'mvn-gpu';
    console.log(JSON.stringify({ k: Array.from(key(42)), s: split(key(0)).map((k) => Array.from(k)), codes: errorCodes.length }));`);
  const r = JSON.parse(out);
  assert.deepEqual(r.k, [0, 42]);
  assert.equal(r.s.length, 2);
  assert.equal(r.codes, 15);
});

test('init({ wasm }) takes bytes, a compiled module, a Response or a promise of one', () => {
  for (const [what, expr] of [
    ['bytes', 'bytes'],
    ['WebAssembly.Module', 'new WebAssembly.Module(bytes)'],
    ['Response', "new Response(bytes, { headers: { 'content-type': 'application/wasm' } })"],
    ['Promise<Response>', "Promise.resolve(new Response(bytes, { headers: { 'content-type': 'application/wasm' } }))"],
  ]) {
    const out = run(`import { readFileSync } from 'node:fs';
      import { init, key, Sampler } from 'mvn-gpu';
      const bytes = readFileSync(new URL('./pkg/mvn_gpu_bg.wasm', 'file://${root}/'));
      await init({ wasm: ${expr} });
      const s = await Sampler.create({ backend: 'cpu' });
      console.log(Array.from((await s.normal([3], { key: key(7) })).data).join(','));`);
    assert.match(out, /^-?\d\.\d+,-?\d\.\d+,-?\d\.\d+$/, what);
  }
});

test('a .wasm that cannot be loaded is NOT_LOADED with the fix, and init() can be retried', () => {
  const out = run(`import { readFileSync } from 'node:fs';
    import { init, key, MvnError } from 'mvn-gpu';
    const errors = [];
    for (const wasm of ['file:///nowhere/mvn_gpu_bg.wasm', new Uint8Array([0, 97, 115, 109, 9, 9])]) {
      try { await init({ wasm }); } catch (e) { errors.push({ mvn: e instanceof MvnError, code: e.code, message: e.message }); }
    }
    await init({ wasm: readFileSync(new URL('./pkg/mvn_gpu_bg.wasm', 'file://${root}/')) });
    console.log(JSON.stringify({ errors, k: Array.from(key(1)) }));`);
  const r = JSON.parse(out);
  assert.equal(r.errors.length, 2);
  for (const e of r.errors) {
    assert.ok(e.mvn, e.message);
    assert.equal(e.code, 'NOT_LOADED');
    assert.match(e.message, /^\[init\] could not load the WebAssembly from /);
    assert.match(e.message, /await init\(\{ wasm: url \}\)/);
  }
  assert.match(r.errors[0].message, /nowhere\/mvn_gpu_bg\.wasm/);
  assert.deepEqual(r.k, [0, 1], 'init() after a failed one');
});

test("require('mvn-gpu') gives the same module (Node with require(esm)), and the exports map reaches the .wasm and package.json", () => {
  const out = run(`const m = require('mvn-gpu');
    const path = require('node:path');
    console.log(JSON.stringify({ keys: Object.keys(m), key: Array.from(m.key(3)), wasm: path.relative(process.cwd(), require.resolve('mvn-gpu/wasm')), version: require('mvn-gpu/package.json').version }));`, 'commonjs');
  const r = JSON.parse(out);
  assert.ok(r.keys.includes('Sampler') && r.keys.includes('init'), r.keys.join());
  assert.deepEqual(r.key, [0, 3]);
  assert.equal(r.wasm, 'pkg/mvn_gpu_bg.wasm');
  assert.equal(r.version, JSON.parse(execFileSync(process.execPath, ['-p', 'JSON.stringify(require("./package.json"))'], { cwd: root, encoding: 'utf8' })).version);
  // A Node without require(esm) gets the error that says what to write instead.
  const msg = run(`Object.defineProperty(process.features, 'require_module', { value: false });
    try { require('mvn-gpu'); } catch (e) { console.log(e.code + ': ' + e.message); }`, 'commonjs');
  assert.match(msg, /^ERR_REQUIRE_ESM: mvn-gpu is an ES module .*await import\('mvn-gpu'\)/);
});
