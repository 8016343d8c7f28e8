// The bad- and edge-input catalogue of docs/errors.md through the JavaScript API, on the CPU
// (wasm) backend and on WebGPU (Dawn on SwiftShader, from the npm `webgpu` package). Every
// refusal checks name 'MvnError', the code, that the message names the operation ("[op] ")
// and the problem, and that the same sampler afterwards still gives the CPU's samples. Valid
// edge cases check shapes, finiteness and correctness against independent truth.
import test from 'node:test';
import assert from 'node:assert/strict';
import { create, globals } from 'webgpu';
import * as api from 'mvn-gpu';
import { readFloats } from '../js/suite.mjs';

const { Sampler, key, split, seed } = api;
const OP = 'multivariate_normal';
const I2 = [[1, 0], [0, 1]];
const Z2 = [0, 0];
const METHODS = ['cholesky', 'eigh', 'svd'];
const PROBE = { mean: [1, -2, 0.5], cov: [[2, 0.3, -0.4], [0.3, 1, 0.2], [-0.4, 0.2, 0.5]] };

let cpuRef; // the CPU's probe samples and normals
async function reference() {
  if (!cpuRef) {
    const c = await Sampler.create({ backend: 'cpu' });
    cpuRef = {
      x: (await c.multivariateNormal(PROBE.mean, PROBE.cov, { shape: [33], key: key(79) })).data,
      z: (await c.normal([5], { key: key(79) })).data,
    };
    c.free();
  }
  return cpuRef;
}

const maxDiff = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

/** After an error the sampler still works: a small draw equals the CPU reference. */
async function assertUsable(id, s) {
  const ref = await reference();
  const tol = s.backend === 'cpu' ? 0 : 1e-5;
  const x = await s.multivariateNormal(PROBE.mean, PROBE.cov, { shape: [33], key: key(79) });
  assert.deepEqual(x.shape, [33, 3], `${id}: probe shape`);
  assert.ok(maxDiff(x.data, ref.x) <= tol, `${id} (${s.backend}): probe differs by ${maxDiff(x.data, ref.x)}`);
  const z = await s.normal([5], { key: key(79) });
  assert.ok(maxDiff(z.data, ref.z) <= (s.backend === 'cpu' ? 0 : 1e-6), `${id} (${s.backend}): normal after the error`);
}

/** Checks a refusal, then that `s` (if given) still works. */
async function refused(id, s, code, op, words, fn) {
  let err;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  assert.ok(err !== undefined, `${id}: expected ${code}, got a result`);
  assert.ok(err instanceof Error, `${id}: not an Error: ${err}`);
  assert.equal(err.name, 'MvnError', `${id}: ${err.name}: ${err.message}`);
  assert.equal(err.code, code, `${id}: ${err.code}: ${err.message}`);
  assert.ok(err.message.startsWith(`[${op}] `), `${id}: '${err.message}' should start with [${op}]`);
  for (const w of words) assert.ok(err.message.includes(w), `${id}: '${err.message}' lacks '${w}'`);
  if (s) await assertUsable(id, s);
}

const finite = (a) => a.every(Number.isFinite);

function sampleCov(x, n) {
  const rows = x.length / n;
  const mean = new Array(n).fill(0);
  for (let r = 0; r < rows; r++) for (let i = 0; i < n; i++) mean[i] += x[r * n + i] / rows;
  const c = new Array(n * n).fill(0);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) c[i * n + j] += ((x[r * n + i] - mean[i]) * (x[r * n + j] - mean[j])) / (rows - 1);
  }
  return c;
}

async function catalogue(s) {
  const mvn = (mean, cov, o) => s.multivariateNormal(mean, cov, { key: key(42), ...o });
  const gpu = s.backend === 'webgpu';

  // --- Invalid values ---
  await refused('V01', s, 'NON_FINITE', OP, ['mean contains NaN', '(1)'], () => mvn([0, NaN], I2));
  await refused('V02', s, 'NON_FINITE', OP, ['cov contains inf', '(0,1)'], () => mvn(Z2, [[1, Infinity], [Infinity, 1]]));
  await refused('V03', s, 'NON_FINITE', OP, ['mean contains -inf'], () => mvn([-Infinity, 0], I2));
  await refused('V04', s, 'NON_FINITE', OP, ['cov contains inf'], () => mvn(Z2, [[1e39, 0], [0, 1]]));
  await refused('V04', s, 'NON_FINITE', OP, ['mean contains inf'], () => mvn({ data: Float64Array.of(1e300, 0), shape: [2] }, I2));
  await refused('V05', s, 'NON_FINITE', OP, ['scale_tril contains NaN'], () => mvn(Z2, null, { scaleTril: [[1, 0], [NaN, 1]] }));
  await refused('V06', s, 'NON_FINITE', 'normal', ['loc must be finite'], () => s.normal([3], { loc: NaN, key: key(1) }));
  await refused('V06', s, 'NON_FINITE', 'normal', ['loc must be finite', 'inf'], () => s.normal([3], { loc: 1e39, key: key(1) }));
  await refused('V06', s, 'NON_FINITE', 'normal', ['scale must be finite'], () => s.normal([3], { scale: Infinity, key: key(1) }));
  await refused('V06', s, 'NON_FINITE', 'normal', ['overflows float32'], () => s.normal([3], { scale: 3e38, key: key(1) }));
  await refused('V07', s, 'NON_FINITE', 'uniform', ['low must be finite'], () => s.uniform([3], { low: NaN, key: key(1) }));
  await refused('V07', s, 'NON_FINITE', 'uniform', ['high must be finite'], () => s.uniform([2], { high: [1, Infinity], key: key(1) }));
  await refused('V08', s, 'NON_FINITE', 'uniform', ['high - low overflows'], () => s.uniform([3], { low: -3e38, high: 3e38, key: key(1) }));
  await refused('V09', s, 'INVALID_ARGUMENT', OP, ['mean[1] is not a number'], () => mvn([0, 'a'], I2));
  await refused('V09', s, 'INVALID_ARGUMENT', OP, ['cov[1][0] is not a number'], () => mvn(Z2, [[1, 0], [null, 1]]));
  await refused('V09', s, 'INVALID_ARGUMENT', OP, ['mean[1] is not a number: x'], () => mvn({ data: [0, 'x'], shape: [2] }, I2));
  await refused('V09', s, 'INVALID_ARGUMENT', OP, ['BigInt64Array'], () => mvn({ data: BigInt64Array.of(0n, 0n), shape: [2] }, I2));
  await refused('V09', s, 'INVALID_ARGUMENT', OP, ['mean must be a number, nested arrays'], () => mvn('abc', I2));
  await refused('V09', s, 'INVALID_ARGUMENT', OP, ['cov must be'], () => mvn(Z2, null));
  await refused('V09', s, 'INVALID_ARGUMENT', 'normal', ['loc must be a number'], () => s.normal([3], { loc: '1' }));
  const I3 = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
  await refused('V10', s, 'INVALID_ARGUMENT', OP, ['mean[1] is not a number'], () => mvn([1, , 3], I3)); // eslint-disable-line no-sparse-arrays
  await refused('V10', s, 'INVALID_ARGUMENT', OP, ['mean[0] is not a number'], () => mvn(new Array(2), I2));
  await refused('V10', s, 'INVALID_ARGUMENT', OP, ['mean[1] is not a number'], () => mvn({ data: [1, , ], shape: [2] }, I2)); // eslint-disable-line no-sparse-arrays
  await refused('V10', s, 'INVALID_ARGUMENT', OP, ['cov[1][0] is not a number'], () => mvn(Z2, [[1, 0], [, 1]])); // eslint-disable-line no-sparse-arrays
  await refused('V11', s, 'INVALID_ARGUMENT', OP, ['not DataView'], () => mvn(new DataView(new ArrayBuffer(8)), I2));
  const moved = new Float32Array([0, 0]);
  structuredClone(moved.buffer, { transfer: [moved.buffer] });
  await refused('V11', s, 'INVALID_ARGUMENT', OP, ['detached'], () => mvn(moved, I2));
  await refused('V11', s, 'INVALID_ARGUMENT', OP, ['mean must be a number, nested arrays'], () => mvn({ length: 5, 0: 1 }, I2));
  // V12: each key word is read once: the value checked is the value used.
  let reads = 0;
  const tricky = [0, 7];
  Object.defineProperty(tricky, 0, { get: () => (reads++ === 0 ? 3 : 2 ** 40), enumerable: true });
  const viaGetter = await s.normal([4], { key: tricky });
  assert.deepEqual(Array.from(viaGetter.data), Array.from((await s.normal([4], { key: [3, 7] })).data), 'V12: key read once');
  assert.equal(reads, 1, 'V12: the key word getter was read more than once');
  const throwing = [0, 0];
  Object.defineProperty(throwing, 1, { get: () => { throw new Error('no'); } });
  await refused('V12', s, 'INVALID_ARGUMENT', 'normal', ['key[1] could not be read'], () => s.normal([2], { key: throwing }));
  await refused('V12', s, 'INVALID_ARGUMENT', OP, ['mean[0] could not be read'], () => mvn(new Proxy([0, 0], { get: (t, p) => (p === '0' ? (() => { throw new Error('trap'); })() : Reflect.get(t, p)) }), I2));

  // --- Shapes and broadcasting ---
  await refused('S01', s, 'INVALID_SHAPE', OP, ['mean must have at least one dimension'], () => mvn(5, I2));
  await refused('S02', s, 'INVALID_SHAPE', OP, ['cov must have at least two dimensions'], () => mvn(Z2, [1, 1]));
  await refused('S02', s, 'INVALID_SHAPE', OP, ['cov must have at least two dimensions', 'a flat cov of 3 values needs its shape', 'covShape'], () => mvn(Z2, [1, 0, 1]));
  // A flat cov of n * n numbers, plain or typed, is one n x n matrix.
  assert.deepEqual((await mvn(Z2, [1, 0, 0, 1], { shape: [3], key: key(2) })).shape, [3, 2], 'S02: flat plain cov of n * n');
  await refused('S03', s, 'INVALID_SHAPE', OP, ['last two dimensions of cov must be equal', '(2,3)'], () => mvn(Z2, [[1, 0, 0], [0, 1, 0]]));
  await refused('S04', s, 'INVALID_SHAPE', OP, ['compatible shapes', '(3)', '(2,2)'], () => mvn([0, 0, 0], I2));
  await refused('S05', s, 'BROADCAST_ERROR', OP, ['cannot be broadcast'], () => mvn([Z2, Z2, Z2], [I2, I2, I2, I2]));
  await refused('S06', s, 'BROADCAST_ERROR', OP, ['cannot be broadcast'], () => mvn([Z2, Z2], I2, { shape: [3] }));
  await refused('S07', s, 'INVALID_SHAPE', OP, ['Negative dimensions'], () => mvn(Z2, I2, { shape: [-1] }));
  await refused('S07', s, 'INVALID_SHAPE', 'normal', ['Negative'], () => s.normal([2, -3]));
  await refused('S07', s, 'INVALID_SHAPE', 'uniform', ['Negative'], () => s.uniform([-1]));
  await refused('S07', s, 'INVALID_SHAPE', 'bits', ['Negative'], () => s.bits([-4]));
  await refused('S07', s, 'INVALID_SHAPE', 'split', ['Negative'], () => split(key(0), -1));
  await refused('S08', s, 'INVALID_SHAPE', OP, ['integers, got 2.5'], () => mvn(Z2, I2, { shape: [2.5] }));
  await refused('S08', s, 'INVALID_SHAPE', 'bits', ['integers, got 0.5'], () => s.bits([0.5]));
  await refused('S08', s, 'INVALID_SHAPE', 'split', ['integers, got 2.5'], () => split(key(0), 2.5));
  for (const bad of [['a'], [null], [NaN], [Infinity], 'abc', {}]) {
    await refused('S09', s, 'INVALID_SHAPE', 'normal', ['shape'], () => s.normal(bad));
  }
  await refused('S10', s, 'TOO_LARGE', OP, ['4294967295'], () => mvn(Z2, I2, { shape: [2 ** 62] }));
  await refused('S10', s, 'TOO_LARGE', OP, ['beyond the limit of 4294967295'], () => mvn(Z2, I2, { shape: [2 ** 70] }));
  await refused('S10', s, 'TOO_LARGE', 'bits', ['4294967295'], () => s.bits([2 ** 40, 2 ** 40]));
  await refused('S11', s, 'TOO_LARGE', OP, ['empty', '4294967295'], () => mvn(Z2, I2, { shape: [2 ** 40, 0] }));
  await refused('S11', s, 'TOO_LARGE', 'normal', ['empty'], () => s.normal([0, 2 ** 50]));
  await refused('S12', s, 'INVALID_SHAPE', OP, ['ragged'], () => mvn([Z2, [1]], I2));
  await refused('S12', s, 'INVALID_SHAPE', OP, ['cov is ragged'], () => mvn(Z2, [[1, 0], [0]]));
  await refused('S13', s, 'INVALID_SHAPE', OP, ['mean: data of length 2 does not fill shape (3)'], () => mvn({ data: [1, 2], shape: [3] }, I2));
  await refused('S13', s, 'INVALID_SHAPE', OP, ['cov: data of length 3 does not fill shape (2,2)'], () => mvn(Float32Array.of(0, 0), Float32Array.of(1, 0, 0), { covShape: [2, 2] }));
  await refused('S14', s, 'TOO_LARGE', OP, ['4294967295'], () => mvn({ data: [1, 2], shape: [2 ** 32 + 2] }, I2));
  await refused('S14', s, 'TOO_LARGE', OP, ['4294967295'], () => mvn({ data: [], shape: [2 ** 40, 0] }, I2));
  await refused('S14', s, 'INVALID_SHAPE', OP, ['non-negative integers'], () => mvn({ data: [1, 2], shape: [1.5] }, I2));
  await refused('S14', s, 'INVALID_SHAPE', OP, ['non-negative integers'], () => mvn({ data: [1, 2], shape: [-2] }, I2));
  await refused('S15', s, 'BROADCAST_ERROR', 'uniform', ['(2) and (3)'], () => s.uniform([2], { low: [0, 0, 0] }));
  await refused('S16', s, 'BROADCAST_ERROR', 'uniform', ['from broadcasted shape (3,3)'], () => s.uniform([3], { low: [[0], [0], [0]] }));

  // --- Covariance checks ---
  for (const method of METHODS) {
    await refused('C01', s, 'NOT_SYMMETRIC', OP, ['not symmetric', 'batch index 0', '(0,1)'], () => mvn(Z2, [[1, 0.5], [0, 1]], { method }));
    await refused('C02', s, 'NOT_POSITIVE_SEMIDEFINITE', OP, ['batch index 0', 'eigenvalue -1'], () => mvn(Z2, [[1, 2], [2, 1]], { method }));
    await refused('C03', s, 'NOT_POSITIVE_SEMIDEFINITE', OP, ['eigenvalue -2'], () => mvn(Z2, [[-2, 0], [0, -2]], { method }));
    await refused('C04', s, 'NOT_POSITIVE_SEMIDEFINITE', OP, ['batch index 2'], () => mvn(Z2, [I2, I2, [[1, 2], [2, 1]]], { method }));
    await refused('C06', s, 'NOT_SYMMETRIC', OP, ['tolerance 1.90735e-6'], () => mvn(Z2, [[1, 0.5], [0.50001, 1]], { method }));
  }
  await refused('C05', s, 'INVALID_ARGUMENT', OP, ['lower triangular', '(0,1)'], () => mvn(Z2, null, { scaleTril: [[1, 0.5], [0, 1]] }));
  // C09: low rank plus diagonal that float64 cannot factor: refused where it is factored, sampled.
  {
    const ill = s.distribution(Z2, null, { covFactor: [[1e10, 1e10], [1e10, 1e10]], covDiag: [1e-10, 1e-10] });
    const words = ['does not factor in f64', 'cov_diag is too small next to cov_factor'];
    await refused('C09', s, 'NOT_POSITIVE_SEMIDEFINITE', 'log_prob', words, () => ill.logProb([0, 0]));
    await refused('C09', s, 'NOT_POSITIVE_SEMIDEFINITE', 'log_prob', words, () => ill.logProbAsync([0, 0]));
    await refused('C09', s, 'NOT_POSITIVE_SEMIDEFINITE', 'entropy', words, () => ill.entropy);
    await refused('C09', s, 'NOT_POSITIVE_SEMIDEFINITE', 'scale_tril', words, () => ill.scaleTril);
    await refused('C09', s, 'NOT_POSITIVE_SEMIDEFINITE', 'scale_tril', words, () => ill.toDense());
    assert.ok(finite((await ill.sample([4], { key: key(1) })).data), 'C09: samples');
    ill.free();
  }
  // C08: a small genuine variance (diag(1, 1e-17)) survives every method: the report and the
  // samples' variance show it (eigh/svd once gave exactly 0).
  for (const method of METHODS) {
    const tiny = Math.fround(1e-17);
    const dd = s.distribution(Z2, [[1, 0], [0, tiny]], { method });
    const got = dd.report[0].minEigenvalue;
    assert.ok(Math.abs(got - tiny) <= 1e-6 * tiny, `C08 ${method}: minEigenvalue ${got}`);
    const x = (await dd.sample([20000], { key: key(3) })).data;
    let v = 0;
    for (let i = 1; i < x.length; i += 2) v += x[i] * x[i];
    v /= 20000;
    assert.ok(Math.abs(v / tiny - 1) < 0.05, `C08 ${method}: variance ${v} of the small coordinate`);
    dd.free();
  }

  // --- Sizes and limits ---
  const t0 = Date.now();
  await refused('L01', s, 'TOO_LARGE', OP, ['4294967295', '1099511627776'], () => mvn(Z2, I2, { shape: [2 ** 40] }));
  const d = s.distribution(Z2, I2);
  await refused('L01', s, 'TOO_LARGE', OP, ['4294967295'], () => d.sample([2 ** 40], { key: key(1) }));
  await refused('L02', s, 'TOO_LARGE', 'normal', ['4294967295'], () => s.normal([2 ** 40]));
  await refused('L02', s, 'TOO_LARGE', 'uniform', ['4294967295'], () => s.uniform([2 ** 20, 2 ** 20]));
  await refused('L02', s, 'TOO_LARGE', 'bits', ['4294967295'], () => s.bits([2 ** 40]));
  await refused('L03', s, 'TOO_LARGE', 'split', ['limit'], () => split(key(0), 2 ** 40));
  // L13: more keys than separate Uint32Arrays should hold (about 200 bytes of heap each): refused
  // at once, pointing to bits, which gives the same words in one array.
  await refused('L13', s, 'TOO_LARGE', 'split', ['4194305 keys', 'bits([num, 2], { key })'], () => split(key(0), 2 ** 22 + 1));
  await refused('L13', s, 'TOO_LARGE', 'split', ['67108864 keys'], () => split(key(0), 2 ** 26));
  assert.deepEqual((await s.bits([3, 2], { key: key(5) })).data, Uint32Array.from(split(key(5), 3).flatMap((k) => [...k])), 'L13: the bits hint');
  await refused('L04', s, 'TOO_LARGE', OP, ['4294967295'], () => mvn([0], [[1]], { shape: [2 ** 32] }));
  await refused('L04', s, 'TOO_LARGE', OP, ['4294967295'], () => d.sample([2 ** 31], { key: key(1) }));
  assert.ok(Date.now() - t0 < 10000, `L01-L04: refusals must not allocate (${Date.now() - t0} ms)`);
  // L06: within the element limit but beyond wasm's 4 GiB memory (2^30 floats): refused
  // before the work starts, with the size.
  await refused('L06', s, 'TOO_LARGE', OP, ['cannot allocate 1073741824 values'], () => d.sample([2 ** 29], { key: key(1) }));
  await refused('L06', s, 'TOO_LARGE', 'normal', ['cannot allocate'], () => s.normal([2 ** 31]));
  if (gpu) {
    // L05: kept on the GPU, 2^31 floats exceed the device's max buffer size.
    await refused('L05', s, 'TOO_LARGE', OP, ['max_buffer_size'], () => d.sampleToBuffer([2 ** 30], { key: key(1) }));
  } else {
    await refused('O12', s, 'INVALID_ARGUMENT', 'sample_to_buffer', ['CPU backend'], () => d.sampleToBuffer([2], { key: key(1) }));
  }
  d.free();

  // --- Keys and seeds ---
  for (const k of [Uint32Array.of(1, 2, 3), [1], []]) {
    await refused('K01', s, 'INVALID_KEY', 'normal', ['Expected key shape (2)'], () => s.normal([2], { key: k }));
  }
  await refused('K01', s, 'INVALID_KEY', OP, ['(3)'], () => mvn(Z2, I2, { key: Uint32Array.of(1, 2, 3) }));
  for (const k of [Int32Array.of(1, 2), Float64Array.of(1, 2), BigUint64Array.of(1n, 2n), 'ab', 5, {}]) {
    await refused('K03', s, 'INVALID_KEY', 'bits', ['key'], () => s.bits([2], { key: k }));
  }
  for (const k of [[2 ** 32, 0], [-1, 0], [1.5, 0], [NaN, 0], ['1', 0]]) {
    await refused('K04', s, 'INVALID_KEY', 'uniform', ['key words must be integers in [0, 2^32)'], () => s.uniform([2], { key: k }));
  }
  await refused('K01', s, 'INVALID_KEY', 'split', ['Expected key shape (2)'], () => split([1, 2, 3]));
  await refused('K09', s, 'INVALID_KEY', 'split', ['a key is required'], () => split(undefined, 2));
  await refused('K09', s, 'INVALID_ARGUMENT', 'split', ['num must be a number'], () => split(key(0), 3n));
  await refused('K09', s, 'INVALID_ARGUMENT', 'split', ['num must be a number'], () => split(key(0), '3'));
  await refused('K09', s, 'INVALID_SHAPE', 'split', ['NaN'], () => split(key(0), NaN));

  // --- Options ---
  await refused('O01', s, 'INVALID_ARGUMENT', OP, ["Unknown method 'qr'", 'cholesky'], () => mvn(Z2, I2, { method: 'qr' }));
  await refused('O01', s, 'INVALID_ARGUMENT', OP, ["'Cholesky'"], () => mvn(Z2, I2, { method: 'Cholesky' }));
  for (const dtype of ['float16', 'bfloat16', 'float64', 'int32']) {
    await refused('O03', s, 'INVALID_DTYPE', OP, ['dtype must be float32', dtype], () => mvn(Z2, I2, { dtype }));
  }
  await refused('O03', s, 'INVALID_DTYPE', OP, ['float16'], () => mvn(Z2, null, { scaleTril: I2, dtype: 'float16' }));
  await refused('O03', s, 'INVALID_DTYPE', 'normal', ['int32'], () => s.normal([2], { dtype: 'int32' }));
  await refused('O03', s, 'INVALID_DTYPE', 'uniform', ['float64'], () => s.uniform([2], { dtype: 'float64' }));
  await refused('O04', s, 'INVALID_DTYPE', OP, ["'complex128'"], () => mvn(Z2, I2, { dtype: 'complex128' }));
  await refused('O05', s, 'INVALID_ARGUMENT', OP, ["Unknown on_invalid 'ignore'"], () => mvn(Z2, I2, { onInvalid: 'ignore' }));
  await refused('O06', s, 'INVALID_ARGUMENT', OP, ["unknown option 'tolerance'"], () => mvn(Z2, I2, { tolerance: 1e-3 }));
  await refused('O07', s, 'INVALID_ARGUMENT', OP, ['method must be a string'], () => mvn(Z2, I2, { method: 5 }));
  await refused('O07', s, 'INVALID_ARGUMENT', OP, ['dtype must be a string'], () => mvn(Z2, I2, { dtype: null }));
  await refused('O07', s, 'INVALID_ARGUMENT', OP, ['onInvalid must be a string'], () => mvn(Z2, I2, { onInvalid: true }));
  for (const [width, shown] of [[3, '3'], [8, '8'], [1.5, '1.5'], [-1, '-1']]) {
    await refused('O07', s, 'INVALID_ARGUMENT', 'bits', [`Bit width must be in {1, 2, 4} but got ${shown}.`], () => s.bits([2], { key: key(1), width }));
  }
  await refused('O07', s, 'INVALID_ARGUMENT', 'bits', ['width must be a number'], () => s.bits([2], { width: '2' }));
  await refused('O08', s, 'INVALID_ARGUMENT', OP, ["unknown option 'shpae'"], () => mvn(Z2, I2, { shpae: [2] }));
  await refused('O08', s, 'INVALID_ARGUMENT', OP, ['options must be an object'], () => s.multivariateNormal(Z2, I2, 'cholesky'));
  await refused('O08', s, 'INVALID_ARGUMENT', 'bits', ["unknown option 'seed'"], () => s.bits([2], { seed: 1 }));
  await refused('O02', null, 'INVALID_ARGUMENT', 'Sampler.create', ["Unknown backend 'cuda'"], () => Sampler.create({ backend: 'cuda' }));
  await refused('O02', null, 'INVALID_ARGUMENT', 'Sampler.create', ['backend must be a string'], () => Sampler.create({ backend: 5 }));
  await refused('O11', null, 'INVALID_ARGUMENT', 'Sampler.create', ["Unknown powerPreference 'fast'"], () => Sampler.create({ backend: 'cpu', powerPreference: 'fast' }));
  await refused('O11', null, 'INVALID_ARGUMENT', 'Sampler.create', ['options must be an object'], () => Sampler.create('cpu'));
  await refused('O13', s, 'INVALID_ARGUMENT', 'Sampler', ['Sampler.create()'], () => new Sampler({}));
  // O17: `out` must be a Float32Array of exactly the output's size, for samples read back.
  {
    const dist = s.distribution(Z2, I2);
    for (const [bad, word] of [[new Float32Array(3), 'out holds 3 values but the samples are 20'], [new Float64Array(20), 'got Float64Array'], [[0, 0], 'got Array'], [5, 'must be a Float32Array']]) {
      await refused('O17', s, 'INVALID_ARGUMENT', OP, [word], () => dist.sample([10], { key: key(1), out: bad }));
      await refused('O17', s, 'INVALID_ARGUMENT', OP, [word], () => mvn(Z2, I2, { shape: [10], out: bad }));
    }
    await refused('O17', s, 'INVALID_ARGUMENT', OP, ['not to distribution()'], () => s.distribution(Z2, I2, { out: new Float32Array(2) }));
    await refused('O17', s, 'INVALID_ARGUMENT', OP, ['out must be a Float32Array, got Null'], () => dist.sample([10], { key: key(1), out: null }));
    await refused('O17', s, 'INVALID_ARGUMENT', OP, ['unknown option'], () => dist.sample([10], { key: key(1), shape: [2] }));
    if (gpu) await refused('O17', s, 'INVALID_ARGUMENT', OP, ['kept on the GPU'], () => s.multivariateNormalToBuffer(Z2, I2, { shape: [10], out: new Float32Array(20) }));
    // E20: samples written into a reused `out` are those of a call without it.
    const out = new Float32Array(20);
    const want = await dist.sample([10], { key: key(7) });
    for (let rep = 0; rep < 2; rep++) {
      const got = await dist.sample([10], { key: key(7), out });
      assert.ok(got.data === out, 'E20: data is out');
      assert.deepEqual(got.data, want.data, 'E20');
      assert.deepEqual((await mvn(Z2, I2, { shape: [10], key: key(7), out })).data, want.data, 'E20: multivariateNormal');
    }
    // From 1 MiB on, WebGPU reads back through a mapped staging buffer in JavaScript.
    const big = new Float32Array(2 ** 18);
    const wantBig = await dist.sample([2 ** 17], { key: key(8) });
    assert.ok((await dist.sample([2 ** 17], { key: key(8), out: big })).data === big, 'E20: 1 MiB into out');
    assert.deepEqual(big, wantBig.data, 'E20: 1 MiB');
    dist.free();
  }
  await refused('O14', s, 'INVALID_ARGUMENT', OP, ['either cov or scaleTril'], () => mvn(Z2, I2, { scaleTril: I2 }));
  await refused('O14', s, 'INVALID_ARGUMENT', OP, ['method applies to cov only'], () => mvn(Z2, null, { scaleTril: I2, method: 'eigh' }));
  await refused('O14', s, 'INVALID_ARGUMENT', OP, ['onInvalid applies to cov only'], () => mvn(Z2, undefined, { scaleTril: I2, onInvalid: 'clip' }));
  for (const gpu of [{}, 5, 'x', null, { requestAdapter: 1 }]) {
    for (const backend of ['webgpu', 'cpu']) {
      await refused('O15', null, 'INVALID_ARGUMENT', 'Sampler.create', ['gpu must be a WebGPU entry point'], () => Sampler.create({ backend, gpu }));
    }
    const f = await Sampler.create({ backend: 'auto', gpu });
    assert.equal(f.backend, 'cpu', 'O15: auto with a bad gpu');
    assert.match(f.fallbackReason, /gpu must be a WebGPU entry point/, 'O15: fallbackReason');
    assert.ok(globalThis.navigator?.gpu === undefined || typeof globalThis.navigator.gpu.requestAdapter === 'function', 'O15: a bad gpu was installed');
    f.destroy();
  }

  // --- Valid edge cases ---
  {
    const x = await mvn([1, 2], I2);
    assert.deepEqual(x.shape, [2], 'E01');
    assert.ok(finite(x.data), 'E01');
    for (const [shape, want] of [[[0], [0, 2]], [[3, 0], [3, 0, 2]], [[0, 5], [0, 5, 2]]]) {
      const e = await mvn(Z2, I2, { shape });
      assert.deepEqual([e.shape, e.data.length], [want, 0], 'E02');
    }
    assert.deepEqual((await mvn(Z2, { data: [], shape: [0, 2, 2] })).shape, [0, 2], 'E03');
    const n0 = { data: [], shape: [0, 0] };
    assert.deepEqual((await mvn({ data: [], shape: [0] }, n0)).shape, [0], 'E04');
    assert.deepEqual((await mvn([], n0, { shape: [3] })).shape, [3, 0], 'E04');
    const t = Date.now();
    assert.deepEqual((await mvn([], { data: [], shape: [2 ** 31, 0, 0] })).shape, [2 ** 31, 0], 'E18');
    assert.ok(Date.now() - t < 5000, `E18: ${Date.now() - t} ms`);
    // E05: n = 1 is 3 + 2 z with z the normals of the same key.
    const z = (await s.normal([100, 1], { key: key(5) })).data;
    for (const method of METHODS) {
      const x1 = await s.multivariateNormal([3], [[4]], { shape: [100], key: key(5), method });
      assert.ok(x1.data.every((v, i) => Math.abs(v - (3 + 2 * z[i])) <= 1e-5), `E05 ${method}`);
    }
    // E13, E14, E15, E16.
    assert.deepEqual((await s.normal([0])).shape, [0], 'E13');
    assert.deepEqual((await s.uniform([2, 0])).shape, [2, 0], 'E13');
    assert.deepEqual((await s.bits([0])).shape, [0], 'E13');
    const sc = await s.normal([], { key: key(1) });
    assert.deepEqual([sc.shape, sc.data.length], [[], 1], 'E13');
    assert.deepEqual(split(key(0), 0), [], 'E14');
    const u = await s.uniform([1000], { low: 1, high: 0, key: key(2) });
    assert.ok(u.data.every((v) => v > 0 && v <= 1), 'E15');
    const big = await s.normal([200], { scale: 2.4e38, key: key(0) });
    assert.ok(big.data.some((v) => !Number.isFinite(v)) && !big.data.some(Number.isNaN), 'E16');
  }
  const mean3 = [1, -2, 0.5];
  for (const method of METHODS) {
    const id = (r) => `${r} (${s.backend}, ${method})`;
    let x = await mvn(mean3, [[0, 0, 0], [0, 0, 0], [0, 0, 0]], { shape: [100], method });
    assert.ok(x.data.every((v, i) => v === Math.fround(mean3[i % 3])), id('E06'));
    // E07: rank 1 (v vᵀ): x - mean = t v.
    const v = [1, 2, -1];
    x = await mvn(mean3, v.map((a) => v.map((b) => a * b)), { shape: [2000], method });
    for (let r = 0; r < 2000; r++) {
      const tt = (x.data[3 * r] - 1) / v[0];
      for (let j = 0; j < 3; j++) assert.ok(Math.abs(x.data[3 * r + j] - mean3[j] - tt * v[j]) <= 2e-5 * (1 + Math.abs(tt)), id('E07'));
    }
    // E08: condition 1e12, diagonal and correlated: finite, sample covariance close.
    for (const cov of [[1, 0, 0, 1e-12], [1e12, 5e5, 5e5, 1]]) {
      x = await mvn(Z2, { data: cov, shape: [2, 2] }, { shape: [20000], method });
      assert.ok(finite(x.data), id('E08'));
      const c = sampleCov(x.data, 2);
      const cf = cov.map(Math.fround);
      for (let i = 0; i < 2; i++) {
        for (let j = 0; j < 2; j++) {
          const err = Math.abs(c[2 * i + j] - cf[2 * i + j]) / Math.sqrt(cf[3 * i] * cf[3 * j]);
          assert.ok(err < 0.05, `${id('E08')}: ${c} vs ${cf}`);
        }
      }
    }
    // E09: round-off asymmetry accepted, samples of the symmetric matrix up to round-off.
    const a = await mvn(Z2, [[2, 0.6], [0.6, 1]], { shape: [500], method });
    const b = await mvn(Z2, [[2, 0.6], [0.6 + 1e-7, 1]], { shape: [500], method });
    assert.ok(maxDiff(a.data, b.data) < 1e-5, id('E09'));
    // E10: a tiny negative eigenvalue from round-off is accepted.
    x = await mvn(Z2, [[1, 1], [1, 1 - 1e-7]], { shape: [100], method });
    assert.ok(finite(x.data), id('E10'));
    // E11, E12: huge and subnormal finite values.
    assert.ok(finite((await mvn([3e38, -3e38], [[1e38, 0], [0, 1e38]], { shape: [100], method })).data), id('E11'));
    x = await mvn([1, 2], [[1e-40, 0], [0, 1e-40]], { shape: [100], method });
    assert.ok(x.data.every((v, i) => Math.abs(v - (i % 2 ? 2 : 1)) < 1e-18), id('E12'));
    // E17: onInvalid 'clip' samples the clipped matrix (rank one along (1, 1)).
    x = await mvn(Z2, [[1, 2], [2, 1]], { shape: [1000], method, onInvalid: 'clip' });
    assert.ok(x.data.every((val, i) => i % 2 === 0 || Math.abs(val - x.data[i - 1]) < 1e-4), id('E17'));
  }
  // Seeds (no sampler involved).
  await refused('K05', null, 'INVALID_ARGUMENT', 'key', ['[0, 2^64)'], () => key(2n ** 64n));
  await refused('K05', null, 'INVALID_ARGUMENT', 'seed', ['[0, 2^64)'], () => seed(2n ** 64n + 5n));
  await refused('K05', null, 'INVALID_ARGUMENT', 'key', ['BigInt'], () => key(2 ** 64));
  for (const bad of [-1, 1.5, '5', NaN, -1n, null, undefined, Infinity]) {
    await refused('K06', null, 'INVALID_ARGUMENT', 'key', ['seed must be an integer in [0, 2^64)'], () => key(bad));
  }
  await refused('K07', null, 'INVALID_ARGUMENT', 'key', ['beyond 2^53 - 1', 'BigInt'], () => key(2 ** 53 + 2));
  assert.deepEqual([...key(2n ** 64n - 1n)], [0xffffffff, 0xffffffff], 'K08');
  assert.deepEqual([...key(2 ** 53 - 1)], [0x1fffff, 0xffffffff], 'K08');
  // O21: a key where the options go (one call style: { key }).
  {
    const d21 = s.distribution(PROBE.mean, PROBE.cov);
    const words = ['the key goes in the options', 'pass { key }'];
    await refused('O21', s, 'INVALID_ARGUMENT', 'normal', [...words, 'not a Uint32Array'], () => s.normal([3], key(0)));
    await refused('O21', s, 'INVALID_ARGUMENT', 'bits', words, () => s.bits([3], key(0)));
    await refused('O21', s, 'INVALID_ARGUMENT', OP, words, () => d21.sample([8], key(1)));
    await refused('O21', s, 'INVALID_ARGUMENT', OP, [...words, 'not an Array'], () => d21.sample([8], [0, 1]));
    await refused('O21', s, 'INVALID_ARGUMENT', 'sample_into', words, () => d21.sampleInto({}, [8], key(1)));
    await refused('O21', s, 'INVALID_ARGUMENT', 'sample_to_buffer', words, () => d21.sampleToBuffer([8], key(1)));
    d21.free();
  }
  // O24: log-densities with GPU buffers, and what a low-rank distribution does not offer.
  {
    const d24 = s.distribution(PROBE.mean, PROBE.cov);
    const low = s.distribution(Z2, null, { covFactor: [[1], [1]], covDiag: [1, 1] });
    const lowWords = ['low-rank distribution (covFactor, covDiag)', 'use logProb()'];
    await refused('O24', s, 'INVALID_ARGUMENT', 'factors', lowWords, () => low.factors);
    if (gpu) {
      const GU = globalThis.GPUBufferUsage;
      const xb = s.device.createBuffer({ size: 3 * 4 * 10, usage: GU.STORAGE | GU.COPY_SRC });
      const small = s.device.createBuffer({ size: 16, usage: GU.STORAGE | GU.COPY_SRC });
      await refused('O24', s, 'INVALID_ARGUMENT', 'log_prob', ['need their shape', 'xShape'], () => d24.logProbAsync(xb));
      await refused('O24', s, 'INVALID_ARGUMENT', 'log_prob', ['does not fit its buffer of 120 bytes'], () => d24.logProbAsync(xb, { xShape: [11, 3] }));
      await refused('O24', s, 'INVALID_ARGUMENT', 'log_prob_into', ['the output buffer needs STORAGE usage and 40 bytes'], () => d24.logProbInto(small, xb, { xShape: [10, 3] }));
      await refused('O24', s, 'INVALID_ARGUMENT', 'log_prob_into', ['out applies to results read back'], () => d24.logProbInto(xb, [[0, 0, 0]], { out: new Float32Array(1) }));
      await refused('O24', s, 'INVALID_ARGUMENT', 'sample_into', ['the output buffer needs STORAGE usage and 400 bytes'], () => low.sampleInto(small, [50]));
      await refused('O24', s, 'INVALID_ARGUMENT', 'log_prob_into', lowWords, () => low.logProbInto(xb, [0, 0]));
      await refused('O24', s, 'INVALID_ARGUMENT', 'log_prob', lowWords, () => low.logProbAsync(xb, { xShape: [1, 2] }));
      xb.destroy();
      small.destroy();
    } else {
      const fake = { size: 120, usage: 0x80 | 0x04, mapAsync() {} };
      await refused('O24', s, 'INVALID_ARGUMENT', 'log_prob', ['CPU backend has no GPU buffers'], () => d24.logProbAsync(fake, { xShape: [10, 3] }));
      await refused('O24', s, 'INVALID_ARGUMENT', 'log_prob_into', ['CPU backend has no GPU buffers'], () => d24.logProbInto(fake, [[0, 0, 0]]));
    }
    d24.free();
    low.free();
  }
  await assertUsable('catalogue end', s);
}

async function lifecycle(make) {
  // D07: calls in flight when the sampler is destroyed reject with DESTROYED (none resolves
  // with a buffer on the destroyed device).
  {
    const t = await make();
    const dist = t.distribution(Z2, I2);
    const calls = [
      ['normal', t.normal([1000], { key: key(1) })],
      ['bits', t.bits([1000], { key: key(1) })],
      [OP, t.multivariateNormal(Z2, I2, { shape: [1000], key: key(1) })],
      [OP, dist.sample([1000], { key: key(1) })],
    ];
    if (t.backend === 'webgpu') {
      calls.push([OP, t.multivariateNormalToBuffer(Z2, I2, { shape: [1000], key: key(1) })], ['sample_to_buffer', dist.sampleToBuffer([1000], { key: key(1) })]);
    }
    // Each outcome is caught at once (the later ones settle while the first is checked).
    const outcomes = calls.map(([op, p]) => [op, p.then((ok) => ({ ok }), (err) => ({ err }))]);
    t.destroy();
    for (const [op, o] of outcomes) {
      await refused('D07', null, 'DESTROYED', op, ['destroyed while the call was in flight'], async () => {
        const r = await o;
        if ('err' in r) throw r.err;
        return r.ok;
      });
    }
    dist.free();
  }
  // D01: every call after destroy() throws DESTROYED, synchronously or as a rejection.
  let s = await make();
  const d = s.distribution(Z2, I2);
  const live = s.distribution(Z2, I2);
  const before = await live.sample([4], { key: key(1) });
  s.destroy();
  for (const [name, f] of [
    ['normal', () => s.normal([2])],
    ['uniform', () => s.uniform([2])],
    ['bits', () => s.bits([2])],
    ['multivariate_normal', () => s.multivariateNormal(Z2, I2)],
    ['multivariate_normal', () => s.multivariateNormalToBuffer(Z2, I2)],
    ['multivariate_normal', () => s.distribution(Z2, I2)],
    ['backend', () => s.backend],
    ['device', () => s.device],
    ['adapterInfo', () => s.adapterInfo],
  ]) {
    await refused('D01', null, 'DESTROYED', name, ['the sampler was destroyed'], f);
  }
  // D04: a distribution made before keeps its report but cannot sample on a destroyed sampler.
  await refused('D04', null, 'DESTROYED', OP, ['the sampler of this distribution was destroyed'], () => d.sample([2], { key: key(1) }));
  await refused('D04', null, 'DESTROYED', 'sample_to_buffer', ['sampler of this distribution'], () => d.sampleToBuffer([2], { key: key(1) }));
  assert.equal(d.dim, 2, 'D04');
  // D05: destroy() and free() again are no-ops.
  assert.doesNotThrow(() => {
    s.destroy();
    s.free();
    d.free();
    d.free();
  }, 'D05');
  await refused('D03', null, 'DESTROYED', OP, ['the distribution was freed'], () => d.sample([2]));
  await refused('D03', null, 'DESTROYED', 'report', ['freed'], () => d.report);
  await refused('D03', null, 'DESTROYED', 'dim', ['freed'], () => d.dim);
  live.free();
  // D02: free() alone.
  s = await make();
  s.free();
  await refused('D02', null, 'DESTROYED', 'normal', ['destroyed'], () => s.normal([2]));
  // D06: other samplers are unaffected; a new one gives the same samples as before.
  s = await make();
  const after = await s.multivariateNormal(Z2, I2, { shape: [4], key: key(1) });
  assert.deepEqual(after.data, before.data, 'D06');
  await assertUsable('D06', s);
  s.destroy();
}

/** `p`, or a rejection after `ms`: no fault may hang a call. */
function withTimeout(id, p, ms = 60000) {
  let timer;
  const t = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${id}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** L08, L10-L12: device faults under a WebGPU sampler (its own device). */
async function deviceFaults(gpu) {
  const t = await Sampler.create({ backend: 'webgpu', gpu });
  const fresh = await Sampler.create({ backend: 'webgpu', gpu });
  const dist = t.distribution(PROBE.mean, PROBE.cov);
  // L08: the GPUDevice is destroyed between calls: the next call opens a new one, same samples.
  const before = await dist.sample([8], { key: key(1) });
  const old = t.device;
  old.destroy();
  const after = await withTimeout('L08', dist.sample([8], { key: key(1) }));
  assert.deepEqual(after.data, before.data, 'L08: samples on the replacement device');
  assert.notEqual(t.device, old, 'L08: device not replaced');
  assert.equal(t.deviceReplacements, 1, 'L08');
  assert.equal(t.deviceLost, undefined, 'L08');
  await assertUsable('L08', t);
  // L12: destroyed while a large call is in flight: that call gives the samples of a fresh
  // sampler (run again on a new device) or a clean DEVICE_ERROR / DEVICE_LOST; never a hang.
  const opts = { shape: [200000], key: key(3) };
  const want = await fresh.multivariateNormal(PROBE.mean, PROBE.cov, opts);
  const inflight = t.multivariateNormal(PROBE.mean, PROBE.cov, opts).then((r) => r, (e) => e);
  t.device.destroy();
  const got = await withTimeout('L12', inflight);
  console.log(`L12 (Dawn): the interrupted call ${got instanceof Error ? `failed cleanly: ${got.code}` : 'ran again on a new device'}`);
  if (got instanceof Error) {
    assert.equal(got.name, 'MvnError', `L12: ${got}`);
    assert.ok(['DEVICE_ERROR', 'DEVICE_LOST'].includes(got.code), `L12: ${got.code}: ${got.message}`);
    assert.ok(got.message.startsWith(`[${OP}] `), 'L12');
  } else {
    assert.deepEqual(got.data, want.data, 'L12: the interrupted call, run again, differs from a fresh sampler');
  }
  await assertUsable('L12', t);
  assert.equal(t.deviceReplacements, 2, 'L12');
  // L10: a buffer map that fails (mapAsync rejects once): DEVICE_ERROR, the next call works.
  const mapAsync = GPUBuffer.prototype.mapAsync;
  let maps = 0;
  GPUBuffer.prototype.mapAsync = function (...args) {
    return maps++ === 0 ? Promise.reject(new DOMException('forced map failure', 'OperationError')) : mapAsync.apply(this, args);
  };
  try {
    await refused('L10', t, 'DEVICE_ERROR', OP, ['readback: buffer map failed'], () => withTimeout('L10', dist.sample([8], { key: key(1) })));
  } finally {
    GPUBuffer.prototype.mapAsync = mapAsync;
  }
  assert.ok(maps > 1, 'L10: the forced failure was not reached');
  assert.deepEqual((await dist.sample([8], { key: key(1) })).data, before.data, 'L10: after the failed map');
  // L11: within the limits (1 GiB = the device's maxBufferSize) but more than SwiftShader can
  // allocate: TOO_LARGE naming the GPU's memory, and the sampler still works.
  assert.equal(t.device.limits.maxBufferSize, 2 ** 30, 'L11 expects a 1 GiB maxBufferSize (SwiftShader)');
  await refused('L11', t, 'TOO_LARGE', OP, ['GPU is out of memory', 'draw fewer'], () => withTimeout('L11', t.multivariateNormalToBuffer(Z2, I2, { shape: [2 ** 27], key: key(1) })));
  assert.equal(t.deviceReplacements, 2, 'L11: out of memory must not lose the device');
  dist.free();
  t.destroy();
  fresh.destroy();
}

// O16: a gpu entry point that passes the shape check but misbehaves: requestAdapter throws,
// rejects, or resolves to something that is not an adapter; requestDevice throws. Each settles:
// NO_ADAPTER for 'webgpu', the CPU with the reason for 'auto'; and a good gpu works afterwards.
async function brokenGpus(good) {
  const adapterLike = (requestDevice) => ({ features: new Set(), limits: {}, info: {}, requestDevice });
  const broken = {
    'requestAdapter throws': { requestAdapter() { throw new Error('adapter boom'); } },
    'requestAdapter rejects': { requestAdapter: () => Promise.reject(new Error('adapter no')) },
    'requestAdapter resolves to 42': { requestAdapter: () => Promise.resolve(42) },
    'requestAdapter resolves to {}': { requestAdapter: () => Promise.resolve({}) },
    'requestDevice throws': { requestAdapter: () => Promise.resolve(adapterLike(() => { throw new Error('device boom'); })) },
    'requestDevice resolves to 7': { requestAdapter: () => Promise.resolve(adapterLike(() => Promise.resolve(7))) },
  };
  for (const [what, gpu] of Object.entries(broken)) {
    await refused('O16', null, 'NO_ADAPTER', 'Sampler', [], () => withTimeout('O16', Sampler.create({ backend: 'webgpu', gpu })));
    const f = await withTimeout('O16', Sampler.create({ backend: 'auto', gpu }));
    assert.equal(f.backend, 'cpu', `O16 ${what}: auto`);
    assert.match(f.fallbackReason, /no GPU adapter|device request failed/, `O16 ${what}: fallbackReason`);
    f.destroy();
    const ok = await withTimeout('O16', Sampler.create({ backend: 'webgpu', gpu: good }));
    assert.equal(ok.backend, 'webgpu', `O16 ${what}: a good gpu after the broken one`);
    await assertUsable('O16', ok);
    ok.destroy();
  }
}

/** A device of the application's own, as a renderer would request it. */
async function appDevice(gpu) {
  const adapter = await gpu.requestAdapter();
  return adapter.requestDevice();
}

// The application's GPUDevice (`device` option) and caller's buffers (`sampleInto`,
// `multivariateNormalInto`): each bad argument is refused with INVALID_ARGUMENT naming it, nothing
// is written into the caller's buffers, the device is never destroyed or replaced by us, and
// once the application destroys it, calls fail with DEVICE_LOST.
async function applicationDevice(gpu) {
  const GU = globalThis.GPUBufferUsage;
  const device = await appDevice(gpu);
  // O20: a device option that is not a GPUDevice, or with options that pick a device.
  for (const bad of [42, {}, null, { createBuffer() {}, queue: {} }]) {
    await refused('O20', null, 'INVALID_ARGUMENT', 'Sampler.create', ['device must be a GPUDevice'], () => Sampler.create({ device: bad }));
  }
  await refused('O20', null, 'INVALID_ARGUMENT', 'Sampler.create', ['gpu picks a device', 'does not apply with device'], () => Sampler.create({ device, gpu }));
  await refused('O20', null, 'INVALID_ARGUMENT', 'Sampler.create', ['powerPreference'], () => Sampler.create({ device, powerPreference: 'low-power' }));
  await refused('O20', null, 'INVALID_ARGUMENT', 'Sampler.create', ["backend 'cpu'"], () => Sampler.create({ device, backend: 'cpu' }));
  const s = await Sampler.create({ device });
  assert.equal(s.backend, 'webgpu', 'O20');
  assert.equal(s.device, device, 'O20: the sampler runs on the given device');
  await assertUsable('O20', s);

  const d = s.distribution(PROBE.mean, PROBE.cov);
  const buffer = (size, usage) => device.createBuffer({ size, usage });
  // O09: too small, or without STORAGE usage.
  await refused('O09', s, 'INVALID_ARGUMENT', 'sample_into', ['needs STORAGE usage and 1200 bytes', 'and 64 bytes'], () => d.sampleInto(buffer(64, GU.STORAGE), [100], { key: key(1) }));
  await refused('O09', s, 'INVALID_ARGUMENT', 'sample_into', ['STORAGE'], () => d.sampleInto(buffer(4096, GU.VERTEX), [100], { key: key(1) }));
  await refused('O09', s, 'INVALID_ARGUMENT', 'sample_into', ['1200 bytes'], () => s.multivariateNormalInto(buffer(64, GU.STORAGE), PROBE.mean, PROBE.cov, { shape: [100], key: key(1) }));
  // O19: not a GPUBuffer, or a mapped one.
  for (const bad of [undefined, 42, {}, new Float32Array(300)]) {
    await refused('O19', s, 'INVALID_ARGUMENT', 'sample_into', ['buffer must be a GPUBuffer'], () => d.sampleInto(bad, [100], { key: key(1) }));
    await refused('O19', s, 'INVALID_ARGUMENT', 'sample_into', ['buffer must be a GPUBuffer'], () => s.multivariateNormalInto(bad, PROBE.mean, PROBE.cov, { shape: [100] }));
  }
  const mapped = device.createBuffer({ size: 4096, usage: GU.STORAGE, mappedAtCreation: true });
  await refused('O19', s, 'INVALID_ARGUMENT', 'sample_into', ['buffer is mapped', 'unmap it'], () => d.sampleInto(mapped, [100], { key: key(1) }));
  mapped.unmap();
  // O18: a buffer of another device, or a destroyed one; nothing is written into it.
  const other = await appDevice(gpu);
  const foreign = other.createBuffer({ size: 4096, usage: GU.STORAGE | GU.COPY_SRC });
  await refused('O18', s, 'INVALID_ARGUMENT', 'sample_into', ['another device or was destroyed', 'nothing was written'], () => d.sampleInto(foreign, [100], { key: key(1) }));
  await refused('O18', s, 'INVALID_ARGUMENT', 'sample_into', ['another device or was destroyed'], () => s.multivariateNormalInto(foreign, PROBE.mean, PROBE.cov, { shape: [100], key: key(1) }));
  const read = await readFloats(other, foreign, 4096);
  assert.ok(read.every((v) => v === 0), 'O18: the other device\'s buffer was written');
  const dead = buffer(4096, GU.STORAGE);
  dead.destroy();
  await refused('O18', s, 'INVALID_ARGUMENT', 'sample_into', ['another device or was destroyed'], () => d.sampleInto(dead, [100], { key: key(1) }));
  // O12: the CPU backend has no GPU buffers.
  const c = await Sampler.create({ backend: 'cpu' });
  const cd = c.distribution(PROBE.mean, PROBE.cov);
  await refused('O12', c, 'INVALID_ARGUMENT', 'sample_into', ['CPU backend'], () => cd.sampleInto(buffer(4096, GU.STORAGE), [100], { key: key(1) }));
  await refused('O12', c, 'INVALID_ARGUMENT', 'sample_into', ['CPU backend'], () => c.multivariateNormalInto(buffer(4096, GU.STORAGE), PROBE.mean, PROBE.cov, { shape: [100] }));
  c.destroy();
  assert.equal(s.deviceReplacements, 0, 'O18: the application\'s device is never replaced');

  // D08: destroy() of a sampler on the application's device leaves that device working.
  const out = buffer(1200, GU.STORAGE | GU.COPY_SRC);
  const live = s.distribution(PROBE.mean, PROBE.cov);
  s.destroy();
  await refused('D08', null, 'DESTROYED', 'sample_into', ['sampler of this distribution was destroyed'], () => live.sampleInto(out, [100], { key: key(1) }));
  const again = await Sampler.create({ device });
  const r = await again.distribution(PROBE.mean, PROBE.cov).sampleInto(out, [100], { key: key(1) });
  assert.equal(r.buffer, out, 'D08: sampleInto resolves to the caller\'s buffer');
  assert.deepEqual(r.shape, [100, 3], 'D08');
  const want = (await again.multivariateNormal(PROBE.mean, PROBE.cov, { shape: [100], key: key(1) })).data;
  assert.deepEqual(await readFloats(device, out, 1200), want, 'D08: the device still works after destroy()');

  // L14: the application destroys its device: DEVICE_LOST, never a replacement.
  const ld = again.distribution(PROBE.mean, PROBE.cov);
  device.destroy();
  await new Promise((res) => setTimeout(res, 50));
  await refused('L14', null, 'DEVICE_LOST', OP, ["application's device", 'cannot replace it'], () => withTimeout('L14', again.multivariateNormal(PROBE.mean, PROBE.cov, { shape: [8], key: key(1) })));
  await refused('L14', null, 'DEVICE_LOST', 'sample_into', ['lost'], () => withTimeout('L14', ld.sampleInto(out, [8], { key: key(1) })));
  await refused('L14', null, 'DEVICE_LOST', 'normal', ['lost'], () => withTimeout('L14', again.normal([4], { key: key(1) })));
  assert.ok(again.deviceLost, 'L14: deviceLost says why');
  assert.equal(again.deviceReplacements, 0, 'L14: no replacement');
  again.destroy();
  other.destroy();
}

test('catalogue: CPU backend (wasm)', async () => {
  const s = await Sampler.create({ backend: 'cpu' });
  assert.equal(s.backend, 'cpu');
  await catalogue(s);
  s.free();
});

test('catalogue: lifecycle on the CPU backend', async () => {
  await lifecycle(() => Sampler.create({ backend: 'cpu' }));
});

test('catalogue: WebGPU backend (Dawn on SwiftShader)', async () => {
  Object.assign(globalThis, globals);
  const gpu = create([]);
  const s = await Sampler.create({ backend: 'webgpu', gpu });
  assert.equal(s.backend, 'webgpu', 'Dawn must provide an adapter (VK_ICD_FILENAMES, see scripts/test.sh)');
  await catalogue(s);
  await lifecycle(() => Sampler.create({ backend: 'webgpu', gpu }));
  await deviceFaults(gpu);
  await brokenGpus(gpu);
  await applicationDevice(gpu);
  s.destroy();
});

test('catalogue: a batch of 2^26 distinct covariances (CPU backend)', async () => {
  // L13: the batch that once panicked after 38 s: factored within wasm's memory (distinct
  // 1 x 1 matrices, 256 MiB), sampled, and its 2^25 reports refused as too many objects.
  const s = await Sampler.create({ backend: 'cpu' });
  const num = 2 ** 26;
  const bits = new Uint32Array(num);
  for (let i = 0; i < num; i++) bits[i] = 0x3f800000 + i; // 1.0 and the next 2^26 - 1 floats, all distinct
  const cov = new Float32Array(bits.buffer);
  const d = s.distribution([0], cov, { covShape: [num, 1, 1] });
  assert.deepEqual(d.batchShape, [num], 'L13');
  const x = await d.sample([], { key: key(0) });
  assert.deepEqual(x.shape, [num, 1], 'L13');
  assert.ok(finite(x.data.subarray(0, 1000)) && finite(x.data.subarray(num - 1000)), 'L13: samples');
  await refused('L13', s, 'TOO_LARGE', 'report', ['67108864 reports exceed the 4194304'], () => d.report);
  d.free();
  s.free();
});
