# Sourced by the GPU benches (gpu_run.sh, logprob_run.sh, dawn_run.sh): on the GPU machine, the
# Vulkan loader from the .deb files carried in .gl/ (benches/gpu_pack.sh) and NVIDIA's Vulkan
# driver; `unpack_bench NAME` gives the carried, xz'd bench binary .gl/NAME-bench.
if ls .gl/*.deb >/dev/null 2>&1; then
  for f in .gl/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [ -f "$icd" ]; then export VK_DRIVER_FILES="$icd"; fi
unpack_bench() {
  if [ -f ".gl/$1-bench.xz" ] && [ ! -x ".gl/$1-bench" ]; then xz -dc ".gl/$1-bench.xz" > ".gl/$1-bench" && chmod +x ".gl/$1-bench"; fi
}
