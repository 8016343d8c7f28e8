//! A small async lock (std only): one GPU operation of a sampler at a time. WebGPU error scopes
//! form one stack per device on the web, so interleaved operations would pop each other's
//! scopes; serializing them keeps every call's errors its own.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll, Waker};

#[derive(Default)]
pub(crate) struct AsyncLock {
    state: Mutex<(bool, VecDeque<Waker>)>,
}

pub(crate) struct Guard<'a>(&'a AsyncLock);

impl AsyncLock {
    pub fn lock(&self) -> impl Future<Output = Guard<'_>> {
        LockFuture(self)
    }
}

struct LockFuture<'a>(&'a AsyncLock);

impl<'a> Future for LockFuture<'a> {
    type Output = Guard<'a>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Guard<'a>> {
        let mut s = self.0.state.lock().unwrap_or_else(|e| e.into_inner());
        if s.0 {
            s.1.push_back(cx.waker().clone());
            Poll::Pending
        } else {
            s.0 = true;
            Poll::Ready(Guard(self.0))
        }
    }
}

impl Drop for Guard<'_> {
    fn drop(&mut self) {
        let mut s = self.0.state.lock().unwrap_or_else(|e| e.into_inner());
        s.0 = false;
        if let Some(w) = s.1.pop_front() {
            w.wake();
        }
    }
}
