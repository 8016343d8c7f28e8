//! `multivariate_normal` on the GPU: the planner picks the kernels and splits the rows into
//! chunks that fit the device's limits; the job records each chunk for the executor.
//!
//! - **Fused** (`n <= 16`, an even number of rows, row maps that fit): one kernel draws the
//!   normals and writes `mean + z R`; invocation r writes rows r and r + R/2. Chunks cover
//!   half-rows `[r0, r1)` and bind both output regions, so splitting runs the very same kernel
//!   on the very same words. Natively, one covariance with `16 < n <= 64` takes the same plan
//!   with the tiled fused kernel (`fused_tiled.rs`: the normals drawn inside the tiled product).
//! - **Unfused**: the fill kernel writes a chunk's normals z, then the affine kernel (tiled for
//!   one covariance with `n > 16`, elementwise otherwise) writes `mean + z R`.
//!
//! The kernel never depends on the chunking, so splitting never changes a bit of the output.

use super::chunks::{dispatches, row_chunks};
use super::context::GpuContext;
use super::execute::{Dest, Job, Readback};
use super::kernels::affine::{self, Variant};
use super::kernels::fused::{self, FusedParams, FUSED_MAX_N};
#[cfg(not(target_arch = "wasm32"))]
use super::kernels::fused_tiled;
use super::kernels::rowmap::{row_index, RowMaps};
use super::kernels::{fill, Region, WORKGROUP};
use super::source::Source;
use crate::alloc;
use crate::distribution::MultivariateNormal;
use crate::error::{Error, ErrorKind, Result};
use crate::prng::bits::Layout;
use crate::prng::math::SQRT2;
use crate::profile::Profile;
use crate::request::{SampleRequest, Transform};

/// How a draw runs.
enum Plan {
    Fused {
        maps: RowMaps,
        /// Half-row chunks.
        chunks: Vec<(usize, usize)>,
        /// The whole output fits one binding (both halves bound together).
        single: bool,
        /// Most half-rows per chunk.
        k_max: usize,
        /// The tiled fused kernel (one covariance, 16 < n <= 64; native only).
        tiled: bool,
    },
    Unfused {
        variant: Variant,
        maps: Option<RowMaps>,
        /// Row chunks.
        chunks: Vec<(usize, usize)>,
        /// Bytes of the largest chunk.
        max_chunk: u64,
    },
}

fn row_too_large(op: &str, n: usize) -> Error {
    Error::new(ErrorKind::TooLarge, op, format!("one row of {n} values does not fit a GPU storage binding."))
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

impl Plan {
    fn new(ctx: &GpuContext, req: &SampleRequest, one_factor: bool, to_buffer: bool) -> Result<Plan> {
        let n = req.n;
        let rb = n as u64 * 4;
        let total_bytes = req.len() as u64 * 4;
        let limit = ctx.limits.chunk_bytes();
        let align = ctx.offset_align;
        let maps = RowMaps::of(req);
        #[cfg(not(target_arch = "wasm32"))]
        let tiled = fused_tiled::applies(n, one_factor);
        #[cfg(target_arch = "wasm32")]
        let tiled = false;
        if let (Some(maps), true) = (maps, ((1..=FUSED_MAX_N).contains(&n) || tiled) && req.rows >= 2 && req.rows.is_multiple_of(2)) {
            let half = req.rows / 2;
            let windowed = req.is_windowed();
            let single = total_bytes <= limit && !windowed;
            if !single && limit < align + rb {
                return Err(row_too_large(req.op, n));
            }
            let k_max = if single {
                half
            } else if windowed {
                // Read back to the host only: the two halves go to separate scratch buffers.
                ((limit - align) / rb).max(1) as usize
            } else {
                // Room for aligning a binding offset down, and lo/hi ranges that never overlap.
                let room = (limit - align) / rb;
                let apart = (half as u64).saturating_sub(align.div_ceil(rb) + 1);
                room.min(apart).max(1) as usize
            };
            let chunks = if windowed { window_half_rows(&req.window, half).into_iter().flat_map(|(a, b)| row_chunks(b - a, k_max, 1).into_iter().map(move |(s, e)| (s + a, e + a))).collect() } else { row_chunks(half, k_max, 1) };
            return Ok(Plan::Fused { maps, chunks, single, k_max, tiled });
        }
        // One chunk's z and output must each fit one binding; in buffer mode chunk offsets must
        // respect the storage offset alignment.
        let align_rows = if to_buffer { (align / gcd(rb.max(1), align)) as usize } else { 1 };
        let max_rows = (limit / rb.max(1)) as usize;
        if n > 0 && max_rows < align_rows.max(1) {
            return Err(row_too_large(req.op, n));
        }
        let chunks = if req.drawn_len() == 0 {
            vec![]
        } else if req.is_windowed() {
            let w = &req.window;
            row_chunks(w.len(), max_rows, align_rows).into_iter().map(|(a, b)| (a + w.start, b + w.start)).collect()
        } else {
            row_chunks(req.rows, max_rows, align_rows)
        };
        let max_chunk = chunks.iter().map(|c| c.1 - c.0).max().unwrap_or(0) as u64 * rb;
        Ok(Plan::Unfused { variant: Variant::choose(n, one_factor), maps, chunks, max_chunk })
    }
}

/// The half-rows whose invocations write the rows of `window` (invocation r writes rows r and
/// r + half), as sorted disjoint ranges: each needed row's partner is drawn and dropped, so a
/// window is bit for bit those rows of the whole draw.
fn window_half_rows(window: &std::ops::Range<usize>, half: usize) -> Vec<(usize, usize)> {
    let lo = (window.start < half).then(|| (window.start, window.end.min(half)));
    let hi = (window.end > half).then(|| (window.start.max(half) - half, window.end - half));
    match (lo, hi) {
        (Some(l), Some(h)) if h.1 >= l.0 => vec![(h.0.min(l.0), h.1.max(l.1))],
        (Some(l), Some(h)) => vec![h, l],
        (l, h) => l.into_iter().chain(h).collect(),
    }
}

/// The buffers of one call.
struct Buffers {
    factors: wgpu::Buffer,
    means: wgpu::Buffer,
    factor_map: wgpu::Buffer,
    row_maps: wgpu::Buffer,
    /// The caller's output buffer (a new one or theirs), or `None` for a readback.
    out: Option<wgpu::Buffer>,
    /// Unfused: the normals of a chunk. Fused: a one-word stand-in for an unused binding.
    scratch: wgpu::Buffer,
}

struct MvnJob<'a> {
    src: Source<'a>,
    req: &'a SampleRequest,
    dest: Dest<'a>,
    plan: Plan,
    buffers: Option<Buffers>,
}

impl MvnJob<'_> {
    fn buffers(&self) -> &Buffers {
        self.buffers.as_ref().expect("begun")
    }

    fn total_bytes(&self) -> u64 {
        self.req.len() as u64 * 4
    }

    fn encode_fused(&self, ctx: &GpuContext, enc: &mut wgpu::CommandEncoder, (r0, r1): (usize, usize), single: bool, tiled: bool) -> Vec<Readback> {
        let b = self.buffers();
        let n = self.req.n;
        let half = self.req.rows / 2;
        let rb = n as u64 * 4;
        let k = (r1 - r0) as u64;
        let total_bytes = self.total_bytes();
        let down = |x: u64| x / ctx.offset_align * ctx.offset_align;
        let stand_in = || Region::start_of(&b.scratch, 4);
        // The two regions (and the element of each that holds the chunk's first row), and
        // whether they share one binding.
        let ((lo, lo_base), (hi, hi_base), same) = match (&b.out, single) {
            (None, true) => ((Region::start_of(&ctx.scratch_out("mvn::out", total_bytes), total_bytes), 0), (stand_in(), half as u64 * n as u64), true),
            (None, false) => ((Region::start_of(&ctx.scratch_out("mvn::out", k * rb), k * rb), 0), (Region::start_of(&ctx.scratch_out("mvn::out2", k * rb), k * rb), 0), false),
            (Some(out), true) => ((Region::start_of(out, total_bytes), 0), (stand_in(), half as u64 * n as u64), true),
            (Some(out), false) => {
                let (lo_start, hi_start) = (r0 as u64 * rb, (r0 + half) as u64 * rb);
                let (lo_off, hi_off) = (down(lo_start), down(hi_start));
                (
                    (Region { buffer: out.clone(), offset: lo_off, size: lo_start + k * rb - lo_off }, (lo_start - lo_off) / 4),
                    (Region { buffer: out.clone(), offset: hi_off, size: hi_start + k * rb - hi_off }, (hi_start - hi_off) / 4),
                    false,
                )
            }
        };
        let rec = ctx.recorder();
        let bindings = fused::Bindings { factors: &b.factors, means: &b.means, factor_map: &b.factor_map, row_maps: &b.row_maps, lo: &lo, hi: &hi };
        #[cfg(not(target_arch = "wasm32"))]
        let per_group = if tiled { fused_tiled::PAIRS } else { WORKGROUP };
        #[cfg(target_arch = "wasm32")]
        let (per_group, _) = (WORKGROUP, tiled);
        for (first, c, gx, gy) in dispatches(k, per_group, ctx.limits.max_workgroups_per_dimension) {
            let p = FusedParams {
                key: self.req.key.0,
                half_rows: half as u32,
                row_offset: (r0 as u64 + first) as u32,
                count: c as u32,
                groups_x: gx,
                triangular: self.src.triangular() as u32,
                local_first: first as u32,
                lo_base: lo_base as u32,
                hi_base: hi_base as u32,
                same: same as u32,
                one: 1.0,
                a: SQRT2,
                fstride: self.src.interleaved_count(),
            };
            #[cfg(not(target_arch = "wasm32"))]
            if tiled {
                fused_tiled::encode(&rec, &ctx.kernels.fused_tiled, enc, n, &p, gx, gy, &bindings);
                continue;
            }
            fused::encode(&rec, &ctx.kernels.fused, enc, n, self.src.interleaved_count() > 1, &p, gx, gy, &bindings);
        }
        match (&b.out, single) {
            (Some(_), _) => vec![],
            (None, true) => vec![Readback { region: lo, at: 0 }],
            // The whole draw's readback, spelled out: the window's clipping below is compiled
            // out of the wasm (is_windowed is false there), keeping the npm package's size.
            (None, false) if !self.req.is_windowed() => vec![Readback { region: lo, at: r0 * n }, Readback { region: hi, at: (r0 + half) * n }],
            (None, false) => {
                // Each half's rows that fall in the window, placed from the window's start.
                let w = &self.req.window;
                [(lo, r0), (hi, r0 + half)]
                    .into_iter()
                    .filter_map(|(region, first)| {
                        let (s, e) = (first.max(w.start), (first + k as usize).min(w.end));
                        (s < e).then(|| Readback {
                            region: Region { buffer: region.buffer, offset: region.offset + (s - first) as u64 * rb, size: (e - s) as u64 * rb },
                            at: (s - w.start) * n,
                        })
                    })
                    .collect()
            }
        }
    }

    fn encode_unfused(&self, ctx: &GpuContext, enc: &mut wgpu::CommandEncoder, (r0, r1): (usize, usize), variant: Variant, maps: Option<RowMaps>) -> Vec<Readback> {
        let b = self.buffers();
        let n = self.req.n;
        let bytes = ((r1 - r0) * n) as u64 * 4;
        let z = Region::start_of(&b.scratch, bytes);
        let normal = Transform::Normal { a: SQRT2, loc: 0.0 };
        let rec = ctx.recorder();
        fill::encode(&rec, &ctx.kernels.fill, enc, normal, self.req.key.0, Layout::new(self.req.len() as u32), (r0 * n) as u32, ((r1 - r0) * n) as u32, &z);
        let ri = if maps.is_some() { vec![] } else { row_index(self.req, r0, r1) };
        let row_index = ctx.input("mvn::row_index", bytemuck::cast_slice(&ri));
        let out = match &b.out {
            Some(out) => Region { buffer: out.clone(), offset: r0 as u64 * n as u64 * 4, size: bytes },
            None => Region::start_of(&ctx.scratch_out("mvn::out", bytes), bytes),
        };
        let bindings = affine::Bindings { z, factors: &b.factors, means: &b.means, factor_map: &b.factor_map, row_index: &row_index, row_maps: &b.row_maps, out: out.clone() };
        affine::encode(&rec, &ctx.kernels.affine, enc, variant, n, r0, r1, self.src.triangular(), &bindings);
        if b.out.is_some() { vec![] } else { vec![Readback { region: out, at: (r0 - self.req.first_row()) * n }] }
    }
}

impl Job for MvnJob<'_> {
    fn begin(&mut self, ctx: &GpuContext) {
        let maps = match &self.plan {
            Plan::Fused { maps, .. } => *maps,
            Plan::Unfused { maps, .. } => maps.unwrap_or(RowMaps::EXPLICIT),
        };
        let scratch = match &self.plan {
            Plan::Fused { .. } => ctx.scratch("mvn::dummy", 4, wgpu::BufferUsages::STORAGE),
            Plan::Unfused { max_chunk, .. } => ctx.scratch("mvn::z", *max_chunk, wgpu::BufferUsages::STORAGE),
        };
        let out = match self.dest {
            Dest::Host => None,
            Dest::NewBuffer => Some(ctx.samples_buffer(self.total_bytes())),
            Dest::Into(b) => Some(b.clone()),
        };
        if self.chunks() == 0 {
            self.buffers = Some(Buffers { factors: scratch.clone(), means: scratch.clone(), factor_map: scratch.clone(), row_maps: scratch.clone(), out, scratch });
            return;
        }
        let (factors, means, factor_map) = match &self.src {
            Source::Host(d) => (
                ctx.input("mvn::factors", bytemuck::cast_slice(d.factors())),
                ctx.input("mvn::means", bytemuck::cast_slice(d.mean_data())),
                ctx.input("mvn::factor_map", bytemuck::cast_slice(d.factor_of_cov())),
            ),
            #[cfg(not(target_arch = "wasm32"))]
            Source::Device(stage) => stage.buffers(ctx, self.req.n),
        };
        self.buffers = Some(Buffers { factors, means, factor_map, row_maps: ctx.params("mvn::row maps", &maps), out, scratch });
    }

    fn chunks(&self) -> usize {
        match &self.plan {
            Plan::Fused { chunks, .. } | Plan::Unfused { chunks, .. } => chunks.len(),
        }
    }

    fn staging_bytes(&self) -> u64 {
        #[cfg(not(target_arch = "wasm32"))]
        if let Source::Device(_) = self.src {
            return 4; // the status word (the samples stay on the device)
        }
        if !matches!(self.dest, Dest::Host) {
            return 0;
        }
        match &self.plan {
            Plan::Fused { single: true, .. } => self.total_bytes(),
            Plan::Fused { k_max, .. } => 2 * *k_max as u64 * self.req.n as u64 * 4,
            Plan::Unfused { max_chunk, .. } => *max_chunk,
        }
    }

    fn encode(&self, ctx: &GpuContext, enc: &mut wgpu::CommandEncoder, i: usize) -> Vec<Readback> {
        #[cfg(not(target_arch = "wasm32"))]
        if let (Source::Device(stage), 0) = (&self.src, i) {
            let b = self.buffers();
            stage.encode_factor(ctx, enc, self.req.n, matches!(self.plan, Plan::Fused { .. }), &b.factors, &b.means);
        }
        #[allow(unused_mut)]
        let mut reads = match &self.plan {
            Plan::Fused { chunks, single, tiled, .. } => self.encode_fused(ctx, enc, chunks[i], *single, *tiled),
            Plan::Unfused { chunks, variant, maps, .. } => self.encode_unfused(ctx, enc, chunks[i], *variant, *maps),
        };
        #[cfg(not(target_arch = "wasm32"))]
        if let Source::Device(stage) = &self.src {
            if i + 1 == self.chunks() {
                reads.push(Readback { region: stage.status(ctx), at: 0 });
            }
        }
        reads
    }
}

impl GpuContext {
    /// Draws `req` from `dist`, read back.
    pub async fn sample(&self, dist: &MultivariateNormal, req: &SampleRequest) -> Result<Vec<f32>> {
        Ok(self.draw(dist, req, Dest::Host).await?.1)
    }

    /// Draws `req` from `dist` into `into`, or into a new buffer: the buffer written.
    pub async fn sample_to_gpu(&self, dist: &MultivariateNormal, req: &SampleRequest, into: Option<&wgpu::Buffer>) -> Result<wgpu::Buffer> {
        let dest = into.map_or(Dest::NewBuffer, Dest::Into);
        let (buffer, _) = self.draw(dist, req, dest).await?;
        buffer.ok_or_else(|| Error::new(ErrorKind::Device, req.op, "no output buffer was produced."))
    }

    pub(super) async fn draw(&self, dist: &MultivariateNormal, req: &SampleRequest, dest: Dest<'_>) -> Result<(Option<wgpu::Buffer>, Vec<f32>)> {
        let (out, host) = self.draw_from(Source::Host(dist), req, dest).await?;
        Ok((out, bytemuck::allocation::cast_vec(host)))
    }

    /// Whether `dest` takes `total_bytes` of samples: the caller's buffer needs STORAGE usage and
    /// the room, and samples kept on the GPU must fit one buffer.
    pub(super) fn check_dest(&self, op: &str, dest: &Dest<'_>, total_bytes: u64) -> Result<()> {
        if let Dest::Into(b) = dest {
            if !b.usage().contains(wgpu::BufferUsages::STORAGE) || b.size() < total_bytes {
                return Err(Error::new(
                    ErrorKind::InvalidArgument,
                    op,
                    format!(
                        "the output buffer needs STORAGE usage and {total_bytes} bytes; it has {} and {} bytes.",
                        if b.usage().contains(wgpu::BufferUsages::STORAGE) { "STORAGE usage" } else { "no STORAGE usage" },
                        b.size()
                    ),
                ));
            }
        }
        if !matches!(dest, Dest::Host) && total_bytes > self.limits.max_buffer_size {
            return Err(Error::new(
                ErrorKind::TooLarge,
                op,
                format!("{total_bytes} bytes of samples exceed the device's max_buffer_size ({} bytes); read them back instead or draw fewer.", self.limits.max_buffer_size),
            ));
        }
        Ok(())
    }

    /// Draws `req` from `src` to `dest`: the output buffer (unless read back) and the words
    /// read back (the samples, or a device source's status word).
    pub(super) async fn draw_from(&self, src: Source<'_>, req: &SampleRequest, dest: Dest<'_>) -> Result<(Option<wgpu::Buffer>, Vec<u32>)> {
        let op = req.op;
        let to_buffer = !matches!(dest, Dest::Host);
        self.check_dest(op, &dest, req.len() as u64 * 4)?;
        let one_factor = match &src {
            Source::Host(dist) => {
                self.check_upload(op, "the covariance factors", std::mem::size_of_val(dist.factors()) as u64)?;
                self.check_upload(op, "the means", std::mem::size_of_val(dist.mean_data()) as u64)?;
                dist.factors().len() == req.n * req.n
            }
            #[cfg(not(target_arch = "wasm32"))]
            Source::Device(stage) => stage.count == 1,
        };
        let mut prof = Profile::start();
        let mut host = if to_buffer { Vec::new() } else { alloc::with_capacity::<u32>(op, req.drawn_len())? };
        prof.mark("host alloc");
        let plan = Plan::new(self, req, one_factor, to_buffer)?;
        let mut job = MvnJob { src, req, dest, plan, buffers: None };
        self.execute(op, &mut job, &mut host, &mut prof).await?;
        let out = job.buffers.and_then(|b| b.out);
        Ok((out, host))
    }
}
