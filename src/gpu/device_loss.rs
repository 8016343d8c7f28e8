//! Device loss. A sampler keeps its current [`GpuContext`] behind [`Gpu`], with a flag that the
//! device's lost callback sets (`GPUDevice.lost` on the web; wgpu's device-lost closure, fired
//! by `poll`, natively). Before each call the flag is checked:
//!
//! - a sampler that opened its own device ([`crate::Sampler::gpu`], the JS `Sampler.create`)
//!   opens a new one and runs the call there; a call that the loss interrupted (it failed with
//!   a device error, and the device turned out lost) is run again once on the new device, so
//!   it gives the very same samples as on a fresh sampler;
//! - a sampler on an application's device ([`crate::Sampler::from_device`]) cannot replace it:
//!   its calls fail with [`ErrorKind::DeviceLost`] and [`Gpu::lost`] says why.
//!
//! After any device error the call's scratch buffers are dropped (a failed map can leave a
//! staging buffer unusable), so the next call starts clean.

use super::chunks::ChunkLimits;
use super::context::{GpuContext, SamplerOptions};
use super::lock::AsyncLock;
use crate::error::{Error, ErrorKind, Result};
use std::future::Future;
use std::sync::{Arc, Mutex};

/// Why the device was lost, once it was.
type LostFlag = Arc<Mutex<Option<String>>>;

#[allow(clippy::arc_with_non_send_sync)] // wasm: wgpu's WebGPU types are not Send; one thread.
struct Current {
    ctx: Arc<GpuContext>,
    lost: LostFlag,
}

/// The device a GPU sampler runs on, and how to replace it.
pub(crate) struct Gpu {
    current: Mutex<Current>,
    /// How to open a new device (`None`: the application's device, not ours to replace).
    reopen: Option<SamplerOptions>,
    /// One replacement at a time; calls waiting on it then use the new device.
    reopening: AsyncLock,
    /// Lost devices replaced so far.
    replaced: std::sync::atomic::AtomicU64,
}

fn watch(device: &wgpu::Device) -> LostFlag {
    let lost: LostFlag = Default::default();
    let l = lost.clone();
    device.set_device_lost_callback(move |reason, message| {
        let why = if message.is_empty() { format!("{reason:?}") } else { format!("{reason:?}: {}", message.trim_end_matches('.')) };
        *l.lock().unwrap_or_else(|e| e.into_inner()) = Some(why);
    });
    lost
}

/// Opens a device of our own (honours `WGPU_BACKEND` and `WGPU_ADAPTER_NAME`).
async fn open(options: &SamplerOptions) -> Result<GpuContext> {
    let op = "Sampler";
    let instance = wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
    let adapter = instance
        .request_adapter(&wgpu::RequestAdapterOptions {
            power_preference: options.power_preference,
            force_fallback_adapter: false,
            compatible_surface: None,
            ..Default::default()
        })
        .await
        .map_err(|e| {
            // In wasm, wgpu lists its native backends as "not compiled in", which reads like a
            // broken build: the only backend there is WebGPU, and what matters is that it found none.
            #[cfg(target_arch = "wasm32")]
            let e = { let _ = e; "WebGPU (navigator.gpu.requestAdapter) returned no adapter" };
            Error::new(ErrorKind::NoAdapter, op, format!("no GPU adapter: {e}."))
        })?;
    let (device, queue) = adapter
        .request_device(&wgpu::DeviceDescriptor { label: Some("mvn-gpu"), required_limits: adapter.limits(), ..Default::default() })
        .await
        .map_err(|e| Error::new(ErrorKind::NoAdapter, op, format!("GPU device request failed: {e}.")))?;
    // Errors of our own work are caught by error scopes; never panic on stray ones.
    device.on_uncaptured_error(Arc::new(|e: wgpu::Error| {
        #[cfg(not(target_arch = "wasm32"))]
        let _ = std::io::Write::write_fmt(&mut std::io::stderr(), format_args!("mvn-gpu: uncaptured GPU error: {e}\n"));
        #[cfg(target_arch = "wasm32")]
        let _ = e;
    }));
    Ok(GpuContext::new(device, queue, Some(adapter.get_info()), options.limits))
}

/// Lets the browser run its queued tasks (a `GPUDevice.lost` promise settles in a task of its
/// own, after the failure of the work the loss interrupted). Natively: waits (at most 5 s) for
/// the queue to drain, which fires the lost callback of a destroyed device.
async fn settle(device: &wgpu::Device) {
    #[cfg(target_arch = "wasm32")]
    {
        let _ = device;
        let tick = js_sys::Promise::new(&mut |resolve, _| {
            let set_timeout = js_sys::Reflect::get(&js_sys::global(), &"setTimeout".into()).ok().and_then(|f| f.dyn_into::<js_sys::Function>().ok());
            match set_timeout {
                Some(f) => {
                    let _ = f.call2(&wasm_bindgen::JsValue::UNDEFINED, &resolve, &0.into());
                }
                None => {
                    let _ = resolve.call0(&wasm_bindgen::JsValue::UNDEFINED);
                }
            }
        });
        let _ = wasm_bindgen_futures::JsFuture::from(tick).await;
    }
    // A destroyed device reports its loss once its queue is empty: wait for that (bounded).
    #[cfg(not(target_arch = "wasm32"))]
    let _ = device.poll(wgpu::PollType::Wait { submission_index: None, timeout: Some(std::time::Duration::from_secs(5)) });
}

#[cfg(target_arch = "wasm32")]
use wasm_bindgen::JsCast;

impl Gpu {
    /// A sampler's own device, replaced when lost.
    pub async fn open(options: &SamplerOptions) -> Result<Gpu> {
        let ctx = open(options).await?;
        Ok(Gpu::with(ctx, Some(*options)))
    }

    /// An application's device: never replaced.
    pub fn from_device(device: wgpu::Device, queue: wgpu::Queue, limits: ChunkLimits) -> Gpu {
        let info = device.adapter_info();
        Gpu::with(GpuContext::new(device, queue, Some(info), limits), None)
    }

    /// Whether the device is ours (replaced when lost) rather than the application's.
    pub fn owns_device(&self) -> bool {
        self.reopen.is_some()
    }

    #[allow(clippy::arc_with_non_send_sync)]
    fn with(ctx: GpuContext, reopen: Option<SamplerOptions>) -> Gpu {
        let lost = watch(&ctx.device);
        Gpu { current: Mutex::new(Current { ctx: Arc::new(ctx), lost }), reopen, reopening: AsyncLock::default(), replaced: Default::default() }
    }

    /// The context calls run on now.
    pub fn context(&self) -> Arc<GpuContext> {
        self.current.lock().unwrap_or_else(|e| e.into_inner()).ctx.clone()
    }

    /// How many lost devices were replaced.
    pub fn replacements(&self) -> u64 {
        self.replaced.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Why the current device was lost, if it was (and was not replaced yet).
    pub fn lost(&self) -> Option<String> {
        let c = self.current.lock().unwrap_or_else(|e| e.into_inner());
        #[cfg(not(target_arch = "wasm32"))]
        let _ = c.ctx.device.poll(wgpu::PollType::Poll);
        let why = c.lost.lock().unwrap_or_else(|e| e.into_inner()).clone();
        why
    }

    fn lost_reason(&self, ctx: &Arc<GpuContext>) -> Option<String> {
        let c = self.current.lock().unwrap_or_else(|e| e.into_inner());
        if !Arc::ptr_eq(&c.ctx, ctx) {
            return Some("replaced".into()); // another call already found it lost
        }
        let why = c.lost.lock().unwrap_or_else(|e| e.into_inner()).clone();
        why
    }

    /// Replaces `old` (lost for `why`), unless another call did already.
    async fn replace(&self, op: &str, old: &Arc<GpuContext>, why: &str) -> Result<Arc<GpuContext>> {
        let Some(options) = self.reopen else {
            return Err(Error::new(
                ErrorKind::DeviceLost,
                op,
                format!("the GPU device was lost ({why}); this sampler runs on the application's device and cannot replace it: create a new sampler on a new device."),
            ));
        };
        let _one = self.reopening.lock().await;
        let now = self.context();
        if !Arc::ptr_eq(&now, old) {
            return Ok(now);
        }
        let ctx = open(&options).await.map_err(|e| {
            Error::new(ErrorKind::DeviceLost, op, format!("the GPU device was lost ({why}) and a new one could not be opened: {}", e.message().trim_start_matches("[Sampler] ")))
        })?;
        let lost = watch(&ctx.device);
        #[allow(clippy::arc_with_non_send_sync)]
        let ctx = Arc::new(ctx);
        *self.current.lock().unwrap_or_else(|e| e.into_inner()) = Current { ctx: ctx.clone(), lost };
        self.replaced.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(ctx)
    }

    /// Runs `call` on a device not known to be lost: the current one, or (for a device of our
    /// own) a new one in place of a lost one. A device error drops the scratch buffers; when
    /// the device turns out to have been lost under the call, it is replaced (own device) and,
    /// with [`OnLoss::Replay`], the call runs once more there; otherwise (or on the
    /// application's device) the call fails with [`ErrorKind::DeviceLost`].
    pub async fn run<T, F, Fut>(&self, op: &str, on_loss: OnLoss, call: F) -> Result<T>
    where
        F: Fn(Arc<GpuContext>) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let mut ctx = self.context();
        #[cfg(not(target_arch = "wasm32"))]
        let _ = ctx.device.poll(wgpu::PollType::Poll); // fires the lost callback of a destroyed device
        if let Some(why) = self.lost_reason(&ctx) {
            ctx = self.replace(op, &ctx, &why).await?;
            on_loss.check(op, &why)?;
        }
        let err = match call(ctx.clone()).await {
            Err(e) if e.kind() == ErrorKind::Device => e,
            other => return other,
        };
        ctx.trim();
        settle(&ctx.device).await;
        let Some(why) = self.lost_reason(&ctx) else { return Err(err) };
        let ctx = self.replace(op, &ctx, &why).await?;
        on_loss.check(op, &why)?;
        let out = call(ctx.clone()).await;
        if matches!(&out, Err(e) if e.kind() == ErrorKind::Device) {
            ctx.trim();
        }
        out
    }
}

/// What a call does when its device was lost (and replaced, on a device of our own).
#[derive(Clone, Copy)]
pub(crate) enum OnLoss {
    /// Run again on the new device: same key, same samples.
    Replay,
    /// Fail: the call writes the caller's buffer, which died with the old device.
    Fail,
}

impl OnLoss {
    fn check(self, op: &str, why: &str) -> Result<()> {
        match self {
            OnLoss::Replay => Ok(()),
            OnLoss::Fail => Err(Error::new(
                ErrorKind::DeviceLost,
                op,
                format!("the GPU device was lost ({why}) with the output buffer on it; the sampler has a new device: create the buffer on Sampler::device() again."),
            )),
        }
    }
}
