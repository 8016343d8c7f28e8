// A Node project's view of the declarations: no DOM lib, no WebGPU types, `skipLibCheck: false`
// (tests/js/tsconfig.node.json), strict with exactOptionalPropertyTypes and
// noUncheckedIndexedAccess. Compiled by tests/node/package.test.mjs.
import { Sampler, MvnError, errorCodes, init, key, split, type MvnErrorCode, type Samples } from 'mvn-gpu';

async function main(): Promise<void> {
  await init();
  const [a, b] = split(key(1));
  const sampler = await Sampler.create({ backend: 'cpu', shared: false });
  const x: Samples = await sampler.multivariateNormal([0, 0], [[1, 0], [0, 1]], { shape: [4], key: a });
  const first: number | undefined = x.data[0];
  const d = sampler.distribution([0, 0], [[2, 0], [0, 1]], { method: 'eigh' });
  const y = await d.sample([2], { key: b });
  const code: MvnErrorCode | undefined = errorCodes[0];
  try {
    await sampler.normal([-1]);
  } catch (e) {
    if (e instanceof MvnError) console.log(e.code satisfies MvnErrorCode);
  }
  console.log(first, y.shape, code, sampler.device === null);
  d.free();
  sampler.destroy();
}
void main();
