#!/usr/bin/env bash
# Checks (or with --fix, applies) .clang-format on every tracked C++ file. clang-format-14 is the
# reference version (Debian 12; tools/setup.sh installs it): other versions format a few
# constructs differently, so the check uses that one binary.
set -euo pipefail
cd "$(dirname "$0")/.."
CF=${CLANG_FORMAT:-clang-format-14}
command -v "$CF" >/dev/null || { echo "check_format: $CF not found (bash tools/setup.sh installs it)" >&2; exit 1; }
mapfile -t files < <(git ls-files '*.cc' '*.h' '*.cpp' | grep -v '^third_party/')
if [ "${1:-}" = --fix ]; then
  "$CF" -i "${files[@]}"
  exit 0
fi
if ! "$CF" --dry-run -Werror "${files[@]}" 2> /tmp/perch-format.$$; then
  n=$(grep -c 'warning:\|error:' /tmp/perch-format.$$ || true)
  head -40 /tmp/perch-format.$$ >&2
  rm -f /tmp/perch-format.$$
  echo "check_format: $n places differ from .clang-format; run tools/check_format.sh --fix" >&2
  exit 1
fi
rm -f /tmp/perch-format.$$
echo "check_format: ${#files[@]} C++ files follow .clang-format"
