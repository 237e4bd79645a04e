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
#
# With a git revision as second argument it also builds cocoder from that
# revision (exported with git archive into the temporary directory) and
# adds its `version` and `validate TREE` to the same hyperfine run, so the
# working tree and the revision are compared under the same load.
#
# Needs: go, hyperfine, jq, GNU time (and git for REV).
# Usage: bench/validate.sh [RUNS [REV]]
set -euo pipefail

runs=${1:-100}
base=${2:-}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$root"
go build -trimpath -o "$work/cocoder" ./cmd/cocoder
compare=()
if [[ -n $base ]]; then
  mkdir "$work/base-src"
  git archive "$base" | tar -x -C "$work/base-src"
  (cd "$work/base-src" && go build -trimpath -o "$work/cocoder-base" ./cmd/cocoder)
  label="cocoder@$(git rev-parse --short "$base")"
fi
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

if [[ -n $base ]]; then
  "$work/cocoder-base" validate "$tree" | tail -1
  compare=(-n "$label version" "$work/cocoder-base version"
    -n "$label validate" "$work/cocoder-base validate $tree")
fi

echo
hyperfine -N --warmup 5 --runs "$runs" --export-json "$work/times.json" \
  -n cat "cat ${files[*]}" \
  -n go-read-baseline "$work/validate-baseline ${files[*]}" \
  -n validate-lib "$work/validate-lib $tree" \
  -n "cocoder version" "$work/cocoder version" \
  -n "cocoder validate" "$work/cocoder validate $tree" \
  "${compare[@]}"

echo
echo "median and min wall time (less moved by other load than the mean):"
jq -r '.results[] | "  \(.command | .[0:28] | . + " " * (28 - length)) median \(.median * 1e5 | round / 100) ms, min \(.min * 1e5 | round / 100) ms"' "$work/times.json"

echo
echo "peak resident memory (max of 10 runs, /usr/bin/time -v):"
peak() {
  local label=$1 max=0 kb
  shift
  for _ in $(seq 10); do
    kb=$(/usr/bin/time -v "$@" 2>&1 >/dev/null | awk '/Maximum resident set size/ {print $6}')
    ((kb > max)) && max=$kb
  done
  printf '  %-28s %6d KiB (%.1f MiB)\n' "$label" "$max" "$(echo "$max/1024" | bc -l)"
}
peak cat cat "${files[@]}"
peak go-read-baseline "$work/validate-baseline" "${files[@]}"
peak validate-lib "$work/validate-lib" "$tree"
peak "cocoder version" "$work/cocoder" version
peak "cocoder validate" "$work/cocoder" validate "$tree"
if [[ -n $base ]]; then
  peak "$label version" "$work/cocoder-base" version
  peak "$label validate" "$work/cocoder-base" validate "$tree"
fi
