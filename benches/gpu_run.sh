#!/usr/bin/env bash
# GPU workloads W1-W4: our wgpu path (Vulkan) and the CUDA peers (benches/peers/gpu.py: JAX,
# PyTorch, CuPy) in one command, on the same GPU; writes $OUT/gpu.json (default
# benches/results/gpu-local/) and prints a table. Run by `npm run bench` on a machine with an
# NVIDIA GPU, or by hand. On the project's GPU machine, which has no Rust toolchain, the stripped
# bench binary and the Vulkan loader's .deb files are carried in .gl/ (see README "Benchmarks").
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/gpu_env.sh
unpack_bench mvn
out="${OUT:-benches/results/gpu-local}"
mkdir -p "$out"
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader || true
if [ -x .gl/mvn-bench ]; then
  bench=(.gl/mvn-bench)
else
  cargo bench --locked --bench mvn --no-run
  bench=(cargo bench --locked --bench mvn --)
fi
"${bench[@]}" --bench --backend gpu --json "$out/ours.json" | grep -v '^{'
python3 benches/peers/gpu.py > "$out/peers.json" 2> "$out/peers.err" || true
python3 benches/report.py "$out/ours.json" "$out/peers.json" "$out/gpu.json"
python3 benches/chart.py "$out/gpu.json" "$out/gpu.svg" "GPU workloads (W1-W4)"
# The README's GPU table from this run (on the GPU machine, copy $out back and run it here).
if [ -f README.md ]; then python3 benches/readme_gpu.py "$out/gpu.json" README.md > /dev/null; fi
# The log-density workloads L1-L3 (issue 16).
OUT="$out" bash benches/logprob_run.sh
