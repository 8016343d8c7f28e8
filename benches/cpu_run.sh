#!/usr/bin/env bash
# CPU and browser benchmarks on this machine (C1-C4): our native CPU backend, our wasm CPU path in Node,
# and the peers MLX (CPU), NumPy and JAX (CPU), in one run. Peers are installed into
# .venv-bench on first use. Writes benches/results/cpu-latest.json and prints a table.
# Then the browser part (benches/browser_run.mjs, browser-latest.json).
set -euo pipefail
cd "$(dirname "$0")/.."
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
if [ ! -x .venv-bench/bin/python ]; then
  python3 -m venv .venv-bench
  .venv-bench/bin/pip install -q 'mlx[cpu]' numpy 'jax[cpu]'
fi
tmp=$(mktemp -d)
cargo bench --locked --bench mvn -- --backend cpu --json "$tmp/ours.json" | grep -v '^{'
bash scripts/build-wasm.sh   # always: a stale pkg/ would time old code
node benches/wasm_cpu.mjs > "$tmp/wasm.json"
.venv-bench/bin/python benches/peers/cpu.py > "$tmp/peers.json"
mkdir -p benches/results
python3 benches/report.py "$tmp/ours.json" "$tmp/wasm.json" "$tmp/peers.json" benches/results/cpu-latest.json
# The browser part (headless Chromium, WebGPU on SwiftShader): ours on WebGPU and on the CPU (wasm)
# vs TensorFlow.js and multivariate-normal; writes benches/results/browser-latest.json.
node benches/browser_run.mjs
# Charts of both runs (docs/bench-cpu.svg, docs/bench-browser.svg).
python3 benches/chart.py benches/results/cpu-latest.json docs/bench-cpu.svg "CPU workloads, 2 cores (C1-C4)"
python3 benches/chart.py benches/results/browser-latest.json docs/bench-browser.svg "Browser workloads, headless Chromium, SwiftShader WebGPU (C1-C4 shapes)"
