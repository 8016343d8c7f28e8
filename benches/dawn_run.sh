#!/usr/bin/env bash
# The npm package on the GPU machine's GPU through Dawn, against jax-js on the same Dawn device and
# against our own native path (wgpu on Vulkan), in one command; writes $OUT/dawn.json (default
# benches/results/dawn-local/) and prints the tables and ratios. The GPU machine has no node,
# node_modules or Rust: `bash benches/dawn_pack.sh` fills .gl/ here first (README "Benchmarks").
set -euo pipefail
cd "$(dirname "$0")/.."
out="${OUT:-benches/results/dawn-local}"
mkdir -p "$out"
source benches/gpu_env.sh
unpack_node || { echo "dawn_run: no node with Dawn and the npm package here (bash benches/dawn_pack.sh)" >&2; exit 1; }
if [ -f .gl/peers.mjs ]; then export MVN_JS_PEERS=.gl/peers.mjs; fi
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader || true
native=()
if [ -f .gl/mvn-bench.xz ]; then
  unpack_bench mvn
  .gl/mvn-bench --bench --backend gpu --workloads W1,W2,W3,W4 --json "$out/native.json" | grep -v '^{' || true
  native=(--native "$out/native.json")
fi
"$node" benches/dawn/bench.mjs --json "$out/dawn.json" "${native[@]}" "$@"
