#!/usr/bin/env bash
# Benchmark ledger appends against a raw append+fsync.
#
# It builds the run/ledger test binary and runs BenchmarkLedgerAppendVsRaw
# ROUNDS times: every iteration of that benchmark times one Ledger.Append
# and one raw write+fsync of an event line on a file opened O_APPEND, in
# turn, so both see the same load. Sub-benchmarks: "unchanged" appends
# lane.send (changes nothing run.json shows), "changed" alternates two
# lane events that each change the status. raw/ledger is the ledger's
# throughput as a fraction of the raw loop's (the target is 0.8).
#
# With a git revision as second argument it also builds the test binary of
# that revision (exported with git archive; it must have the benchmark) and
# alternates rounds of the two, so they are compared under the same load.
# It prints every round, then the median of each figure per build.
#
# Needs: go (and git for REV).
# Usage: bench/ledger.sh [ROUNDS [REV]]
set -euo pipefail

rounds=${1:-5}
base=${2:-}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$root"
go test -c -o "$work/ledger.test" ./run/ledger
builds=(current)
if [[ -n $base ]]; then
  mkdir "$work/base-src"
  git archive "$base" | tar -x -C "$work/base-src"
  (cd "$work/base-src" && go test -c -o "$work/ledger-base.test" ./run/ledger)
  builds+=("$(git rev-parse --short "$base")")
fi

bench() {
  (cd "$work" && "$1" -test.run '^$' -test.bench 'LedgerAppendVsRaw' -test.benchtime 300x -test.count 1) |
    awk -v b="$2" '/^BenchmarkLedgerAppendVsRaw/ {
      name = $1; sub(/^BenchmarkLedgerAppendVsRaw\//, "", name); sub(/-[0-9]+$/, "", name)
      for (i = 3; i < NF; i += 2) v[$(i + 1)] = $i
      printf "%-10s %-10s ledger %7.3f ms  raw %7.3f ms  raw/ledger %.2f\n", b, name, v["ledger-ns/op"] / 1e6, v["raw-ns/op"] / 1e6, v["raw/ledger"]
    }'
}

for ((r = 1; r <= rounds; r++)); do
  bench "$work/ledger.test" current | tee -a "$work/rounds.txt"
  if [[ -n $base ]]; then
    bench "$work/ledger-base.test" "${builds[1]}" | tee -a "$work/rounds.txt"
  fi
done

median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

echo
echo "medians over $rounds rounds ($(uptime | sed 's/.*load/load/')):"
for b in "${builds[@]}"; do
  for name in unchanged changed; do
    rows=$(grep -E "^$b +$name " "$work/rounds.txt")
    printf "%-10s %-10s ledger %7.3f ms  raw %7.3f ms  raw/ledger %.2f\n" "$b" "$name" \
      "$(awk '{ print $4 }' <<<"$rows" | median)" "$(awk '{ print $7 }' <<<"$rows" | median)" \
      "$(awk '{ print $10 }' <<<"$rows" | median)"
  done
done
