#!/usr/bin/env bash
# Fills .gl/ (ignored through .git/info/exclude) with what benches/gpu_run.sh and
# benches/logprob_run.sh need on the GPU machine, which has no Rust toolchain: the Vulkan
# loader's .deb files and our stripped bench binaries, xz'd. Then run there (carry: [".gl"]).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .gl .git/info
grep -qx '.gl/' .git/info/exclude 2>/dev/null || echo '.gl/' >> .git/info/exclude
(cd .gl && ls libvulkan1_*.deb >/dev/null 2>&1 || apt-get download -oAPT::Architecture=amd64 libvulkan1 vulkan-tools libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
for b in mvn logprob; do
  bin=$(cargo bench --locked --bench "$b" --no-run --message-format=json 2>/dev/null | grep '"kind":\["bench"\]' | grep -o '"executable":"[^"]*"' | tail -1 | cut -d'"' -f4)
  strip -o "/tmp/$b-bench" "$bin" && xz -6 -c "/tmp/$b-bench" > ".gl/$b-bench.xz"
done
du -sh .gl/*
