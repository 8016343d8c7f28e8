// The JS API checked against the MLX oracle vectors and for its errors, in any host: Node (CPU
// and Dawn WebGPU) and Chromium (WebGPU and CPU). `load(name)` returns a fixture's parsed JSON.
// Returns { passed, failures, notes }.

const NORMAL_ULP_BOUND = 6; // the core's stated GPU bound (tests/it/main.rs)

function num(v) {
  if (v === 'nan') return NaN;
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  return v;
}
const f32 = (a) => Float32Array.from(a.data, num);
const u32 = (a) => Uint32Array.from(a.data);
const nested = (a) => ({ data: f32(a), shape: a.shape });
const bound = (v, d) => (v === undefined ? d : typeof v === 'object' ? nested(v) : num(v));

function ulps(a, b) {
  if (Object.is(a, b) || a === b || (Number.isNaN(a) && Number.isNaN(b))) return 0;
  const buf = new DataView(new ArrayBuffer(8));
  const key = (x) => {
    buf.setFloat32(0, x, true);
    const i = buf.getInt32(0, true);
    return i < 0 ? -2147483648 - i : i;
  };
  return Math.abs(key(a) - key(b));
}

export async function suite(api, sampler, load, entry = globalThis.navigator?.gpu) {
  const failures = [];
  const notes = [];
  let passed = 0;
  const gpu = sampler.backend === 'webgpu';
  const check = (cond, msg) => {
    if (cond) passed++;
    else failures.push(msg);
  };
  const sameShape = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);
  const exact = (id, got, want) => {
    let ok = got.length === want.length;
    for (let i = 0; ok && i < want.length; i++) ok = Object.is(got[i], want[i]) || (Number.isNaN(got[i]) && Number.isNaN(want[i]));
    check(ok, `${id}: not bit-exact`);
  };
  let worstNormal = 0;
  const normals = (id, got, want) => {
    if (!gpu) return exact(id, got, want);
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, ulps(got[i], want[i]));
    worstNormal = Math.max(worstNormal, worst);
    check(got.length === want.length && worst <= NORMAL_ULP_BOUND, `${id}: ${worst} ulp`);
  };

  for (const c of (await load('key.json')).cases) {
    // JSON.parse rounds seeds past 2^53; those are checked as BigInt literals below.
    if (Number.isSafeInteger(c.args.seed)) exact(c.id, api.key(c.args.seed), u32(c.out));
  }
  // Seeds past 2^53 as BigInt (JSON numbers lose them, so take the words from the output).
  exact('key/bigint', api.key(18446744073709551615n), Uint32Array.of(0xffffffff, 0xffffffff));
  exact('key/2^63', api.key(2n ** 63n), Uint32Array.of(0x80000000, 0));
  exact('key/12345678901234', api.key(12345678901234n), api.key(12345678901234));

  for (const c of (await load('split.json')).cases) {
    const k = Uint32Array.from(c.args.key);
    if (c.fn === 'split_pair') {
      const [a, b] = api.split(k);
      exact(c.id, Uint32Array.of(...a, ...b), Uint32Array.of(...c.out.k1, ...c.out.k2));
    } else {
      exact(c.id, Uint32Array.from(api.split(k, c.args.num).flatMap((x) => [...x])), u32(c.out));
    }
  }

  // Every width: uint32 words, and MLX's uint8 / uint16 elements as Uint8Array / Uint16Array.
  const ARRAY = { 1: Uint8Array, 2: Uint16Array, 4: Uint32Array };
  for (const c of (await load('bits.json')).cases) {
    const w = c.args.width;
    const r = await sampler.bits(c.args.shape, w === 4 ? { key: c.args.key } : { key: c.args.key, width: w });
    check(sameShape(r.shape, c.out.shape), `${c.id}: shape`);
    check(r.data instanceof ARRAY[w], `${c.id}: ${r.data.constructor.name} for width ${w}`);
    exact(c.id, r.data, ARRAY[w].from(c.out.data));
  }

  for (const c of (await load('uniform.json')).cases) {
    const a = c.args;
    const r = await sampler.uniform(a.shape, { key: a.key, low: bound(a.low, 0), high: bound(a.high, 1) });
    check(sameShape(r.shape, c.out.shape), `${c.id}: shape`);
    exact(c.id, r.data, f32(c.out));
  }

  for (const c of (await load('normal.json')).cases) {
    const a = c.args;
    const r = await sampler.normal(a.shape, { key: a.key, loc: a.loc ?? 0, scale: a.scale ?? 1 });
    check(sameShape(r.shape, c.out.shape), `${c.id}: shape`);
    normals(c.id, r.data, f32(c.out));
  }

  let worstMvn = 0;
  for (const file of ['mvn_small.json', 'mvn_large_d.json', 'mvn_batched.json']) {
    for (const c of (await load(file)).cases) {
      const a = c.args;
      const r = await sampler.multivariateNormal(nested(a.mean), nested(a.cov), { shape: a.shape, key: a.key, method: 'svd' });
      check(sameShape(r.shape, c.out.shape), `${c.id}: shape`);
      const want = f32(c.out);
      let d = 0;
      for (let i = 0; i < want.length; i++) d = Math.max(d, Math.abs(r.data[i] - want[i]));
      worstMvn = Math.max(worstMvn, d / c.compare.atol);
      check(d <= c.compare.atol, `${c.id}: |diff| ${d} > atol ${c.compare.atol}`);
    }
  }
  notes.push(`mvn svd vs MLX: max ${worstMvn.toFixed(3)} of atol; normals max ${worstNormal} ulp`);

  // Input forms: nested arrays, { data, shape } with Float64Array, flat typed arrays.
  {
    const k = api.key(3);
    const a = await sampler.multivariateNormal([1, 2], [[2, 0.5], [0.5, 1]], { shape: [5], key: k });
    const b = await sampler.multivariateNormal({ data: Float64Array.of(1, 2), shape: [2] }, { data: Float64Array.of(2, 0.5, 0.5, 1), shape: [2, 2] }, { shape: [5], key: k });
    const c = await sampler.multivariateNormal(Float32Array.of(1, 2), Float32Array.of(2, 0.5, 0.5, 1), { shape: [5], key: k });
    exact('input forms a/b', a.data, b.data);
    exact('input forms a/c', a.data, c.data);
    check(sameShape(a.shape, [5, 2]), 'input forms shape');
  }

  // Factor once, sample many; reports.
  {
    const d = sampler.distribution([0, 0], [[1, 1], [1, 1]]);
    check(d.report[0].methodUsed === 'cholesky-psd' && d.report[0].rank === 1, `report ${JSON.stringify(d.report)}`);
    const x = await d.sample([100], { key: api.key(1) });
    const y = await d.sample([100], { key: api.key(1) });
    exact('distribution repeat', x.data, y.data);
    check(x.data.every((v, i) => i % 2 === 0 || Math.abs(v - x.data[i - 1]) < 1e-5), 'singular samples on the diagonal');
    d.free();
  }

  // Errors: a typed MvnError with a stable code, and the sampler still works afterwards.
  const expectCode = async (code, fn, label) => {
    try {
      await fn();
      failures.push(`${label}: no error`);
    } catch (e) {
      check(e instanceof Error && e.name === 'MvnError' && e.code === code && /^\[\w[\w.]*\] /.test(e.message), `${label}: got ${e && e.name}/${e && e.code}: ${e && e.message}`);
    }
  };
  const I = [[1, 0], [0, 1]];
  await expectCode('NOT_POSITIVE_SEMIDEFINITE', () => sampler.multivariateNormal([0, 0], [[1, 2], [2, 1]]), 'indefinite');
  await expectCode('NOT_SYMMETRIC', () => sampler.multivariateNormal([0, 0], [[1, 0.5], [0, 1]]), 'asymmetric');
  await expectCode('NON_FINITE', () => sampler.multivariateNormal([NaN, 0], I), 'nan mean');
  await expectCode('NON_FINITE', () => sampler.multivariateNormal({ data: Float64Array.of(0, 0), shape: [2] }, { data: Float64Array.of(1, 1e300, 1e300, 1), shape: [2, 2] }), 'f32 overflow');
  await expectCode('INVALID_SHAPE', () => sampler.multivariateNormal([0, 0, 0], I), 'mismatched n');
  await expectCode('INVALID_SHAPE', () => sampler.multivariateNormal([[0, 0], [1]], I), 'ragged');
  await expectCode('INVALID_SHAPE', () => sampler.multivariateNormal([0, 0], I, { shape: [-1] }), 'negative shape');
  await expectCode('INVALID_SHAPE', () => sampler.normal([2.5]), 'fractional shape');
  await expectCode('BROADCAST_ERROR', () => sampler.multivariateNormal([[0, 0], [0, 0]], I, { shape: [3] }), 'broadcast');
  await expectCode('TOO_LARGE', () => sampler.multivariateNormal([0, 0], I, { shape: [2 ** 40] }), '2^40 samples');
  await expectCode('INVALID_KEY', () => sampler.normal([2], { key: Uint32Array.of(1, 2, 3) }), 'key length');
  await expectCode('INVALID_KEY', () => sampler.normal([2], { key: Int32Array.of(1, 2) }), 'key type');
  await expectCode('INVALID_ARGUMENT', () => api.key(2n ** 64n), 'seed 2^64');
  await expectCode('INVALID_ARGUMENT', () => api.key(-1), 'negative seed');
  await expectCode('INVALID_ARGUMENT', () => sampler.multivariateNormal([0, 0], I, { method: 'qr' }), 'method');
  await expectCode('INVALID_DTYPE', () => sampler.multivariateNormal([0, 0], I, { dtype: 'float16' }), 'dtype');
  await expectCode('INVALID_ARGUMENT', () => sampler.multivariateNormal([0, 0], I, { onInvalid: 'ignore' }), 'onInvalid');
  await expectCode('INVALID_ARGUMENT', () => sampler.multivariateNormal([0, 0], I, { shpae: [2] }), 'unknown option');
  await expectCode('INVALID_ARGUMENT', () => api.Sampler.create({ backend: 'cuda' }), 'backend');
  if (!gpu) await expectCode('INVALID_ARGUMENT', () => sampler.multivariateNormalToBuffer([0, 0], I), 'buffer on cpu');
  const after = await sampler.normal([3], { key: api.key(0) });
  check(after.data.length === 3, 'usable after errors');

  // Many calls in flight at once equal the same calls one by one.
  {
    const keys = api.split(api.key(77), 40);
    const seq = [];
    for (const k of keys) seq.push(await sampler.multivariateNormal([1, 2, 3], [[2, 0.3, 0], [0.3, 1, 0.2], [0, 0.2, 0.5]], { shape: [257], key: k }));
    const par = await Promise.all(keys.map((k) => sampler.multivariateNormal([1, 2, 3], [[2, 0.3, 0], [0.3, 1, 0.2], [0, 0.2, 0.5]], { shape: [257], key: k })));
    par.forEach((r, i) => exact(`concurrent ${i}`, r.data, seq[i].data));
  }

  // Samples kept on the GPU equal the read-back ones.
  if (gpu) {
    const k = api.key(5);
    const host = await sampler.multivariateNormal([0, 1], [[1, 0.3], [0.3, 2]], { shape: [1000], key: k });
    const g = await sampler.multivariateNormalToBuffer([0, 1], [[1, 0.3], [0.3, 2]], { shape: [1000], key: k });
    const GU = globalThis.GPUBufferUsage;
    check(sameShape(g.shape, [1000, 2]) && g.device === sampler.device, 'gpu buffer shape/device');
    check((g.buffer.usage & (GU.STORAGE | GU.VERTEX | GU.COPY_SRC)) === (GU.STORAGE | GU.VERTEX | GU.COPY_SRC), 'gpu buffer usage');
    const staging = g.device.createBuffer({ size: g.buffer.size, usage: GU.MAP_READ | GU.COPY_DST });
    const enc = g.device.createCommandEncoder();
    enc.copyBufferToBuffer(g.buffer, 0, staging, 0, g.buffer.size);
    g.device.queue.submit([enc.finish()]);
    await staging.mapAsync(globalThis.GPUMapMode.READ);
    exact('gpu buffer contents', new Float32Array(staging.getMappedRange().slice(0)).subarray(0, 2000), host.data);
    staging.unmap();
    await intoBuffers(api, sampler, check, exact, sameShape, entry);
  }

  // Default key sequence: seed(s) then calls without a key, as MLX.
  for (const c of (await load('seed_sequence.json')).cases) {
    for (const step of c.steps) {
      if (step.call === 'seed') api.seed(step.seed);
      else if (step.call === 'uniform') exact(`${c.id} uniform`, (await sampler.uniform(step.shape)).data, f32(step.out));
      else if (step.call === 'normal') normals(`${c.id} normal`, (await sampler.normal(step.shape)).data, f32(step.out));
      else {
        const r = await sampler.multivariateNormal(nested(step.mean), nested(step.cov), { shape: step.shape, method: 'svd' });
        const want = f32(step.out);
        check(want.every((v, i) => Math.abs(v - r.data[i]) <= 1e-5), `${c.id} mvn`);
      }
      exact(`${c.id} state`, api.state(), Uint32Array.from(step.state_after));
    }
  }
  // Log-densities, entropies, conditioning and the precision and diagonal parametrizations
  // against SciPy and NumPy (tests/fixtures/logpdf.json, float64 on the CPU in every host). The
  // package's points and values are float32, so the log-densities are held to SciPy's at the
  // float32 points (1e-6 relative to 1 + |log p|); singular cases and the precision and
  // conditioning cases, whose fixtures are at float64 points, within 1e-5.
  {
    const lp = await load('logpdf.json');
    const rel = (g, w) => Math.abs(g - w) / (1 + Math.abs(w));
    let worst = 0;
    for (const c of lp.cases) {
      const d = sampler.distribution(nested(c.mean), nested(c.cov), { method: c.method });
      const got = d.logProb(nested(c.x), { allowSingular: c.allow_singular });
      check(got.data instanceof Float64Array && sameShape(got.shape, c.expected.shape), `${c.name}: logProb shape`);
      got.data.forEach((g, i) => {
        const w64 = c.expected.data[i];
        if (w64 === null) return check(g === -Infinity, `${c.name} [${i}]: ${g}, not -Infinity off the support`);
        const w = c.expected_f32x[i] ?? w64;
        const e = rel(g, w);
        if (!c.allow_singular) worst = Math.max(worst, e);
        check(e <= (c.allow_singular ? 1e-5 : 1e-6), `${c.name} [${i}]: logProb ${g} vs SciPy ${w}`);
      });
      if (c.mean.shape.length === 1) d.entropy.data.forEach((h, i) => check(rel(h, c.entropy[i]) <= 1e-6, `${c.name}: entropy ${h} vs ${c.entropy[i]}`));
      d.free();
    }
    for (const c of lp.precision_cases) {
      const d = sampler.distribution(nested(c.mean), null, { precision: nested(c.precision) });
      d.logProb(nested(c.x)).data.forEach((g, i) => check(rel(g, c.expected[i]) <= 1e-5, `${c.name} [${i}]: precision logProb ${g} vs ${c.expected[i]}`));
      d.covariance.data.forEach((g, i) => check(Math.abs(g - c.cov[i]) <= 1e-5 * (1 + Math.abs(c.cov[i])), `${c.name}: covariance [${i}]`));
    }
    for (const c of lp.condition_cases) {
      const d = sampler.distribution(nested(c.mean), nested(c.cov)).condition(c.indices, nested(c.values));
      check(sameShape(d.mean.shape, c.expected_mean.shape), `${c.name}: mean shape ${d.mean.shape}`);
      d.mean.data.forEach((g, i) => check(Math.abs(g - c.expected_mean.data[i]) <= 1e-5 * (1 + Math.abs(c.expected_mean.data[i])), `${c.name}: mean [${i}] ${g}`));
      // The conditional covariance does not depend on the values: NumPy's, repeated over their batch.
      const wc = c.expected_cov.data;
      d.covariance.data.forEach((g, i) => check(Math.abs(g - wc[i % wc.length]) <= 1e-5 * (1 + Math.abs(wc[i % wc.length])), `${c.name}: cov [${i}] ${g}`));
      const x = await d.sample([4, ...d.batchShape], { key: api.key(1) });
      check(x.shape[0] === 4 && x.shape[x.shape.length - 1] === d.dim && x.data.every(Number.isFinite), `${c.name}: conditional samples`);
    }
    // Independent variances: the closed form, and the errors.
    const g = sampler.distribution([0, 1], null, { diag: [4, 0.25] });
    const want = -Math.log(2 * Math.PI) - 0.5 * Math.log(4 * 0.25) - 0.5 * (1 / 4 + 1 / 0.25);
    check(rel(g.logProb([1, 2]).data[0], want) <= 1e-7, `diag logProb ${g.logProb([1, 2]).data[0]} vs ${want}`);
    // The error code of f() (a promise's, when it returns one), or 'none'.
    const code = (f) => {
      try {
        const r = f();
        return r instanceof Promise ? r.then(() => 'none', (e) => e.code) : 'none';
      } catch (e) {
        return e.code;
      }
    };
    check(code(() => g.logProb([[0, 0, 0]])) === 'INVALID_SHAPE', 'logProb of (1, 3) points');
    check(code(() => g.logProb([NaN, 0])) === 'NON_FINITE', 'logProb of NaN');
    check(code(() => sampler.distribution([0, 0], [[1, 1], [1, 1]]).logProb([1, 0])) === 'INVALID_ARGUMENT', 'singular without allowSingular');
    check(code(() => g.condition([2], [0])) === 'INVALID_ARGUMENT', 'condition on a coordinate out of range');
    check(code(() => g.condition([-1], [0])) === 'INVALID_ARGUMENT', 'condition on a negative coordinate');
    check(code(() => sampler.distribution([0, 0], null, { diag: [1, -1] })) === 'NOT_POSITIVE_SEMIDEFINITE', 'negative variance');
    check(code(() => sampler.distribution([0, 0], null, { diag: [1, 1], precision: [[1, 0], [0, 1]] })) === 'INVALID_ARGUMENT', 'diag and precision together');
    g.free();
    notes.push(`logProb vs SciPy at float32 points: worst ${worst.toExponential(1)} relative`);

    // logProbAsync: float32 on the sampler's backend (the WGSL kernel on WebGPU), against SciPy
    // at the float32 points. The kernel works in float32 from f64 inverse factors (about
    // n 2^-23 of the log-density's terms: 2e-5 relative covers n = 40, κ = 1000); the CPU
    // backend rounds the f64 path (6e-8).
    let worstAsync = 0;
    for (const c of lp.cases) {
      const d = sampler.distribution(nested(c.mean), nested(c.cov), { method: c.method });
      const got = await d.logProbAsync(nested(c.x), { allowSingular: c.allow_singular });
      check(got.data instanceof Float32Array && sameShape(got.shape, c.expected.shape), `${c.name}: logProbAsync shape`);
      got.data.forEach((g, i) => {
        const w64 = c.expected.data[i];
        if (w64 === null) return check(g === -Infinity, `${c.name} [${i}]: logProbAsync ${g}, not -Infinity off the support`);
        const e = rel(g, c.expected_f32x[i] ?? w64);
        if (!c.allow_singular) worstAsync = Math.max(worstAsync, e);
        check(e <= (c.allow_singular ? 1e-5 : gpu ? 2e-5 : 1e-6), `${c.name} [${i}]: logProbAsync ${g} vs SciPy ${c.expected_f32x[i] ?? w64}`);
      });
      d.free();
    }
    notes.push(`logProbAsync (${sampler.backend}) vs SciPy: worst ${worstAsync.toExponential(1)} relative`);
    if (gpu) await logProbBuffers(api, sampler, check, sameShape);
    else {
      const d = sampler.distribution([0, 0], [[1, 0], [0, 1]]);
      check(await code(() => d.logProbAsync({ size: 16, usage: 0x80, mapAsync() {} }, { xShape: [2, 2] })) === 'INVALID_ARGUMENT', 'CPU backend: logProbAsync of a GPUBuffer');
      check(await code(() => d.logProbInto({ size: 16, usage: 0x80, mapAsync() {} }, [0, 0])) === 'INVALID_ARGUMENT', 'CPU backend: logProbInto');
    }

    // Low rank plus diagonal (covFactor, covDiag) against SciPy with cov = W Wᵀ + diag(d).
    let worstLow = 0;
    for (const c of lp.low_rank_cases) {
      const d = sampler.distribution(nested(c.mean), null, { covFactor: nested(c.cov_factor), covDiag: nested(c.cov_diag) });
      const n = c.mean.shape.at(-1), r = c.cov_factor.shape.at(-1);
      check(d.rank === r && d.dim === n && sameShape(d.batchShape, c.mean.shape.slice(0, -1)), `${c.name}: rank, dim, batchShape`);
      const x = nested(c.x);
      const lp64 = d.logProb(x);
      check(lp64.data instanceof Float64Array && sameShape(lp64.shape, c.expected.shape), `${c.name}: logProb shape`);
      lp64.data.forEach((g, i) => {
        worstLow = Math.max(worstLow, rel(g, c.expected.data[i]));
        check(rel(g, c.expected.data[i]) <= 1e-9, `${c.name} [${i}]: low-rank logProb ${g} vs SciPy ${c.expected.data[i]}`);
      });
      const lp32 = await d.logProbAsync(x);
      lp32.data.forEach((g, i) => check(rel(g, c.expected.data[i]) <= 1e-6, `${c.name} [${i}]: low-rank logProbAsync ${g}`));
      d.entropy.data.forEach((h, i) => check(rel(h, c.entropy[i]) <= 1e-12, `${c.name}: entropy ${h} vs ${c.entropy[i]}`));
      d.covariance.data.forEach((v, i) => check(Math.abs(v - c.cov[i]) <= 1e-12 * (1 + Math.abs(c.cov[i])), `${c.name}: covariance [${i}]`));
      const L = d.scaleTril.data;
      for (let b = 0; b * n * n < L.length; b++) {
        for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) {
          let s = 0;
          for (let k = 0; k <= j; k++) s += L[b * n * n + i * n + k] * L[b * n * n + j * n + k];
          const w = c.cov[b * n * n + i * n + j];
          check(Math.abs(s - w) <= 1e-12 * (1 + Math.abs(w)), `${c.name}: scaleTril L Lᵀ [${b}][${i}][${j}]`);
        }
      }
      // Samples: mean + W z₁ + √d ∘ z₂ from r + n normals per row (MLX's normal of (rows, r + n)).
      const rows = 64 * (c.mean.shape.length > 1 ? c.mean.shape[0] : 1);
      const k = api.key(5);
      const xs = await d.sample([64, ...d.batchShape], { key: k });
      const z = (await sampler.normal([rows, r + n], { key: k })).data;
      const [m, w, dg] = [f32(c.mean), f32(c.cov_factor), f32(c.cov_diag)];
      let worstSample = 0;
      for (let row = 0; row < rows; row++) {
        const b = row % (m.length / n);
        for (let j = 0; j < n; j++) {
          let v = m[b * n + j] + z[row * (r + n) + r + j] * Math.sqrt(dg[b * n + j]);
          for (let q = 0; q < r; q++) v += z[row * (r + n) + q] * w[(b * n + j) * r + q];
          worstSample = Math.max(worstSample, Math.abs(xs.data[row * n + j] - v) / (1 + Math.abs(v)));
        }
      }
      check(sameShape(xs.shape, [64, ...d.batchShape, n]) && worstSample <= 1e-5, `${c.name}: samples ${worstSample} from the reference`);
      const dense = d.toDense();
      dense.logProb(x).data.forEach((g, i) => check(rel(g, c.expected.data[i]) <= 1e-5, `${c.name} [${i}]: toDense logProb ${g}`));
      check(dense.rank === null && dense.report.length >= 1, `${c.name}: toDense is dense`);
      if (n > 1) check(d.condition([0], [0.5]).dim === n - 1, `${c.name}: condition through the dense form`);
      if (gpu) {
        // Kept on the GPU: the samples read back, bit for bit.
        const g = await d.sampleToBuffer([64, ...d.batchShape], { key: k });
        const back = await readFloats(sampler.device, g.buffer, xs.data.length * 4);
        check(sameShape(g.shape, xs.shape) && back.every((v, i) => v === xs.data[i]), `${c.name}: sampleToBuffer`);
        await d.sampleInto(g.buffer, [64, ...d.batchShape], { key: api.key(6) });
        const want6 = (await d.sample([64, ...d.batchShape], { key: api.key(6) })).data;
        check((await readFloats(sampler.device, g.buffer, want6.length * 4)).every((v, i) => v === want6[i]), `${c.name}: sampleInto`);
        g.buffer.destroy();
      }
      [d, dense].forEach((v) => v.free());
    }
    notes.push(`low-rank logProb vs SciPy: worst ${worstLow.toExponential(1)} relative`);
    // Rank 0 is the diagonal distribution: on the CPU its samples are those of { diag } bit for bit.
    const lr0 = sampler.distribution([0, 1, 2], null, { covFactor: { data: new Float32Array(0), shape: [3, 0] }, covDiag: [1, 4, 0.5] });
    const dg0 = sampler.distribution([0, 1, 2], null, { diag: [1, 4, 0.5] });
    const [s0, s1] = [await lr0.sample([100], { key: api.key(3) }), await dg0.sample([100], { key: api.key(3) })];
    if (!gpu) exact('rank 0 vs diag samples', s0.data, s1.data);
    else check(s0.data.every((v, i) => Math.abs(v - s1.data[i]) <= 1e-6 * (1 + Math.abs(v))), 'rank 0 vs diag samples');
    check(code(() => sampler.distribution([0, 0], null, { covFactor: [[1], [1]] })) === 'INVALID_ARGUMENT', 'covFactor without covDiag');
    check(code(() => sampler.distribution([0, 0], [[1, 0], [0, 1]], { covFactor: [[1], [1]], covDiag: [1, 1] })) === 'INVALID_ARGUMENT', 'cov and covFactor');
    check(code(() => sampler.distribution([0, 0], null, { covFactor: [[1], [1]], covDiag: [1, 0] })) === 'NOT_POSITIVE_SEMIDEFINITE', 'covDiag of 0');
    check(code(() => sampler.distribution([0, 0], null, { covFactor: [1, 1], covDiag: [1, 1] })) === 'INVALID_SHAPE', 'covFactor of one dimension');
    check(code(() => sampler.distribution([0, 0], null, { covFactor: [[1], [1]], covDiag: [1, 1], method: 'eigh' })) === 'INVALID_ARGUMENT', 'method with covFactor');
    check(code(() => lr0.factors) === 'INVALID_ARGUMENT', 'factors of a low-rank distribution');
    const ill = sampler.distribution([0, 0], null, { covFactor: [[1e10, 1e10], [1e10, 1e10]], covDiag: [1e-10, 1e-10] });
    check(code(() => ill.logProb([0, 0])) === 'NOT_POSITIVE_SEMIDEFINITE' && code(() => ill.entropy) === 'NOT_POSITIVE_SEMIDEFINITE', 'ill-conditioned low rank');
    [lr0, dg0, ill].forEach((v) => v.free());
  }

  return { passed, failures, notes };
}

/** `bytes` of `buffer` (COPY_SRC) of `device` read back as float32. */
export async function readFloats(device, buffer, bytes) {
  const GU = globalThis.GPUBufferUsage;
  const staging = device.createBuffer({ size: bytes, usage: GU.MAP_READ | GU.COPY_DST });
  const enc = device.createCommandEncoder();
  enc.copyBufferToBuffer(buffer, 0, staging, 0, bytes);
  device.queue.submit([enc.finish()]);
  await staging.mapAsync(globalThis.GPUMapMode.READ);
  const data = new Float32Array(staging.getMappedRange().slice(0));
  staging.destroy();
  return data;
}

/**
 * Samples written into the caller's buffers (`sampleInto`, `multivariateNormalInto`), on the
 * sampler's own device and on an application's (`Sampler.create({ device })`): the very samples
 * read back by `multivariateNormal`, and nothing past them is touched.
 */
async function intoBuffers(api, sampler, check, exact, sameShape, gpu) {
  const GU = globalThis.GPUBufferUsage;
  const mean = [[0, 1, -1], [2, 0, 0.5]];
  const cov = [[[1, 0.3, 0], [0.3, 2, 0.1], [0, 0.1, 0.5]], [[2, -0.4, 0], [-0.4, 1, 0], [0, 0, 3]]];
  const appDevice = await (await gpu.requestAdapter()).requestDevice();
  const app = await api.Sampler.create({ device: appDevice });
  check(app.backend === 'webgpu' && app.device === appDevice, 'app device: sampler on it');
  for (const [who, s] of [['own device', sampler], ['app device', app]]) {
    const k = api.key(11);
    const want = (await s.multivariateNormal(mean, cov, { shape: [500, 2], key: k })).data;
    const bytes = want.length * 4;
    // Larger than needed, filled with a sentinel that must survive past the samples.
    const buf = s.device.createBuffer({ size: bytes + 256, usage: GU.STORAGE | GU.VERTEX | GU.COPY_SRC, mappedAtCreation: true });
    new Float32Array(buf.getMappedRange()).fill(7.5);
    buf.unmap();
    const d = s.distribution(mean, cov);
    const r = await d.sampleInto(buf, [500, 2], { key: k });
    check(r.buffer === buf && r.device === s.device && sameShape(r.shape, [500, 2, 3]), `${who}: sampleInto result`);
    const got = await readFloats(s.device, buf, bytes + 256);
    exact(`${who}: sampleInto samples`, got.subarray(0, want.length), want);
    check(got.subarray(want.length).every((v) => v === 7.5), `${who}: sampleInto wrote past the samples`);
    // Again into the same buffer with another key, then through the one-call form.
    const want2 = (await s.multivariateNormal(mean, cov, { shape: [500, 2], key: api.key(12) })).data;
    await d.sampleInto(buf, [500, 2], { key: api.key(12) });
    exact(`${who}: sampleInto reused`, (await readFloats(s.device, buf, bytes)), want2);
    const r1 = await s.multivariateNormalInto(buf, mean, cov, { shape: [500, 2], key: k });
    check(r1.buffer === buf && sameShape(r1.shape, [500, 2, 3]), `${who}: multivariateNormalInto result`);
    exact(`${who}: multivariateNormalInto samples`, (await readFloats(s.device, buf, bytes)), want);
    d.free();
    buf.destroy();
  }
  app.destroy();
  // The application's device outlives its sampler.
  const b = appDevice.createBuffer({ size: 16, usage: GU.STORAGE | GU.COPY_SRC });
  check((await readFloats(appDevice, b, 16)).every((v) => v === 0), 'app device works after sampler.destroy()');
  appDevice.destroy();
}

/**
 * Log-densities of points in a GPUBuffer and into the caller's buffer (logProbAsync with a
 * buffer, logProbInto): the values of logProbAsync on the same points read back, and nothing
 * past them is touched.
 */
async function logProbBuffers(api, sampler, check, sameShape) {
  const GU = globalThis.GPUBufferUsage;
  const mean = [0, 1, -1];
  const cov = [[1, 0.3, 0], [0.3, 2, 0.1], [0, 0.1, 0.5]];
  const d = sampler.distribution(mean, cov);
  const { buffer: xb, shape } = await d.sampleToBuffer([1000], { key: api.key(21) });
  const x = await readFloats(sampler.device, xb, 3000 * 4);
  const want = (await d.logProbAsync({ data: x, shape })).data;
  const near = (a, b) => a.length === b.length && a.every((v, i) => Math.abs(v - b[i]) <= 1e-6 * (1 + Math.abs(b[i])));
  const got = await d.logProbAsync(xb, { xShape: shape });
  check(got.data instanceof Float32Array && sameShape(got.shape, [1000]) && near(got.data, want), 'logProbAsync of a GPUBuffer');
  const out = new Float32Array(1000);
  check((await d.logProbAsync(xb, { xShape: shape, out })).data === out && near(out, want), 'logProbAsync of a GPUBuffer into out');
  const ob = sampler.device.createBuffer({ size: 1000 * 4 + 64, usage: GU.STORAGE | GU.COPY_SRC, mappedAtCreation: true });
  new Float32Array(ob.getMappedRange()).fill(7.5);
  ob.unmap();
  const r = await d.logProbInto(ob, xb, { xShape: shape });
  check(r.buffer === ob && r.device === sampler.device && sameShape(r.shape, [1000]), 'logProbInto result');
  const back = await readFloats(sampler.device, ob, 1000 * 4 + 64);
  check(near(back.subarray(0, 1000), want) && back.subarray(1000).every((v) => v === 7.5), 'logProbInto values, nothing past them');
  // Host points into a GPUBuffer.
  await d.logProbInto(ob, { data: x, shape });
  check(near((await readFloats(sampler.device, ob, 4000)), want), 'logProbInto of host points');
  const fails = async (f) => f().then(() => 'none', (e) => e.code);
  check((await fails(() => d.logProbAsync(xb))) === 'INVALID_ARGUMENT', 'a GPUBuffer without xShape');
  check((await fails(() => d.logProbAsync(xb, { xShape: [2000, 3] }))) === 'INVALID_ARGUMENT', 'xShape past the buffer');
  check((await fails(() => d.logProbInto(ob, xb, { xShape: shape, out: new Float32Array(1000) }))) === 'INVALID_ARGUMENT', 'out with logProbInto');
  const small = sampler.device.createBuffer({ size: 16, usage: GU.STORAGE | GU.COPY_SRC });
  check((await fails(() => d.logProbInto(small, xb, { xShape: shape }))) === 'INVALID_ARGUMENT', 'logProbInto a buffer too small');
  [xb, ob, small].forEach((b) => b.destroy());
  d.free();
}
