//! [`GpuArray`], a float32 array in a wgpu buffer of the caller's, and the plain reads and
//! writes of such buffers that the paths taking device inputs share (samples from device
//! inputs natively; log-densities of points on the device, natively and in the npm package).

use super::context::GpuContext;
use super::execute::{Job, Readback};
use super::kernels::Region;
use crate::error::{Error, ErrorKind, Result};
use crate::profile::Profile;

/// A float32 array in a wgpu buffer: `shape`, row-major and contiguous from byte `offset` (a
/// multiple of 4). The buffer needs `COPY_SRC` usage: the inputs are copied on the device,
/// and read back when the host path takes over.
#[derive(Clone, Copy, Debug)]
pub struct GpuArray<'a> {
    /// The buffer (of the sampler's device).
    pub buffer: &'a wgpu::Buffer,
    /// Where the first value starts, in bytes.
    pub offset: u64,
    /// The array's shape.
    pub shape: &'a [usize],
}

impl<'a> GpuArray<'a> {
    /// `shape` from the start of `buffer`.
    pub fn new(buffer: &'a wgpu::Buffer, shape: &'a [usize]) -> Self {
        GpuArray { buffer, offset: 0, shape }
    }

    /// The bytes this array spans, checked against its buffer.
    pub(crate) fn region(&self, op: &str, what: &str) -> Result<Region> {
        let bad = |msg: String| Error::new(ErrorKind::InvalidArgument, op, format!("{what}: {msg}"));
        if !self.buffer.usage().contains(wgpu::BufferUsages::COPY_SRC) {
            return Err(bad("the buffer needs COPY_SRC usage (its values are copied on the device, and read back when the host path takes over).".into()));
        }
        if !self.offset.is_multiple_of(4) {
            return Err(bad(format!("the offset {} is not a multiple of 4 bytes.", self.offset)));
        }
        let size = self.shape.iter().try_fold(4u64, |a, &d| a.checked_mul(d as u64));
        match size {
            Some(size) if self.offset.checked_add(size).is_some_and(|end| end <= self.buffer.size()) => Ok(Region { buffer: self.buffer.clone(), offset: self.offset, size }),
            _ => Err(bad(format!(
                "shape {} from byte {} does not fit its buffer of {} bytes.",
                crate::shape::fmt_shape(self.shape),
                self.offset,
                self.buffer.size()
            ))),
        }
    }
}

/// Reads regions of device buffers back to the host, one after the other.
struct ReadJob<'a> {
    regions: &'a [Region],
}

impl Job for ReadJob<'_> {
    fn begin(&mut self, _: &GpuContext) {}
    fn chunks(&self) -> usize {
        1
    }
    fn staging_bytes(&self) -> u64 {
        self.regions.iter().map(|r| r.size).sum()
    }
    fn encode(&self, _: &GpuContext, _: &mut wgpu::CommandEncoder, _: usize) -> Vec<Readback> {
        let mut at = 0;
        self.regions
            .iter()
            .filter(|r| r.size > 0)
            .map(|r| {
                let rb = Readback { region: r.clone(), at };
                at += (r.size / 4) as usize;
                rb
            })
            .collect()
    }
}

impl GpuContext {
    /// The words of `regions`, one after the other, read back.
    pub(crate) async fn read_regions(&self, op: &str, regions: &[Region]) -> Result<Vec<u32>> {
        let mut words = Vec::new();
        self.execute(op, &mut ReadJob { regions }, &mut words, &mut Profile::start()).await?;
        Ok(words)
    }

    /// Writes `bytes` to the start of `buffer` through the queue (inside the call's lock and
    /// error scopes, so a bad buffer is this call's error).
    pub(crate) async fn write_words(&self, op: &str, buffer: &wgpu::Buffer, bytes: &[u8]) -> Result<()> {
        let _serial = self.lock.lock().await;
        let scopes = super::error_scopes::Scopes::open(&self.device);
        if !bytes.is_empty() {
            self.queue.write_buffer(buffer, 0, bytes);
        }
        self.queue.submit([]);
        scopes.close(op, Ok(())).await
    }
}
