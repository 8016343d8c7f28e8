//! The wgpu backend: pipelines, chunked dispatch, readback.

mod lock;
mod lost;
mod plan;
mod readback;

pub(crate) use lost::Gpu;
pub use plan::ChunkLimits;

use crate::distribution::{MultivariateNormal, Plan};
use crate::error::{Error, ErrorKind, Result};
use bytemuck::{Pod, Zeroable};
use plan::{dispatches, row_chunks};

const WORKGROUP: u32 = 256;
const MAX_MAP_DIMS: usize = 8;

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct FillParams {
    key: [u32; 2],
    total_words: u32,
    word_offset: u32,
    count: u32,
    groups_x: u32,
    out_offset: u32,
    _pad0: u32,
    a: f32,
    b: f32,
    one: f32,
    _pad1: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct AffineParams {
    n: u32,
    count: u32,
    elem_offset: u32,
    row_offset: u32,
    groups_x: u32,
    triangular: u32,
    _pad: [u32; 2],
}

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct FusedParams {
    key: [u32; 2],
    half_rows: u32,
    row_offset: u32,
    count: u32,
    groups_x: u32,
    triangular: u32,
    local_first: u32,
    lo_base: u32,
    hi_base: u32,
    same: u32,
    one: f32,
    a: f32,
    _pad: u32,
}

/// `shaders/rowmap.wgsl`'s `RowMaps`: the broadcast maps of a plan (or "use row_index").
#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct RowMaps {
    ndim_mean: u32,
    ndim_cov: u32,
    _pad: [u32; 2],
    mean_dims: [u32; 8],
    mean_strides: [u32; 8],
    cov_dims: [u32; 8],
    cov_strides: [u32; 8],
}

impl RowMaps {
    /// The maps of `plan`, or `None` when they have more merged dimensions than fit.
    fn of(plan: &Plan) -> Option<RowMaps> {
        let (m, c) = (&plan.mean_map, &plan.cov_map);
        if m.dims.len() > MAX_MAP_DIMS || c.dims.len() > MAX_MAP_DIMS {
            return None;
        }
        let mut r = RowMaps { ndim_mean: m.dims.len() as u32, ndim_cov: c.dims.len() as u32, _pad: [0; 2], mean_dims: [1; 8], mean_strides: [0; 8], cov_dims: [1; 8], cov_strides: [0; 8] };
        for (k, (&d, &s)) in m.dims.iter().zip(&m.strides).enumerate() {
            r.mean_dims[k] = d as u32;
            r.mean_strides[k] = s as u32;
        }
        for (k, (&d, &s)) in c.dims.iter().zip(&c.strides).enumerate() {
            r.cov_dims[k] = d as u32;
            r.cov_strides[k] = s as u32;
        }
        Some(r)
    }

    /// "Use the explicit row_index buffer."
    const EXPLICIT: RowMaps = RowMaps { ndim_mean: u32::MAX, ndim_cov: u32::MAX, _pad: [0; 2], mean_dims: [1; 8], mean_strides: [0; 8], cov_dims: [1; 8], cov_strides: [0; 8] };
}

/// Where samples go.
pub(crate) enum Dest<'a> {
    /// Read back to the host.
    Host,
    /// A new buffer (STORAGE | VERTEX | COPY_SRC) handed to the caller.
    NewBuffer,
    /// The caller's buffer (STORAGE usage, large enough), from offset 0.
    Into(&'a wgpu::Buffer),
}

/// Which word transform a fill dispatch applies.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Fill {
    Bits,
    /// `low + range * u`
    Uniform { low: f32, range: f32 },
    /// `loc + a * erfinv(v)`, `a = rn(sqrt2 * scale)`
    Normal { a: f32, loc: f32 },
}

pub(crate) struct GpuContext {
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    pub adapter_info: Option<wgpu::AdapterInfo>,
    pub limits: ChunkLimits,
    offset_align: u64,
    fill_layout: wgpu::BindGroupLayout,
    affine_layout: wgpu::BindGroupLayout,
    /// The affine module, for the tiled pipelines built on first use.
    affine_mod: wgpu::ShaderModule,
    /// Tiled `mean + z R` for one covariance by entry point (`affine_tiled`: 128 x 128 tiles,
    /// `affine_tiled64`: 128 x 64 for n <= 64), built on first use.
    tiled: std::sync::Mutex<std::collections::HashMap<&'static str, wgpu::ComputePipeline>>,
    fill_bits: wgpu::ComputePipeline,
    fill_uniform: wgpu::ComputePipeline,
    fill_normal_pairs: wgpu::ComputePipeline,
    affine: wgpu::ComputePipeline,
    fused_layout: wgpu::BindGroupLayout,
    /// Fused pipelines by `n`, built on first use.
    fused: std::sync::Mutex<std::collections::HashMap<usize, wgpu::ComputePipeline>>,
    /// Scratch buffers (z, output chunks, staging) kept between calls: allocating hundreds of
    /// megabytes per call costs more than the sampling itself. Released by `trim`.
    scratch: std::sync::Mutex<std::collections::HashMap<&'static str, wgpu::Buffer>>,
    lock: lock::AsyncLock,
}

fn storage_entry(binding: u32, read_only: bool) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::Buffer { ty: wgpu::BufferBindingType::Storage { read_only }, has_dynamic_offset: false, min_binding_size: None },
        count: None,
    }
}

/// Kernel parameters are bound as read-only storage, not uniforms: Mesa's lavapipe inlines
/// uniform values into the shader and recompiles it for each new key (about a second each).
fn uniform_entry(binding: u32) -> wgpu::BindGroupLayoutEntry {
    storage_entry(binding, true)
}

/// A shader module. On Vulkan (native), naga's injected checks are left out: index clamping,
/// loop bounding and integer-division guards (about 15% of W2's and W3's kernel time on an
/// H100). Our kernels index within their arrays and bindings by construction, and Vulkan's
/// robust buffer access, which wgpu enables, still bounds every buffer access. Elsewhere
/// (Metal, DX12, WebGPU) the checks stay. `MVN_GPU_CHECKED=1` keeps them on Vulkan too.
fn shader_module(device: &wgpu::Device, desc: wgpu::ShaderModuleDescriptor<'_>) -> wgpu::ShaderModule {
    #[cfg(not(target_arch = "wasm32"))]
    if device.adapter_info().backend == wgpu::Backend::Vulkan && std::env::var_os("MVN_GPU_CHECKED").is_none() {
        // SAFETY: the kernels' indices are in range by construction (chunk sizes, tile bounds
        // and row maps are checked on the host), their loops are bounded and their divisors
        // non-zero (n >= 1 and the row maps' dims >= 1 on every path that reaches a kernel).
        return unsafe { device.create_shader_module_trusted(desc, wgpu::ShaderRuntimeChecks::unchecked()) };
    }
    device.create_shader_module(desc)
}

fn compute_pipeline(device: &wgpu::Device, label: &str, layout: &wgpu::BindGroupLayout, module: &wgpu::ShaderModule, entry: &str) -> wgpu::ComputePipeline {
    let pl = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor { label: Some(label), bind_group_layouts: &[Some(layout)], immediate_size: 0 });
    device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: Some(label),
        layout: Some(&pl),
        module,
        entry_point: Some(entry),
        compilation_options: Default::default(),
        cache: None,
    })
}

fn device_error(op: &str, e: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::Device, op, format!("GPU error: {e}"))
}

impl GpuContext {
    pub fn new(device: wgpu::Device, queue: wgpu::Queue, adapter_info: Option<wgpu::AdapterInfo>, limits: ChunkLimits) -> Self {
        let dl = device.limits();
        let limits = ChunkLimits::from_device(&dl).min(limits);
        let offset_align = dl.min_storage_buffer_offset_alignment as u64;
        let mods = crate::shaders::modules();
        let module = |i: usize| {
            shader_module(&device, wgpu::ShaderModuleDescriptor {
                label: Some(mods[i].0),
                source: wgpu::ShaderSource::Wgsl(mods[i].1.as_str().into()),
            })
        };
        let (fill_mod, affine_mod) = (module(0), module(1));
        let fill_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("mvn::fill"),
            entries: &[uniform_entry(0), storage_entry(1, false)],
        });
        let affine_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("mvn::affine"),
            entries: &[
                uniform_entry(0),
                storage_entry(1, true),
                storage_entry(2, true),
                storage_entry(3, true),
                storage_entry(4, true),
                storage_entry(5, true),
                storage_entry(6, false),
                uniform_entry(7),
            ],
        });
        let fused_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("mvn::fused"),
            entries: &[
                uniform_entry(0),
                storage_entry(1, true),
                storage_entry(2, true),
                storage_entry(3, true),
                storage_entry(4, false),
                uniform_entry(5),
                storage_entry(6, false),
            ],
        });
        let pipeline = |label: &str, layout: &wgpu::BindGroupLayout, module: &wgpu::ShaderModule, entry: &str| {
            compute_pipeline(&device, label, layout, module, entry)
        };
        let fill_bits = pipeline("mvn::fill_bits", &fill_layout, &fill_mod, "fill_bits");
        let fill_uniform = pipeline("mvn::fill_uniform", &fill_layout, &fill_mod, "fill_uniform");
        let fill_normal_pairs = pipeline("mvn::fill_normal_pairs", &fill_layout, &fill_mod, "fill_normal_pairs");
        let affine = pipeline("mvn::affine", &affine_layout, &affine_mod, "affine");
        GpuContext {
            device,
            queue,
            adapter_info,
            limits,
            offset_align,
            fill_layout,
            affine_layout,
            fill_bits,
            fill_uniform,
            fill_normal_pairs,
            affine,
            affine_mod,
            tiled: Default::default(),
            fused_layout,
            fused: Default::default(),
            scratch: Default::default(),
            lock: lock::AsyncLock::default(),
        }
    }

    fn storage(&self, label: &str, data: &[u8]) -> wgpu::Buffer {
        // Bindings must not be empty: pad to one word.
        let pad = [0u8; 4];
        self.buffer_with(label, if data.is_empty() { &pad } else { data }, wgpu::BufferUsages::STORAGE)
    }

    fn uniform<T: Pod>(&self, label: &str, v: &T) -> wgpu::Buffer {
        self.buffer_with(label, bytemuck::bytes_of(v), wgpu::BufferUsages::STORAGE)
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

    fn check_upload(&self, op: &str, what: &str, bytes: u64) -> Result<()> {
        if bytes > self.limits.chunk_bytes() {
            return Err(Error::new(
                ErrorKind::TooLarge,
                op,
                format!(
                    "{what} take {bytes} bytes, more than one GPU storage binding allows ({} bytes).",
                    self.limits.chunk_bytes()
                ),
            ));
        }
        Ok(())
    }

    /// Records fill dispatches for words `[word0, word0 + count)` of a `total`-word stream,
    /// written to `out` (bound at `out_offset` bytes, `out_size` bytes) from index 0.
    #[allow(clippy::too_many_arguments)]
    fn encode_fill(
        &self,
        enc: &mut wgpu::CommandEncoder,
        fill: Fill,
        key: [u32; 2],
        total: u32,
        word0: u32,
        count: u32,
        out: &wgpu::Buffer,
        out_offset: u64,
        out_size: u64,
    ) {
        let (pipeline, a, b) = match fill {
            Fill::Bits => (&self.fill_bits, 0.0, 0.0),
            Fill::Uniform { low, range } => (&self.fill_uniform, range, low),
            Fill::Normal { a, loc } => (&self.fill_normal_pairs, a, loc),
        };
        // Normals hash each Threefry block once for both of its words: dispatch over the
        // blocks whose words fall in [word0, word0 + count).
        let pairs = matches!(fill, Fill::Normal { .. });
        let (first_item, items) = if pairs { pair_blocks(total, word0, word0 + count) } else { (0, count) };
        for (first, c, gx, gy) in dispatches(items as u64, WORKGROUP, self.limits.max_workgroups_per_dimension) {
            let params = FillParams {
                key,
                total_words: total,
                word_offset: if pairs { word0 } else { word0 + first as u32 },
                count: c as u32,
                groups_x: gx,
                out_offset: first_item + first as u32,
                _pad0: if pairs { word0 + count } else { 0 },
                a,
                b,
                one: 1.0,
                _pad1: 0,
            };
            let ub = self.uniform("mvn::fill params", &params);
            let bg = self.device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("mvn::fill"),
                layout: &self.fill_layout,
                entries: &[
                    wgpu::BindGroupEntry { binding: 0, resource: ub.as_entire_binding() },
                    wgpu::BindGroupEntry {
                        binding: 1,
                        resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                            buffer: out,
                            offset: out_offset,
                            size: wgpu::BufferSize::new(out_size),
                        }),
                    },
                ],
            });
            let mut pass = enc.begin_compute_pass(&wgpu::ComputePassDescriptor { label: Some("mvn::fill"), timestamp_writes: None });
            pass.set_pipeline(pipeline);
            pass.set_bind_group(0, &bg, &[]);
            pass.dispatch_workgroups(gx, gy, 1);
        }
    }

    /// The `total`-word stream of `key` transformed by `fill`, read back.
    pub async fn fill(&self, op: &str, fill: Fill, key: [u32; 2], total: u32) -> Result<Vec<u32>> {
        let mut out = crate::cpu::reserve::<u32>(op, total as usize)?;
        if total == 0 {
            return Ok(out);
        }
        let _serial = self.lock.lock().await;
        let (oom, val) = self.open_scopes();
        let chunk_words = (self.limits.chunk_bytes() / 4).clamp(1, u32::MAX as u64) as usize;
        let chunks = row_chunks(total as usize, chunk_words, 1);
        let max = chunks.iter().map(|c| c.1 - c.0).max().unwrap_or(1) as u64 * 4;
        let buf = self.scratch("mvn::out", max, wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC);
        let staging = self.staging(max);
        let mut result = Ok(());
        for &(s, e) in &chunks {
            let bytes = (e - s) as u64 * 4;
            let mut enc = self.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("mvn::fill") });
            self.encode_fill(&mut enc, fill, key, total, s as u32, (e - s) as u32, &buf, 0, bytes);
            enc.copy_buffer_to_buffer(&buf, 0, &staging, 0, bytes);
            self.queue.submit([enc.finish()]);
            result = readback::read_append(&self.device, &staging, bytes, &mut out).await;
            if result.is_err() {
                break;
            }
        }
        close_scopes(op, val, oom, result).await?;
        Ok(out)
    }

    /// The fused kernel for dimension `n`, compiled on first use.
    fn fused_pipeline(&self, n: usize) -> wgpu::ComputePipeline {
        let mut cache = self.fused.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .entry(n)
            .or_insert_with(|| {
                let module = shader_module(&self.device, wgpu::ShaderModuleDescriptor {
                    label: Some("mvn::fused"),
                    source: wgpu::ShaderSource::Wgsl(crate::shaders::fused_module(n).into()),
                });
                compute_pipeline(&self.device, "mvn::fused", &self.fused_layout, &module, "sample_pairs")
            })
            .clone()
    }

    /// The tiled affine pipeline for `entry`, compiled on first use.
    fn tiled_pipeline(&self, entry: &'static str) -> wgpu::ComputePipeline {
        let mut cache = self.tiled.lock().unwrap_or_else(|e| e.into_inner());
        cache.entry(entry).or_insert_with(|| compute_pipeline(&self.device, entry, &self.affine_layout, &self.affine_mod, entry)).clone()
    }

    /// Error scopes around one call: out-of-memory outside, validation inside.
    fn open_scopes(&self) -> (wgpu::ErrorScopeGuard, wgpu::ErrorScopeGuard) {
        (self.device.push_error_scope(wgpu::ErrorFilter::OutOfMemory), self.device.push_error_scope(wgpu::ErrorFilter::Validation))
    }

    /// A scratch buffer for `role` of at least `size` bytes (reused across calls).
    fn scratch(&self, role: &'static str, size: u64, usage: wgpu::BufferUsages) -> wgpu::Buffer {
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

    fn staging(&self, size: u64) -> wgpu::Buffer {
        self.scratch("mvn::staging", size, wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST)
    }

    /// Releases the scratch buffers kept between calls.
    pub fn trim(&self) {
        self.scratch.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// Samples `dist` with `plan`: read back, or kept in one GPU buffer (`to_buffer`).
    async fn run_mvn(&self, op: &str, dist: &MultivariateNormal, plan: &Plan, dest: Dest<'_>) -> Result<(Option<wgpu::Buffer>, Vec<f32>)> {
        let to_buffer = !matches!(dest, Dest::Host);
        let n = plan.n;
        let total = plan.rows * n;
        let total_bytes = total as u64 * 4;
        let row_bytes = n as u64 * 4;
        if let Dest::Into(b) = dest {
            if !b.usage().contains(wgpu::BufferUsages::STORAGE) || b.size() < total_bytes {
                return Err(Error::new(
                    ErrorKind::InvalidArgument,
                    op,
                    format!("the output buffer needs STORAGE usage and {total_bytes} bytes; it has {:?} and {} bytes.", b.usage(), b.size()),
                ));
            }
        }
        if to_buffer && total_bytes > self.limits.max_buffer_size {
            return Err(Error::new(
                ErrorKind::TooLarge,
                op,
                format!("{total_bytes} bytes of samples exceed the device's max_buffer_size ({} bytes); read them back instead or draw fewer.", self.limits.max_buffer_size),
            ));
        }
        let factors: &[u8] = bytemuck::cast_slice(dist.factors());
        let means: &[u8] = bytemuck::cast_slice(dist.mean_data());
        self.check_upload(op, "the covariance factors", factors.len() as u64)?;
        self.check_upload(op, "the means", means.len() as u64)?;
        let mut prof = Profile::start();
        let mut host = if to_buffer { Vec::new() } else { crate::cpu::reserve::<f32>(op, total)? };
        prof.mark("host alloc");
        let _serial = self.lock.lock().await;
        let (oom, val) = self.open_scopes();

        // Rows per chunk: one chunk's z and output must each fit one binding; in buffer mode
        // chunk offsets must respect the storage offset alignment.
        let align_rows = if to_buffer { (self.offset_align / gcd(row_bytes.max(1), self.offset_align)) as usize } else { 1 };
        let max_rows = (self.limits.chunk_bytes() / row_bytes.max(1)) as usize;
        if n > 0 && max_rows < align_rows.max(1) {
            return Err(Error::new(ErrorKind::TooLarge, op, format!("one row of {n} values does not fit a GPU storage binding.")));
        }
        let maps = RowMaps::of(plan);
        // Small n and an even number of rows: the fused kernel, whatever the size (so that
        // splitting never changes which kernel runs, and so never a bit of the output).
        let fused = maps.is_some() && (1..=crate::shaders::FUSED_MAX_N).contains(&n) && plan.rows >= 2 && plan.rows % 2 == 0;
        if fused {
            return self.run_fused(op, dist, plan, dest, maps.expect("checked"), host, prof, oom, val).await;
        }
        let chunks = if total == 0 { vec![] } else { row_chunks(plan.rows, max_rows, align_rows) };
        let max_chunk = chunks.iter().map(|c| c.1 - c.0).max().unwrap_or(0) as u64 * row_bytes;
        let out_buf = match dest {
            Dest::Host => self.scratch("mvn::out", max_chunk, wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC),
            Dest::NewBuffer => self.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("mvn::samples"),
                size: total_bytes.max(4),
                usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::VERTEX | wgpu::BufferUsages::COPY_SRC,
                mapped_at_creation: false,
            }),
            Dest::Into(b) => b.clone(),
        };
        prof.mark("output buffer");
        let mut result = Ok(());
        if !chunks.is_empty() {
            let f_buf = self.storage("mvn::factors", factors);
            let m_buf = self.storage("mvn::means", means);
            let fm_buf = self.storage("mvn::factor_map", bytemuck::cast_slice(dist.factor_of_cov()));
            let rm_buf = self.uniform("mvn::row maps", &maps.unwrap_or(RowMaps::EXPLICIT));
            let staging = if to_buffer { None } else { Some(self.staging(max_chunk)) };
            let triangular = dist.is_triangular() as u32;
            // One covariance and n above the fused kernel's: the tiled product, one workgroup
            // per output tile (128 x 64 tiles up to n = 64); otherwise one invocation per element.
            let tiled = dist.factors().len() == n * n && n > crate::shaders::FUSED_MAX_N;
            let tile_cols = if n <= 64 { 64 } else { crate::shaders::TILE };
            let pipeline = if !tiled {
                self.affine.clone()
            } else {
                self.tiled_pipeline(if n <= 64 { "affine_tiled64" } else { "affine_tiled" })
            };
            prof.mark("inputs + staging");
            let mut enc = self.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("mvn::sample") });
            {
                let z_buf = self.scratch("mvn::z", max_chunk, wgpu::BufferUsages::STORAGE);
                for &(r0, r1) in &chunks {
                    let count = ((r1 - r0) * n) as u64;
                    let bytes = count * 4;
                    let out_offset = if to_buffer { r0 as u64 * row_bytes } else { 0 };
                    let row_index: Vec<u32> = if maps.is_some() {
                        vec![]
                    } else {
                        (r0..r1).flat_map(|r| [plan.mean_map.index(r) as u32, plan.cov_map.index(r) as u32]).collect()
                    };
                    let ri_buf = self.storage("mvn::row_index", bytemuck::cast_slice(&row_index));
                    let a = crate::prng::math::SQRT2;
                    self.encode_fill(&mut enc, Fill::Normal { a, loc: 0.0 }, plan.key.0, total as u32, (r0 * n) as u32, count as u32, &z_buf, 0, bytes);
                    let (items, per_group) =
                        if tiled { (((r1 - r0).div_ceil(crate::shaders::TILE) * n.div_ceil(tile_cols)) as u64, 1) } else { (count, WORKGROUP) };
                    for (first, c, gx, gy) in dispatches(items, per_group, self.limits.max_workgroups_per_dimension) {
                        let p = AffineParams {
                            n: n as u32,
                            count: c as u32,
                            elem_offset: first as u32,
                            row_offset: r0 as u32,
                            groups_x: gx,
                            triangular,
                            _pad: [(r1 - r0) as u32, 0],
                        };
                        let ub = self.uniform("mvn::affine params", &p);
                        let bg = self.device.create_bind_group(&wgpu::BindGroupDescriptor {
                            label: Some("mvn::affine"),
                            layout: &self.affine_layout,
                            entries: &[
                                wgpu::BindGroupEntry { binding: 0, resource: ub.as_entire_binding() },
                                wgpu::BindGroupEntry {
                                    binding: 1,
                                    resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding { buffer: &z_buf, offset: 0, size: wgpu::BufferSize::new(bytes) }),
                                },
                                wgpu::BindGroupEntry { binding: 2, resource: f_buf.as_entire_binding() },
                                wgpu::BindGroupEntry { binding: 3, resource: m_buf.as_entire_binding() },
                                wgpu::BindGroupEntry { binding: 4, resource: fm_buf.as_entire_binding() },
                                wgpu::BindGroupEntry { binding: 5, resource: ri_buf.as_entire_binding() },
                                wgpu::BindGroupEntry {
                                    binding: 6,
                                    resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding { buffer: &out_buf, offset: out_offset, size: wgpu::BufferSize::new(bytes) }),
                                },
                                wgpu::BindGroupEntry { binding: 7, resource: rm_buf.as_entire_binding() },
                            ],
                        });
                        let mut pass = enc.begin_compute_pass(&wgpu::ComputePassDescriptor { label: Some("mvn::affine"), timestamp_writes: None });
                        pass.set_pipeline(&pipeline);
                        pass.set_bind_group(0, &bg, &[]);
                        pass.dispatch_workgroups(gx, gy, 1);
                    }
                    if let Some(st) = &staging {
                        enc.copy_buffer_to_buffer(&out_buf, 0, st, 0, bytes);
                    }
                    // Each chunk is submitted (and read back) on its own: the z and staging
                    // buffers are reused by the next one.
                    let done = std::mem::replace(&mut enc, self.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("mvn::sample") }));
                    prof.mark("encode (chunk)");
                    self.queue.submit([done.finish()]);
                    prof.mark("submit");
                    if let Some(st) = &staging {
                        result = readback::read_append(&self.device, st, bytes, &mut host).await;
                        prof.mark("wait + map + copy");
                        if result.is_err() {
                            break;
                        }
                    }
                }
            }
        }
        close_scopes(op, val, oom, result).await?;
        Ok((if matches!(dest, Dest::NewBuffer) { Some(out_buf) } else { None }, host))
    }

    /// The fused path (n <= 16, even rows): invocation r writes rows r and r + R/2. Chunks
    /// cover half-rows [r0, r1) and bind both output regions, so splitting runs the very same
    /// kernel on the very same words.
    #[allow(clippy::too_many_arguments)]
    async fn run_fused(
        &self,
        op: &str,
        dist: &MultivariateNormal,
        plan: &Plan,
        dest: Dest<'_>,
        maps: RowMaps,
        mut host: Vec<f32>,
        mut prof: Profile,
        oom: wgpu::ErrorScopeGuard,
        val: wgpu::ErrorScopeGuard,
    ) -> Result<(Option<wgpu::Buffer>, Vec<f32>)> {
        let n = plan.n;
        let half = plan.rows / 2;
        let rb = n as u64 * 4;
        let total_bytes = plan.rows as u64 * rb;
        let limit = self.limits.chunk_bytes();
        let align = self.offset_align;
        let out_buf = match dest {
            Dest::Host => None,
            Dest::NewBuffer => Some(self.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("mvn::samples"),
                size: total_bytes,
                usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::VERTEX | wgpu::BufferUsages::COPY_SRC,
                mapped_at_creation: false,
            })),
            Dest::Into(b) => Some(b.clone()),
        };
        // Both halves in one binding when the whole output fits one.
        let single = total_bytes <= limit;
        if !single && limit < align + rb {
            return Err(Error::new(ErrorKind::TooLarge, op, format!("one row of {n} values does not fit a GPU storage binding.")));
        }
        let k_max = if single {
            half
        } else {
            // Room for aligning a binding offset down, and lo/hi ranges that never overlap.
            let room = (limit - align) / rb;
            let apart = (half as u64).saturating_sub(align.div_ceil(rb) + 1);
            room.min(apart).max(1) as usize
        };
        let chunks = row_chunks(half, k_max, 1);
        let multi = chunks.len() > 1;
        if multi && out_buf.is_none() {
            host.resize(plan.rows * n, 0.0); // chunks land in two places: fill in place
        }
        let f_buf = self.storage("mvn::factors", bytemuck::cast_slice(dist.factors()));
        let m_buf = self.storage("mvn::means", bytemuck::cast_slice(dist.mean_data()));
        let fm_buf = self.storage("mvn::factor_map", bytemuck::cast_slice(dist.factor_of_cov()));
        let rm_buf = self.uniform("mvn::row maps", &maps);
        let dummy = self.scratch("mvn::dummy", 4, wgpu::BufferUsages::STORAGE);
        let pipeline = self.fused_pipeline(n);
        let staging = if out_buf.is_none() { Some(self.staging(if single { total_bytes } else { 2 * k_max as u64 * rb })) } else { None };
        prof.mark("inputs + staging");
        let down = |x: u64| x / align * align;
        let mut result = Ok(());
        for &(r0, r1) in &chunks {
            let k = (r1 - r0) as u64;
            // (buffer, offset, size, base element) of the two regions, and whether they share.
            let (lo, hi, same): ((wgpu::Buffer, u64, u64, u64), (wgpu::Buffer, u64, u64, u64), bool) = match (&out_buf, single) {
                (None, true) => {
                    let b = self.scratch("mvn::out", total_bytes, wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC);
                    ((b, 0, total_bytes, 0), (dummy.clone(), 0, 4, half as u64 * n as u64), true)
                }
                (None, false) => {
                    let usage = wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC;
                    ((self.scratch("mvn::out", k * rb, usage), 0, k * rb, 0), (self.scratch("mvn::out2", k * rb, usage), 0, k * rb, 0), false)
                }
                (Some(b), true) => ((b.clone(), 0, total_bytes, 0), (dummy.clone(), 0, 4, half as u64 * n as u64), true),
                (Some(b), false) => {
                    let (lo_start, hi_start) = (r0 as u64 * rb, (r0 + half) as u64 * rb);
                    let (lo_off, hi_off) = (down(lo_start), down(hi_start));
                    (
                        (b.clone(), lo_off, lo_start + k * rb - lo_off, (lo_start - lo_off) / 4),
                        (b.clone(), hi_off, hi_start + k * rb - hi_off, (hi_start - hi_off) / 4),
                        false,
                    )
                }
            };
            let mut enc = self.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("mvn::fused") });
            for (first, c, gx, gy) in dispatches(k, WORKGROUP, self.limits.max_workgroups_per_dimension) {
                let p = FusedParams {
                    key: plan.key.0,
                    half_rows: half as u32,
                    row_offset: (r0 as u64 + first) as u32,
                    count: c as u32,
                    groups_x: gx,
                    triangular: dist.is_triangular() as u32,
                    local_first: first as u32,
                    lo_base: lo.3 as u32,
                    hi_base: hi.3 as u32,
                    same: same as u32,
                    one: 1.0,
                    a: crate::prng::math::SQRT2,
                    _pad: 0,
                };
                let ub = self.uniform("mvn::fused params", &p);
                fn region(r: &(wgpu::Buffer, u64, u64, u64), binding: u32) -> wgpu::BindGroupEntry<'_> {
                    wgpu::BindGroupEntry {
                        binding,
                        resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding { buffer: &r.0, offset: r.1, size: wgpu::BufferSize::new(r.2) }),
                    }
                }
                let entries = [
                    wgpu::BindGroupEntry { binding: 0, resource: ub.as_entire_binding() },
                    wgpu::BindGroupEntry { binding: 1, resource: f_buf.as_entire_binding() },
                    wgpu::BindGroupEntry { binding: 2, resource: m_buf.as_entire_binding() },
                    wgpu::BindGroupEntry { binding: 3, resource: fm_buf.as_entire_binding() },
                    region(&lo, 4),
                    wgpu::BindGroupEntry { binding: 5, resource: rm_buf.as_entire_binding() },
                    region(&hi, 6),
                ];
                let bg = self.device.create_bind_group(&wgpu::BindGroupDescriptor { label: Some("mvn::fused"), layout: &self.fused_layout, entries: &entries });
                let mut pass = enc.begin_compute_pass(&wgpu::ComputePassDescriptor { label: Some("mvn::fused"), timestamp_writes: None });
                pass.set_pipeline(&pipeline);
                pass.set_bind_group(0, &bg, &[]);
                pass.dispatch_workgroups(gx, gy, 1);
            }
            if let Some(st) = &staging {
                if single {
                    enc.copy_buffer_to_buffer(&lo.0, 0, st, 0, total_bytes);
                } else {
                    enc.copy_buffer_to_buffer(&lo.0, 0, st, 0, k * rb);
                    enc.copy_buffer_to_buffer(&hi.0, 0, st, k * rb, k * rb);
                }
            }
            prof.mark("encode (fused)");
            self.queue.submit([enc.finish()]);
            prof.mark("submit");
            if let Some(st) = &staging {
                if single {
                    result = readback::read_append(&self.device, st, total_bytes, &mut host).await;
                } else {
                    let mut part: Vec<f32> = Vec::with_capacity(2 * k as usize * n);
                    result = readback::read_append(&self.device, st, 2 * k * rb, &mut part).await;
                    if result.is_ok() {
                        let kn = k as usize * n;
                        host[r0 * n..r1 * n].copy_from_slice(&part[..kn]);
                        host[(r0 + half) * n..(r1 + half) * n].copy_from_slice(&part[kn..]);
                    }
                }
                prof.mark("wait + map + copy");
                if result.is_err() {
                    break;
                }
            }
        }
        close_scopes(op, val, oom, result).await?;
        Ok((if matches!(dest, Dest::NewBuffer) { out_buf } else { None }, host))
    }

    pub async fn mvn(&self, dist: &MultivariateNormal, plan: &Plan) -> Result<Vec<f32>> {
        Ok(self.run_mvn("multivariate_normal", dist, plan, Dest::Host).await?.1)
    }

    pub async fn mvn_into(&self, dist: &MultivariateNormal, plan: &Plan, out: &wgpu::Buffer) -> Result<()> {
        self.run_mvn("sample_into", dist, plan, Dest::Into(out)).await.map(|_| ())
    }

    pub async fn mvn_to_buffer(&self, dist: &MultivariateNormal, plan: &Plan) -> Result<wgpu::Buffer> {
        let (buffer, _) = self.run_mvn("multivariate_normal", dist, plan, Dest::NewBuffer).await?;
        buffer.ok_or_else(|| Error::new(ErrorKind::Device, "multivariate_normal", "no output buffer was produced."))
    }
}

/// Pops a call's error scopes (innermost first): a GPU error wins over the call's own result.
/// Out of GPU memory (the root cause of the validation errors that follow it) wins.
async fn close_scopes(op: &str, val: wgpu::ErrorScopeGuard, oom: wgpu::ErrorScopeGuard, result: Result<()>) -> Result<()> {
    let invalid = val.pop().await;
    if let Some(e) = oom.pop().await {
        let e = e.to_string();
        return Err(Error::new(
            ErrorKind::TooLarge,
            op,
            format!("the GPU is out of memory for this request ({}); draw fewer samples at once or release GPU buffers.", e.trim().replace('\n', " ")),
        ));
    }
    if let Some(e) = invalid {
        return Err(device_error(op, e));
    }
    // A failed readback is reported as the caller's operation.
    result.map_err(|e| match e.message().strip_prefix("[readback] ") {
        Some(m) => Error::new(e.kind(), op, format!("readback: {m}")),
        None => e,
    })
}

/// Stage timings on stderr when `MVN_GPU_PROFILE` is set (native only): where a call's time goes.
pub(crate) struct Profile {
    #[cfg(not(target_arch = "wasm32"))]
    last: Option<std::time::Instant>,
}

impl Profile {
    pub(crate) fn start() -> Profile {
        #[cfg(not(target_arch = "wasm32"))]
        {
            static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
            let on = *ON.get_or_init(|| std::env::var_os("MVN_GPU_PROFILE").is_some());
            Profile { last: on.then(std::time::Instant::now) }
        }
        #[cfg(target_arch = "wasm32")]
        Profile {}
    }

    pub(crate) fn mark(&mut self, _stage: &str) {
        #[cfg(not(target_arch = "wasm32"))]
        if let Some(t) = self.last {
            let now = std::time::Instant::now();
            eprintln!("mvn-gpu profile: {_stage:<24} {:9.3} ms", (now - t).as_secs_f64() * 1e3);
            self.last = Some(now);
        }
    }
}

/// The block range `(first, count)` whose words cover `[lo, hi)` of a `total`-word stream in
/// MLX's layout (block b gives words b and b + half; an odd stream's last word comes from block
/// `full`). Blocks in the range whose words both fall outside are skipped by the kernel.
fn pair_blocks(total: u32, lo: u32, hi: u32) -> (u32, u32) {
    let full = total / 2;
    let half = full + (total & 1);
    let mut ranges = Vec::new();
    if lo < hi.min(full) {
        ranges.push((lo, hi.min(full)));
    }
    if hi > half {
        let (s, e) = (lo.max(half) - half, (hi - half).min(full));
        if s < e {
            ranges.push((s, e));
        }
    }
    if total & 1 == 1 && lo <= full && full < hi {
        ranges.push((full, full + 1));
    }
    match (ranges.iter().map(|r| r.0).min(), ranges.iter().map(|r| r.1).max()) {
        (Some(s), Some(e)) => (s, e - s),
        _ => (0, 0),
    }
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}
