#!/usr/bin/env bash
# `npm start`: builds the command-line tool and draws a small example on the GPU (lavapipe without
# one), builds the npm package (wasm), then serves the interactive demo (www/) on localhost.
set -euo pipefail
cd "$(dirname "$0")/.."
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
cargo build --locked --release --bin mvn-gpu
bin=target/release/mvn-gpu
(
  set -x
  "$bin" key 42
  "$bin" sample --mean '[1, -1]' --cov '[[1, 0.8], [0.8, 2]]' --shape '[5]' --seed 0 --backend auto
  "$bin" sample --mean '[0, 0, 0]' --cov '[[1, 0, 0], [0, 1, 0], [0, 0, 1]]' --shape '[2]' --seed 1 --method svd --backend cpu
)
bash scripts/build-wasm.sh
# The demo: open the printed address (PORT=... to choose the port; Ctrl-C stops it).
exec node scripts/serve.mjs
