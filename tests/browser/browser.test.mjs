// The package in headless Chromium: unbundled <script type="module">, Vite 6 and 7 builds and
// webpack 5 with their default configs, esbuild (one flag: --loader:.wasm=file), Rollup (one
// plugin for the .wasm), Parcel 2 (no config), the Vite dev server on the package installed from
// `npm pack`, and a module worker, on WebGPU (SwiftShader) and on the CPU fallback.
import test from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { packedApp } from '../js/packed.mjs';
import { serve } from '../js/server.mjs';
import { launch, runPage } from '../js/chromium.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('unbundled in Chromium: WebGPU and CPU agree with MLX', async () => {
  const { server, url } = await serve(root);
  const browser = await launch();
  try {
    const { result, log } = await runPage(browser, `${url}/tests/js/browser.html`);
    assert.equal(result.error, undefined, `${result.error}\n${log.join('\n')}`);
    assert.equal(result.webgpu.backend, 'webgpu', 'WebGPU must be in use');
    console.log(`Chromium WebGPU (${result.webgpu.adapter?.name ?? '?'}): ${result.webgpu.passed} checks; ${result.webgpu.notes.join('; ')}`);
    console.log(`Chromium CPU: ${result.cpu.passed} checks; ${result.cpu.notes.join('; ')}`);
    assert.deepEqual(result.webgpu.failures, []);
    assert.deepEqual(result.cpu.failures, []);
    // Lazy loading: no .wasm fetched at import; key() before init() is NOT_LOADED naming the fix.
    assert.equal(result.lazy.fetchedAtImport, false, 'the wasm was fetched at import');
    assert.equal(result.lazy.before?.code, 'NOT_LOADED', JSON.stringify(result.lazy));
    assert.match(result.lazy.before.message, /^\[key\] the WebAssembly is not loaded yet: await init\(\)/);
    assert.equal(result.lazy.fetchedAfterCreate, true, 'Sampler.create() fetched the wasm');
  } finally {
    await browser.close();
    server.close();
  }
});

/** The bundled page in `dist` (tests/js/vite-app/main.js's checks) on WebGPU and on the CPU fallback. */
async function checkBuilt(dist, page = 'index.html') {
  const { server, url } = await serve(dist);
  try {
    for (const webgpu of [true, false]) {
      const browser = await launch({ webgpu });
      try {
        const { result, log } = await runPage(browser, `${url}/${page}`);
        assert.equal(result.error, undefined, `${result.error}\n${log.join('\n')}`);
        assert.equal(result.backend, webgpu ? 'webgpu' : 'cpu');
        if (!webgpu) assert.match(result.fallbackReason, /WebGPU|adapter|navigator\.gpu/);
        assert.deepEqual(result.failures, []);
      } finally {
        await browser.close();
      }
    }
  } finally {
    server.close();
  }
}

const viteApp = fileURLToPath(new URL('../js/vite-app', import.meta.url));

for (const [name, vite] of [['Vite 7', 'vite'], ['Vite 6', 'vite6']]) {
  test(`through a bundler: a ${name} build with its default config works on WebGPU and without it`, async () => {
    const bin = fileURLToPath(new URL(`../../node_modules/${vite}/bin/vite.js`, import.meta.url));
    const out = `dist-${vite}`;
    execFileSync(process.execPath, [bin, 'build', '--logLevel', 'warn', '--outDir', out, '--emptyOutDir'], { cwd: viteApp, stdio: 'inherit' });
    await checkBuilt(`${viteApp}/${out}`);
  });
}

test('through webpack 5 with a default config (entry and output only): the .wasm emitted as an asset', async () => {
  const webpack = (await import('webpack')).default;
  const dist = `${viteApp}/dist-webpack`;
  const stats = await new Promise((resolve, reject) =>
    webpack({ mode: 'production', entry: `${viteApp}/main.js`, output: { path: dist, filename: 'main.js', clean: true } }, (e, st) => (e ? reject(e) : resolve(st))),
  );
  assert.ok(!stats.hasErrors(), stats.toString({ all: false, errors: true }));
  assert.ok(Object.keys(stats.compilation.assets).some((a) => a.endsWith('.wasm')), 'webpack emitted no .wasm');
  writeFileSync(`${dist}/index.html`, '<!doctype html><meta charset="utf-8"><title>mvn-gpu via webpack</title><script src="./main.js"></script>');
  await checkBuilt(dist);
});

test('through esbuild: the .wasm imported as mvn-gpu/wasm with --loader:.wasm=file, on WebGPU and without it', async () => {
  const app = fileURLToPath(new URL('../js/esbuild-app', import.meta.url));
  const dist = `${app}/dist`;
  const esbuild = fileURLToPath(new URL('../../node_modules/esbuild/bin/esbuild', import.meta.url));
  execFileSync(esbuild, [`${app}/main.js`, '--bundle', '--format=esm', '--loader:.wasm=file', `--outdir=${dist}`, '--log-level=warning'], { stdio: 'inherit' });
  execFileSync('cp', [`${app}/index.html`, dist]);
  await checkBuilt(dist);
});

test('through Rollup: node-resolve plus the one line for the .wasm (importMetaAssets), installed from npm pack', async () => {
  const app = packedApp('rollup');
  const { rollup } = await import('rollup');
  const { nodeResolve } = await import('@rollup/plugin-node-resolve');
  const { importMetaAssets } = await import('@web/rollup-plugin-import-meta-assets');
  const bundle = await rollup({ input: `${app}/main.js`, plugins: [nodeResolve(), importMetaAssets()] });
  await bundle.write({ dir: `${app}/dist`, format: 'es' });
  assert.ok(readdirSync(`${app}/dist/assets`).some((f) => f.endsWith('.wasm')), 'importMetaAssets emitted no .wasm');
  writeFileSync(`${app}/dist/index.html`, '<!doctype html><meta charset="utf-8"><title>mvn-gpu via Rollup</title><script type="module" src="./main.js"></script>');
  await checkBuilt(`${app}/dist`);
});

test('through Parcel 2 with no config at all, installed from npm pack', async () => {
  const app = packedApp('parcel');
  const parcel = fileURLToPath(new URL('../../node_modules/parcel/lib/bin.js', import.meta.url));
  execFileSync(process.execPath, [parcel, 'build', 'index.html', '--dist-dir', 'dist', '--no-cache', '--cache-dir', '.parcel-cache', '--public-url', './', '--log-level', 'warn'], { cwd: app, stdio: 'inherit' });
  assert.ok(readdirSync(`${app}/dist`).some((f) => f.endsWith('.wasm')), 'Parcel emitted no .wasm');
  await checkBuilt(`${app}/dist`);
});

for (const [name, vite] of [['Vite 7', 'vite'], ['Vite 6', 'vite6']]) {
  test(`the ${name} dev server with its default config, on the packed package installed in a project`, async () => {
    const app = packedApp(`${vite}-dev`);
    const { createServer } = await import(vite);
    const server = await createServer({ root: app, configFile: false, logLevel: 'warn', server: { port: 0, host: '127.0.0.1' } });
    await server.listen();
    try {
      const url = server.resolvedUrls.local[0];
      for (const webgpu of [true, false]) {
        const browser = await launch({ webgpu });
        try {
          const { result, log } = await runPage(browser, url);
          assert.equal(result.error, undefined, `${result.error}\n${log.join('\n')}`);
          assert.equal(result.backend, webgpu ? 'webgpu' : 'cpu');
          assert.deepEqual(result.failures, []);
        } finally {
          await browser.close();
        }
      }
    } finally {
      await server.close();
    }
  });
}

test('in a module worker: samples there (WebGPU, or the CPU without it) equal the page\'s CPU samples', async () => {
  const { server, url } = await serve(root);
  try {
    for (const webgpu of [true, false]) {
      const browser = await launch({ webgpu });
      try {
        const { result, log } = await runPage(browser, `${url}/tests/js/worker.html`);
        assert.equal(result.error, undefined, `${result.error}\n${log.join('\n')}`);
        assert.equal(result.backend, webgpu ? 'webgpu' : 'cpu');
        assert.deepEqual(result.failures, []);
      } finally {
        await browser.close();
      }
    }
  } finally {
    server.close();
  }
});
