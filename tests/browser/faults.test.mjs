// Device faults in headless Chromium (WebGPU on SwiftShader): tests/js/faults.html destroys the
// sampler's GPUDevice between calls, as a call starts, right after it submits its GPU work and
// under 100 queued calls, fails a buffer map
// and runs out of GPU memory. Every call must answer (timeouts) with a fresh sampler's samples or
// a typed MvnError, and nothing may panic.
import test from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { serve } from '../js/server.mjs';
import { launch, runPage } from '../js/chromium.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('device faults in Chromium: lost device, failed map, out of memory', { timeout: 240_000 }, async () => {
  const { server, url } = await serve(root);
  const browser = await launch();
  try {
    const { result, log } = await runPage(browser, `${url}/tests/js/faults.html`, 200_000);
    assert.equal(result.error, undefined, `${result.error}\n${log.join('\n')}`);
    console.log(`Chromium faults: ${result.checks} checks; ${result.notes.join('; ')}; replacements ${result.replacements}; oom: ${result.oom.slice(0, 160)}`);
    assert.deepEqual(result.failures, [], log.join('\n'));
    assert.ok(result.checks >= 100, `only ${result.checks} checks ran`);
    assert.equal(result.replacements, 4, 'four losses, four replacements');
    assert.ok(!log.some((l) => /panicked|unreachable/.test(l)), `a panic in the log:\n${log.join('\n')}`);
  } finally {
    await browser.close();
    server.close();
  }
});
