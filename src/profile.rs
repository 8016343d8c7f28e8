//! A stage timer: with `MVN_GPU_PROFILE` set (native only), each stage of a call prints its
//! time on stderr, to show where a call's time goes. Free when unset.

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

    /// Ends the stage that started at the previous mark.
    pub(crate) fn mark(&mut self, _stage: &str) {
        #[cfg(not(target_arch = "wasm32"))]
        if let Some(t) = self.last {
            let now = std::time::Instant::now();
            // Not eprintln!: a stderr that cannot be written must not panic.
            let _ = std::io::Write::write_fmt(&mut std::io::stderr(), format_args!("mvn-gpu profile: {_stage:<24} {:9.3} ms\n", (now - t).as_secs_f64() * 1e3));
            self.last = Some(now);
        }
    }
}
