// The address: the view is reproducible from it (#n=…&mean=…&cov=…&N=…&key=…&method=…&view=…).
import { app, state, MAX_N } from './state.js';
import { f32str } from './format.js';
import { isKey } from './util.js';

let timer = 0;

/** Writes the address 300 ms after the last change (replaceState: no history entries). */
export function scheduleHash() {
  clearTimeout(timer);
  timer = setTimeout(() => {
    const { valid } = app;
    if (!valid) return;
    const p = new URLSearchParams({
      n: String(valid.n), mean: valid.mean.map(f32str).join(','), cov: valid.cov.flat().map(f32str).join(','),
      N: String(state.N), key: `${state.key[0]}.${state.key[1]}`, method: valid.method, view: state.view,
      pair: state.pair.join('.'), shade: state.shading,
    });
    history.replaceState(null, '', `#${p}`);
  }, 300);
}

/** Reads the address into `state`; what is missing or malformed keeps its default. */
export function readHash() {
  if (location.hash.length < 2) return;
  try {
    const p = new URLSearchParams(location.hash.slice(1));
    const n = Number(p.get('n'));
    const mean = p.get('mean')?.split(',').map(Number);
    const flat = p.get('cov')?.split(',').map(Number);
    if (n >= 2 && n <= MAX_N && mean?.length === n && flat?.length === n * n) {
      state.n = n;
      state.mean = mean;
      state.cov = Array.from({ length: n }, (_, i) => flat.slice(i * n, i * n + n));
    }
    const N = Number(p.get('N'));
    if (N >= 1000 && N <= 10_000_000) state.N = Math.round(N);
    const k = p.get('key')?.split('.').map(Number);
    if (isKey(k)) state.key = Uint32Array.from(k);
    if (['cholesky', 'eigh', 'svd'].includes(p.get('method'))) state.method = p.get('method');
    if (['pair', 'matrix', '3d'].includes(p.get('view'))) state.view = p.get('view');
    const pair = p.get('pair')?.split('.').map(Number);
    if (pair?.length === 2 && pair.every((i) => Number.isInteger(i) && i >= 0 && i < state.n) && pair[0] !== pair[1]) state.pair = pair;
    if (['density', 'additive'].includes(p.get('shade'))) state.shading = p.get('shade');
  } catch { /* a malformed address: the defaults */ }
}
