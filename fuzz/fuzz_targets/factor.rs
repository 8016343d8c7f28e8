#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    mvn_gpu_fuzz::factor::run(data);
});
