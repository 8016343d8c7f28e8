#!/usr/bin/env bash
# All tests: Rust unit tests, the integration binary (MLX vectors on CPU and GPU, errors,
# statistics, chunking, CLI, README examples) and doctests. GPU tests run on lavapipe.
set -euo pipefail
cd "$(dirname "$0")/.."
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-$(nproc)}"
cargo test --locked --all-targets
cargo test --locked --doc
