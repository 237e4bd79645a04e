#!/usr/bin/env bash
# Measures prompt delivery with the real agent CLIs against the scripted
# model: per CLI, lane start → confirmed delivery (p50/p95) and the
# false-delivery rate (delivered, yet the prompt never reached the model).
#   N      lanes per CLI (default 50)
#   CLIS   comma-separated subset of claude,codex,gemini (default all)
# Needs the pinned CLIs: export COCODER_AGENT_CLI_BIN="$(bash .ci/install-agents)".
set -euo pipefail
cd "$(dirname "$0")/.."
COCODER_BENCH_DELIVERIES=${N:-50} COCODER_BENCH_CLIS=${CLIS:-} \
  go test ./conformance -run TestDeliveryBenchmark -count=1 -timeout 4h -v | grep -E 'RESULT|FAIL|ok'
