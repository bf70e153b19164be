#!/usr/bin/env bash
# A build step whose output folders are kept in a build cache outside the clone, keyed by the hash
# of the step's sources: a later clone on the same machine (CI) copies them back instead of
# rebuilding them.
#
#   scripts/cached_step.sh CACHE_DIR KEY OUTPUT_DIR... -- COMMAND...
#
# CACHE_DIR/KEY is written only after COMMAND succeeded and is renamed into place whole, so an
# interrupted run is never reused; entries unused for 14 days are removed.
set -euo pipefail
cache_root=$1 key=$2
shift 2
outputs=()
while [[ $# -gt 0 && $1 != -- ]]; do outputs+=("$1"); shift; done
[[ ${1:-} == -- ]] && shift
[[ ${#outputs[@]} -gt 0 && $# -gt 0 ]] || { echo "usage: $0 CACHE_DIR KEY OUTPUT_DIR... -- COMMAND..." >&2; exit 2; }
entry="$cache_root/$key"

if [[ -d "$entry" ]]; then
  echo "   restored from the build cache ($entry)"
  for i in "${!outputs[@]}"; do
    mkdir -p "${outputs[$i]}"
    cp -a "$entry/$i/." "${outputs[$i]}/"  # times kept: the ONNX export checks its weights
  done
  touch "$entry"
  exit 0
fi

"$@"
mkdir -p "$cache_root"
find "$cache_root" -mindepth 1 -maxdepth 1 -type d -mtime +14 -exec rm -rf {} + 2>/dev/null || true
partial="$(mktemp -d "$cache_root/.partial.XXXXXX")"
for i in "${!outputs[@]}"; do
  mkdir -p "$partial/$i"
  cp -a "${outputs[$i]}/." "$partial/$i/"
done
rm -rf "$entry" && mv "$partial" "$entry"
