// The package README's (js/README.md) JavaScript examples, run as written: Node blocks with node,
// the HTML block in headless Chromium (served with the package under node_modules/mvn-gpu, as an
// app would have it). Its links go to the repository or to files the package ships.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '../js/server.mjs';
import { launch } from '../js/chromium.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const readme = readFileSync(join(root, 'js', 'README.md'), 'utf8');
const blocks = (lang) => [...readme.matchAll(new RegExp('^ *```' + lang + '\\n([\\s\\S]*?)```', 'gm'))].map((m) => m[1].replace(/^ {3}/gm, ''));

test('the package README links only to the repository and to what the package ships', () => {
  const links = [...readme.matchAll(/\]\(([^)]+)\)/g)].map((m) => m[1]);
  assert.ok(links.length > 0);
  for (const l of links) assert.match(l, /^https:\/\/github\.com\/mvn-gpu\/mvn-gpu/, `a link the package does not ship: ${l}`);
  assert.ok(!/!\[/.test(readme), 'images are not shipped');
});

test('README Node examples run as written', () => {
  const js = blocks('js');
  assert.ok(js.length >= 3, 'README has Node examples');
  js.forEach((src, i) => {
    const file = join(root, 'tests', 'node', `.readme-${i}.mjs`);
    writeFileSync(file, src);
    try {
      const out = execFileSync(process.execPath, [file], { encoding: 'utf8', env: { ...process.env } });
      assert.ok(out.trim().length > 0, `example ${i} printed nothing`);
      console.log(`README example ${i}: ${out.trim().split('\n')[0].slice(0, 120)}`);
    } finally {
      rmSync(file, { force: true });
    }
  });
});

test("the repository README's JavaScript example runs as written", () => {
  const repo = readFileSync(join(root, 'README.md'), 'utf8');
  const [src] = [...repo.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);
  assert.ok(src, 'README.md has a JavaScript example');
  const file = join(root, 'tests', 'node', '.readme-repo.mjs');
  writeFileSync(file, src);
  try {
    assert.match(execFileSync(process.execPath, [file], { encoding: 'utf8' }), /\[ 3, 2 \]/);
  } finally {
    rmSync(file, { force: true });
  }
});

test('README browser example runs as written in Chromium with WebGPU', async () => {
  const [html] = blocks('html');
  assert.ok(html, 'README has a browser example');
  const dir = mkdtempSync(join(tmpdir(), 'mvn-gpu-readme-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(root, join(dir, 'node_modules', 'mvn-gpu'));
  writeFileSync(join(dir, 'index.html'), html);
  const { server, url } = await serve(dir);
  const browser = await launch();
  try {
    const page = await browser.newPage();
    const log = [];
    page.on('pageerror', (e) => log.push(e.message));
    await page.goto(`${url}/index.html`);
    await page.waitForFunction(() => document.body && document.body.textContent.length > 0, null, { timeout: 120_000 });
    const text = await page.evaluate(() => document.body.textContent);
    assert.match(text, /^webgpu: 100000,2 samples/, `${text} ${log.join('\n')}`);
  } finally {
    await browser.close();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
