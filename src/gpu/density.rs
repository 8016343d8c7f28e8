//! Log-densities on the GPU: the points in chunks that fit one storage binding,
//! each chunk's values from the `logpdf` kernel (`kernels/logpdf.rs`), read back or written
//! into the caller's buffer. The factors' inverses and constants come from the host
//! ([`MultivariateNormal::inverse_factors`], in f64).

use super::chunks::row_chunks;
use super::context::GpuContext;
use super::execute::{Job, Readback};
use super::kernels::logpdf::{self, Bindings};
use super::kernels::rowmap::RowMaps;
use super::kernels::Region;
use crate::alloc;
use crate::density::{InverseFactors, Points};
use crate::distribution::MultivariateNormal;
use crate::error::{Error, ErrorKind, Result};
use crate::profile::Profile;

/// Where the points are.
pub(crate) enum PointSource<'a> {
    /// On the host (float32, one point per result).
    Host(&'a [f32]),
    /// In a device buffer (the region of the caller's `GpuArray`).
    Device(Region),
}

struct LogpdfJob<'a> {
    n: usize,
    source: PointSource<'a>,
    dist: &'a MultivariateNormal,
    factors: &'a InverseFactors,
    maps: RowMaps,
    chunks: Vec<(usize, usize)>,
    /// The caller's output buffer, or `None` to read the values back.
    out: Option<&'a wgpu::Buffer>,
    /// inv, means, consts, factor map, row maps.
    buffers: Option<[wgpu::Buffer; 5]>,
}

impl Job for LogpdfJob<'_> {
    fn begin(&mut self, ctx: &GpuContext) {
        self.buffers = Some([
            ctx.input("mvn::logpdf inv", bytemuck::cast_slice(&self.factors.inv)),
            ctx.input("mvn::means", bytemuck::cast_slice(self.dist.mean_data())),
            ctx.input("mvn::logpdf consts", bytemuck::cast_slice(&self.factors.consts)),
            ctx.input("mvn::factor_map", bytemuck::cast_slice(self.dist.factor_of_cov())),
            ctx.params("mvn::row maps", &self.maps),
        ]);
    }

    fn chunks(&self) -> usize {
        self.chunks.len()
    }

    fn staging_bytes(&self) -> u64 {
        if self.out.is_some() { 0 } else { self.chunks.iter().map(|c| c.1 - c.0).max().unwrap_or(0) as u64 * 4 }
    }

    fn encode(&self, ctx: &GpuContext, enc: &mut wgpu::CommandEncoder, i: usize) -> Vec<Readback> {
        let [inv, means, consts, factor_map, row_maps] = self.buffers.as_ref().expect("begun");
        let (r0, r1) = self.chunks[i];
        let n = self.n;
        let (x, x_base) = match &self.source {
            PointSource::Host(x) => (Region::start_of(&ctx.input("mvn::points", bytemuck::cast_slice(&x[r0 * n..r1 * n])), ((r1 - r0) * n * 4) as u64), 0),
            PointSource::Device(r) => ctx.aligned_region(&r.buffer, r.offset + (r0 * n * 4) as u64, ((r1 - r0) * n * 4) as u64),
        };
        let bytes = (r1 - r0) as u64 * 4;
        let (out, out_base) = match self.out {
            Some(b) => ctx.aligned_region(b, r0 as u64 * 4, bytes),
            None => (Region::start_of(&ctx.scratch_out("mvn::out", bytes), bytes), 0),
        };
        let b = Bindings { x: &x, x_base, inv, means, consts, factor_map, row_maps, out: &out, out_base };
        logpdf::encode(&ctx.recorder(), &ctx.kernels.logpdf, enc, n, self.dist.num_factors() == 1, (r0, r1), &b);
        if self.out.is_some() { vec![] } else { vec![Readback { region: out, at: r0 }] }
    }
}

impl GpuContext {
    /// The log-densities of `dist` at `points` (checked by [`MultivariateNormal::points`]; not
    /// broadcast, row maps that fit), read back, or written into `out` (nothing is returned).
    pub(crate) async fn log_prob(&self, dist: &MultivariateNormal, factors: &InverseFactors, points: &Points, maps: RowMaps, source: PointSource<'_>, out: Option<&wgpu::Buffer>) -> Result<Vec<f32>> {
        const OP: &str = "log_prob";
        let n = dist.dim();
        self.check_upload(OP, "the inverse factors", std::mem::size_of_val(factors.inv.as_slice()) as u64)?;
        self.check_upload(OP, "the means", std::mem::size_of_val(dist.mean_data()) as u64)?;
        let limit = self.limits.chunk_bytes();
        let row = n as u64 * 4;
        if limit < self.offset_align + row {
            return Err(Error::new(ErrorKind::TooLarge, OP, format!("one point of {n} values does not fit a GPU storage binding.")));
        }
        let max_rows = ((limit - self.offset_align) / row) as usize;
        let chunks = if points.count == 0 { vec![] } else { row_chunks(points.count, max_rows, 1) };
        let mut host = if out.is_some() { Vec::new() } else { alloc::with_capacity::<u32>(OP, points.count)? };
        let mut job = LogpdfJob { n, source, dist, factors, maps, chunks, out, buffers: None };
        self.execute(OP, &mut job, &mut host, &mut Profile::start()).await?;
        Ok(bytemuck::allocation::cast_vec(host))
    }
}
