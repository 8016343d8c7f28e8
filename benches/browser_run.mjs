// Browser benchmark (C1-C4 in headless Chromium, WebGPU on SwiftShader): mvn-gpu on WebGPU and on
// its CPU (wasm) fallback against TensorFlow.js (webgpu, wasm) and the npm `multivariate-normal`,
// all in one page (benches/browser/bench.mjs says what each timing covers and how it is synchronized).
// Prints a Markdown table and writes benches/results/browser-latest.json.
//
//   node benches/browser_run.mjs [OUT.json] [--smoke] [--impls=a,b] [--workloads=C1,C2] [--reps=5]
//                                [--warmups=2] [--budget=60]
// Ratios are peer ms / ours (mvn-gpu webgpu) ms: > 1 means we are faster; `ratio_cpu` is against
// our CPU (wasm) path.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { serve } from '../tests/js/server.mjs';
import { launch } from '../tests/js/chromium.mjs';
import { buildPeerBundle } from './browser/build.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const OURS = 'mvn-gpu webgpu';
const OURS_CPU = 'mvn-gpu cpu (wasm)';
// Cross-origin isolation lets the tfjs wasm backend use its threaded build (the peer at its best).
const ISOLATION = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };

const pkgVersion = (name) => {
  try {
    return JSON.parse(readFileSync(`${root}/node_modules/${name}/package.json`, 'utf8')).version;
  } catch {
    return null;
  }
};

/** Runs the page; resolves to its raw result plus the browser's version. Page logs go to `onLog`. */
export async function runBrowserBench({ query = {}, onLog = () => {}, timeout = 3_600_000 } = {}) {
  if (!existsSync(`${root}/pkg/mvn_gpu_bg.wasm`)) execFileSync('bash', ['scripts/build-wasm.sh'], { cwd: root, stdio: 'inherit' });
  await buildPeerBundle();
  const { server, url } = await serve(root, 0, ISOLATION);
  const browser = await launch();
  try {
    const page = await browser.newPage();
    page.on('console', (m) => onLog(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => onLog(`pageerror: ${e.message}`));
    const qs = new URLSearchParams(query).toString();
    await page.goto(`${url}/benches/browser/index.html${qs ? `?${qs}` : ''}`);
    await page.waitForFunction(() => window.__result !== undefined, null, { timeout, polling: 1000 });
    const result = await page.evaluate(() => window.__result);
    return { result, browserVersion: browser.version() };
  } finally {
    await browser.close();
    server.close();
  }
}

/** The report document (same outline as benches/report.py's, with two "ours"). */
export function report(raw, browserVersion) {
  const impls = raw.impls ?? {};
  const ms = (impl, w) => impls[impl]?.results?.[w]?.ms;
  const rows = [];
  for (const w of Object.keys(raw.workloads ?? {})) {
    const ours = ms(OURS, w);
    const oursCpu = ms(OURS_CPU, w);
    const row = { workload: w, ...raw.workloads[w], ours_ms: ours ?? null, ours_cpu_ms: oursCpu ?? null, peers: {} };
    for (const [name, rec] of Object.entries(impls)) {
      if (name === OURS) continue;
      const r = rec.results?.[w];
      if (r && r.ms == null && r.lower_bound_ms != null) {
        row.peers[name] = { ms: null, lower_bound_ms: r.lower_bound_ms, ratio_lower_bound: ours ? r.lower_bound_ms / ours : null, note: r.note };
        continue;
      }
      if (!r) {
        row.peers[name] = { ms: null, error: rec.errors?.[w] ?? rec.error ?? 'no result' };
        continue;
      }
      row.peers[name] = {
        ms: r.ms,
        ratio: ours ? r.ms / ours : null,
        ratio_cpu: oursCpu ? r.ms / oursCpu : null,
        ...(r.extrapolated ? { extrapolated: true, note: r.note } : {}),
      };
    }
    rows.push(row);
  }
  const gpu = raw.adapter;
  const errors = {};
  for (const [name, rec] of Object.entries(impls)) {
    if (rec.error) errors[name] = rec.error;
    for (const [w, e] of Object.entries(rec.errors ?? {})) errors[`${name} ${w}`] = e;
    if (rec.sanity_ok === false) errors[`${name} sanity`] = `output statistics do not match the inputs: ${JSON.stringify(rec.sanity)}`;
  }
  let commit = null;
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  } catch { /* not a git checkout */ }
  return {
    date: new Date().toISOString(),
    machine: os.hostname(),
    platform: `${os.type()} ${os.release()} ${os.arch()}; ${os.cpus()[0]?.model ?? '?'} x ${os.cpus().length}`,
    device: `headless Chromium ${browserVersion}, WebGPU adapter: ${gpu ? [gpu.vendor, gpu.architecture, gpu.description || gpu.name, gpu.device].filter(Boolean).join(' / ') : 'none'}`,
    browser: { version: browserVersion, userAgent: raw.userAgent, hardwareConcurrency: raw.hardwareConcurrency, crossOriginIsolated: raw.crossOriginIsolated, adapter: raw.adapter },
    mode: raw.mode,
    timing: {
      reps: raw.reps, warmups: raw.warmups, statistic: 'median', multivariate_normal_budget_s: raw.budget_s,
      covers: 'each timing is one whole call from the inputs on the host to samples readable on the host, '
        + 'except "mvn-gpu webgpu (toBuffer)" (samples ready on the GPU: queue.onSubmittedWorkDone). '
        + 'tfjs has no Cholesky: its factor is computed outside and not timed; multivariate-normal times its own constructor (eig + SVD).',
      sync: Object.fromEntries(Object.entries(impls).map(([k, v]) => [k, v.sync])),
    },
    ours: { impl: OURS, version: JSON.parse(readFileSync(`${root}/package.json`, 'utf8')).version, commit, info: impls[OURS]?.info, results: resultsOf(raw, OURS) },
    ours_cpu: { impl: OURS_CPU, results: resultsOf(raw, OURS_CPU) },
    peer_versions: {
      '@jax-js/jax': pkgVersion('@jax-js/jax'),
      '@tensorflow/tfjs-core': pkgVersion('@tensorflow/tfjs-core'),
      '@tensorflow/tfjs-backend-webgpu': pkgVersion('@tensorflow/tfjs-backend-webgpu'),
      '@tensorflow/tfjs-backend-wasm': pkgVersion('@tensorflow/tfjs-backend-wasm'),
      'multivariate-normal': pkgVersion('multivariate-normal'),
      'playwright-core': pkgVersion('playwright-core'),
    },
    peer_info: Object.fromEntries(Object.entries(impls).filter(([k]) => k !== OURS && k !== OURS_CPU).map(([k, v]) => [k, v.info ?? null])),
    peer_errors: errors,
    sanity: Object.fromEntries(Object.entries(impls).map(([k, v]) => [k, { ok: v.sanity_ok ?? null, ...v.sanity }])),
    rows,
    raw,
  };
}

function resultsOf(raw, impl) {
  const rec = raw.impls?.[impl];
  return Object.entries(rec?.results ?? {}).map(([w, r]) => ({ workload: w, total_ms: r.ms, times_ms: r.times_ms, reps: r.reps, warmups: r.warmups }));
}

export function table(doc) {
  const impls = [...new Set(doc.rows.flatMap((r) => Object.keys(r.peers)))];
  const lines = [
    `device: ${doc.device}`,
    `versions: ${Object.entries(doc.peer_versions).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    ...(doc.load ? [`load average (1 min) ${doc.load.loadavg_1m_before} before, ${doc.load.loadavg_1m_after} after, on ${doc.load.cpus} CPUs`] : []),
    `| workload | ${OURS} (ms) | ${impls.join(' | ')} |`,
    `|---|---|${impls.map(() => '---').join('|')}|`,
  ];
  const f = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
  for (const r of doc.rows) {
    const cells = impls.map((i) => {
      const p = r.peers[i];
      if (p?.lower_bound_ms != null) return `> ${f(p.lower_bound_ms)}${p.ratio_lower_bound != null ? ` (> ${p.ratio_lower_bound.toFixed(0)}x)` : ''}`;
      if (!p || p.ms == null) return 'error';
      return `${f(p.ms)}${p.extrapolated ? '*' : ''}${p.ratio != null ? ` (${p.ratio.toFixed(2)}x)` : ''}`;
    });
    lines.push(`| ${r.workload} | ${r.ours_ms != null ? f(r.ours_ms) : 'error'} | ${cells.join(' | ')} |`);
  }
  lines.push('ratios: peer ms / mvn-gpu webgpu ms (> 1: we are faster); * extrapolated from a smaller count; > N: stopped after N ms.');
  const bad = Object.entries(doc.sanity).filter(([, s]) => s.ok === false).map(([k]) => k);
  if (bad.length) lines.push(`SANITY CHECK FAILED (output statistics off): ${bad.join(', ')}`);
  if (Object.keys(doc.peer_errors).length) lines.push(`errors: ${JSON.stringify(doc.peer_errors, null, 1)}`);
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const query = {};
  let out = join(root, 'benches/results/browser-latest.json');
  for (const a of args) {
    if (a === '--smoke') query.mode = 'smoke';
    else if (a.startsWith('--')) {
      const [k, v] = a.slice(2).split('=');
      query[k] = v;
    } else out = a;
  }
  const t0 = Date.now();
  const loadBefore = os.loadavg();
  const { result, browserVersion } = await runBrowserBench({ query, onLog: (l) => console.error(l) });
  if (result.error) {
    console.error(`the benchmark page failed: ${result.error}`);
    process.exit(1);
  }
  const doc = report(result, browserVersion);
  // The machine may be shared: its load (1-minute average, before and after the run) says how much.
  doc.load = { cpus: os.cpus().length, loadavg_1m_before: +loadBefore[0].toFixed(2), loadavg_1m_after: +os.loadavg()[0].toFixed(2), wall_s: Math.round((Date.now() - t0) / 1000) };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(doc, null, 1)}\n`);
  console.log(table(doc));
  console.log(`wrote ${out} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
}
