//! Portable buffer readback: `map_async` completes a small std-only future; natively we block
//! in `device.poll`, on the web the browser completes the map and the future wakes.

use crate::error::{Error, ErrorKind, Result};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

type Slot = Arc<Mutex<(Option<std::result::Result<(), wgpu::BufferAsyncError>>, Option<Waker>)>>;

struct MapFuture(Slot);

impl Future for MapFuture {
    type Output = std::result::Result<(), wgpu::BufferAsyncError>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut g = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match g.0.take() {
            Some(r) => Poll::Ready(r),
            None => {
                g.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// Maps `buffer[..bytes]` for reading and appends it to `dst` (whose capacity the caller
/// reserved: the host memory is written once, by this copy).
pub(crate) async fn read_append<T: bytemuck::Pod>(device: &wgpu::Device, buffer: &wgpu::Buffer, bytes: u64, dst: &mut Vec<T>) -> Result<()> {
    let slot: Slot = Arc::new(Mutex::new((None, None)));
    let s2 = slot.clone();
    buffer.map_async(wgpu::MapMode::Read, ..bytes, move |r| {
        let mut g = s2.lock().unwrap_or_else(|e| e.into_inner());
        g.0 = Some(r);
        if let Some(w) = g.1.take() {
            w.wake();
        }
    });
    #[cfg(not(target_arch = "wasm32"))]
    device
        .poll(wgpu::PollType::wait_indefinitely())
        .map_err(|e| Error::new(ErrorKind::Device, "readback", format!("device poll failed: {e}.")))?;
    #[cfg(target_arch = "wasm32")]
    let _ = device;
    MapFuture(slot)
        .await
        .map_err(|e| Error::new(ErrorKind::Device, "readback", format!("buffer map failed: {e}.")))?;
    {
        let view = buffer
            .get_mapped_range(..bytes)
            .map_err(|e| Error::new(ErrorKind::Device, "readback", format!("mapped range unavailable: {e}.")))?;
        dst.extend_from_slice(bytemuck::cast_slice(&view[..]));
    }
    buffer.unmap();
    Ok(())
}
