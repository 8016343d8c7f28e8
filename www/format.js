// Numbers and text for the page: float32 decimals, table digits, counts, durations, subscripts,
// HTML escapes.

/** Shortest decimal that is the same float32 (what the package sees), e.g. 0.6 not 0.6000000238. */
export function f32str(v) {
  const f = Math.fround(v);
  if (!Number.isFinite(f)) return String(f);
  if (Object.is(f, -0)) return '0';
  for (let p = 1; p <= 9; p++) {
    const s = Number(f.toPrecision(p));
    if (Math.fround(s) === f) return String(s);
  }
  return String(f);
}

/** A number for a table or a label: fixed digits, tabular-friendly, true minus sign. */
export function fmt(v, digits = 3) {
  if (v === undefined || v === null || Number.isNaN(v)) return '–';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  const a = Math.abs(v);
  let s;
  if (a !== 0 && (a < 10 ** -digits || a >= 1e5)) s = v.toExponential(Math.max(digits - 2, 1));
  else s = v.toFixed(digits);
  if (/^-0\.?0*$/.test(s)) s = s.slice(1);
  return s.replace('-', '−');
}

/** 1234567 -> "1,234,567". */
export const commas = (n) => Math.round(n).toLocaleString('en-US');

/** A duration for the status line. */
export const ms = (v) => (v === null || v === undefined ? '–' : v < 10 ? `${v.toFixed(2)} ms` : v < 100 ? `${v.toFixed(1)} ms` : `${Math.round(v)} ms`);

export const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The subscript of coordinate i (0-based), e.g. sub(0) = '₁'. */
export const sub = (i) => '₀₁₂₃₄₅₆₇₈₉'[i + 1];
