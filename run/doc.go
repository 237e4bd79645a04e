// Package run is the run engine: a [Runner] plans a run of a workspace's
// priority, checks it (preflight), writes its ledger, starts its lanes on a
// host, delivers their prompts, supervises them to a result, and stops
// them.
//
// The engine is built from four leaf packages, which never import it:
//
//   - [github.com/cocoder/cocoder/run/ledger]: the run directory layout,
//     events, the append-only log, replay and the status transition table;
//   - [github.com/cocoder/cocoder/run/host]: the Host seam, the tmux and
//     exec hosts, and acknowledged prompt delivery;
//   - [github.com/cocoder/cocoder/run/adapter]: adapter declarations, the
//     shipped ones, and how a declaration becomes a lane's argv;
//   - [github.com/cocoder/cocoder/run/prompt]: the startup packet and the
//     lane prompts.
//
// # Lifecycle
//
// [Runner.Plan] loads and validates every contract the run needs, resolves
// each lane's adapter, argv, model, write scope and secret references, and
// reports every issue at once in the returned [Plan]. [Runner.Start]
// executes that plan exactly: it writes the ledger, starts the lanes and
// delivers their prompts. [Runner.Wait] supervises the lanes until each has
// an accepted result or has ended; [Runner.Send], [Runner.Stop],
// [Runner.Logs] and [Runner.AttachCommand] control and inspect a running
// run from any process.
//
// docs/runs.md describes the ledger layout, the events, the status table,
// the hosts and delivery in detail.
package run
