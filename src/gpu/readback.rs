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

/// A part of a staging buffer that goes to the host result: `bytes` bytes at `offset`, to
/// element `at` of the result.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Piece {
    pub offset: u64,
    pub bytes: u64,
    pub at: usize,
}

/// Maps `buffer` for reading and puts each piece into `dst` at its element. A piece that
/// starts at `dst`'s end is appended (the common case: the caller reserved the capacity, and
/// the host memory is written once, by this copy); one past the end zero-fills the gap first.
pub(crate) async fn read_pieces<T: bytemuck::Pod + Send + Sync>(device: &wgpu::Device, buffer: &wgpu::Buffer, pieces: &[Piece], dst: &mut Vec<T>) -> Result<()> {
    let bytes = pieces.iter().map(|p| p.offset + p.bytes).max().unwrap_or(0);
    if bytes == 0 {
        return Ok(());
    }
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
        for p in pieces {
            let src: &[T] = bytemuck::cast_slice(&view[p.offset as usize..(p.offset + p.bytes) as usize]);
            if p.at > dst.len() {
                dst.resize(p.at, T::zeroed());
            }
            let inside = (dst.len() - p.at).min(src.len());
            dst[p.at..p.at + inside].copy_from_slice(&src[..inside]);
            append(dst, &src[inside..]);
        }
    }
    buffer.unmap();
    Ok(())
}

/// Bytes from which an append is copied by several threads (natively).
#[cfg(not(target_arch = "wasm32"))]
const PARALLEL_COPY_BYTES: usize = 8 << 20;

/// `dst.extend_from_slice(src)`. Natively, a large `src` is copied by all cores in 1 MiB
/// parts: one thread neither reads mapped memory nor faults in fresh pages at the rate the
/// GPU delivers them (a 200 MB readback ran at 1.5 GB/s on one thread of an H200's host).
fn append<T: bytemuck::Pod + Send + Sync>(dst: &mut Vec<T>, src: &[T]) {
    #[cfg(not(target_arch = "wasm32"))]
    if std::mem::size_of_val(src) >= PARALLEL_COPY_BYTES {
        use rayon::prelude::*;
        dst.reserve(src.len());
        let part = ((1 << 20) / std::mem::size_of::<T>().max(1)).max(1);
        let spare = &mut dst.spare_capacity_mut()[..src.len()];
        #[cfg(target_os = "linux")]
        huge_pages(spare.as_mut_ptr().cast(), std::mem::size_of_val(src));
        spare.par_chunks_mut(part).zip(src.par_chunks(part)).for_each(|(d, s)| {
            for (d, &s) in d.iter_mut().zip(s) {
                d.write(s);
            }
        });
        // SAFETY: the first src.len() spare elements were all written just above.
        unsafe { dst.set_len(dst.len() + src.len()) };
        return;
    }
    dst.extend_from_slice(src);
}

/// Asks Linux to back the untouched `len` bytes at `ptr` with transparent huge pages where it
/// can: first-touch faults of 4 KiB pages (about 0.4 µs each) were most of a large readback's
/// time. Only the 2 MiB-aligned interior is advised; a refusal (THP off) changes nothing.
#[cfg(target_os = "linux")]
fn huge_pages(ptr: *mut u8, len: usize) {
    const HUGE: usize = 2 << 20;
    let start = (ptr as usize).next_multiple_of(HUGE);
    let end = (ptr as usize + len) / HUGE * HUGE;
    if end > start {
        // SAFETY: [start, end) lies inside the vector's own allocation; madvise only changes
        // how its not-yet-touched pages are backed, never their contents.
        unsafe { libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE) };
    }
}
