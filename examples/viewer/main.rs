//! A native wgpu app that draws multivariate normal samples with mvn-gpu: it creates its own
//! device, hands it to `Sampler::from_device`, and renders the sample buffer directly (no
//! readback) with the crate's `shaders/points.wgsl`.
//!
//! Controls: drag with the left button to move the mean; drag with the right button to stretch
//! σx (horizontal) and σy (vertical); scroll (or Q/E) to change ρ; arrows move the mean;
//! A/D and S/W scale σx and σy; R resamples (splits the key); M switches the method
//! (cholesky, eigh, svd); + and - change the number of samples; Esc quits.
//!
//! `cargo run --release --example viewer -- [--count N] [--seed S] [--method M] [--quit-after SECONDS]`

mod font;

use mvn_gpu::{key, split, Array, ChunkLimits, GpuSamples, Key, Method, MultivariateNormal, Options, Sampler};
use std::sync::Arc;
use std::time::Instant;
use winit::application::ApplicationHandler;
use winit::dpi::{LogicalSize, PhysicalPosition};
use winit::event::{ElementState, MouseButton, MouseScrollDelta, WindowEvent};
use winit::event_loop::{ActiveEventLoop, ControlFlow, EventLoop};
use winit::keyboard::{Key as WKey, NamedKey};
use winit::window::{Window, WindowId};

/// Half the visible range on x, in data units.
const HALF_RANGE: f32 = 6.0;

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct ViewUniform {
    center: [f32; 2],
    scale: [f32; 2],
    n: u32,
    a: u32,
    b: u32,
    _pad: u32,
    color: [f32; 4],
}

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct TextUniform {
    origin: [f32; 2],
    screen: [f32; 2],
    scale: f32,
    _pad: [f32; 3],
    color: [f32; 4],
}

struct Args {
    count: u64,
    seed: u64,
    method: Method,
    quit_after: Option<f64>,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args { count: 1_000_000, seed: 0, method: Method::Cholesky, quit_after: None };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--count" => a.count = value()?.parse().map_err(|e| format!("--count: {e}"))?,
            "--seed" => a.seed = value()?.parse().map_err(|e| format!("--seed: {e}"))?,
            "--method" => a.method = value()?.parse().map_err(|e: mvn_gpu::Error| e.to_string())?,
            "--quit-after" => a.quit_after = Some(value()?.parse().map_err(|e| format!("--quit-after: {e}"))?),
            "-h" | "--help" => {
                println!("usage: viewer [--count N] [--seed S] [--method cholesky|eigh|svd] [--quit-after SECONDS]");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(a)
}

/// What is drawn: a 2-D normal with mean, σx, σy and ρ.
struct Model {
    mean: [f32; 2],
    sx: f32,
    sy: f32,
    rho: f32,
    method: Method,
    key: Key,
    count: u64,
}

impl Model {
    fn cov(&self) -> [f32; 4] {
        let c = self.rho * self.sx * self.sy;
        [self.sx * self.sx, c, c, self.sy * self.sy]
    }
}

struct Gpu {
    window: Arc<Window>,
    surface: wgpu::Surface<'static>,
    device: wgpu::Device,
    queue: wgpu::Queue,
    config: wgpu::SurfaceConfiguration,
    adapter: String,
    sampler: Sampler,
    points: wgpu::RenderPipeline,
    text: wgpu::RenderPipeline,
    view_buf: wgpu::Buffer,
    text_buf: wgpu::Buffer,
    samples: Option<(GpuSamples, wgpu::BindGroup)>,
}

struct App {
    args: Args,
    model: Model,
    gpu: Option<Gpu>,
    dirty: bool,
    status: String,
    sample_ms: f64,
    factor_ms: f64,
    frames: u64,
    frame_ms_total: f64,
    draws: u64,
    started: Instant,
    cursor: PhysicalPosition<f64>,
    drag: Option<(MouseButton, PhysicalPosition<f64>, f32, f32)>,
}

impl Gpu {
    async fn new(window: Arc<Window>, el: &ActiveEventLoop) -> Gpu {
        let instance = wgpu::Instance::new(wgpu::InstanceDescriptor::new_with_display_handle_from_env(Box::new(el.owned_display_handle())));
        let surface = instance.create_surface(window.clone()).expect("surface");
        let adapter = instance
            .request_adapter(&wgpu::RequestAdapterOptions { compatible_surface: Some(&surface), ..Default::default() })
            .await
            .expect("no GPU adapter");
        let info = adapter.get_info();
        // The app's own device: the sampler shares it, so samples never leave the GPU.
        let (device, queue) = adapter
            .request_device(&wgpu::DeviceDescriptor { label: Some("viewer"), required_limits: adapter.limits(), ..Default::default() })
            .await
            .expect("device");
        let size = window.inner_size();
        let config = surface.get_default_config(&adapter, size.width.max(1), size.height.max(1)).expect("surface config");
        surface.configure(&device, &config);
        let sampler = Sampler::from_device(device.clone(), queue.clone(), ChunkLimits::UNLIMITED);

        let additive = wgpu::BlendState {
            color: wgpu::BlendComponent { src_factor: wgpu::BlendFactor::One, dst_factor: wgpu::BlendFactor::One, operation: wgpu::BlendOperation::Add },
            alpha: wgpu::BlendComponent::OVER,
        };
        let pipeline = |label: &str, src: &str, vs: &str, fs: &str, topology, blend| {
            let module = device.create_shader_module(wgpu::ShaderModuleDescriptor { label: Some(label), source: wgpu::ShaderSource::Wgsl(src.into()) });
            device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
                label: Some(label),
                layout: None,
                vertex: wgpu::VertexState { module: &module, entry_point: Some(vs), compilation_options: Default::default(), buffers: &[] },
                primitive: wgpu::PrimitiveState { topology, ..Default::default() },
                depth_stencil: None,
                multisample: Default::default(),
                fragment: Some(wgpu::FragmentState {
                    module: &module,
                    entry_point: Some(fs),
                    compilation_options: Default::default(),
                    targets: &[Some(wgpu::ColorTargetState { format: config.format, blend: Some(blend), write_mask: wgpu::ColorWrites::ALL })],
                }),
                multiview_mask: None,
                cache: None,
            })
        };
        let points = pipeline("viewer::points", mvn_gpu::shaders::POINTS, "vs_points", "fs_points", wgpu::PrimitiveTopology::PointList, additive);
        let text = pipeline("viewer::text", include_str!("text.wgsl"), "vs_text", "fs_text", wgpu::PrimitiveTopology::TriangleList, wgpu::BlendState::ALPHA_BLENDING);
        let uniform = |label, size| {
            device.create_buffer(&wgpu::BufferDescriptor { label: Some(label), size, usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST, mapped_at_creation: false })
        };
        let view_buf = uniform("viewer::view", std::mem::size_of::<ViewUniform>() as u64);
        let text_buf = uniform("viewer::text", std::mem::size_of::<TextUniform>() as u64);
        Gpu {
            window,
            surface,
            device,
            queue,
            config,
            adapter: format!("{:?} {}", info.backend, info.name),
            sampler,
            points,
            text,
            view_buf,
            text_buf,
            samples: None,
        }
    }

    fn resize(&mut self, w: u32, h: u32) {
        self.config.width = w.max(1);
        self.config.height = h.max(1);
        self.surface.configure(&self.device, &self.config);
    }

    /// Data units per pixel and the view uniform for the current window.
    fn view(&self, count: u64) -> ViewUniform {
        let (w, h) = (self.config.width as f32, self.config.height as f32);
        // Fainter points when there are more of them, so that density shows.
        let alpha = (40_000.0 / count as f32).clamp(0.03, 1.0);
        ViewUniform {
            center: [0.0, 0.0],
            scale: [1.0 / HALF_RANGE, w / h / HALF_RANGE],
            n: 2,
            a: 0,
            b: 1,
            _pad: 0,
            color: [0.35 * alpha, 0.62 * alpha, 1.0 * alpha, alpha],
        }
    }

    fn pixel_to_data(&self, p: PhysicalPosition<f64>) -> [f32; 2] {
        let (w, h) = (self.config.width as f32, self.config.height as f32);
        let x = (p.x as f32 / w * 2.0 - 1.0) * HALF_RANGE;
        let y = (1.0 - p.y as f32 / h * 2.0) * HALF_RANGE * h / w;
        [x, y]
    }

    fn render(&mut self, count: u64, status: &str) -> f64 {
        let t = Instant::now();
        let frame = match self.surface.get_current_texture() {
            wgpu::CurrentSurfaceTexture::Success(f) | wgpu::CurrentSurfaceTexture::Suboptimal(f) => f,
            wgpu::CurrentSurfaceTexture::Outdated | wgpu::CurrentSurfaceTexture::Lost => {
                self.surface.configure(&self.device, &self.config);
                return 0.0;
            }
            _ => return 0.0,
        };
        let target = frame.texture.create_view(&Default::default());
        self.queue.write_buffer(&self.view_buf, 0, bytemuck::bytes_of(&self.view(count)));
        let scale = (self.config.width as f32 / 512.0).clamp(1.0, 4.0).floor();
        let tu = TextUniform {
            origin: [12.0, 12.0],
            screen: [self.config.width as f32, self.config.height as f32],
            scale,
            _pad: [0.0; 3],
            color: [0.92, 0.93, 0.95, 1.0],
        };
        self.queue.write_buffer(&self.text_buf, 0, bytemuck::bytes_of(&tu));
        let glyphs: Vec<u32> = status.chars().flat_map(font::glyph).collect();
        let glyph_buf = self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("viewer::glyphs"),
            size: (glyphs.len().max(2) * 4) as u64,
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        self.queue.write_buffer(&glyph_buf, 0, bytemuck::cast_slice(&glyphs));
        let text_bg = self.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("viewer::text"),
            layout: &self.text.get_bind_group_layout(0),
            entries: &[
                wgpu::BindGroupEntry { binding: 0, resource: self.text_buf.as_entire_binding() },
                wgpu::BindGroupEntry { binding: 1, resource: glyph_buf.as_entire_binding() },
            ],
        });
        let mut enc = self.device.create_command_encoder(&Default::default());
        {
            let mut pass = enc.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("viewer::frame"),
                color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                    view: &target,
                    depth_slice: None,
                    resolve_target: None,
                    ops: wgpu::Operations { load: wgpu::LoadOp::Clear(wgpu::Color { r: 0.02, g: 0.025, b: 0.035, a: 1.0 }), store: wgpu::StoreOp::Store },
                })],
                depth_stencil_attachment: None,
                timestamp_writes: None,
                occlusion_query_set: None,
                multiview_mask: None,
            });
            if let Some((s, bg)) = &self.samples {
                pass.set_pipeline(&self.points);
                pass.set_bind_group(0, bg, &[]);
                pass.draw(0..(s.len() / 2) as u32, 0..1);
            }
            pass.set_pipeline(&self.text);
            pass.set_bind_group(0, &text_bg, &[]);
            pass.draw(0..6, 0..status.chars().count() as u32);
        }
        self.queue.submit([enc.finish()]);
        self.window.pre_present_notify();
        self.queue.present(frame);
        t.elapsed().as_secs_f64() * 1e3
    }
}

impl App {
    /// Factors the covariance and draws new samples into a GPU buffer (no readback).
    fn resample(&mut self) {
        let Some(gpu) = &mut self.gpu else { return };
        let m = &self.model;
        let t0 = Instant::now();
        let mean = Array::new([2], m.mean.to_vec()).expect("mean");
        let cov = Array::new([2, 2], m.cov().to_vec()).expect("cov");
        let dist = match MultivariateNormal::new(&mean, &cov, &Options::with_method(m.method)) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("{e}");
                return;
            }
        };
        let t1 = Instant::now();
        match pollster::block_on(gpu.sampler.sample_to_buffer(&dist, &[m.count as i64], Some(m.key))) {
            Ok(s) => {
                let _ = gpu.device.poll(wgpu::PollType::wait_indefinitely()); // time the GPU work too
                let bg = gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
                    label: Some("viewer::points"),
                    layout: &gpu.points.get_bind_group_layout(0),
                    entries: &[
                        wgpu::BindGroupEntry { binding: 0, resource: gpu.view_buf.as_entire_binding() },
                        wgpu::BindGroupEntry { binding: 1, resource: s.buffer.as_entire_binding() },
                    ],
                });
                gpu.samples = Some((s, bg));
            }
            Err(e) => eprintln!("{e}"),
        }
        self.factor_ms = (t1 - t0).as_secs_f64() * 1e3;
        self.sample_ms = t1.elapsed().as_secs_f64() * 1e3;
        self.draws += 1;
        // One 2 x 2 factor: its report always fits in memory.
        let Ok([r, ..]) = dist.reports() else { return };
        let adapter: String = gpu.adapter.split(" (").next().unwrap_or("").chars().take(24).collect();
        self.status = format!(
            "N=2 {} RANK {} | {} | {} PTS | FACTOR {:.2} MS SAMPLE {:.1} MS | R M",
            r.method_used.as_str(),
            r.rank,
            adapter,
            m.count,
            self.factor_ms,
            self.sample_ms
        );
    }
}

impl ApplicationHandler for App {
    fn resumed(&mut self, el: &ActiveEventLoop) {
        if self.gpu.is_some() {
            return;
        }
        let attrs = Window::default_attributes().with_title("mvn-gpu viewer").with_inner_size(LogicalSize::new(1024.0, 720.0));
        let window = Arc::new(el.create_window(attrs).expect("window"));
        self.gpu = Some(pollster::block_on(Gpu::new(window.clone(), el)));
        self.dirty = true;
        window.request_redraw();
    }

    fn window_event(&mut self, el: &ActiveEventLoop, _id: WindowId, event: WindowEvent) {
        let Some(gpu) = &mut self.gpu else { return };
        let m = &mut self.model;
        let mut changed = false;
        match event {
            WindowEvent::CloseRequested => el.exit(),
            WindowEvent::Resized(s) => gpu.resize(s.width, s.height),
            WindowEvent::CursorMoved { position, .. } => {
                self.cursor = position;
                match self.drag {
                    Some((MouseButton::Left, _, _, _)) => {
                        m.mean = gpu.pixel_to_data(position);
                        changed = true;
                    }
                    Some((MouseButton::Right, start, sx, sy)) => {
                        m.sx = (sx * ((position.x - start.x) as f32 / 150.0).exp()).clamp(0.05, 10.0);
                        m.sy = (sy * ((start.y - position.y) as f32 / 150.0).exp()).clamp(0.05, 10.0);
                        changed = true;
                    }
                    _ => {}
                }
            }
            WindowEvent::MouseInput { state, button, .. } => {
                if state == ElementState::Pressed {
                    self.drag = Some((button, self.cursor, m.sx, m.sy));
                    if button == MouseButton::Left {
                        m.mean = gpu.pixel_to_data(self.cursor);
                        changed = true;
                    }
                } else {
                    self.drag = None;
                }
            }
            WindowEvent::MouseWheel { delta, .. } => {
                let d = match delta {
                    MouseScrollDelta::LineDelta(_, y) => y * 0.05,
                    MouseScrollDelta::PixelDelta(p) => p.y as f32 * 0.002,
                };
                m.rho = (m.rho + d).clamp(-0.99, 0.99);
                changed = true;
            }
            WindowEvent::KeyboardInput { event, .. } if event.state == ElementState::Pressed => {
                changed = true;
                match event.logical_key {
                    WKey::Named(NamedKey::Escape) => el.exit(),
                    WKey::Named(NamedKey::ArrowLeft) => m.mean[0] -= 0.2,
                    WKey::Named(NamedKey::ArrowRight) => m.mean[0] += 0.2,
                    WKey::Named(NamedKey::ArrowUp) => m.mean[1] += 0.2,
                    WKey::Named(NamedKey::ArrowDown) => m.mean[1] -= 0.2,
                    WKey::Character(ref c) => match c.as_str() {
                        "a" | "A" => m.sx = (m.sx / 1.1).max(0.05),
                        "d" | "D" => m.sx = (m.sx * 1.1).min(10.0),
                        "s" | "S" => m.sy = (m.sy / 1.1).max(0.05),
                        "w" | "W" => m.sy = (m.sy * 1.1).min(10.0),
                        "q" | "Q" => m.rho = (m.rho - 0.05).max(-0.99),
                        "e" | "E" => m.rho = (m.rho + 0.05).min(0.99),
                        "r" | "R" => m.key = split(m.key).1,
                        "m" | "M" => {
                            m.method = match m.method {
                                Method::Cholesky => Method::Eigh,
                                Method::Eigh => Method::Svd,
                                Method::Svd => Method::Cholesky,
                            }
                        }
                        "+" | "=" => m.count = (m.count * 10).min(10_000_000),
                        "-" => m.count = (m.count / 10).max(1_000),
                        _ => changed = false,
                    },
                    _ => changed = false,
                }
            }
            WindowEvent::RedrawRequested => {
                if self.dirty {
                    self.dirty = false;
                    self.resample();
                }
                let Some(gpu) = &mut self.gpu else { return };
                let ms = gpu.render(self.model.count, &self.status);
                self.frames += 1;
                self.frame_ms_total += ms;
            }
            _ => {}
        }
        if changed {
            self.dirty = true;
            if let Some(g) = &self.gpu {
                g.window.request_redraw();
            }
        }
    }

    fn about_to_wait(&mut self, el: &ActiveEventLoop) {
        if let Some(q) = self.args.quit_after {
            // Measuring mode: redraw continuously, then report and quit.
            if let Some(g) = &self.gpu {
                g.window.request_redraw();
            }
            if self.started.elapsed().as_secs_f64() > q {
                let fps = self.frames as f64 / self.started.elapsed().as_secs_f64();
                println!(
                    "{{\"frames\": {}, \"fps\": {:.2}, \"frame_ms\": {:.3}, \"draws\": {}, \"factor_ms\": {:.3}, \"sample_ms\": {:.3}, \"count\": {}, \"adapter\": {:?}}}",
                    self.frames,
                    fps,
                    self.frame_ms_total / self.frames.max(1) as f64,
                    self.draws,
                    self.factor_ms,
                    self.sample_ms,
                    self.model.count,
                    self.gpu.as_ref().map(|g| g.adapter.clone()).unwrap_or_default()
                );
                el.exit();
            }
        }
    }
}

fn main() {
    let args = parse_args().unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(2);
    });
    let model = Model { mean: [0.0, 0.0], sx: 1.5, sy: 0.8, rho: 0.6, method: args.method, key: key(args.seed), count: args.count };
    let event_loop = EventLoop::new().expect("event loop");
    event_loop.set_control_flow(ControlFlow::Wait);
    let mut app = App {
        args,
        model,
        gpu: None,
        dirty: true,
        status: String::new(),
        sample_ms: 0.0,
        factor_ms: 0.0,
        frames: 0,
        frame_ms_total: 0.0,
        draws: 0,
        started: Instant::now(),
        cursor: PhysicalPosition::new(0.0, 0.0),
        drag: None,
    };
    event_loop.run_app(&mut app).expect("event loop");
}
