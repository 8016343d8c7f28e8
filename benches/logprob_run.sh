#!/usr/bin/env bash
# Log-density workloads L1-L3: ours (benches/logprob.rs, Vulkan) and the CUDA peers
# (benches/peers/logprob.py: torch.distributions, jax.scipy) on the same GPU; writes
# $OUT/logprob.json (default benches/results/gpu-local/) and prints a table. Where Node with Dawn
# and the npm package are at hand, also the npm package's log-density through Dawn against ours
# natively (benches/dawn/logprob.mjs, $OUT/logprob-dawn.json). On the GPU machine the bench
# binary, the Vulkan .debs and Node + Dawn come from .gl/ (benches/dawn_pack.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/gpu_env.sh
unpack_bench logprob
out="${OUT:-benches/results/gpu-local}"
mkdir -p "$out"
if [ -x .gl/logprob-bench ]; then bench=(.gl/logprob-bench); else bench=(cargo bench --locked --bench logprob --); fi
"${bench[@]}" --bench --json "$out/logprob-ours.json" | grep -v '^{'
# Each peer in its own process and time limit (a peer that hangs is reported, not fatal).
for p in jax torch; do
  timeout "${PEER_TIMEOUT:-240}" python3 -u benches/peers/logprob.py "$p" > "$out/logprob-$p.json" 2> "$out/logprob-$p.err" || echo "peer $p failed or timed out: $(tail -3 "$out/logprob-$p.err")"
done
python3 benches/logprob_report.py "$out/logprob-ours.json" "$out/logprob-jax.json" "$out/logprob-torch.json" "$out/logprob.json"
if unpack_node; then
  "$node" benches/dawn/logprob.mjs --json "$out/logprob-dawn.json" --native "$out/logprob-ours.json" 2> "$out/logprob-dawn.err" || echo "the Dawn log-density bench failed: $(grep -v Warning "$out/logprob-dawn.err" | tail -3)"
else
  echo "no Node with Dawn and the npm package here: the npm package's log-density through Dawn is not measured"
fi
