#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    mvn_gpu_fuzz::cli::fuzz_array(data);
});
