// npm always ships the root README.md; the package's README is js/README.md (JS first). `npm
// pack` and `npm publish` run this as prepack (`swap`: the repository README is kept aside in
// .README.repo.md and js/README.md takes its place) and postpack (`restore`).
import { copyFileSync, existsSync, renameSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const [repo, kept, pkg] = ['README.md', '.README.repo.md', 'js/README.md'].map((f) => `${root}/${f}`);
const step = process.argv[2];
if (step === 'swap') {
  if (existsSync(kept)) throw new Error('.README.repo.md exists: run `node scripts/package-readme.mjs restore` first');
  renameSync(repo, kept);
  copyFileSync(pkg, repo);
} else if (step === 'restore') {
  if (existsSync(kept)) renameSync(kept, repo);
} else {
  throw new Error('usage: node scripts/package-readme.mjs swap|restore');
}
