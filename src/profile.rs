//! A stage timer, to show where a call's time goes; free when off.
//! - Natively, with `MVN_GPU_PROFILE` set, each stage prints its time on stderr.
//! - In wasm, after `setProfiling(true)` (JS), stages are recorded for `takeProfile()`.

pub(crate) struct Profile {
    last: Option<f64>,
}

impl Profile {
    pub(crate) fn start() -> Profile {
        Profile { last: clock::on().then(clock::now) }
    }

    /// Ends the stage that started at the previous mark.
    pub(crate) fn mark(&mut self, stage: &'static str) {
        if let Some(t) = self.last {
            let now = clock::now();
            clock::record(stage, now - t);
            self.last = Some(now);
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod clock {
    use std::sync::OnceLock;
    use std::time::Instant;

    fn epoch() -> &'static Instant {
        static EPOCH: OnceLock<Instant> = OnceLock::new();
        EPOCH.get_or_init(Instant::now)
    }
    pub(super) fn on() -> bool {
        static ON: OnceLock<bool> = OnceLock::new();
        *ON.get_or_init(|| std::env::var_os("MVN_GPU_PROFILE").is_some())
    }
    pub(super) fn now() -> f64 {
        epoch().elapsed().as_secs_f64() * 1e3
    }
    pub(super) fn record(stage: &str, ms: f64) {
        // Not eprintln!: a stderr that cannot be written must not panic.
        let _ = std::io::Write::write_fmt(&mut std::io::stderr(), format_args!("mvn-gpu profile: {stage:<24} {ms:9.3} ms\n"));
    }
}

#[cfg(target_arch = "wasm32")]
mod clock {
    use std::cell::{Cell, RefCell};
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(js_namespace = performance, js_name = now)]
        fn performance_now() -> f64;
    }

    thread_local! {
        static ON: Cell<bool> = const { Cell::new(false) };
        static STAGES: RefCell<Vec<(&'static str, f64)>> = const { RefCell::new(Vec::new()) };
    }

    pub(super) fn on() -> bool {
        ON.with(Cell::get)
    }
    pub(super) fn now() -> f64 {
        performance_now()
    }
    pub(super) fn record(stage: &'static str, ms: f64) {
        STAGES.with(|s| s.borrow_mut().push((stage, ms)));
    }

    /// Turns stage recording on or off (`setProfiling` in JS); off clears what was recorded.
    #[wasm_bindgen(js_name = setProfiling)]
    pub fn set_profiling(on: bool) {
        ON.with(|c| c.set(on));
        if !on {
            STAGES.with(|s| s.borrow_mut().clear());
        }
    }

    /// The stages recorded since the last call, in order: `[{ stage, ms }, ...]` (`takeProfile`).
    #[wasm_bindgen(js_name = takeProfile)]
    pub fn take_profile() -> js_sys::Array {
        STAGES.with(|s| {
            s.borrow_mut()
                .drain(..)
                .map(|(stage, ms)| {
                    let o = js_sys::Object::new();
                    let _ = js_sys::Reflect::set(&o, &"stage".into(), &stage.into());
                    let _ = js_sys::Reflect::set(&o, &"ms".into(), &ms.into());
                    JsValue::from(o)
                })
                .collect()
        })
    }
}
