// The npm package's GPU log-density (Distribution.logProbInto / logProbAsync) on a real GPU
// through Dawn in Node, on L1-L3 (benches/logprob.rs's workloads and closed-form inputs), against
// our native path on the same GPU (benches/logprob.rs --json, wgpu on Vulkan). No JavaScript peer
// has a log-density. Each timing is a whole call, synchronized (onSubmittedWorkDone for results
// left on the GPU), the distribution built per call as natively; median of --reps after --warmups.
// Run by benches/dawn_run.sh --logprob on the GPU machine (or here, on SwiftShader, with --smoke).
//
//   node benches/dawn/logprob.mjs [--smoke] [--json FILE] [--native FILE] [--reps 10] [--warmups 3]
import { create, globals } from 'webgpu';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    json: { type: 'string' },
    native: { type: 'string' },
    reps: { type: 'string' },
    warmups: { type: 'string' },
  },
});
Object.assign(globalThis, globals);
globalThis.navigator = { gpu: create([]), userAgent: `node/${process.versions.node}` };
const { Sampler } = await import('../../js/index.js');

const SMOKE = args.smoke;
const REPS = Number(args.reps ?? (SMOKE ? 1 : 10));
const WARMUPS = Number(args.warmups ?? (SMOKE ? 0 : 3));
const WORKLOADS = [['L1', 3, 10_000_000], ['L2', 16, 1_000_000], ['L3', 64, 1 << 18]].map(([w, n, c]) => [w, n, SMOKE ? Math.floor(c / 1000) : c]);

// benches/logprob.rs's inputs: mean_j = 0.1 j; cov = I/2 + 0.5^(|i-j|+1);
// x_k = 6 u_k - 3, u_k = (k · 2654435761 mod 2³²) / 2³², rounded to float32.
const inputs = (n) => ({
  mean: Float32Array.from({ length: n }, (_, j) => 0.1 * j),
  cov: { data: Float32Array.from({ length: n * n }, (_, k) => (k % n === Math.floor(k / n) ? 0.5 : 0) + 0.5 ** (Math.abs(k % n - Math.floor(k / n)) + 1)), shape: [n, n] },
});
const points = (n, count) => {
  const x = new Float32Array(n * count);
  for (let k = 0; k < x.length; k++) x[k] = ((Math.imul(k, 2654435761 | 0) >>> 0) / 4294967296) * 6 - 3;
  return x;
};
const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
async function time(run) {
  const t = [];
  for (let i = 0; i < WARMUPS + REPS; i++) {
    const t0 = performance.now();
    await run();
    if (i >= WARMUPS) t.push(performance.now() - t0);
  }
  return { ms: +median(t).toFixed(4), times_ms: t.map((v) => +v.toFixed(3)) };
}

const sampler = await Sampler.create({ backend: 'webgpu', powerPreference: 'high-performance' });
const device = sampler.device;
const GU = globalThis.GPUBufferUsage;
const out = { runner: 'benches/dawn/logprob.mjs', node: process.versions.node, mode: SMOKE ? 'smoke' : 'full', reps: REPS, warmups: WARMUPS, adapter: sampler.adapterInfo, results: [] };
for (const [workload, n, count] of WORKLOADS) {
  const { mean, cov } = inputs(n);
  const x = points(n, count);
  const xb = device.createBuffer({ size: x.byteLength, usage: GU.STORAGE | GU.COPY_SRC, mappedAtCreation: true });
  new Float32Array(xb.getMappedRange()).set(x);
  xb.unmap();
  const ob = device.createBuffer({ size: count * 4, usage: GU.STORAGE | GU.COPY_SRC });
  const xShape = [count, n];
  const host = new Float32Array(count);
  // Points on the device, results left there: the native bench's device_ms.
  const device_ = await time(async () => {
    const d = sampler.distribution(mean, cov);
    await d.logProbInto(ob, xb, { xShape });
    await device.queue.onSubmittedWorkDone();
    d.free();
  });
  // Points on the device, results read back into a Float32Array.
  const readback = await time(async () => {
    const d = sampler.distribution(mean, cov);
    await d.logProbAsync(xb, { xShape, out: host });
    d.free();
  });
  // Points from the host, read back (the native bench's host_ms).
  const fromHost = await time(async () => {
    const d = sampler.distribution(mean, cov);
    await d.logProbAsync({ data: x, shape: xShape }, { out: host });
    d.free();
  });
  let sum = 0;
  for (const v of host) sum += v;
  out.results.push({ workload, n, points: count, device_ms: device_.ms, readback_ms: readback.ms, host_ms: fromHost.ms, sum: +sum.toFixed(3), times: { device: device_.times_ms, readback: readback.times_ms, host: fromHost.times_ms } });
  console.error(`[dawn-logprob] ${workload}: device ${device_.ms} ms, readback ${readback.ms} ms, from host ${fromHost.ms} ms`);
  xb.destroy();
  ob.destroy();
}
if (args.native) {
  const native = JSON.parse(readFileSync(args.native, 'utf8'));
  out.native = native;
  out.ratios = Object.fromEntries(out.results.map((r) => {
    const nat = native.results.find((q) => q.workload === r.workload);
    return [r.workload, nat ? { 'dawn / native (device)': +(r.device_ms / nat.device_ms).toFixed(2), 'dawn / native (host)': +(r.host_ms / nat.host_ms).toFixed(2), sum_rel_diff: +(Math.abs(r.sum - nat.sum) / Math.abs(nat.sum)).toExponential(2) } : null];
  }));
}
if (args.json) writeFileSync(args.json, JSON.stringify(out, null, 1));
console.log('workload  points      on device  read back  from host (ms)');
for (const r of out.results) console.log(`${r.workload.padEnd(10)}${String(r.points).padEnd(12)}${String(r.device_ms).padStart(9)}${String(r.readback_ms).padStart(11)}${String(r.host_ms).padStart(11)}`);
if (out.ratios) console.log('ratios:', JSON.stringify(out.ratios));
sampler.destroy();
process.exit(0);
