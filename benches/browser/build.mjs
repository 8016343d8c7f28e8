// Bundles the CommonJS npm package `multivariate-normal` (and its dependencies) into one IIFE that
// defines `globalThis.MultivariateNormal`, for the benchmark page. Rebuilt only when missing or
// older than the package. Output: benches/browser/.build/multivariate-normal.js (git-ignored).
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
export const OUT_DIR = fileURLToPath(new URL('./.build', import.meta.url));
const OUT = `${OUT_DIR}/multivariate-normal.js`;
const PKG = `${root}/node_modules/multivariate-normal/package.json`;

export async function buildPeerBundle({ force = false } = {}) {
  if (!force && existsSync(OUT) && statSync(OUT).mtimeMs >= statSync(PKG).mtimeMs) return OUT;
  const { build } = await import('vite');
  await build({
    configFile: false,
    logLevel: 'error', // numeric.js uses eval; vite warns about it
    root,
    build: {
      outDir: OUT_DIR,
      emptyOutDir: true,
      minify: false,
      lib: { entry: `${root}/node_modules/multivariate-normal/index.js`, formats: ['iife'], name: 'MultivariateNormal', fileName: () => 'multivariate-normal.js' },
    },
  });
  return OUT;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(await buildPeerBundle({ force: true }));
