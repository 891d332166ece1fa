#!/usr/bin/env bash
# Installs what perch needs on Debian 12 and nothing else: Debian packages via apt-get and npm
# packages from the npm registry. Idempotent and fast when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

# Build and test dependencies (native + wasm + browser + server + python tools without torch).
APT_PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  clang libclang-rt-14-dev clang-format-14
  emscripten
  libxnnpack-dev libpthreadpool-dev libeigen3-dev nlohmann-json3-dev catch2 libcpp-httplib-dev
  python3 python3-numpy python3-sentencepiece python3-onnx
  zlib1g-dev libbrotli-dev libonnx-testdata
  chromium chromium-driver
  wrk presage libpresage-dev
)
# Node.js and npm: Debian's unless the machine already has them (a Node.js install that ships its
# own npm conflicts with Debian's npm package).
command -v node >/dev/null 2>&1 || APT_PACKAGES+=(nodejs)
command -v npm >/dev/null 2>&1 || APT_PACKAGES+=(npm)
# Training only (make train): never needed by make test.
if [ "${PERCH_SETUP_TRAINING:-0}" = 1 ]; then
  APT_PACKAGES+=(python3-torch python3-onnx libopenblas0-serial)
fi

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm packages: each folder with a package.json and a lockfile is installed when its
# node_modules is missing or older than its lockfile.
for dir in js-bindings tools/bench tests/browser demo-web tests/demo tests/server; do
  [ -f "$dir/package.json" ] || continue
  stamp="$dir/node_modules/.perch-installed"
  if [ ! -f "$stamp" ] || [ "$dir/package.json" -nt "$stamp" ] || \
     { [ -f "$dir/package-lock.json" ] && [ "$dir/package-lock.json" -nt "$stamp" ]; }; then
    echo "setup: npm install in $dir"
    if [ -f "$dir/package-lock.json" ]; then
      (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    else
      (cd "$dir" && npm install --no-audit --no-fund --loglevel=error)
    fi
    touch "$stamp"
  fi
done
