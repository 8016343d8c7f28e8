#!/usr/bin/env bash
# Builds the npm package's wasm + JS glue into pkg/ with wasm-pack (LTO, size-optimized), then
# shrinks it with binaryen's wasm-opt from npm (Debian's older wasm-opt breaks the module) and the
# JS glue with esbuild.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-$(nproc)}"
# SIMD128: every browser with WebGPU has it; faer's kernels and our loops vectorize with it.
export RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+simd128"
wasm-pack build . --target web --out-dir pkg --out-name mvn_gpu --profile release-wasm --no-pack -- --no-default-features
# --low-memory-unused: Rust puts the 1 MiB stack first (growing down to 0) and the data above it,
# so nothing lives in the low 1 KiB unless the stack has overflowed (about 0.8 KB gzipped).
npx --no-install wasm-opt -Oz --enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue --strip-debug --strip-producers --converge --low-memory-unused \
  pkg/mvn_gpu_bg.wasm -o pkg/mvn_gpu_bg.wasm
# The generated JS glue ships minified too (esbuild keeps its ES module exports): about 12.5 KB
# of it gzipped becomes 8.7 KB.
npx --no-install esbuild pkg/mvn_gpu.js --minify --format=esm --log-level=warning --allow-overwrite --outfile=pkg/mvn_gpu.js
rm -f pkg/.gitignore
ls -l pkg/mvn_gpu_bg.wasm
