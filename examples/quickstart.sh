#!/usr/bin/env bash
# A real CoCoder run, end to end, in a scratch repository.
#
# It builds cocoder, makes a new git repository, scaffolds its cocoder/
# governance folder, plans and starts a run for the template's example
# priority on a private tmux server, waits for every lane's result, shows
# the ledger and the change, and stops the run. Agent CLIs that are
# installed (claude, codex) are used; when none is, every lane falls back
# to the built-in demo agent. Nothing outside the scratch directory is
# touched: the CoCoder home used here lives inside it too.
#
# Usage: bash examples/quickstart.sh [--keep]
#   --keep   leave the scratch directory (and the run's panes) for a look.
set -euo pipefail

keep=false
[ "${1:-}" = "--keep" ] && keep=true

for tool in go git tmux; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "quickstart: $tool is not installed; install it with your package manager (e.g. apt-get install $tool)" >&2
    exit 1
  fi
done

src=$(cd "$(dirname "$0")/.." && pwd)
scratch=$(mktemp -d "${TMPDIR:-/tmp}/cocoder-quickstart.XXXXXX")
bin="$scratch/bin/cocoder"
export COCODER_HOME="$scratch/home"
repo="$scratch/repo"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "Building cocoder"
(cd "$src" && go build -o "$bin" ./cmd/cocoder)
"$bin" version

say "A new git repository with a CoCoder workspace"
mkdir -p "$repo"
git -C "$repo" init -q
# The scratch repository gets its own identity when the machine has none.
git -C "$repo" config user.name >/dev/null 2>&1 || git -C "$repo" config user.name "CoCoder quickstart"
git -C "$repo" config user.email >/dev/null 2>&1 || git -C "$repo" config user.email "quickstart@cocoder.invalid"
"$bin" init "$repo"
git -C "$repo" add -A
git -C "$repo" commit -qm "Add the CoCoder workspace"
cd "$repo"
"$bin" validate cocoder

say "The plan for priority try-cocoder"
"$bin" run plan try-cocoder

say "Starting the run and supervising it to its end (dispatch, results, gates, commit)"
status=0
"$bin" --json run start try-cocoder --wait --timeout 5m > "$scratch/start.json" || status=$?
run_id=$(sed -n 's/^ *"runId": "\(r-[^"]*\)".*/\1/p' "$scratch/start.json" | head -n 1)
if [ -z "$run_id" ]; then
  echo "quickstart: the run did not start (exit $status); see above" >&2
  exit 1
fi
"$bin" run status "$run_id"

say "The ledger: every event of the run"
ledger=$(sed -n 's/^ *"ledger": "\(.*\)".*/\1/p' "$scratch/start.json" | head -n 1)
cut -c1-160 "$ledger/events.jsonl"

say "The engine's commit of the writer's change"
git -C "$repo" log -1 --stat --format='%h %s%n%n%(trailers)'
say "Left uncommitted in the work tree (nothing, when the run is complete)"
git -C "$repo" status --short

if $keep; then
  say "Kept: $scratch"
  echo "attach:  COCODER_HOME=$COCODER_HOME $bin run attach $run_id"
  echo "stop:    COCODER_HOME=$COCODER_HOME $bin run stop $run_id --confirm $run_id"
else
  say "Stopping the run and cleaning up"
  "$bin" run stop "$run_id" --confirm "$run_id"
  rm -rf "$scratch"
fi
exit "$status"
