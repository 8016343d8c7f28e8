// Bundles jax-js and core-js's iterator helpers into one ES module for the GPU machine, which has
// no node_modules (benches/dawn/bench.mjs loads it through MVN_JS_PEERS):
//   node benches/dawn/peers.mjs .gl/peers.mjs
import { build } from 'esbuild';

const out = process.argv[2] ?? '.gl/peers.mjs';
await build({
  stdin: { contents: "import 'core-js/actual/iterator/index.js';\nexport * from '@jax-js/jax';\n", resolveDir: process.cwd(), loader: 'js' },
  bundle: true, format: 'esm', platform: 'node', minify: true, outfile: out, logLevel: 'warning',
});
console.log(out);
