#!/usr/bin/env bash
# Benchmark launching a three-lane demo run to live tmux panes.
#
# It builds cocoder, scaffolds a fresh git repository with `cocoder init`,
# and overrides the demo adapter so the prompt goes in the command line and
# the agent stays open (bench/launch-demo-adapter.yaml): a launch then
# measures the engine and tmux, not the demo agent's typing round trip.
# Then, in one hyperfine run, it times:
#
#   cocoder run start try-cocoder   plan, preflight, ledger (fsynced events,
#                                   snapshot, packet, prompts), three lanes
#   raw tmux                        exactly the tmux invocations that
#                                   `cocoder run start` makes (recorded from
#                                   a first run through a logging wrapper,
#                                   replayed with a fresh session name on
#                                   the second server): the version check,
#                                   the session and window chains with their
#                                   options, titles and environment
#
# Before each timed command the previous run is stopped (untimed). Both
# tmux servers keep one idle session, so neither launch pays for starting a
# tmux server. Nothing touches your own tmux server or ~/.cocoder: the home
# and TMUX_TMPDIR are temporary.
#
# Needs: go, git, tmux, jq, hyperfine. Usage: bench/launch.sh [RUNS]
set -euo pipefail

runs=${1:-30}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
export COCODER_HOME="$work/home" TMUX_TMPDIR="$work/tmux"
mkdir -p "$TMUX_TMPDIR" "$work/bin"
cocoder_sock="cocoder-$(printf %s "$COCODER_HOME" | sha256sum | cut -c1-12)"
raw_sock="bench-raw"
cleanup() {
  tmux -L "$cocoder_sock" kill-server 2>/dev/null || true
  tmux -L "$raw_sock" kill-server 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

cd "$root"
go build -trimpath -o "$work/bin/cocoder" ./cmd/cocoder
# No vendor CLI is expected in /usr/bin or /bin, so every lane falls back
# to the demo agent (the plan printed below says so).
export PATH="$work/bin:/usr/bin:/bin"
repo="$work/repo"
mkdir "$repo"
cd "$repo"
git init -q -b main
cocoder init >/dev/null
cp "$root/bench/launch-demo-adapter.yaml" cocoder/adapters/demo.yaml
git add -A
git -c user.name=bench -c user.email=bench@example.com commit -qm scaffold

# The first run registers the workspace and is recorded: a tmux wrapper
# first in PATH logs every invocation (shell-quoted) and runs the real tmux.
real_tmux=$(command -v tmux)
mkdir -p "$work/rec"
cat >"$work/rec/tmux" <<WRAP
#!/bin/bash
printf '%q ' "\$@" >>"$work/tmux.log"
echo >>"$work/tmux.log"
exec "$real_tmux" "\$@"
WRAP
chmod +x "$work/rec/tmux"
first=$(PATH="$work/rec:$PATH" cocoder run start try-cocoder --json 2>/dev/null | jq -r .run.runId)
plan=$(cat "$(cocoder run status "$first" --json | jq -r .ledger)/plan.json")
# The raw script replays those invocations against its own server, with a
# new session name each time (the run id is the session name and appears
# in the lanes' variables).
{
  echo '#!/bin/bash'
  echo 's=raw$$'
  sed -e "s|^|\"$real_tmux\" |" -e "s|-L $cocoder_sock|-L $raw_sock|g" -e "s|$first|\${s}|g" "$work/tmux.log"
} >"$work/raw.sh"
n=$(jq '.lanes | length' <<<"$plan")

# Stops what the previous command started; keeps each server's idle session.
cat >"$work/stop.sh" <<EOF
#!/bin/sh
PATH="$PATH" COCODER_HOME="$COCODER_HOME" TMUX_TMPDIR="$TMUX_TMPDIR"
export PATH COCODER_HOME TMUX_TMPDIR
for id in \$(cocoder run list --json | jq -r '.[] | select(.state != "aborted") | .runId'); do
  cocoder run stop "\$id" --confirm "\$id" >/dev/null
done
tmux -L "$raw_sock" list-sessions -F '#{session_name}' 2>/dev/null | grep -v '^keep\$' | while read -r s; do
  tmux -L "$raw_sock" kill-session -t "=\$s"
done
tmux -L "$cocoder_sock" has-session -t keep 2>/dev/null || tmux -L "$cocoder_sock" new-session -d -s keep sleep 86400
tmux -L "$raw_sock" -f /dev/null has-session -t keep 2>/dev/null || tmux -L "$raw_sock" -f /dev/null new-session -d -s keep sleep 86400
EOF
chmod +x "$work/stop.sh"

"$work/stop.sh"
echo "raw tmux replays $(wc -l <"$work/tmux.log") tmux invocations:"; cut -c1-150 "$work/raw.sh"
echo "lanes: $(jq -r '[.lanes[].lane] | join(", ")' <<<"$plan"); agent: $(jq -r '.lanes[0].argv | join(" ")' <<<"$plan" | cut -c1-120)…"
echo
hyperfine -N --warmup 3 --runs "$runs" --prepare "$work/stop.sh" \
  -n "cocoder run start" "$work/bin/cocoder run start try-cocoder" \
  -n "raw tmux" "/bin/bash $work/raw.sh"
"$work/stop.sh"
