//! A small async lock (std only): one GPU operation of a sampler at a time. WebGPU error scopes
//! form one stack per device on the web, so interleaved operations would pop each other's
//! scopes; serializing them keeps every call's errors its own.
//!
//! The lock also ends each call's temporary buffers: on the web, dropping a `wgpu::Buffer`
//! leaves its `GPUBuffer` (and its GPU memory) to the JavaScript garbage collector, so the
//! buffers a call made for itself are destroyed explicitly when its guard drops (work already
//! submitted still completes, as WebGPU specifies for `GPUBuffer.destroy()`).

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll, Waker};

#[derive(Default)]
pub(crate) struct AsyncLock {
    state: Mutex<(bool, VecDeque<Waker>)>,
    /// Buffers of the call that holds the lock, destroyed when it releases it (web only).
    temporaries: Mutex<Vec<wgpu::Buffer>>,
}

pub(crate) struct Guard<'a>(&'a AsyncLock);

impl AsyncLock {
    pub fn lock(&self) -> impl Future<Output = Guard<'_>> {
        LockFuture(self)
    }

    /// Destroys `buffer` when the current holder releases the lock (web only: natively a
    /// dropped buffer is freed at once).
    pub fn destroy_after_call(&self, buffer: &wgpu::Buffer) {
        #[cfg(target_arch = "wasm32")]
        self.temporaries.lock().unwrap_or_else(|e| e.into_inner()).push(buffer.clone());
        #[cfg(not(target_arch = "wasm32"))]
        let _ = buffer;
    }
}

struct LockFuture<'a>(&'a AsyncLock);

impl<'a> Future for LockFuture<'a> {
    type Output = Guard<'a>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Guard<'a>> {
        let mut s = self.0.state.lock().unwrap_or_else(|e| e.into_inner());
        if s.0 {
            // Polled again while waiting (a spurious wake): keep one entry per waiter.
            if !s.1.iter().any(|w| w.will_wake(cx.waker())) {
                s.1.push_back(cx.waker().clone());
            }
            Poll::Pending
        } else {
            s.0 = true;
            Poll::Ready(Guard(self.0))
        }
    }
}

impl Drop for Guard<'_> {
    fn drop(&mut self) {
        for b in std::mem::take(&mut *self.0.temporaries.lock().unwrap_or_else(|e| e.into_inner())) {
            b.destroy();
        }
        let mut s = self.0.state.lock().unwrap_or_else(|e| e.into_inner());
        s.0 = false;
        // Every waiter is woken: one takes the lock, the others queue again. Waking only the
        // first could wake a waiter that was dropped (or one queued twice), and nobody else.
        let waiters = std::mem::take(&mut s.1);
        drop(s);
        waiters.into_iter().for_each(Waker::wake);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::Wake;

    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn waker() -> (Waker, Arc<Count>) {
        let c = Arc::new(Count(AtomicUsize::new(0)));
        (Waker::from(c.clone()), c)
    }

    #[test]
    fn a_waiter_polled_twice_does_not_strand_the_next_one() {
        let lock = AsyncLock::default();
        let held = pollster::block_on(lock.lock());
        let ((wa, _), (wb, cb)) = (waker(), waker());
        let (mut a, mut b) = (Box::pin(lock.lock()), Box::pin(lock.lock()));
        let mut ca = Context::from_waker(&wa);
        assert!(a.as_mut().poll(&mut ca).is_pending());
        assert!(a.as_mut().poll(&mut ca).is_pending()); // a spurious wake polls it again
        assert!(b.as_mut().poll(&mut Context::from_waker(&wb)).is_pending());
        drop(held);
        let Poll::Ready(ga) = a.as_mut().poll(&mut ca) else { panic!("a should get the lock") };
        drop(ga);
        assert!(cb.0.load(Ordering::SeqCst) > 0, "b was never woken");
        assert!(b.as_mut().poll(&mut Context::from_waker(&wb)).is_ready());
    }
}
