// WebGPU point renderer: draws samples straight from the package's GPU buffer (bound as a
// read-only storage buffer, sample i's coordinates read at i*n + k), with no copy and no readback.
//
// A frame is a list of cells (one for a pair, n*n for the matrix, one for 3-D). Each cell has a
// viewport, a projection `rows` (3 x n, with offsets) applied to every sample, and a matrix `m`
// to clip space. A compute pass splats every sample into a per-pixel count buffer with atomic
// adds (one-pixel points, or anti-aliased discs when there are few samples); a full-screen pass
// per cell then maps the counts to colour: a log-scaled ramp ("density") or low-alpha ink that
// adds up and saturates ("additive"). Splatting with atomics instead of rasterising point
// primitives is ~15x faster on a software GPU (SwiftShader) and scales to 10^7 points on real ones.
import { rampWgsl, INK } from './ramp.js';

const CELL_STRIDE = 256; // minUniformBufferOffsetAlignment is at most 256
const CELL_FLOATS = 36;
const UNIT = 64; // count units per fully covered pixel (fixed point for the discs' coverage)
export const MAX_CELLS = 64;

const COMMON = /* wgsl */ `
struct Cell {
  ax: array<vec4f, 2>, // pixel x = bx + sum_k ax[k] * x_k (8 coefficients)
  ay: array<vec4f, 2>, // pixel y = by + sum_k ay[k] * x_k
  b: vec4f,            // bx, by
  p: vec4f,            // radius px (0: one-pixel points), 1/log(1+peak), alpha (additive), n
  vp: vec4f,           // viewport x, y, width, height (px)
  q: vec4f,            // canvas width (px), mode (0 density, 1 additive)
  col: vec4f,          // ink for additive shading
};
@group(0) @binding(0) var<uniform> cell: Cell;
`;

/** The splat shader for dimension n, its projection unrolled. */
const SPLAT = (n) => /* wgsl */ `${COMMON}
@group(1) @binding(0) var<storage, read> xs: array<f32>;
@group(2) @binding(0) var<storage, read_write> counts: array<atomic<u32>>;

const N = ${n}u;

fn project(i: u32) -> vec2f {
  let base = i * N;
  var p = cell.b.xy;
${Array.from({ length: n }, (_, k) => `  p += vec2f(cell.ax[${k >> 2}].${'xyzw'[k & 3]}, cell.ay[${k >> 2}].${'xyzw'[k & 3]}) * xs[base + ${k}u];`).join('\n')}
  return p;
}

fn inside(x: f32, y: f32) -> bool {
  return x >= cell.vp.x && y >= cell.vp.y && x < cell.vp.x + cell.vp.z && y < cell.vp.y + cell.vp.w;
}

@compute @workgroup_size(256)
fn splat(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = g.x + g.y * nw.x * 256u;
  if (i >= arrayLength(&xs) / N) { return; }
  let pos = project(i);
  let px = pos.x;
  let py = pos.y;
  let w = u32(cell.q.x);
  let r = cell.p.x;
  if (r <= 0.0) {
    if (!inside(px, py)) { return; }
    atomicAdd(&counts[u32(py) * w + u32(px)], ${UNIT}u);
    return;
  }
  if (!inside(px + r + 1.0, py + r + 1.0) && !inside(px - r - 1.0, py - r - 1.0)) { return; }
  let e = i32(ceil(r + 0.5));
  let cx = i32(floor(px));
  let cy = i32(floor(py));
  for (var dy = -e; dy <= e; dy++) {
    for (var dx = -e; dx <= e; dx++) {
      let x = f32(cx + dx);
      let y = f32(cy + dy);
      if (!inside(x, y)) { continue; }
      let cov = clamp(r + 0.5 - length(vec2f(x + 0.5 - px, y + 0.5 - py)), 0.0, 1.0);
      if (cov > 0.0) { atomicAdd(&counts[u32(y) * w + u32(x)], u32(cov * ${UNIT}.0 + 0.5)); }
    }
  }
}
`;

const RESOLVE = /* wgsl */ `${COMMON}
@group(1) @binding(0) var<storage, read> counts: array<u32>;

@vertex fn vs_full(@builtin(vertex_index) v: u32) -> @builtin(position) vec4f {
  var p = array<vec2f, 3>(vec2f(-1.0, -1.0), vec2f(3.0, -1.0), vec2f(-1.0, 3.0));
  return vec4f(p[v], 0.0, 1.0);
}

${rampWgsl()}

@fragment fn fs_resolve(@builtin(position) pos: vec4f) -> @location(0) vec4f {
  let c = f32(counts[u32(pos.y) * u32(cell.q.x) + u32(pos.x)]) / ${UNIT}.0;
  if (c <= 0.0) { return vec4f(0.0); }
  if (cell.q.y > 0.5) {
    let a = min(1.0, c * cell.p.z);
    return vec4f(min(vec3f(1.0), cell.col.rgb * c * cell.p.z), a);
  }
  return ramp(log(1.0 + c) * cell.p.y);
}
`;

/**
 * Device pixels of a cell as an affine map of the sample: px = bx + ax·x, py = by + ay·x,
 * composed from the projection rows (u = R x + o) and the cell's matrix to clip space.
 */
export function pixelAffine(c, n) {
  const m = c.m;
  const ax = new Float64Array(8), ay = new Float64Array(8);
  let bx = m[12], by = m[13];
  for (let j = 0; j < 3; j++) {
    bx += m[j * 4] * c.offs[j];
    by += m[j * 4 + 1] * c.offs[j];
    for (let k = 0; k < n; k++) {
      ax[k] += m[j * 4] * c.rows[j][k];
      ay[k] += m[j * 4 + 1] * c.rows[j][k];
    }
  }
  const [vx, vy, vw, vh] = c.vp;
  const sx = vw / 2, sy = -vh / 2;
  for (let k = 0; k < n; k++) { ax[k] *= sx; ay[k] *= sy; }
  return { ax, ay, bx: vx + vw / 2 + bx * sx, by: vy + vh / 2 + by * sy };
}

/** Sets `canvas` to `width x height` device pixels (whole, at least 1) when it differs: `[w, h]`. */
export function sizeCanvas(canvas, width, height) {
  width = Math.max(1, Math.floor(width));
  height = Math.max(1, Math.floor(height));
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  return [width, height];
}

export class GpuRenderer {
  /** `device`: the sampler's GPUDevice; `canvas`: a canvas for a 'webgpu' context. */
  constructor(device, canvas) {
    this.kind = 'webgpu';
    this.device = device;
    this.canvas = canvas;
    this.format = navigator.gpu.getPreferredCanvasFormat();
    this.context = canvas.getContext('webgpu');
    this.context.configure({
      device, format: this.format, alphaMode: 'premultiplied',
      usage: GPUTextureUsage.RENDER_ATTACHMENT | GPUTextureUsage.COPY_SRC,
    });
    this.uniforms = device.createBuffer({ size: CELL_STRIDE * MAX_CELLS, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    this.cellData = new Float32Array((CELL_STRIDE / 4) * MAX_CELLS);
    this.samples = null;
    this.counts = null;
  }

  /** Compiles the pipelines (throws on WGSL errors). */
  async init() {
    const d = this.device;
    const check = async (module) => {
      const info = await module.getCompilationInfo?.();
      const errors = info?.messages?.filter((m) => m.type === 'error') ?? [];
      if (errors.length) throw new Error(`WGSL: ${errors.map((m) => `${m.lineNum}:${m.linePos} ${m.message}`).join('; ')}`);
      return module;
    };
    const resolve = await check(d.createShaderModule({ code: RESOLVE, label: 'mvn-demo resolve' }));
    const all = GPUShaderStage.COMPUTE | GPUShaderStage.FRAGMENT;
    this.cellLayout = d.createBindGroupLayout({ entries: [{ binding: 0, visibility: all, buffer: { type: 'uniform', hasDynamicOffset: true, minBindingSize: CELL_FLOATS * 4 } }] });
    this.samplesLayout = d.createBindGroupLayout({ entries: [{ binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'read-only-storage' } }] });
    this.countsLayout = d.createBindGroupLayout({ entries: [{ binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'storage' } }] });
    this.readLayout = d.createBindGroupLayout({ entries: [{ binding: 0, visibility: GPUShaderStage.FRAGMENT, buffer: { type: 'read-only-storage' } }] });
    this.cellGroup = d.createBindGroup({ layout: this.cellLayout, entries: [{ binding: 0, resource: { buffer: this.uniforms, size: CELL_FLOATS * 4 } }] });
    d.pushErrorScope('validation');
    const splatLayout = d.createPipelineLayout({ bindGroupLayouts: [this.cellLayout, this.samplesLayout, this.countsLayout] });
    this.splats = new Map();
    const splatModule = (n) => d.createShaderModule({ code: SPLAT(n), label: `mvn-demo splat n=${n}` });
    this.splatFor = (n) => {
      if (!this.splats.has(n)) {
        this.splats.set(n, d.createComputePipeline({ layout: splatLayout, compute: { module: splatModule(n), entryPoint: 'splat' } }));
      }
      return this.splats.get(n);
    };
    await check(splatModule(2));
    [this.splat2, this.resolve] = await Promise.all([
      d.createComputePipelineAsync({ layout: splatLayout, compute: { module: splatModule(2), entryPoint: 'splat' } }),
      d.createRenderPipelineAsync({
        layout: d.createPipelineLayout({ bindGroupLayouts: [this.cellLayout, this.readLayout] }),
        vertex: { module: resolve, entryPoint: 'vs_full' },
        fragment: { module: resolve, entryPoint: 'fs_resolve', targets: [{ format: this.format }] },
        primitive: { topology: 'triangle-list' },
      }),
    ]);
    this.splats.set(2, this.splat2);
    const err = await d.popErrorScope();
    if (err) throw new Error(err.message);
    return this;
  }

  /** Canvas size in device pixels. */
  resize(width, height) {
    [width, height] = sizeCanvas(this.canvas, width, height);
    if (!this.counts || this.countsSize[0] !== width || this.countsSize[1] !== height) {
      this.counts?.destroy();
      this.counts = this.device.createBuffer({ size: width * height * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
      this.countsSize = [width, height];
      this.countsGroup = this.device.createBindGroup({ layout: this.countsLayout, entries: [{ binding: 0, resource: { buffer: this.counts } }] });
      this.readGroup = this.device.createBindGroup({ layout: this.readLayout, entries: [{ binding: 0, resource: { buffer: this.counts } }] });
    }
  }

  /**
   * The samples to draw: the package's GPUBuffer (row-major float32, `n` per sample). Buffers
   * larger than one storage binding are bound in chunks at aligned offsets.
   */
  setSamples({ buffer, count, n }) {
    const lim = this.device.limits;
    const align = lim.minStorageBufferOffsetAlignment;
    const perChunk = Math.max(align, Math.floor(Math.min(lim.maxStorageBufferBindingSize, buffer.size) / (n * 4 * align)) * align);
    const chunks = [];
    for (let first = 0; first < count; first += perChunk) {
      const c = Math.min(perChunk, count - first);
      chunks.push({
        count: c,
        group: this.device.createBindGroup({ layout: this.samplesLayout, entries: [{ binding: 0, resource: { buffer, offset: first * n * 4, size: c * n * 4 } }] }),
      });
    }
    this.samples = { buffer, count, n, chunks };
  }

  #writeCells(cells, n, mode) {
    const f = this.cellData;
    const stride = CELL_STRIDE / 4;
    cells.forEach((c, i) => {
      const o = i * stride;
      const { ax, ay, bx, by } = pixelAffine(c, n);
      f.fill(0, o, o + stride);
      f.set(ax, o);
      f.set(ay, o + 8);
      f.set([bx, by, 0, 0], o + 16);
      f.set([c.radius, c.norm, c.alpha, n], o + 20);
      f.set(c.vp, o + 24);
      f.set([this.canvas.width, mode, 0, 0], o + 28);
      f.set([INK[0], INK[1], INK[2], 1], o + 32);
    });
    this.device.queue.writeBuffer(this.uniforms, 0, f, 0, cells.length * stride);
  }

  /**
   * Draws `cells` ({ vp: [x, y, w, h] px, m: 16 floats, rows: 3 x n, offs: 3, radius, norm,
   * alpha }); `shading`: 'density' | 'additive'. Resolves when the GPU has finished the frame.
   * With `capture`, also copies the canvas and resolves to its RGBA pixels.
   */
  async draw(cells, { shading = 'density', capture = false } = {}) {
    const s = this.samples;
    if (!s || cells.length === 0) return null;
    cells = cells.slice(0, MAX_CELLS);
    this.#writeCells(cells, s.n, shading === 'additive' ? 1 : 0);
    const maxX = this.device.limits.maxComputeWorkgroupsPerDimension;
    const enc = this.device.createCommandEncoder({ label: 'mvn-demo frame' });
    enc.clearBuffer(this.counts);
    const cp = enc.beginComputePass();
    cp.setPipeline(this.splatFor(s.n));
    cp.setBindGroup(2, this.countsGroup);
    cells.forEach((c, i) => {
      cp.setBindGroup(0, this.cellGroup, [i * CELL_STRIDE]);
      // the first c.count samples (all by default); a few past it may be drawn in the last row of groups
      let left = Math.min(c.count ?? s.count, s.count);
      for (const ch of s.chunks) {
        if (left <= 0) break;
        const groups = Math.ceil(Math.min(ch.count, left) / 256);
        const y = Math.ceil(groups / maxX);
        cp.setBindGroup(1, ch.group);
        cp.dispatchWorkgroups(Math.ceil(groups / y), y);
        left -= ch.count;
      }
    });
    cp.end();
    const target = this.context.getCurrentTexture();
    const pass = enc.beginRenderPass({ colorAttachments: [{ view: target.createView(), loadOp: 'clear', storeOp: 'store', clearValue: [0, 0, 0, 0] }] });
    pass.setPipeline(this.resolve);
    pass.setBindGroup(1, this.readGroup);
    cells.forEach((c, i) => {
      pass.setViewport(c.vp[0], c.vp[1], c.vp[2], c.vp[3], 0, 1);
      pass.setScissorRect(c.vp[0], c.vp[1], c.vp[2], c.vp[3]);
      pass.setBindGroup(0, this.cellGroup, [i * CELL_STRIDE]);
      pass.draw(3);
    });
    pass.end();
    let staging = null;
    const { width, height } = target;
    const bytesPerRow = Math.ceil((width * 4) / 256) * 256;
    if (capture) {
      staging = this.device.createBuffer({ size: bytesPerRow * height, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
      enc.copyTextureToBuffer({ texture: target }, { buffer: staging, bytesPerRow }, [width, height]);
    }
    this.device.queue.submit([enc.finish()]);
    await this.device.queue.onSubmittedWorkDone();
    if (!staging) return null;
    await staging.mapAsync(GPUMapMode.READ);
    const raw = new Uint8Array(staging.getMappedRange());
    const rgba = new Uint8Array(width * height * 4);
    const bgra = this.format.startsWith('bgra');
    for (let y = 0; y < height; y++) {
      const row = raw.subarray(y * bytesPerRow, y * bytesPerRow + width * 4);
      if (!bgra) rgba.set(row, y * width * 4);
      else for (let x = 0; x < width * 4; x += 4) {
        const o = y * width * 4 + x;
        rgba[o] = row[x + 2]; rgba[o + 1] = row[x + 1]; rgba[o + 2] = row[x]; rgba[o + 3] = row[x + 3];
      }
    }
    staging.unmap();
    staging.destroy();
    return { width, height, data: rgba };
  }

  destroy() {
    this.counts?.destroy();
    this.uniforms.destroy();
  }
}

/** Copies the first `count` samples (n floats each) of a GPU buffer to the host. */
export async function readPrefix(device, buffer, count, n) {
  const size = count * n * 4;
  const staging = device.createBuffer({ size: Math.max(4, Math.ceil(size / 4) * 4), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const enc = device.createCommandEncoder();
  enc.copyBufferToBuffer(buffer, 0, staging, 0, size);
  device.queue.submit([enc.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const out = new Float32Array(staging.getMappedRange(0, size).slice(0));
  staging.unmap();
  staging.destroy();
  return out;
}
