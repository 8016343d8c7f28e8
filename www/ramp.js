// The colour ramp shared by the WebGPU and the 2-D canvas renderers: a calm sequential blue for
// a light background (low density pale and translucent, the core deep indigo).

export const RAMP = [
  [0.0, [0.72, 0.81, 0.98]],
  [0.3, [0.45, 0.61, 0.93]],
  [0.6, [0.24, 0.40, 0.82]],
  [0.85, [0.15, 0.22, 0.60]],
  [1.0, [0.09, 0.11, 0.38]],
];

/** Opacity of density level t in [0, 1]: sparse points stay visible but light. */
export const rampAlpha = (t) => Math.min(1, 0.28 + 2.4 * t);

/** The additive mode's ink (straight alpha, blended one + one on premultiplied colour). */
export const INK = [0.16, 0.27, 0.7];

/** Premultiplied [r, g, b, a] for density level t. */
export function ramp(t) {
  t = Math.min(1, Math.max(0, t));
  let i = 0;
  while (i < RAMP.length - 2 && t > RAMP[i + 1][0]) i++;
  const [t0, c0] = RAMP[i], [t1, c1] = RAMP[i + 1];
  const f = (t - t0) / (t1 - t0);
  const a = rampAlpha(t);
  return [0, 1, 2].map((k) => (c0[k] + (c1[k] - c0[k]) * f) * a).concat(a);
}

/** The same ramp as WGSL (`fn ramp(t: f32) -> vec4f`). */
export function rampWgsl() {
  const v = (c) => `vec3f(${c.map((x) => x.toFixed(4)).join(', ')})`;
  let body = '';
  for (let i = 0; i < RAMP.length - 1; i++) {
    const [t0, c0] = RAMP[i], [t1, c1] = RAMP[i + 1];
    body += `  ${i ? 'else ' : ''}if (t <= ${t1.toFixed(4)} || ${i === RAMP.length - 2}) { c = mix(${v(c0)}, ${v(c1)}, (t - ${t0.toFixed(4)}) / ${(t1 - t0).toFixed(4)}); }\n`;
  }
  return `fn ramp(t0: f32) -> vec4f {
  let t = clamp(t0, 0.0, 1.0);
  var c = vec3f(0.0);
${body}  let a = min(1.0, 0.28 + 2.4 * t);
  return vec4f(c * a, a);
}`;
}
