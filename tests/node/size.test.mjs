// The package's download size. Issue 3's budget: the gzipped .wasm plus its JS glue under 200 KB.
// The whole package (plus the wrapper, js/index.js) is also kept under 210 KB.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

test('gzipped wasm + JS glue stays under 200 KB (and the whole package under 210 KB)', () => {
  const gz = (p) => gzipSync(readFileSync(new URL(`../../${p}`, import.meta.url)), { level: 9 }).length;
  const parts = { wasm: gz('pkg/mvn_gpu_bg.wasm'), glue: gz('pkg/mvn_gpu.js'), wrapper: gz('js/index.js') };
  const total = parts.wasm + parts.glue + parts.wrapper;
  console.log(`gzipped: wasm ${(parts.wasm / 1024).toFixed(1)} KB + glue ${(parts.glue / 1024).toFixed(1)} KB + wrapper ${(parts.wrapper / 1024).toFixed(1)} KB = ${(total / 1024).toFixed(1)} KB`);
  assert.ok(parts.wasm + parts.glue < 200 * 1024, `wasm + glue: ${parts.wasm + parts.glue} bytes`);
  assert.ok(total < 210 * 1024, `total: ${total} bytes`);
});
