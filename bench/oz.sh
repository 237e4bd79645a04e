#!/usr/bin/env bash
# Oz benchmarks: an authenticated GET through the whole middleware against
# a bare net/http handler doing the same work, and the fan-out of one
# ledger event to 100 event streams. Usage: bench/oz.sh [COUNT]
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-3}
go test ./oz -run '^$' -bench 'BenchmarkGET' -benchtime 5s -count "$count"
go test ./oz -run '^$' -bench 'BenchmarkSSEFanout' -benchtime 300x -count "$count"
# The full-scale load test (200 clients for 10 s), skipped under -short and -race:
go test ./oz -run 'TestCase35Load' -count 1 -v | grep -E 'clients|ok|FAIL'
