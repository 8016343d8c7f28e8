//! The one executor of GPU work. A job (the words of a fill, a multivariate-normal draw) is a
//! sequence of chunks that each fit the device's limits; each chunk is recorded, submitted on
//! its own (scratch buffers are reused by the next one) and, when the result goes to the host,
//! read back through one staging buffer. One call at a time per device, inside error scopes.

use super::context::GpuContext;
use super::error_scopes::Scopes;
use super::kernels::Region;
use super::readback::{self, Piece};
use crate::error::Result;
use crate::profile::Profile;

/// Where samples go.
pub(crate) enum Dest<'a> {
    /// Read back to the host.
    Host,
    /// A new buffer (STORAGE | VERTEX | COPY_SRC) handed to the caller.
    NewBuffer,
    /// The caller's buffer (STORAGE usage, large enough), from offset 0.
    Into(&'a wgpu::Buffer),
}

/// A part of a chunk's output that the host reads: `region`, to element `at` of the result.
pub(crate) struct Readback {
    pub region: Region,
    pub at: usize,
}

/// Work split into chunks.
pub(crate) trait Job {
    /// Creates the call's buffers (inside the call's lock and error scopes, so that running out
    /// of GPU memory is reported as this call's error).
    fn begin(&mut self, ctx: &GpuContext);
    /// The number of chunks.
    fn chunks(&self) -> usize;
    /// Most bytes one chunk reads back (the staging buffer's size; 0 when nothing is read).
    fn staging_bytes(&self) -> u64;
    /// Records chunk `i` and says what of it the host reads (nothing when the output stays on
    /// the GPU).
    fn encode(&self, ctx: &GpuContext, enc: &mut wgpu::CommandEncoder, i: usize) -> Vec<Readback>;
}

impl GpuContext {
    /// Runs `job`, appending what it reads back to `host` (words: one instantiation of this
    /// for every job keeps the npm package's wasm small).
    pub(crate) async fn execute(&self, op: &str, job: &mut dyn Job, host: &mut Vec<u32>, prof: &mut Profile) -> Result<()> {
        let _serial = self.lock.lock().await;
        let scopes = Scopes::open(&self.device);
        job.begin(self);
        let staging = (job.staging_bytes() > 0).then(|| self.staging(job.staging_bytes()));
        prof.mark("inputs + staging");
        let mut result = Ok(());
        for i in 0..job.chunks() {
            let mut enc = self.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some(op) });
            let reads = job.encode(self, &mut enc, i);
            let mut pieces = Vec::with_capacity(reads.len());
            let mut offset = 0;
            if let Some(st) = &staging {
                for r in &reads {
                    enc.copy_buffer_to_buffer(&r.region.buffer, r.region.offset, st, offset, r.region.size);
                    pieces.push(Piece { offset, bytes: r.region.size, at: r.at });
                    offset += r.region.size;
                }
            }
            prof.mark("encode (chunk)");
            self.queue.submit([enc.finish()]);
            prof.mark("submit");
            if let (Some(st), false) = (&staging, pieces.is_empty()) {
                result = readback::read_pieces(&self.device, st, &pieces, host).await;
                prof.mark("wait + map + copy");
                if result.is_err() {
                    break;
                }
            }
        }
        scopes.close(op, result).await
    }
}
