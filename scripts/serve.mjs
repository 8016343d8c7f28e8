// Serves the repository root for the demo page (www/) on 127.0.0.1:PORT (default 8080; a free
// port when that one is taken) and prints its address. `npm start` runs this after the build.
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { serve } from '../tests/js/server.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const wanted = Number(process.env.PORT ?? 8080);

if (!existsSync(new URL('../pkg/mvn_gpu.js', import.meta.url))) {
  console.error('mvn-gpu demo: pkg/ is missing; build it first with `bash scripts/build-wasm.sh` (npm start does).');
  process.exit(1);
}

/** Whether 127.0.0.1:port can be listened on now. */
const available = (port) => new Promise((resolve) => {
  const probe = createServer();
  probe.once('error', () => resolve(false));
  probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
});

let port = Number.isInteger(wanted) && wanted >= 0 && wanted < 65536 ? wanted : 8080;
if (port !== 0 && !(await available(port))) {
  console.error(`mvn-gpu demo: port ${port} is in use; taking a free one`);
  port = 0;
}
const { server, url } = await serve(root, port);
// The site root redirects to the demo.
const [files] = server.listeners('request');
server.removeAllListeners('request');
server.on('request', (req, res) => {
  if (req.url === '/' || req.url === '/www') res.writeHead(302, { location: '/www/' }).end();
  else files(req, res);
});
console.log(`mvn-gpu demo: ${url}/www/`);
const stop = () => server.close(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
