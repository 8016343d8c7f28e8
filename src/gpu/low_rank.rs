//! A [`LowRankMultivariateNormal`] draw on the GPU: row chunks whose `r + n`
//! normals per row and `n` outputs each fit one binding; per chunk the fill kernel writes the
//! normals and the `low_rank` kernel the samples, read back or written into a buffer kept on
//! the GPU (a new one, or the caller's).

use super::chunks::row_chunks;
use super::context::GpuContext;
use super::execute::{Dest, Job, Readback};
use super::kernels::low_rank::{self, Bindings};
use super::kernels::rowmap::RowMaps;
use super::kernels::{fill, Region};
use crate::alloc;
use crate::error::{Error, ErrorKind, Result};
use crate::low_rank::LowRankMultivariateNormal;
use crate::prng::bits::Layout;
use crate::prng::math::SQRT2;
use crate::profile::Profile;
use crate::request::{SampleRequest, Transform};

struct LowRankJob<'a> {
    dist: &'a LowRankMultivariateNormal,
    req: &'a SampleRequest,
    maps: RowMaps,
    chunks: Vec<(usize, usize)>,
    max_rows: usize,
    dest: Dest<'a>,
    /// w, √d, means, row maps.
    buffers: Option<[wgpu::Buffer; 4]>,
    /// The samples' buffer when they stay on the GPU.
    out: Option<wgpu::Buffer>,
}

impl Job for LowRankJob<'_> {
    fn begin(&mut self, ctx: &GpuContext) {
        let (w, sqrt_d, means) = self.dist.parts();
        self.buffers = Some([
            ctx.input("mvn::low_rank w", bytemuck::cast_slice(w)),
            ctx.input("mvn::low_rank sqrt_d", bytemuck::cast_slice(sqrt_d)),
            ctx.input("mvn::means", bytemuck::cast_slice(means)),
            ctx.params("mvn::row maps", &self.maps),
        ]);
        self.out = match self.dest {
            Dest::Host => None,
            Dest::NewBuffer => Some(ctx.samples_buffer(self.req.drawn_len() as u64 * 4)),
            Dest::Into(b) => Some(b.clone()),
        };
    }

    fn chunks(&self) -> usize {
        self.chunks.len()
    }

    fn staging_bytes(&self) -> u64 {
        if self.out.is_some() { 0 } else { (self.max_rows * self.req.n * 4) as u64 }
    }

    fn encode(&self, ctx: &GpuContext, enc: &mut wgpu::CommandEncoder, i: usize) -> Vec<Readback> {
        let [w, sqrt_d, means, row_maps] = self.buffers.as_ref().expect("begun");
        let (r0, r1) = self.chunks[i];
        let (n, r) = (self.req.n, self.dist.rank());
        let per = r + n;
        let zbytes = ((r1 - r0) * per * 4) as u64;
        let z = Region::start_of(&ctx.scratch("mvn::z", (self.max_rows * per * 4) as u64, wgpu::BufferUsages::STORAGE), zbytes);
        let rec = ctx.recorder();
        let layout = Layout::new((self.req.rows * per) as u32);
        fill::encode(&rec, &ctx.kernels.fill, enc, Transform::Normal { a: SQRT2, loc: 0.0 }, self.req.key.0, layout, (r0 * per) as u32, ((r1 - r0) * per) as u32, &z);
        let bytes = ((r1 - r0) * n * 4) as u64;
        let at = (r0 - self.req.window.start) * n;
        let (out, out_base) = match &self.out {
            Some(b) => ctx.aligned_region(b, at as u64 * 4, bytes),
            None => (Region::start_of(&ctx.scratch_out("mvn::out", bytes), bytes), 0),
        };
        low_rank::encode(&rec, &ctx.kernels.low_rank, enc, n, r, (r0, r1), &Bindings { z: &z, w, sqrt_d, means, row_maps, out: &out, out_base });
        if self.out.is_some() { vec![] } else { vec![Readback { region: out, at }] }
    }
}

impl GpuContext {
    /// Draws `req` from `dist`, read back; `None` when the row maps do not fit the kernel's.
    pub(crate) async fn sample_low_rank(&self, dist: &LowRankMultivariateNormal, req: &SampleRequest) -> Result<Option<Vec<f32>>> {
        Ok(self.draw_low_rank(dist, req, Dest::Host).await?.map(|(v, _)| v))
    }

    /// Draws `req` from `dist` into a new buffer or `into`, kept on the GPU.
    pub(crate) async fn sample_low_rank_to_gpu(&self, dist: &LowRankMultivariateNormal, req: &SampleRequest, into: Option<&wgpu::Buffer>) -> Result<wgpu::Buffer> {
        match self.draw_low_rank(dist, req, into.map_or(Dest::NewBuffer, Dest::Into)).await? {
            Some((_, Some(b))) => Ok(b),
            _ => Err(Error::new(ErrorKind::InvalidArgument, req.op, "the batch shapes have more merged dimensions than the GPU kernel's row maps hold (8); read the samples back instead.")),
        }
    }

    /// Draws `req` from `dist` to `dest`: the samples read back, or their buffer; `None` when
    /// the row maps do not fit the kernel's.
    async fn draw_low_rank(&self, dist: &LowRankMultivariateNormal, req: &SampleRequest, dest: Dest<'_>) -> Result<Option<(Vec<f32>, Option<wgpu::Buffer>)>> {
        self.check_dest(req.op, &dest, req.drawn_len() as u64 * 4)?;
        let Some(maps) = RowMaps::of(req) else { return Ok(None) };
        let (w, sqrt_d, means) = dist.parts();
        for (what, v) in [("cov_factor", w), ("cov_diag", sqrt_d), ("the means", means)] {
            self.check_upload(req.op, what, std::mem::size_of_val(v) as u64)?;
        }
        let per = (dist.rank() + req.n) as u64 * 4;
        let limit = self.limits.chunk_bytes();
        if req.n > 0 && limit < per {
            return Err(Error::new(ErrorKind::TooLarge, req.op, format!("one row of {} normals does not fit a GPU storage binding.", dist.rank() + req.n)));
        }
        let max_rows = (limit / per.max(1)) as usize;
        // The window's rows (all of them unless windowed), placed from its first.
        let w = &req.window;
        let chunks: Vec<(usize, usize)> = if req.drawn_len() == 0 { vec![] } else { row_chunks(w.len(), max_rows, 1).into_iter().map(|(a, b)| (a + w.start, b + w.start)).collect() };
        let max_rows = chunks.iter().map(|c| c.1 - c.0).max().unwrap_or(0);
        let mut host = if matches!(dest, Dest::Host) { alloc::with_capacity::<u32>(req.op, req.drawn_len())? } else { Vec::new() };
        let mut job = LowRankJob { dist, req, maps, chunks, max_rows, dest, buffers: None, out: None };
        self.execute(req.op, &mut job, &mut host, &mut Profile::start()).await?;
        Ok(Some((bytemuck::allocation::cast_vec(host), job.out)))
    }
}
