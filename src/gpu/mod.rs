//! The wgpu backend. A call goes: [`device_loss::Gpu`] (a device that is replaced when lost)
//! → [`context::GpuContext`] (device, pipelines, scratch buffers) → `words.rs` or `mvn.rs`
//! (plan the chunks) → [`execute`] (record, submit, read back) → `kernels/` (bind groups and
//! dispatches of the WGSL in `shaders/`).

mod chunks;
mod context;
pub(crate) mod density;
mod device_array;
#[cfg(not(target_arch = "wasm32"))]
pub(crate) mod device_inputs;
mod device_loss;
mod error_scopes;
mod execute;
pub(crate) mod kernels;
mod lock;
mod low_rank;
mod mvn;
mod pipelines;
mod readback;
mod source;
mod words;

pub use chunks::ChunkLimits;
pub use context::SamplerOptions;
pub(crate) use context::GpuContext;
pub use device_array::GpuArray;
#[cfg(not(target_arch = "wasm32"))]
pub(crate) use device_inputs::Spread;
pub(crate) use device_loss::{Gpu, OnLoss};
