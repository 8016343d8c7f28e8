//! One device's state: the device and queue, its limits, its pipelines, the scratch buffers
//! kept between calls, and the lock that runs one call at a time.

use super::chunks::ChunkLimits;
use super::kernels::bind::ParamsSink;
use super::kernels::{Kernels, Recorder};
use super::lock::AsyncLock;
use crate::error::{Error, ErrorKind, Result};
use bytemuck::Pod;
use std::collections::HashMap;
use std::sync::Mutex;

/// How [`crate::Sampler::gpu`] picks its device.
#[derive(Clone, Copy, Debug)]
pub struct SamplerOptions {
    /// Adapter preference (default: high performance).
    pub power_preference: wgpu::PowerPreference,
    /// Extra limits for splitting work (default: only the device's own limits). Tests use
    /// tiny values to prove that splitting never changes the samples.
    pub limits: ChunkLimits,
}

impl Default for SamplerOptions {
    fn default() -> Self {
        SamplerOptions { power_preference: wgpu::PowerPreference::HighPerformance, limits: ChunkLimits::UNLIMITED }
    }
}

pub(crate) struct GpuContext {
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    pub adapter_info: Option<wgpu::AdapterInfo>,
    pub limits: ChunkLimits,
    pub offset_align: u64,
    pub kernels: Kernels,
    /// Scratch buffers (z, output chunks, staging) kept between calls: allocating hundreds of
    /// megabytes per call costs more than the sampling itself. Released by `trim`.
    scratch: Mutex<HashMap<&'static str, wgpu::Buffer>>,
    pub lock: AsyncLock,
    /// Device-input draws that took the host path (`device_inputs.rs`).
    #[cfg(not(target_arch = "wasm32"))]
    pub host_fallbacks: std::sync::atomic::AtomicU64,
}

impl GpuContext {
    pub fn new(device: wgpu::Device, queue: wgpu::Queue, adapter_info: Option<wgpu::AdapterInfo>, limits: ChunkLimits) -> Self {
        let dl = device.limits();
        GpuContext {
            limits: ChunkLimits::from_device(&dl).min(limits),
            offset_align: dl.min_storage_buffer_offset_alignment as u64,
            kernels: Kernels::new(&device),
            device,
            queue,
            adapter_info,
            scratch: Default::default(),
            lock: AsyncLock::default(),
            #[cfg(not(target_arch = "wasm32"))]
            host_fallbacks: Default::default(),
        }
    }

    /// A read-only storage buffer holding `data` (one zero word when empty: bindings must not be).
    pub fn input(&self, label: &str, data: &[u8]) -> wgpu::Buffer {
        let pad = [0u8; 4];
        self.buffer_with(label, if data.is_empty() { &pad } else { data }, wgpu::BufferUsages::STORAGE)
    }

    /// A kernel's parameters (bound as read-only storage; see `kernels::bind::params_entry`).
    pub fn params<T: Pod>(&self, label: &str, v: &T) -> wgpu::Buffer {
        self.params_buffer(label, bytemuck::bytes_of(v))
    }

    /// What the kernels record their dispatches with.
    pub fn recorder(&self) -> Recorder<'_> {
        Recorder { device: &self.device, max_workgroups: self.limits.max_workgroups_per_dimension, params: self }
    }

    /// A buffer holding `data` (a multiple of 4 bytes), written through the queue: unlike
    /// `create_buffer_init`, this does not panic when the device is lost (the failure is
    /// reported by the call's error scopes instead).
    fn buffer_with(&self, label: &str, data: &[u8], usage: wgpu::BufferUsages) -> wgpu::Buffer {
        let b = self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size: data.len() as u64,
            usage: usage | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        self.queue.write_buffer(&b, 0, data);
        self.lock.destroy_after_call(&b);
        b
    }

    /// Refuses an input of `bytes` that does not fit one storage binding.
    pub fn check_upload(&self, op: &str, what: &str, bytes: u64) -> Result<()> {
        if bytes > self.limits.chunk_bytes() {
            return Err(Error::new(
                ErrorKind::TooLarge,
                op,
                format!("{what} take {bytes} bytes, more than one GPU storage binding allows ({} bytes).", self.limits.chunk_bytes()),
            ));
        }
        Ok(())
    }

    /// A scratch buffer for `role` of at least `size` bytes (reused across calls).
    pub fn scratch(&self, role: &'static str, size: u64, usage: wgpu::BufferUsages) -> wgpu::Buffer {
        let mut cache = self.scratch.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(b) = cache.get(role) {
            if b.size() >= size {
                return b.clone();
            }
        }
        let b = self.device.create_buffer(&wgpu::BufferDescriptor { label: Some(role), size: size.max(4), usage, mapped_at_creation: false });
        if let Some(old) = cache.insert(role, b.clone()) {
            self.lock.destroy_after_call(&old);
        }
        b
    }

    /// A scratch output buffer that can be copied out (`role` distinguishes concurrent ones).
    pub fn scratch_out(&self, role: &'static str, size: u64) -> wgpu::Buffer {
        self.scratch(role, size, wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC)
    }

    /// The staging buffer readbacks map.
    pub fn staging(&self, size: u64) -> wgpu::Buffer {
        self.scratch("mvn::staging", size, wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST)
    }

    /// The region from byte `start` of `buffer` spanning `bytes`, its offset aligned down to the
    /// device's storage offset alignment: the region and the element of it where `start` is
    /// (a kernel writing or reading from the middle of the caller's buffer takes that base).
    pub fn aligned_region(&self, buffer: &wgpu::Buffer, start: u64, bytes: u64) -> (super::kernels::Region, u32) {
        let off = start / self.offset_align * self.offset_align;
        (super::kernels::Region { buffer: buffer.clone(), offset: off, size: start - off + bytes }, ((start - off) / 4) as u32)
    }

    /// A new buffer of samples for the caller (STORAGE | VERTEX | COPY_SRC).
    pub fn samples_buffer(&self, size: u64) -> wgpu::Buffer {
        self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("mvn::samples"),
            size: size.max(4),
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::VERTEX | wgpu::BufferUsages::COPY_SRC,
            mapped_at_creation: false,
        })
    }

    /// Why `buffer` cannot be used on this device, if a zero-byte clear of it fails validation:
    /// it belongs to another device or was destroyed. Run only after a call into it failed, so
    /// that a successful call pays nothing.
    pub async fn refuses(&self, buffer: &wgpu::Buffer) -> Option<String> {
        let scope = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let mut enc = self.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("mvn::probe") });
        // The probe needs a usage the buffer has: a clear needs COPY_DST, a copy out COPY_SRC.
        // (Natively only: in the npm package's wasm this costs more size than it has left.)
        #[cfg(not(target_arch = "wasm32"))]
        if !buffer.usage().contains(wgpu::BufferUsages::COPY_DST) {
            if !buffer.usage().contains(wgpu::BufferUsages::COPY_SRC) {
                let _ = scope.pop().await;
                return None; // nothing to probe with: make no claim
            }
            let sink = self.scratch("mvn::probe sink", 4, wgpu::BufferUsages::COPY_DST);
            enc.copy_buffer_to_buffer(buffer, 0, &sink, 0, 0);
            self.queue.submit([enc.finish()]);
            return scope.pop().await.map(|e| e.to_string().trim().replace('\n', " "));
        }
        enc.clear_buffer(buffer, 0, Some(0));
        self.queue.submit([enc.finish()]);
        scope.pop().await.map(|e| e.to_string().trim().replace('\n', " "))
    }

    /// Releases the scratch buffers kept between calls.
    pub fn trim(&self) {
        self.scratch.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

impl ParamsSink for GpuContext {
    fn params_buffer(&self, label: &str, bytes: &[u8]) -> wgpu::Buffer {
        self.buffer_with(label, bytes, wgpu::BufferUsages::STORAGE)
    }
}
