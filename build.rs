//! Copies `shaders/*.wgsl` into OUT_DIR without comments and indentation: the kernels are
//! embedded as text, and both would only add to the size of the npm package's .wasm.

use std::path::Path;

fn main() {
    let out = std::env::var("OUT_DIR").expect("OUT_DIR");
    println!("cargo:rerun-if-changed=shaders");
    for entry in std::fs::read_dir("shaders").expect("shaders/") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "wgsl") {
            println!("cargo:rerun-if-changed={}", path.display());
            let src = std::fs::read_to_string(&path).expect("read shader");
            // WGSL has no string literals, so `//` always starts a comment.
            let lines: Vec<&str> = src
                .lines()
                .map(|l| l.find("//").map_or(l, |i| &l[..i]).trim())
                .filter(|l| !l.is_empty())
                .collect();
            std::fs::write(Path::new(&out).join(path.file_name().expect("name")), lines.join("\n") + "\n").expect("write shader");
        }
    }
}
