// The package's download size: gzipped .wasm + JS glue + wrapper, kept under 210 KB (200 KB until
// device-loss recovery and per-call GPU buffer release (docs/load.md) added about 8 KB).
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

test('gzipped wasm + JS stays under 210 KB', () => {
  const gz = (p) => gzipSync(readFileSync(new URL(`../../${p}`, import.meta.url)), { level: 9 }).length;
  const parts = { wasm: gz('pkg/mvn_gpu_bg.wasm'), glue: gz('pkg/mvn_gpu.js'), wrapper: gz('js/index.js') };
  const total = parts.wasm + parts.glue + parts.wrapper;
  console.log(`gzipped: wasm ${(parts.wasm / 1024).toFixed(1)} KB + glue ${(parts.glue / 1024).toFixed(1)} KB + wrapper ${(parts.wrapper / 1024).toFixed(1)} KB = ${(total / 1024).toFixed(1)} KB`);
  assert.ok(total < 210 * 1024, `${total} bytes`);
});
