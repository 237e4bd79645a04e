// Package run owns the run lifecycle: plan and preflight, the on-disk
// ledger, adapters, hosts (tmux and exec), prompt dispatch, supervision and
// stop.
package run
