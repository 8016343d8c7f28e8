// The package in headless Chromium: unbundled <script type="module"> and a Vite build, on
// WebGPU (SwiftShader) and on the CPU fallback, against the MLX vectors.
import test from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
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

test('through a bundler: a Vite build of a small page works on WebGPU and without it', async () => {
  const app = fileURLToPath(new URL('../js/vite-app', import.meta.url));
  execFileSync(process.execPath, [fileURLToPath(new URL('../../node_modules/vite/bin/vite.js', import.meta.url)), 'build', '--logLevel', 'warn'], { cwd: app, stdio: 'inherit' });
  const { server, url } = await serve(`${app}/dist`);
  try {
    for (const webgpu of [true, false]) {
      const browser = await launch({ webgpu });
      try {
        const { result, log } = await runPage(browser, `${url}/index.html`);
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
});
