// The npm package on a real GPU through Dawn (the npm `webgpu` package) in Node, against jax-js on
// the same Dawn device, on W1-W4 and C1-C4 (../shared/bench/WORKLOADS.md), on the GPU and read back
// into a Float32Array, in one run; with the stage times of our calls (setProfiling).
// Run by benches/dawn_run.sh on the GPU machine (or here, on SwiftShader, with --smoke).
//
//   node benches/dawn/bench.mjs [--smoke] [--json FILE] [--native FILE] [--workloads W1,C4] [--impls a,b] [--reps 5] [--warmups 2]
import { create, globals } from 'webgpu';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    json: { type: 'string' },
    workloads: { type: 'string' },
    impls: { type: 'string' },
    reps: { type: 'string' },
    warmups: { type: 'string' },
    'profile-reps': { type: 'string', default: '3' },
    native: { type: 'string' },
  },
});

// One Dawn instance for everyone: jax-js finds it on navigator.gpu (it also wants a userAgent),
// and so does mvn-gpu (navigator.gpu is not ours, so it is left as it is).
Object.assign(globalThis, globals);
globalThis.navigator = { gpu: create([]), userAgent: `node/${process.versions.node}` };

const common = await import('../browser/common.mjs');
const { GPU_WORKLOADS, CPU_WORKLOADS, makeInputs, timeReps, stageProfile, oursImpl, jaxImpl, errText } = common;
const { Sampler } = await import('../../js/index.js');

const SMOKE = args.smoke;
const REPS = Number(args.reps ?? (SMOKE ? 1 : 5));
const WARMUPS = Number(args.warmups ?? (SMOKE ? 1 : 2));
// jax-js, with the iterator helpers it uses (Node 20 lacks them): from node_modules, or from the
// one-file bundle that benches/dawn/peers.mjs makes for the GPU machine (MVN_JS_PEERS).
const loadJax = async () => {
  if (process.env.MVN_JS_PEERS) return import(pathToFileURL(resolve(process.env.MVN_JS_PEERS)).href);
  await import('core-js/actual/iterator/index.js');
  return import('@jax-js/jax');
};

const all = SMOKE
  ? { W1: [3, 4096, 1], W2: [16, 1024, 1], W3: [64, 256, 1], W4: [8, 4, 64], C1: [3, 1024, 1], C2: [8, 256, 1], C3: [32, 64, 1], C4: [4, 4, 16] }
  : { ...GPU_WORKLOADS, ...CPU_WORKLOADS };
const workloads = Object.fromEntries(Object.entries(all).filter(([n]) => !args.workloads || args.workloads.split(',').includes(n)));

const IMPLS = {
  'mvn-gpu (on GPU)': () => oursImpl('webgpu', true),
  'mvn-gpu (into a GPUBuffer)': () => oursImpl('webgpu', true, {}, { into: true }),
  'mvn-gpu (readback)': () => oursImpl('webgpu', false),
  'mvn-gpu (readback into out)': () => oursImpl('webgpu', false, {}, { reuseOut: true }),
  'jax-js webgpu (on GPU)': () => jaxImpl(loadJax, 'webgpu', false),
  'jax-js webgpu (readback)': () => jaxImpl(loadJax, 'webgpu', true),
};
const impls = Object.keys(IMPLS).filter((n) => !args.impls || args.impls.split(',').includes(n));

const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
const out = {
  runner: 'benches/dawn/bench.mjs', node: process.versions.node, mode: SMOKE ? 'smoke' : 'full', reps: REPS, warmups: WARMUPS,
  adapter: adapter ? { vendor: adapter.info?.vendor, architecture: adapter.info?.architecture, device: adapter.info?.device, description: adapter.info?.description } : null,
  workloads: {}, impls: {}, results: {}, stages: {}, errors: {},
};
const log = (...a) => console.error('[dawn-bench]', ...a);

const cpu = await Sampler.create({ backend: 'cpu' });
const inputs = {};
let seed = 1;
for (const [name, w] of Object.entries(workloads)) {
  inputs[name] = await makeInputs(cpu, name, w, (seed += 10));
  out.workloads[name] = { d: w[0], draws: w[1], covariances: w[2], shape: inputs[name].shape };
}
cpu.destroy();

for (const name of impls) {
  const impl = IMPLS[name]();
  try {
    out.impls[name] = { ...(await impl.setup()), sync: impl.sync };
  } catch (e) {
    out.errors[name] = `setup: ${errText(e)}`;
    log(name, 'setup failed:', out.errors[name]);
    continue;
  }
  out.results[name] = {};
  for (const [w, inp] of Object.entries(inputs)) {
    const p = impl.prepare(inp);
    try {
      const first = await impl.run(p);
      if (first.data && first.data.length !== inp.S * inp.B * inp.d) throw new Error(`output of ${first.data.length} values, want ${inp.S * inp.B * inp.d}`);
      const r = await timeReps(() => impl.run(p), REPS, Math.max(0, WARMUPS - 1));
      out.results[name][w] = r;
      log(name, w, `${r.ms.toFixed(3)} ms`);
      if (name.startsWith('mvn-gpu')) {
        out.stages[name] ??= {};
        out.stages[name][w] = await stageProfile(() => impl.run(p), Number(args['profile-reps']));
      }
    } catch (e) {
      out.results[name][w] = { error: errText(e) };
      log(name, w, 'failed:', errText(e));
    }
  }
  await impl.teardown();
}

// Ratios in this run: jax-js / ours (above 1: ours is faster).
out.ratios = {};
const OURS = { 'on GPU': 'mvn-gpu (on GPU)', 'into a GPUBuffer': 'mvn-gpu (into a GPUBuffer)', readback: 'mvn-gpu (readback)', 'readback into out': 'mvn-gpu (readback into out)' };
const PEER = { 'on GPU': 'jax-js webgpu (on GPU)', 'into a GPUBuffer': 'jax-js webgpu (on GPU)', readback: 'jax-js webgpu (readback)', 'readback into out': 'jax-js webgpu (readback)' };
for (const mode of Object.keys(OURS)) {
  const ours = out.results[OURS[mode]];
  const jax = out.results[PEER[mode]];
  if (!ours || !jax) continue;
  out.ratios[mode] = Object.fromEntries(Object.keys(inputs).filter((w) => ours[w]?.ms && jax[w]?.ms).map((w) => [w, +(jax[w].ms / ours[w].ms).toFixed(2)]));
}
// Ours through Dawn against ours natively (wgpu on Vulkan, benches/mvn.rs --json), same GPU.
if (args.native) {
  const native = JSON.parse((await import('node:fs')).readFileSync(args.native, 'utf8'));
  out.native = native;
  const ours = out.results['mvn-gpu (into a GPUBuffer)'] ?? {};
  out.ratios['dawn / native'] = Object.fromEntries(native.results.filter((r) => ours[r.workload]?.ms).map((r) => [r.workload, +(ours[r.workload].ms / r.total_ms).toFixed(2)]));
}
const text = JSON.stringify(out, null, 1);
if (args.json) writeFileSync(args.json, text);
const row = (name) => `${name.padEnd(26)}${Object.keys(inputs).map((w) => String(out.results[name]?.[w]?.ms?.toFixed(2) ?? '-').padStart(9)).join('')}`;
console.log(`${''.padEnd(26)}${Object.keys(inputs).map((w) => w.padStart(9)).join('')}`);
for (const name of impls) console.log(row(name));
for (const [mode, r] of Object.entries(out.ratios)) console.log(`${mode === 'dawn / native' ? 'ours' : 'jax-js / ours,'} ${mode}: ${JSON.stringify(r)}`);
process.exit(0);
