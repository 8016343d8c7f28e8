//! Copies the CLI source `../src/bin/mvn-gpu.rs` into OUT_DIR without its inner doc comments
//! (`//!`, not allowed inside `include!`), so `src/lib.rs` can compile it as a module and reach
//! its private parsing functions without any change to the main crate.

fn main() {
    let src = "../src/bin/mvn-gpu.rs";
    println!("cargo:rerun-if-changed={src}");
    let text = std::fs::read_to_string(src).expect("read the CLI source");
    let body: String = text.lines().filter(|l| !l.trim_start().starts_with("//!")).map(|l| format!("{l}\n")).collect();
    let out = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("mvn_gpu_cli.rs");
    std::fs::write(out, body).expect("write OUT_DIR/mvn_gpu_cli.rs");
}
