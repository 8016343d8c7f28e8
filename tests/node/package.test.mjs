// The npm package itself: version in step with Cargo.toml, the published file list, and
// TypeScript declarations that type-check a program using every export.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { pack } from '../js/packed.mjs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}/package.json`, 'utf8'));

test('package.json is in step with Cargo.toml', () => {
  const cargo = readFileSync(`${root}/Cargo.toml`, 'utf8');
  assert.equal(pkg.name, cargo.match(/^name = "(.+)"/m)[1]);
  assert.equal(pkg.version, cargo.match(/^version = "(.+)"/m)[1]);
  assert.equal(pkg.type, 'module');
  assert.deepEqual(pkg.exports['.'], { types: './js/index.d.ts', require: './js/require.cjs', default: './js/index.js' });
  assert.equal(pkg.exports['./wasm'], './pkg/mvn_gpu_bg.wasm');
  assert.equal(pkg.exports['./package.json'], './package.json');
});

test('npm pack ships the wrapper, types, glue and wasm', () => {
  const out = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' }));
  const files = out[0].files.map((f) => f.path).sort();
  for (const f of ['js/index.js', 'js/index.d.ts', 'js/require.cjs', 'pkg/mvn_gpu.js', 'pkg/mvn_gpu_bg.wasm', 'package.json', 'README.md', 'LICENSE']) {
    assert.ok(files.includes(f), `${f} missing from ${files}`);
  }
});

test('the TypeScript declarations type-check a program using every export', () => {
  execFileSync(process.execPath, [`${root}/node_modules/typescript/bin/tsc`, '-p', `${root}/tests/js/tsconfig.json`], { stdio: 'inherit' });
  // And under exactOptionalPropertyTypes and noUncheckedIndexedAccess (`const [a, b] = split(k)` gives keys).
  execFileSync(process.execPath, [`${root}/node_modules/typescript/bin/tsc`, '-p', `${root}/tests/js/tsconfig.strict.json`], { stdio: 'inherit' });
  // And in a Node project: no DOM lib, no WebGPU types, skipLibCheck off.
  execFileSync(process.execPath, [`${root}/node_modules/typescript/bin/tsc`, '-p', `${root}/tests/js/tsconfig.node.json`], { stdio: 'inherit' });
});

test('the JS API reference (docs/api.md) is generated from the declarations, and every export has @example and @throws', () => {
  const dts = readFileSync(`${root}/js/index.d.ts`, 'utf8');
  // Every doc comment followed by an exported declaration or a class method.
  const blocks = [...dts.matchAll(/\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*\n\s*(?:export (function|class|type|interface|const) (\w+)|(?:static )?(\w+)\()/g)];
  const missing = [];
  for (const [, doc, kind, exported, method] of blocks) {
    const name = exported ?? method;
    if (!doc.includes('@example')) missing.push(`${name}: no @example`);
    // Functions and methods say what they throw; releasing (free, destroy) throws nothing.
    const callable = kind === 'function' || method !== undefined;
    if (callable && !['free', 'destroy'].includes(name) && !doc.includes('@throws')) missing.push(`${name}: no @throws`);
  }
  const documented = new Set(blocks.map((b) => b[3]).filter(Boolean));
  for (const [, e] of dts.matchAll(/^export (?:function|class|type|interface|const) (\w+)/gm)) if (!documented.has(e)) missing.push(`${e}: no doc comment`);
  assert.deepEqual([...new Set(missing)], []);
  const out = mkdtempSync(`${tmpdir()}/mvn-api-`);
  execFileSync(process.execPath, [`${root}/node_modules/typedoc/bin/typedoc`, '--out', out, '--logLevel', 'Warn'], { cwd: root, stdio: 'inherit' });
  assert.equal(readFileSync(`${out}/README.md`, 'utf8'), readFileSync(`${root}/docs/api.md`, 'utf8'), 'docs/api.md is stale: npm run docs');
});

test('the packed package ships js/README.md as its README, and the repository README stays', () => {
  const shipped = execFileSync('tar', ['xzf', pack(), '-O', 'package/README.md'], { encoding: 'utf8' });
  assert.equal(shipped, readFileSync(`${root}/js/README.md`, 'utf8'));
  assert.match(readFileSync(`${root}/README.md`, 'utf8'), /^## Rust API$/m, 'the repository README was not restored');
});
