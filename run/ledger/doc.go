// Package ledger owns a run's directory on disk: the layout of the files in
// it, the append-only event log that is the run's truth, the status
// document derived from it, and the table of allowed status transitions.
//
// Every run has a directory under the CoCoder home ([Dir]). [Create] and
// [Open] give the one writer its [Ledger] (flock-held); [Ledger.Append]
// writes each event with one fsynced write, checks state changes against
// the status table ([Transition]) and rewrites run.json atomically when the
// status changed beyond lastSeq and updatedAt. Any
// process reads with [ReadEvents] and [ReadStatus]; a torn last line left
// by a crash is reported ([TornLineError]), never fatal, and [Open]
// repairs it. Event types are the Event* constants; [NewEvent] and
// [DecodeData] build and read their data.
//
// The package is a leaf of the engine: it imports contract and the
// internal helpers, never package run.
package ledger
