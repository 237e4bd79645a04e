package contract

import "time"

// This file holds the documents of a run's ledger: the events appended to
// events.jsonl and the status document run.json derived from them. Package
// run writes and reads them; their meaning is documented in docs/runs.md.

// LaneState is what is known about one lane of a run.
type LaneState string

// The lane states.
const (
	// LanePlanned: the lane is part of the run but has not been started.
	LanePlanned LaneState = "planned"
	// LaneRunning: the host started the lane's process.
	LaneRunning LaneState = "running"
	// LaneFailed: the lane could not start, or ended without a valid result
	// (exit without result, timeout).
	LaneFailed LaneState = "failed"
	// LaneExited: the lane's process ended; its exit code is recorded.
	LaneExited LaneState = "exited"
	// LaneKilled: the engine stopped the lane.
	LaneKilled LaneState = "killed"
	// LaneLost: the lane was expected to be alive but the host no longer
	// has it (for example after a machine restart).
	LaneLost LaneState = "lost"
	// LaneDone: the lane wrote a result that the engine accepted as its
	// answer (whatever the result's own status says).
	LaneDone LaneState = "done"
	// LaneNeedsAttention: the lane's program runs but stopped at a dialog
	// (trust, API key, login, a permission prompt) the engine does not
	// answer; the lane's reason names the dialog and the fix. Once a person
	// answers it, the lane carries on.
	LaneNeedsAttention LaneState = "needs-attention"
)

// LaneStates lists every lane state.
var LaneStates = []LaneState{LanePlanned, LaneRunning, LaneFailed, LaneExited, LaneKilled, LaneLost, LaneDone, LaneNeedsAttention}

// Active reports whether a lane in state s has a program that is still
// working towards its result: running, or waiting at a dialog.
func (s LaneState) Active() bool { return s == LaneRunning || s == LaneNeedsAttention }

// StatusSource says how a lane's state is known. Status carries its source:
// a lane that is "done" because its result file says so is a different
// claim from one that is "exited" because the process went away.
type StatusSource string

// The status sources.
const (
	// SourcePlan: the state comes from the plan (the lane has not started).
	SourcePlan StatusSource = "plan"
	// SourceHost: the host reported it (start, kill, list after a crash).
	SourceHost StatusSource = "host"
	// SourceResultFile: the lane's result.json was read and validated.
	SourceResultFile StatusSource = "result_file"
	// SourceProcessExit: the lane's process exited.
	SourceProcessExit StatusSource = "process_exit"
	// SourcePaneOutput: the lane's terminal output showed it.
	SourcePaneOutput StatusSource = "pane_output"
	// SourceTimeout: the lane ran out of time.
	SourceTimeout StatusSource = "timeout"
	// SourceEngine: the engine decided it (for example a stop request).
	SourceEngine StatusSource = "engine"
	// SourceVendorHook: the lane's agent CLI reported it through its own
	// hooks (see HookRegistration).
	SourceVendorHook StatusSource = "vendor_hook"
)

// LaneHandle identifies a started lane on its host. It is plain data so it
// can be stored in the ledger and used by another process later (resume,
// Oz): every field is needed to find the lane again, none is a live
// resource. What a particular host needs (a tmux pane, a process id, a pod
// name) is in Ref, which only that host reads, so a new kind of host adds
// no field here.
type LaneHandle struct {
	// Host is the kind of host that runs the lane, e.g. "tmux" or "exec".
	Host string `json:"host" yaml:"host" jsonschema:"required" validate:"required"`
	// RunID is the run the lane belongs to.
	RunID string `json:"runId" yaml:"runId" jsonschema:"required" validate:"required"`
	// Lane is the lane's name.
	Lane string `json:"lane" yaml:"lane" jsonschema:"required,pattern=^[A-Za-z0-9][A-Za-z0-9_-]*(\\.[A-Za-z0-9][A-Za-z0-9_-]*)*$" validate:"required,laneid"`
	// Ref is the host's own description of where the lane runs (for tmux
	// the server socket, session, window, pane and process id; for exec
	// the process id), as the host that started the lane wrote it. Only
	// that kind of host interprets it.
	Ref map[string]string `json:"ref,omitempty" yaml:"ref,omitempty"`
	// Transcript is the path of the lane's transcript file, when it has
	// one. The engine computes it; a host writes the lane's output there.
	Transcript string `json:"transcript,omitempty" yaml:"transcript,omitempty"`
}

// LaneStatus is the known state of one lane, with where that knowledge came
// from and when.
type LaneStatus struct {
	// State is the lane's state.
	State LaneState `json:"state" yaml:"state" jsonschema:"required,enum=planned,enum=running,enum=failed,enum=exited,enum=killed,enum=lost,enum=done,enum=needs-attention" validate:"required,oneof=planned running failed exited killed lost done needs-attention"`
	// Source says how the state is known.
	Source StatusSource `json:"source" yaml:"source" jsonschema:"required,enum=plan,enum=host,enum=result_file,enum=process_exit,enum=pane_output,enum=timeout,enum=engine,enum=vendor_hook" validate:"required,oneof=plan host result_file process_exit pane_output timeout engine vendor_hook"`
	// ObservedAt is when the state was observed.
	ObservedAt time.Time `json:"observedAt" yaml:"observedAt" jsonschema:"required" validate:"required"`
	// Reason explains a failed, killed or lost lane.
	Reason string `json:"reason,omitempty" yaml:"reason,omitempty"`
	// Activity is what the lane's agent CLI last reported doing through
	// its hooks (busy, idle or waiting); empty when it reports nothing.
	Activity LaneActivity `json:"activity,omitempty" yaml:"activity,omitempty" jsonschema:"enum=busy,enum=idle,enum=waiting" validate:"omitempty,oneof=busy idle waiting"`
	// Persona is the persona the lane plays.
	Persona string `json:"persona,omitempty" yaml:"persona,omitempty"`
	// Adapter is the adapter (agent CLI) the lane runs.
	Adapter string `json:"adapter,omitempty" yaml:"adapter,omitempty"`
	// Model is the model the adapter was told to use.
	Model string `json:"model,omitempty" yaml:"model,omitempty"`
	// Handle locates the lane on its host once started.
	Handle *LaneHandle `json:"handle,omitempty" yaml:"handle,omitempty"`
	// Delivery is the outcome of the initial prompt's delivery:
	// "delivered" or "failed"; empty until attempted.
	Delivery string `json:"delivery,omitempty" yaml:"delivery,omitempty" jsonschema:"enum=delivered,enum=failed" validate:"omitempty,oneof=delivered failed"`
	// ExitCode is the process's exit code once it exited.
	ExitCode *int `json:"exitCode,omitempty" yaml:"exitCode,omitempty"`
	// Result is the status the lane's accepted result reports (PASS,
	// BLOCK, ...), once ingested.
	Result string `json:"result,omitempty" yaml:"result,omitempty"`
}

// RunStatus is a run's status document (run.json). It is derived: replaying
// the run's events reproduces it, and where the two disagree the events
// win. run.json is rewritten only by events that change more than LastSeq
// and UpdatedAt (not by lane.send, gate, commit or dispatch events), so it
// is exactly the replay of the events up to its own LastSeq; a replay of
// all of them (ledger.ReadStatus) differs from it at most in those two
// fields.
type RunStatus struct {
	// Version is the format version of the document.
	Version Version `json:"version,omitempty" yaml:"version,omitempty"`
	// RunID is the run's id, e.g. "r-20261124T140312Z-7k3f6q2a": "r-", the
	// UTC creation time, "-" and 8 characters of lowercase base32.
	RunID string `json:"runId" yaml:"runId" jsonschema:"required" validate:"required"`
	// WorkspaceID is the registered workspace the run works in.
	WorkspaceID string `json:"workspaceId" yaml:"workspaceId" jsonschema:"required" validate:"required"`
	// Priority is the slug of the priority the run is for.
	Priority string `json:"priority,omitempty" yaml:"priority,omitempty"`
	// Route is the id of the route the run follows.
	Route string `json:"route,omitempty" yaml:"route,omitempty"`
	// Profile is the id of the profile that staffs the lanes.
	Profile string `json:"profile,omitempty" yaml:"profile,omitempty"`
	// State is the run's state.
	State RunState `json:"state" yaml:"state" jsonschema:"required,enum=planned,enum=ready,enum=running,enum=blocked,enum=needs_founder,enum=failed,enum=complete,enum=aborted,enum=stale,enum=damaged" validate:"required,oneof=planned ready running blocked needs_founder failed complete aborted stale damaged"`
	// Reason explains the current state (why it failed, what blocks it).
	Reason string `json:"reason,omitempty" yaml:"reason,omitempty"`
	// CreatedAt is when the run was created.
	CreatedAt time.Time `json:"createdAt" yaml:"createdAt" jsonschema:"required" validate:"required"`
	// UpdatedAt is the time of the last event (in run.json: of the last
	// event that changed the document).
	UpdatedAt time.Time `json:"updatedAt" yaml:"updatedAt" jsonschema:"required" validate:"required"`
	// Lanes maps each lane name to its status.
	Lanes map[string]LaneStatus `json:"lanes,omitempty" yaml:"lanes,omitempty" validate:"omitempty,dive,keys,laneid,endkeys"`
	// LastSeq is the sequence number of the last event the document
	// reflects (in run.json: the last event that changed it; later events
	// changed nothing else).
	LastSeq int64 `json:"lastSeq" yaml:"lastSeq" jsonschema:"required" validate:"gte=0"`
}

// Event is one line of a run's events.jsonl: something that happened, in
// order. Seq is strictly increasing within a run.
type Event struct {
	// Seq is the event's position in the run, starting at 1.
	Seq int64 `json:"seq" yaml:"seq" jsonschema:"required" validate:"required,gte=1"`
	// Time is when the event was recorded (UTC).
	Time time.Time `json:"time" yaml:"time" jsonschema:"required" validate:"required"`
	// Type names what happened, e.g. "lane.started"; docs/runs.md lists
	// every type and its data.
	Type string `json:"type" yaml:"type" jsonschema:"required" validate:"required"`
	// Lane is the lane the event is about; empty for run-wide events.
	Lane string `json:"lane,omitempty" yaml:"lane,omitempty" jsonschema:"pattern=^[A-Za-z0-9][A-Za-z0-9_-]*(\\.[A-Za-z0-9][A-Za-z0-9_-]*)*$" validate:"omitempty,laneid"`
	// Data holds the event's details; its shape depends on Type.
	Data map[string]any `json:"data,omitempty" yaml:"data,omitempty"`
}

// DeliveryReport is what prompt delivery did and saw (run/host.Deliver).
// It is the data of the lane.prompt.delivered and lane.prompt.failed
// events.
type DeliveryReport struct {
	// Delivered is true when the submission was confirmed.
	Delivered bool `json:"delivered"`
	// Attempts is the number of times the submit keys (the adapter's
	// submitKeys, Enter by default) were pressed.
	Attempts int `json:"attempts"`
	// Pastes is the number of times the text was pasted.
	Pastes int `json:"pastes"`
	// Reason says why delivery failed, or how it was confirmed.
	Reason string `json:"reason,omitempty"`
	// Evidence is a short excerpt of the screen behind the verdict. It is
	// lane output: pass it through the redactor before storing it (the
	// Ledger does when it is event data).
	Evidence string `json:"evidence,omitempty"`
	// DurationMS is how long delivery took, in milliseconds.
	DurationMS int64 `json:"durationMs"`
	// Dialog names the known dialog (an adapter's declared dialog) that
	// stopped delivery, and Fix what the user does about it.
	Dialog string `json:"dialog,omitempty"`
	Fix    string `json:"fix,omitempty"`
}
