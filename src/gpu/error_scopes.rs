//! WebGPU error scopes around one call, and what their errors mean for the caller: out of GPU
//! memory is `TooLarge`, any other validation error `Device`.

use crate::error::{Error, ErrorKind, Result};

/// A call's two scopes: out-of-memory outside, validation inside.
pub(crate) struct Scopes {
    oom: wgpu::ErrorScopeGuard,
    validation: wgpu::ErrorScopeGuard,
}

impl Scopes {
    pub fn open(device: &wgpu::Device) -> Scopes {
        let oom = device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
        Scopes { oom, validation: device.push_error_scope(wgpu::ErrorFilter::Validation) }
    }

    /// Pops the scopes (innermost first): a GPU error wins over the call's own `result`, and
    /// out of GPU memory (the root cause of the validation errors that follow it) wins over both.
    pub async fn close(self, op: &str, result: Result<()>) -> Result<()> {
        let invalid = self.validation.pop().await;
        if let Some(e) = self.oom.pop().await {
            let e = e.to_string();
            return Err(Error::new(
                ErrorKind::TooLarge,
                op,
                format!("the GPU is out of memory for this request ({}); draw fewer samples at once or release GPU buffers.", e.trim().replace('\n', " ")),
            ));
        }
        if let Some(e) = invalid {
            return Err(Error::new(ErrorKind::Device, op, format!("GPU error: {e}")));
        }
        // A failed readback is reported as the caller's operation.
        result.map_err(|e| match e.message().strip_prefix("[readback] ") {
            Some(m) => Error::new(e.kind(), op, format!("readback: {m}")),
            None => e,
        })
    }
}
