#!/usr/bin/env bash
# `npm run bench`: every benchmark this machine can run, in one command.
# - GPU workloads W1-W4 (benches/gpu_run.sh: ours on wgpu vs JAX, PyTorch, CuPy on the same GPU)
#   when an NVIDIA GPU is present (nvidia-smi) and python3 has torch or jax; MVN_BENCH_GPU=0 skips
#   it, MVN_BENCH_GPU=1 forces it (ours alone when the peers are missing).
# - CPU workloads C1-C4 and the browser page (benches/cpu_run.sh); MVN_BENCH_CPU=0 skips them.
# Results: benches/results/*.json, charts in docs/bench-*.svg.
set -euo pipefail
cd "$(dirname "$0")/.."
gpu="${MVN_BENCH_GPU:-auto}"
if [ "$gpu" = auto ]; then
  gpu=0
  if command -v nvidia-smi >/dev/null 2>&1 && python3 -c 'import importlib.util as u, sys; sys.exit(not (u.find_spec("torch") or u.find_spec("jax")))' 2>/dev/null; then
    gpu=1
  fi
fi
if [ "$gpu" = 1 ]; then
  OUT="${OUT:-benches/results/gpu-local}" bash benches/gpu_run.sh
fi
if [ "${MVN_BENCH_CPU:-1}" = 1 ]; then
  bash benches/cpu_run.sh
fi
