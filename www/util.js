// Small helpers the demo's modules share.

export const $ = (id) => document.getElementById(id);
export const now = () => performance.now();
export const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
export const keyEq = (a, b) => a && b && a[0] === b[0] && a[1] === b[1];
export const nextFrame = () => new Promise((r) => requestAnimationFrame(() => r()));
/** Two unsigned 32-bit words (a key). */
export const isKey = (words) => words?.length === 2 && words.every((w) => Number.isInteger(w) && w >= 0 && w < 2 ** 32);
