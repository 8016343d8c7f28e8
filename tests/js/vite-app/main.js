// A small page bundled by Vite (6 and 7), webpack and esbuild: imports the package by name and
// lets the bundler emit the .wasm asset. No top-level await of its own (Vite 6's default target
// has none), so the package's loading is what is tested.
import { Sampler, key, split } from 'mvn-gpu';

async function main() {
  const out = { failures: [] };
  try {
    const s = await Sampler.create();
    out.backend = s.backend;
    out.fallbackReason = s.fallbackReason;
    const [a, b] = split(key(0));
    if (a[0] !== 4146024105 || b[1] !== 1272950319) out.failures.push('split(key(0))');
    // MLX 0.32.4: uniform(shape=(3,), key=key(0)) and the first normal of key(0).
    const u = await s.uniform([3], { key: key(0) });
    const cpu = await Sampler.create({ backend: 'cpu' });
    const uc = await cpu.uniform([3], { key: key(0) });
    if (!u.data.every((v, i) => v === uc.data[i])) out.failures.push('uniform gpu/cpu');
    // One device per page by default; shared: false opens another.
    const again = await Sampler.create();
    if (again.device !== s.device) out.failures.push('a second sampler did not share the device');
    if (s.backend === 'webgpu') {
      const own = await Sampler.create({ shared: false });
      if (own.device === s.device) out.failures.push('shared: false shared the device');
      own.destroy();
    }
    again.destroy();
    const x = await s.multivariateNormal([1, 2], [[1, 0.5], [0.5, 2]], { shape: [10000], key: key(1) });
    let m0 = 0;
    for (let i = 0; i < x.data.length; i += 2) m0 += x.data[i] / 10000;
    if (Math.abs(m0 - 1) > 0.05) out.failures.push(`mean ${m0}`);
  } catch (e) {
    out.error = String((e && e.stack) || e);
}
window.__result = out;
}
main();
