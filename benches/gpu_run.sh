#!/usr/bin/env bash
# Runs on the GPU machine (see README "Benchmarks"): our wgpu path (Vulkan) and the CUDA peers in
# one command, on the same GPU; writes $OUT/gpu.json (or ./gpu.json) and prints a table.
set -euo pipefail
cd "$(dirname "$0")/.."
for f in .gl/*.deb; do dpkg -x "$f" /; done; ldconfig
out="${OUT:-.}"
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader || true
.gl/mvn-bench --bench --backend gpu --json "$out/ours.json" | grep -v '^{'
python3 benches/peers/gpu.py > "$out/peers.json" 2> "$out/peers.err" || true
python3 benches/report.py "$out/ours.json" "$out/peers.json" "$out/gpu.json"
