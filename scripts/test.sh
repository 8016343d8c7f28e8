#!/usr/bin/env bash
# Every test: Rust (unit, the integration binary with the MLX vectors on CPU and lavapipe GPU,
# errors, statistics, chunking, CLI, README examples; doctests), then the npm package (built
# with wasm-pack) in Node (CPU and Dawn WebGPU) and in headless Chromium (unbundled, Vite, the demo),
# and the native viewer under Xvfb.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-$(nproc)}"
cargo test --locked --all-targets
cargo test --locked --doc
# The Metal backend and the viewer compile for macOS (linking needs a Mac).
cargo check --locked --target aarch64-apple-darwin --all-targets
bash scripts/build-wasm.sh
# Dawn (npm `webgpu`) runs on Chromium's SwiftShader Vulkan driver; it rejects lavapipe.
VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json node --test --test-concurrency=1 tests/node/ tests/browser/ tests/demo/ tests/viewer/
