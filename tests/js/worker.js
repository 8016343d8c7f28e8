// The module worker of tests/js/worker.html: the package, by URL, sampling in the worker.
import { Sampler, key } from '/js/index.js';

try {
  const s = await Sampler.create();
  const x = (await s.multivariateNormal([1, 2], [[1, 0.5], [0.5, 2]], { shape: [1000], key: key(1) })).data;
  postMessage({ backend: s.backend, x });
} catch (e) {
  postMessage({ error: String((e && e.stack) || e) });
}
