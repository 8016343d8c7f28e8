# Sourced by the GPU benches (gpu_run.sh, logprob_run.sh, dawn_run.sh): on the GPU machine, the
# Vulkan loader from the .deb files carried in .gl/ (benches/gpu_pack.sh) and NVIDIA's Vulkan
# driver; `unpack_bench NAME` gives the carried, xz'd bench binary .gl/NAME-bench, and
# `unpack_node` sets $node to a Node that has Dawn (npm `webgpu`) and the built npm package
# (carried by benches/dawn_pack.sh, or this checkout's own), failing where there is none.
if ls .gl/*.deb >/dev/null 2>&1; then
  for f in .gl/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [ -f "$icd" ]; then export VK_DRIVER_FILES="$icd"; fi
unpack_bench() {
  if [ -f ".gl/$1-bench.xz" ] && [ ! -x ".gl/$1-bench" ]; then xz -dc ".gl/$1-bench.xz" > ".gl/$1-bench" && chmod +x ".gl/$1-bench"; fi
}
unpack_node() {
  node=node
  if [ -f .gl/node.xz ]; then
    xz -dc .gl/node.xz > /tmp/mvn-node && chmod +x /tmp/mvn-node && node=/tmp/mvn-node
  fi
  if [ -f .gl/webgpu.tar.xz ] && [ ! -f node_modules/webgpu/index.js ]; then tar xJf .gl/webgpu.tar.xz; fi
  if [ -f .gl/pkg.tar.xz ]; then tar xJf .gl/pkg.tar.xz; fi # always: a warm machine keeps an older pkg/
  command -v "$node" >/dev/null && [ -f node_modules/webgpu/index.js ] && [ -f pkg/mvn_gpu_bg.wasm ]
}
