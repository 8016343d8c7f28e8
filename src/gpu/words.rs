//! `bits`, `uniform` and `normal` on the GPU: the request's words, transformed by the fill
//! kernel, in chunks of one storage binding each, read back.

use super::chunks::row_chunks;
use super::context::GpuContext;
use super::execute::{Job, Readback};
use super::kernels::{fill, Region};
use crate::alloc;
use crate::error::Result;
use crate::prng::bits::Layout;
use crate::profile::Profile;
use crate::request::WordsRequest;

struct WordsJob<'a> {
    req: &'a WordsRequest,
    chunks: Vec<(usize, usize)>,
    max_bytes: u64,
    out: Option<wgpu::Buffer>,
}

impl Job for WordsJob<'_> {
    fn begin(&mut self, ctx: &GpuContext) {
        self.out = Some(ctx.scratch_out("mvn::out", self.max_bytes));
    }

    fn chunks(&self) -> usize {
        self.chunks.len()
    }

    fn staging_bytes(&self) -> u64 {
        self.max_bytes
    }

    fn encode(&self, ctx: &GpuContext, enc: &mut wgpu::CommandEncoder, i: usize) -> Vec<Readback> {
        let (s, e) = self.chunks[i];
        let region = Region::start_of(self.out.as_ref().expect("begun"), (e - s) as u64 * 4);
        let layout = Layout::new(self.req.words as u32);
        fill::encode(&ctx.recorder(), &ctx.kernels.fill, enc, self.req.transform, self.req.key.0, layout, s as u32, (e - s) as u32, &region);
        let first = if self.req.is_windowed() { self.req.word_window().start } else { 0 };
        vec![Readback { region, at: s - first }]
    }
}

impl GpuContext {
    /// The words of `req`'s stream, transformed, read back.
    pub async fn words(&self, req: &WordsRequest) -> Result<Vec<u32>> {
        let ws = req.word_window();
        let mut out = alloc::with_capacity::<u32>(req.op, ws.len())?;
        if ws.is_empty() {
            return Ok(out);
        }
        let chunk_words = (self.limits.chunk_bytes() / 4).clamp(1, u32::MAX as u64) as usize;
        let chunks = if req.is_windowed() {
            row_chunks(ws.len(), chunk_words, 1).into_iter().map(|(a, b)| (a + ws.start, b + ws.start)).collect()
        } else {
            row_chunks(req.words, chunk_words, 1)
        };
        let max_bytes = chunks.iter().map(|c| c.1 - c.0).max().unwrap_or(1) as u64 * 4;
        let mut job = WordsJob { req, chunks, max_bytes, out: None };
        self.execute(req.op, &mut job, &mut out, &mut Profile::start()).await?;
        Ok(out)
    }
}
