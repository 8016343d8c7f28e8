// The Vite page's checks, bundled by esbuild, which does not emit the package's .wasm by itself:
// the one line of config is `--loader:.wasm=file`, with the .wasm imported as `mvn-gpu/wasm`
// and handed to init() (the package README says so).
import wasm from 'mvn-gpu/wasm';
import { init } from 'mvn-gpu';

await init({ wasm });
await import('../vite-app/main.js');
