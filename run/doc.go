// Package run owns the run lifecycle: plan and preflight, the on-disk
// ledger, adapters, hosts (tmux and exec), prompt dispatch, supervision and
// stop.
//
// # Ledger
//
// Every run has a directory under the CoCoder home ([LedgerDir]) holding
// events.jsonl, the append-only truth, and run.json, the status derived
// from it. [CreateLedger] and [OpenLedger] give the one writer its
// [Ledger] (flock-held); [Ledger.Append] writes each event with one fsynced
// write, checks state changes against the status table ([Transition]) and
// rewrites run.json atomically. Any process reads with [ReadEvents] and
// [ReadStatus]; a torn last line left by a crash is reported
// ([TornLineError]), never fatal, and [OpenLedger] repairs it. Event types
// are the Event* constants; [NewEvent] and [DecodeData] build and read
// their data.
//
// # Hosts
//
// A [Host] starts lanes and talks to them. [TmuxHost] runs each lane in a
// window of a private tmux server (one session per run), with argv never
// given to a shell and an explicit environment; [ExecHost] runs headless
// lanes as child processes. [StartLanes] starts several and tears them down
// if one fails.
//
// # Delivery
//
// [Deliver] types a prompt into an agent's TUI and confirms it was
// submitted, retrying Enter (and, only when the paste provably never
// arrived, the paste) a bounded number of times.
//
// docs/runs.md describes the ledger layout, the events, the status table,
// the hosts and delivery in detail.
package run
