package ledger

import (
	"path/filepath"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/errs"
)

// Names of the files every ledger directory holds.
const (
	// StatusFile is the status document, rewritten atomically after every
	// event that changes the status beyond lastSeq and updatedAt.
	StatusFile = "run.json"
	// EventsFile is the append-only event log, one JSON object per line.
	EventsFile = "events.jsonl"
	// LockFile is held (flock) by the one process allowed to append.
	LockFile = "lock"
	// TornFile collects torn last lines moved out of EventsFile when a
	// ledger is reopened after a crash.
	TornFile = "events.torn"
)

// Names of what a ledger directory holds besides the ledger's own files.
const (
	// PlanFile is the resolved plan (the Plan as JSON).
	PlanFile = "plan.json"
	// PacketFile is the startup packet.
	PacketFile = "startup-packet.json"
	// SnapshotDir holds frozen copies of the route, profile, boundary,
	// adapters and personas the run uses.
	SnapshotDir = "snapshot"
	// LanesDir holds one directory per lane.
	LanesDir = "lanes"
	// PromptName is a lane's prompt, in lanes/<lane>/.
	PromptName = "prompt.md"
	// ResultName is a lane's job result, in lanes/<lane>/.
	ResultName = "result.json"
	// TranscriptName is a lane's transcript, in lanes/<lane>/.
	TranscriptName = "transcript.log"
	// MCPConfigName is the MCP settings file a lane's agent CLI reads to
	// start the result channel, in lanes/<lane>/.
	MCPConfigName = "mcp.json"
	// HooksName is the hook file of a lane whose CLI reports through
	// hooks, in lanes/<lane>/: one JSON line per hook event, appended by
	// `cocoder agent hook` (see internal/agenthook).
	HooksName = "hooks.jsonl"
	// HookSettingsName is the settings file that installs those hooks in
	// the lane's CLI, in lanes/<lane>/.
	HookSettingsName = "hook-settings.json"
)

// MessagesDir holds the long messages sent to a lane, in lanes/<lane>/.
const MessagesDir = "messages"

// Names of what the engine writes as a run ends.
const (
	// DispatchDir holds a lead's dispatch requests, in lanes/<lane>/: one
	// JSON document each (contract-shaped DispatchRequest).
	DispatchDir = "dispatch"
	// ReceiptsDir holds one receipt per commit the engine made.
	ReceiptsDir = "receipts"
	// SupersessionsDir holds the supersession records of lead rescues.
	SupersessionsDir = "supersessions"
	// CloseoutFile says how the run ended: committed, refused, left over.
	CloseoutFile = "closeout.json"
	// BriefName is the lead's task for a dispatched lane, in
	// lanes/<lane>/.
	BriefName = "brief.md"
)

// LaneFile returns the path of a file (name: PromptName, ResultName,
// TranscriptName, MessagesDir, DispatchDir, ...) of a lane, relative to
// the ledger directory: lanes/<lane>/<name>. Every reader and writer builds
// lane paths with it.
func LaneFile(lane, name string) string { return filepath.Join(LanesDir, lane, name) }

// Dir returns the ledger directory of a run under a CoCoder home:
// home/runs/<workspaceID>/<runID>. It checks both ids before building the
// path and returns an errs.Invalid error naming the bad one.
func Dir(home, workspaceID, runID string) (string, error) {
	const op = "ledger.Dir"
	if !contract.ValidWorkspaceID(workspaceID) {
		return "", errs.E(errs.Invalid, op, "workspace id %q is not valid: use letters, digits, '.', '_' and '-' (at most 128 bytes)", workspaceID)
	}
	if !contract.ValidRunID(runID) {
		return "", errs.E(errs.Invalid, op, "run id %q is not valid: run ids look like r-20261124T140312Z-7k3f6q2a", runID)
	}
	return filepath.Join(home, "runs", workspaceID, runID), nil
}
