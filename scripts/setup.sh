#!/usr/bin/env bash
# Installs what the build and the tests need, idempotently (safe on every `npm test`):
#  - apt: Mesa's lavapipe Vulkan driver (GPU tests without a GPU) and Debian's Chromium (browser
#    tests; its SwiftShader Vulkan driver also serves WebGPU in Node through Dawn);
#    and Xvfb + xwd (the native viewer's screenshot test);
#  - rustup: the wasm32 and aarch64-apple-darwin targets (the latter to check the Metal build);
#    cargo: wasm-pack and the matching wasm-bindgen CLI;
#  - npm: the dev dependencies (binaryen's wasm-opt, playwright-core, webgpu, vite; tfjs and
#    multivariate-normal for the browser benchmark).
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi

missing=()
for pkg in mesa-vulkan-drivers libvulkan1 chromium xvfb x11-apps; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: apt-get install ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

command -v cargo >/dev/null 2>&1 || { echo "setup: cargo not found; install Rust with rustup (https://rustup.rs)" >&2; exit 1; }
export PATH="$HOME/.cargo/bin:$PATH"
for target in wasm32-unknown-unknown aarch64-apple-darwin; do
  if ! rustup target list --installed 2>/dev/null | grep -qx "$target"; then
    echo "setup: rustup target add $target"
    rustup target add "$target"
  fi
done
if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen 0.2.130" ]; then
  echo "setup: cargo install wasm-bindgen-cli 0.2.130 (about 3 minutes)"
  cargo install -q wasm-bindgen-cli --version 0.2.130 --force
fi
if [ "$(wasm-pack --version 2>/dev/null)" != "wasm-pack 0.15.1" ]; then
  echo "setup: cargo install wasm-pack 0.15.1 (about 2 minutes)"
  cargo install -q wasm-pack --version 0.15.1 --locked --force
fi

# npm dev dependencies, reinstalled only when package-lock.json changed.
if ! [ node_modules/.setup-stamp -nt package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund
  touch node_modules/.setup-stamp
fi
