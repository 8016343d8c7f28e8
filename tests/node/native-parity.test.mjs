// The wasm CPU path against the native CPU build, bit for bit, on large draws: wasm runs MLX's
// normals (Threefry, erfinv with its fused multiply-adds) and the `z R` product in SIMD lanes,
// the native build runs the scalar reference, so a lane that strays shows here; so does the
// batched small Cholesky (four matrices per lane group in both, loaded differently). The native
// side is the `mvn-gpu` binary that `cargo test` builds (target/debug/mvn-gpu).
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Sampler, key } from 'mvn-gpu';

const bin = fileURLToPath(new URL('../../target/debug/mvn-gpu', import.meta.url));

/** The float32 payload of a version-1 .npy file. */
function npy(path) {
  const b = readFileSync(path);
  const header = b.readUInt16LE(8);
  const data = b.subarray(10 + header);
  return new Uint32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length));
}

function native(args) {
  const dir = mkdtempSync(join(tmpdir(), 'mvn-parity-'));
  try {
    const out = join(dir, 'x.npy');
    execFileSync(bin, [...args, '--backend', 'cpu', '--out', out], { env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' } });
    return npy(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function firstDifference(a, b) {
  if (a.length !== b.length) return `lengths ${a.length} and ${b.length}`;
  const i = a.findIndex((v, k) => v !== b[k]);
  return i < 0 ? null : `index ${i}: ${a[i].toString(16)} vs ${b[i].toString(16)}`;
}

test('wasm CPU normals and samples equal the native CPU build bit for bit', { timeout: 300_000 }, async () => {
  assert.ok(existsSync(bin), `${bin} is missing: run cargo test (or cargo build) first`);
  const s = await Sampler.create({ backend: 'cpu' });
  for (const [seed, loc, scale] of [[5, 0, 1], [6, 1.5, 0.25]]) {
    const want = native(['normal', '--shape', '[1048575]', '--seed', String(seed), '--loc', String(loc), '--scale', String(scale)]);
    const got = new Uint32Array((await s.normal([1048575], { key: key(seed), loc, scale })).data.buffer);
    assert.equal(firstDifference(got, want), null, `normal seed ${seed}`);
  }
  // n = 64: the standard normals and the row product, through a full covariance.
  const n = 64;
  const cov = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 2 : 0.5 ** (1 + Math.abs(i - j)))));
  const mean = Array.from({ length: n }, (_, i) => i / 10);
  const want = native(['sample', '--mean', JSON.stringify(mean), '--cov', JSON.stringify(cov), '--shape', '[4097]', '--seed', '7']);
  const got = new Uint32Array((await s.multivariateNormal(mean, cov, { shape: [4097], key: key(7) })).data.buffer);
  assert.equal(firstDifference(got, want), null, 'multivariate normal, n = 64');
  // A batch of 18 distinct 8 x 8 covariances: the batched Cholesky, four matrices per SIMD lane
  // group (and the two left over one by one).
  const batch = Array.from({ length: 18 }, (_, b) => Array.from({ length: 8 }, (_, i) => Array.from({ length: 8 }, (_, j) => (i === j ? 1 + b / 7 : 0.3 ** (1 + Math.abs(i - j)) * (1 + b / 50)))));
  const bwant = native(['sample', '--mean', JSON.stringify(Array(8).fill(0.5)), '--cov', JSON.stringify(batch), '--shape', '[33, 18]', '--seed', '9']);
  const bgot = new Uint32Array((await s.multivariateNormal(Array(8).fill(0.5), batch, { shape: [33, 18], key: key(9) })).data.buffer);
  assert.equal(firstDifference(bgot, bwant), null, 'multivariate normal, 18 covariances of n = 8');
  // The tiled z R of wasm (4 x 8 tiles, blocks of 128 rows of R): columns past a multiple of 8,
  // rows past a multiple of 4, triangular and full factors, and two factors of n = 130 (more
  // than one block; natively not the one-factor GEMM, which sums in another order).
  const kac = (m, b = 0) => Array.from({ length: m }, (_, i) => Array.from({ length: m }, (_, j) => (i === j ? 2 + b : 0.6 ** (1 + Math.abs(i - j)))));
  for (const [m, covs, method, shape] of [[13, 1, 'cholesky', [1001]], [20, 1, 'eigh', [1003]], [130, 2, 'cholesky', [67, 2]]]) {
    const c = covs === 1 ? kac(m) : Array.from({ length: covs }, (_, b) => kac(m, b));
    const mu = Array.from({ length: m }, (_, i) => Math.sin(i));
    const dir = mkdtempSync(join(tmpdir(), 'mvn-parity-cov-'));
    writeFileSync(join(dir, 'cov.json'), JSON.stringify(c)); // too long for a command line
    const w = native(['sample', '--mean', JSON.stringify(mu), '--cov', `@${join(dir, 'cov.json')}`, '--shape', JSON.stringify(shape), '--method', method, '--seed', '11']);
    rmSync(dir, { recursive: true, force: true });
    const g = new Uint32Array((await s.multivariateNormal(mu, c, { shape, key: key(11), method })).data.buffer);
    assert.equal(firstDifference(g, w), null, `multivariate normal, n = ${m}, ${covs} covariance(s), ${method}`);
  }
  s.free();
});
