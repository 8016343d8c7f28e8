// A new user's project: a directory holding the package as `npm pack` makes it, installed in
// its node_modules (the package has no dependencies, so unpacking is installing), and the page of
// tests/js/vite-app. It lies under tests/js/.apps/ so that the bundlers' own plugins still
// resolve from the repository's node_modules, while `mvn-gpu` resolves to the packed copy.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const apps = `${root}/tests/js/.apps`;
let tarball;

/** The packed package's tarball (made once per process, with the package README, without the prepack build). */
export function pack() {
  if (!tarball) {
    mkdirSync(apps, { recursive: true });
    // The pack scripts without the wasm build (the tests run on the one just built).
    execFileSync(process.execPath, [`${root}/scripts/package-readme.mjs`, 'swap']);
    try {
      const [info] = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', apps], { cwd: root, encoding: 'utf8' }));
      tarball = `${apps}/${info.filename}`;
    } finally {
      execFileSync(process.execPath, [`${root}/scripts/package-readme.mjs`, 'restore']);
    }
  }
  return tarball;
}

/** A fresh project `name` with the packed package installed and the page's index.html and main.js. */
export function packedApp(name) {
  const dir = `${apps}/${name}`;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(`${dir}/node_modules/mvn-gpu`, { recursive: true });
  execFileSync('tar', ['xzf', pack(), '-C', `${dir}/node_modules/mvn-gpu`, '--strip-components=1']);
  writeFileSync(`${dir}/package.json`, JSON.stringify({ name: `mvn-gpu-${name}`, private: true, type: 'module' }, null, 2));
  cpSync(`${root}/tests/js/vite-app/main.js`, `${dir}/main.js`);
  cpSync(`${root}/tests/js/vite-app/index.html`, `${dir}/index.html`);
  return dir;
}
