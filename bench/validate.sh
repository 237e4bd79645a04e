#!/usr/bin/env bash
# Benchmark a cold `cocoder validate` of a workspace's contract files.
#
# It builds cocoder, copies examples/workspace/cocoder to a temporary
# directory and adds copies of its personas, routes and adapters under new
# ids so the tree holds 20 contract files (it must validate), then times, in one hyperfine run:
#
#   cat FILES...                    the floor for any process reading them
#   validate-baseline FILES...      the floor for a cold Go process reading them
#   validate-lib TREE               contract.CheckPaths alone in a small binary
#   cocoder version                 the floor of starting the full cocoder binary
#   cocoder validate TREE           decode, validate and cross-check them
#
# and reports each command's peak memory from /usr/bin/time -v.
# Needs: go, hyperfine, GNU time. Usage: bench/validate.sh [RUNS]
set -euo pipefail

runs=${1:-100}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$root"
go build -trimpath -o "$work/cocoder" ./cmd/cocoder
go build -trimpath -o "$work/validate-baseline" ./bench/validate-baseline
go build -trimpath -o "$work/validate-lib" ./bench/validate-lib

tree="$work/ws/cocoder"
mkdir -p "$work/ws"
cp -R examples/workspace/cocoder "$tree"
for i in 2 3 4; do
  sed "s/^id: verifier$/id: verifier$i/" "$tree/personas/verifier.yaml" >"$tree/personas/verifier$i.yaml"
done
sed 's/notes-search/notes-export/g' "$tree/boundaries/notes-search.yaml" >"$tree/boundaries/notes-export.yaml"
sed 's/^id: lint-check$/id: lint-check2/' "$tree/adapters/lint-check.yaml" >"$tree/adapters/lint-check2.yaml"
sed 's/^id: lint-check$/id: lint-check3/' "$tree/adapters/lint-check.yaml" >"$tree/adapters/lint-check3.yaml"
sed 's/^id: lead$/id: lead2/' "$tree/personas/lead.yaml" >"$tree/personas/lead2.yaml"

mapfile -t files < <(find "$tree" -type f \( -name '*.yaml' -o -name '*.json' \) | sort)
echo "contract files: ${#files[@]} ($(cat "${files[@]}" | wc -c) bytes)"
"$work/cocoder" validate "$tree" | tail -1

echo
hyperfine -N --warmup 5 --runs "$runs" \
  -n cat "cat ${files[*]}" \
  -n go-read-baseline "$work/validate-baseline ${files[*]}" \
  -n validate-lib "$work/validate-lib $tree" \
  -n "cocoder version" "$work/cocoder version" \
  -n "cocoder validate" "$work/cocoder validate $tree"

echo
echo "peak resident memory (max of 10 runs, /usr/bin/time -v):"
peak() {
  local label=$1 max=0 kb
  shift
  for _ in $(seq 10); do
    kb=$(/usr/bin/time -v "$@" 2>&1 >/dev/null | awk '/Maximum resident set size/ {print $6}')
    ((kb > max)) && max=$kb
  done
  printf '  %-18s %6d KiB (%.1f MiB)\n' "$label" "$max" "$(echo "$max/1024" | bc -l)"
}
peak cat cat "${files[@]}"
peak go-read-baseline "$work/validate-baseline" "${files[@]}"
peak validate-lib "$work/validate-lib" "$tree"
peak "cocoder version" "$work/cocoder" version
peak "cocoder validate" "$work/cocoder" validate "$tree"
