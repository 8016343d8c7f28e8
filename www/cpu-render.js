// The 2-D canvas renderer of the CPU fallback: the same cells, projections and colour ramp as
// the WebGPU renderer, with the counts accumulated in a Float32Array and written as ImageData.
import { ramp, INK } from './ramp.js';
import { pixelAffine, sizeCanvas } from './render.js';

export class CpuRenderer {
  constructor(canvas) {
    this.kind = 'cpu';
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.samples = null;
    this.counts = new Float32Array(1);
  }

  async init() { return this; }

  resize(width, height) {
    [width, height] = sizeCanvas(this.canvas, width, height);
    if (this.counts.length !== width * height) this.counts = new Float32Array(width * height);
  }

  /** `data`: row-major Float32Array, `n` per sample. */
  setSamples({ data, count, n }) {
    this.samples = { data, count, n };
  }

  async draw(cells, { shading = 'density', capture = false } = {}) {
    const s = this.samples;
    if (!s || cells.length === 0) return null;
    const { width: W, height: H } = this.canvas;
    const counts = this.counts;
    counts.fill(0);
    const { data, count, n } = s;
    const r = cells[0].radius;
    // Disc kernel with the same anti-aliased coverage as the shader.
    const e = Math.ceil(r + 0.5);
    const kernel = [];
    if (r > 0) for (let dy = -e; dy <= e; dy++) for (let dx = -e; dx <= e; dx++) {
      const c = Math.min(1, Math.max(0, r + 0.5 - Math.hypot(dx, dy)));
      if (c > 0) kernel.push(dx, dy, c);
    }
    for (const c of cells) {
      const [vx, vy, vw, vh] = c.vp;
      const { ax, ay, bx: ox, by: oy } = pixelAffine(c, n);
      const w = shading === 'density' ? 1 : c.alpha;
      const limit = Math.min(c.count ?? count, count);
      for (let i = 0, base = 0; i < limit; i++, base += n) {
        let px = ox, py = oy;
        for (let k = 0; k < n; k++) {
          const v = data[base + k];
          px += ax[k] * v;
          py += ay[k] * v;
        }
        if (r > 0) {
          const cx = Math.floor(px), cy = Math.floor(py);
          for (let q = 0; q < kernel.length; q += 3) {
            const x = cx + kernel[q], y = cy + kernel[q + 1];
            if (x >= vx && x < vx + vw && y >= vy && y < vy + vh) counts[y * W + x] += w * kernel[q + 2];
          }
        } else {
          const x = Math.floor(px), y = Math.floor(py);
          if (x >= vx && x < vx + vw && y >= vy && y < vy + vh) counts[y * W + x] += w;
        }
      }
    }
    const img = this.ctx.createImageData(W, H);
    const out = img.data;
    for (const c of cells) {
      const [vx, vy, vw, vh] = c.vp;
      for (let y = vy; y < Math.min(H, vy + vh); y++) {
        for (let x = vx; x < Math.min(W, vx + vw); x++) {
          const v = counts[y * W + x];
          if (v <= 0) continue;
          let p;
          if (shading === 'density') p = ramp(Math.log1p(v) * c.norm);
          else p = [Math.min(1, v * INK[0]), Math.min(1, v * INK[1]), Math.min(1, v * INK[2]), Math.min(1, v)];
          const o = (y * W + x) * 4;
          const a = p[3];
          out[o] = (p[0] / a) * 255;
          out[o + 1] = (p[1] / a) * 255;
          out[o + 2] = (p[2] / a) * 255;
          out[o + 3] = a * 255;
        }
      }
    }
    this.ctx.putImageData(img, 0, 0);
    return capture ? { width: W, height: H, data: new Uint8Array(out.buffer.slice(0)) } : null;
  }

  destroy() {}
}
