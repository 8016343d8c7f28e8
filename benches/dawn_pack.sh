#!/usr/bin/env bash
# Fills .gl/ (ignored through .git/info/exclude) with what benches/dawn_run.sh needs on the GPU
# machine: the Vulkan loader's .deb files, node, the Dawn addon, the built npm package (pkg/), the
# jax-js bundle, and our stripped native bench binary. Then run there:
#   bash benches/dawn_run.sh   (with carry: [".gl"])
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .gl .git/info
grep -qx '.gl/' .git/info/exclude 2>/dev/null || echo '.gl/' >> .git/info/exclude
(cd .gl && ls libvulkan1_*.deb >/dev/null 2>&1 || apt-get download -oAPT::Architecture=amd64 libvulkan1 vulkan-tools libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
[ -f .gl/node.xz ] || xz -6 -c "$(command -v node)" > .gl/node.xz
tar cJf .gl/webgpu.tar.xz node_modules/webgpu/index.js node_modules/webgpu/package.json node_modules/webgpu/dist/linux-x64/dawn.node
bash scripts/build-wasm.sh >/dev/null
tar cJf .gl/pkg.tar.xz pkg/mvn_gpu.js pkg/mvn_gpu_bg.wasm
node benches/dawn/peers.mjs .gl/peers.mjs >/dev/null
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
bin=$(cargo bench --locked --bench mvn --no-run --message-format=json 2>/dev/null | grep '"kind":\["bench"\]' | grep -o '"executable":"[^"]*"' | tail -1 | cut -d'"' -f4)
strip -o /tmp/mvn-bench "$bin" && xz -6 -c /tmp/mvn-bench > .gl/mvn-bench.xz
du -sh .gl/*
