#!/usr/bin/env bash
# Fills .gl/ (ignored through .git/info/exclude) with what benches/dawn_run.sh needs on the GPU
# machine: the Vulkan loader's .deb files, node, the Dawn addon, the built npm package (pkg/), the
# jax-js bundle, and our stripped native bench binary. Then run there:
#   bash benches/dawn_run.sh   (with carry: [".gl"])
set -euo pipefail
cd "$(dirname "$0")/.."
# The Vulkan .debs and the native bench binaries, as for benches/gpu_run.sh.
bash benches/gpu_pack.sh >/dev/null
[ -f .gl/node.xz ] || xz -6 -c "$(command -v node)" > .gl/node.xz
tar cJf .gl/webgpu.tar.xz node_modules/webgpu/index.js node_modules/webgpu/package.json node_modules/webgpu/dist/linux-x64/dawn.node
bash scripts/build-wasm.sh >/dev/null
tar cJf .gl/pkg.tar.xz pkg/mvn_gpu.js pkg/mvn_gpu_bg.wasm
node benches/dawn/peers.mjs .gl/peers.mjs >/dev/null
du -sh .gl/*
