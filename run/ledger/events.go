package ledger

import (
	"encoding/json"
	"regexp"
	"sync"
	"time"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/errs"
)

// Event types. Every event a run's ledger may hold is named here; Replay
// understands the ones that change the status document and keeps the
// others as history. The data each type carries is given by the *Data
// struct next to it (built with NewEvent, read with DecodeData) and listed
// in docs/runs.md. Types are dotted lowercase words; new ones are added here,
// never made up at a call site.
const (
	// EventRunCreated opens every ledger. Data: RunCreatedData (the initial
	// status document).
	EventRunCreated = "run.created"
	// EventRunState records a change of the run's state. Data:
	// RunStateData. Only transitions allowed by the status table are
	// written; see Transition.
	EventRunState = "run.state"
	// EventRunStopped records that a stop was requested, by whom and why.
	// Data: RunStoppedData. The state change itself is a run.state event.
	EventRunStopped = "run.stopped"
	// EventLaneStarted records that a host started a lane. Data:
	// LaneStartedData (the handle).
	EventLaneStarted = "lane.started"
	// EventLaneStartFailed records that a lane could not be started. Data:
	// ReasonData.
	EventLaneStartFailed = "lane.start_failed"
	// EventLanePromptDelivered records that the lane's prompt was
	// submitted and the submission confirmed. Data: contract.DeliveryReport.
	EventLanePromptDelivered = "lane.prompt.delivered"
	// EventLanePromptFailed records that the prompt could not be delivered
	// or its submission not confirmed. Data: contract.DeliveryReport.
	EventLanePromptFailed = "lane.prompt.failed"
	// EventLaneSend records text sent to a lane after its start (a message
	// from the operator or the lead). Data: LaneSendData. The text itself is
	// not stored, only its size and a digest.
	EventLaneSend = "lane.send"
	// EventLaneExited records that the lane's process exited. Data:
	// LaneExitedData.
	EventLaneExited = "lane.exited"
	// EventLaneKilled records that the engine killed the lane. Data:
	// ReasonData.
	EventLaneKilled = "lane.killed"
	// EventLaneLost records that a lane the ledger thinks is running is not
	// on its host any more (found when reconciling after a crash). Data:
	// ReasonData.
	EventLaneLost = "lane.lost"
	// EventLaneTimeout records that a lane ran out of time. Data:
	// ReasonData.
	EventLaneTimeout = "lane.timeout"
	// EventLaneResult records that the lane's result file was read,
	// validated and accepted as its answer. Data: LaneResultData.
	EventLaneResult = "lane.result"
	// EventLaneAttention records that a lane stopped at a dialog the engine
	// does not answer (a trust, API-key, login or permission prompt); the
	// lane needs a person. Data: LaneAttentionData.
	EventLaneAttention = "lane.attention"
	// EventLaneAttentionCleared records that the dialog a lane stopped at
	// is gone (a person answered it) and the lane works again. Data:
	// LaneAttentionData naming the dialog that was answered.
	EventLaneAttentionCleared = "lane.attention.cleared"
	// EventLaneActivity records that a lane's agent CLI reported, through
	// its own hooks, that it is now busy, idle or waiting for a person.
	// Only changes are recorded. Data: LaneActivityData.
	EventLaneActivity = "lane.activity"
	// EventLedgerRepaired records that opening the ledger found a torn last
	// line (a write cut short by a crash) and moved it aside. Data:
	// LedgerRepairedData.
	EventLedgerRepaired = "ledger.repaired"

	// EventRunBaseline records the work tree as the run found it: HEAD and
	// the digests of the paths already changed, so changes made before the
	// run are never taken for the run's. Data: TreeData.
	EventRunBaseline = "run.baseline"
	// EventLaneTree records the changed paths of the work tree when a lane
	// started work, to tell what changed during its life. Data: TreeData.
	EventLaneTree = "lane.tree"
	// EventLaneLaunching records, before the host starts it, that a lane is
	// about to be started on a kind of host: an interrupt or a crash at any
	// moment of a launch leaves either no lane or a lane its ledger knows
	// of, which a stop then finds on that host. Data: LaunchingData.
	EventLaneLaunching = "lane.launching"
	// EventLaneDispatchRequested records that the lead (or an operator)
	// asked for a waiting lane to get its work, at once or after other
	// lanes' accepted results. Data: DispatchData.
	EventLaneDispatchRequested = "lane.dispatch.requested"
	// EventLaneDispatched records that a dispatched lane was given its
	// work (it is started and its prompt delivered next). Data:
	// DispatchData.
	EventLaneDispatched = "lane.dispatched"
	// EventLaneDispatchCancelled records that a requested dispatch will not
	// happen (a lane it waited for finished without an accepted result, or
	// the run ended). Data: DispatchData, with Reason.
	EventLaneDispatchCancelled = "lane.dispatch.cancelled"
	// EventLaneResultRefused records that a lane's result file was read and
	// refused: it does not parse, validate or match the lane. The lane may
	// still write a valid one. Data: ReasonData.
	EventLaneResultRefused = "lane.result.refused"
	// EventGateScope records the scope gate's verdict on the real changes
	// of the work tree for one lane: what it may have committed and what
	// was refused and why. Data: ScopeData.
	EventGateScope = "gate.scope"
	// EventGateVerify records the verify command's outcome. Data:
	// VerifyData.
	EventGateVerify = "gate.verify"
	// EventCommitIntent records, before git runs, the receipt id and files
	// of a commit the engine is about to make, so a crash in between is
	// resolved by finding the commit by its receipt trailer. Data:
	// CommitData.
	EventCommitIntent = "commit.intent"
	// EventCommitMade records a commit the engine made. Data: CommitData
	// with SHA; the receipt is also written to receipts/<id>.json.
	EventCommitMade = "commit.made"
	// EventCommitRefused records a commit the engine would not make.
	// Data: CommitData with Reason.
	EventCommitRefused = "commit.refused"
	// EventLaneSuperseded records that the lead's accepted result resolves
	// a teammate's non-accepting one under the route's lead-rescue policy;
	// the record is written to supersessions/<id>.json. Data:
	// SupersededData.
	EventLaneSuperseded = "lane.superseded"
	// EventRunCloseout records what the run ended with: its final state,
	// what was committed, what was refused and why, and what is left
	// uncommitted in the work tree. Data: contract-shaped CloseoutData,
	// also written to closeout.json.
	EventRunCloseout = "run.closeout"
	// EventRunContinuation records the lead's request for a follow-on run
	// and whether it was taken. Data: ContinuationData.
	EventRunContinuation = "run.continuation"
)

// EventTypes lists every event type above, in the order they are
// documented.
func EventTypes() []string {
	return []string{
		EventRunCreated, EventRunState, EventRunStopped,
		EventLaneStarted, EventLaneStartFailed, EventLanePromptDelivered, EventLanePromptFailed,
		EventLaneSend, EventLaneExited, EventLaneKilled, EventLaneLost, EventLaneTimeout, EventLaneResult,
		EventLaneAttention, EventLaneAttentionCleared, EventLaneActivity, EventLedgerRepaired,
		EventRunBaseline, EventLaneTree, EventLaneLaunching, EventLaneDispatchRequested, EventLaneDispatched, EventLaneDispatchCancelled,
		EventLaneResultRefused, EventGateScope, EventGateVerify, EventCommitIntent, EventCommitMade, EventCommitRefused,
		EventLaneSuperseded, EventRunCloseout, EventRunContinuation,
	}
}

// RunCreatedData is the data of run.created: the status the run starts
// with. Its LastSeq, CreatedAt and UpdatedAt are ignored (they come from the
// event itself).
type RunCreatedData struct {
	Status contract.RunStatus `json:"status"`
}

// RunStateData is the data of run.state.
type RunStateData struct {
	From   contract.RunState `json:"from"`
	To     contract.RunState `json:"to"`
	Reason string            `json:"reason,omitempty"`
}

// RunStoppedData is the data of run.stopped.
type RunStoppedData struct {
	// By names who asked (e.g. "cli", "oz", "engine").
	By     string `json:"by,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// LaneStartedData is the data of lane.started.
type LaneStartedData struct {
	Handle contract.LaneHandle `json:"handle"`
}

// ReasonData is the data of events that only carry an explanation
// (lane.start_failed, lane.killed, lane.lost, lane.timeout).
type ReasonData struct {
	Reason string `json:"reason,omitempty"`
}

// LaneSendData is the data of lane.send.
type LaneSendData struct {
	// Bytes is the size of the text sent.
	Bytes int `json:"bytes"`
	// SHA256 is the hex digest of the text, so a later reader can match
	// it without the ledger storing it.
	SHA256 string `json:"sha256,omitempty"`
	// Submit tells whether Enter followed the text.
	Submit bool `json:"submit"`
	// By names who sent it.
	By string `json:"by,omitempty"`
	// Delivery is how the lane's taking the text was confirmed (typed
	// into a screen); nil when the host takes it directly (exec).
	Delivery *contract.DeliveryReport `json:"delivery,omitempty"`
}

// LaneExitedData is the data of lane.exited.
type LaneExitedData struct {
	ExitCode int `json:"exitCode"`
	// Reason explains an abnormal end, e.g. "killed by signal 9".
	Reason string `json:"reason,omitempty"`
}

// LaneResultData is the data of lane.result.
type LaneResultData struct {
	// Status is the result's status: PASS, BLOCK, CONDITIONAL_PASS,
	// NEEDS_FOUNDER or FAILED.
	Status string `json:"status"`
	// Path is the result file, relative to the ledger directory.
	Path string `json:"path,omitempty"`
}

// LaneAttentionData is the data of lane.attention.
type LaneAttentionData struct {
	// Dialog names the dialog (from the adapter's declaration), e.g.
	// "trust" or "permission"; empty when an undeclared dialog pattern
	// matched.
	Dialog string `json:"dialog,omitempty"`
	// Fix is what the user does about it.
	Fix string `json:"fix,omitempty"`
	// Screen is an excerpt of what the lane showed (lane output: redacted
	// by the ledger).
	Screen string `json:"screen,omitempty"`
	// Source is where the engine saw it: "pane_output".
	Source contract.StatusSource `json:"source"`
	// During says what the engine was doing: "delivery" (the initial
	// prompt), "send", or "work" (the supervisor saw it while the lane
	// worked).
	During string `json:"during,omitempty"`
}

// LaneActivityData is the data of lane.activity.
type LaneActivityData struct {
	// Activity is what the CLI is doing: busy, idle or waiting.
	Activity contract.LaneActivity `json:"activity"`
	// Source is where the engine learnt it: "vendor_hook".
	Source contract.StatusSource `json:"source"`
	// Event is the CLI's hook event that said so, e.g. "Stop", and Type
	// its type where it has one (a notification's, e.g.
	// "permission_prompt").
	Event string `json:"event"`
	Type  string `json:"type,omitempty"`
	// Message is the CLI's own short message (a notification's), escaped.
	Message string `json:"message,omitempty"`
	// At is when the CLI reported it; the event's time is when the engine
	// recorded it.
	At time.Time `json:"at,omitzero"`
}

// LedgerRepairedData is the data of ledger.repaired.
type LedgerRepairedData struct {
	// Offset is where the torn line started in events.jsonl.
	Offset int64 `json:"offset"`
	// Bytes is the torn line's length.
	Bytes int `json:"bytes"`
	// MovedTo is the file (relative to the ledger directory) the torn
	// bytes were appended to.
	MovedTo string `json:"movedTo"`
}

// TreeData is the data of run.baseline and lane.tree: the state of the
// work tree at one moment.
type TreeData struct {
	// Phase says when a lane.tree was taken: "start" (before the lane
	// started) or "end" (when its verdict was recorded).
	Phase string `json:"phase,omitempty"`
	// Head is the SHA of HEAD ("" before the first commit).
	Head string `json:"head,omitempty"`
	// Changed maps each path git reported as changed to its content
	// digest ("" for a deleted path).
	Changed map[string]string `json:"changed,omitempty"`
}

// LaunchingData is the data of lane.launching.
type LaunchingData struct {
	// Host is the kind of host the lane is being started on.
	Host string `json:"host"`
}

// DispatchData is the data of the lane.dispatch.* events.
type DispatchData struct {
	// File is the lead's dispatch request file the request came from,
	// relative to the ledger directory; empty for a request made through
	// the Runner (an operator).
	File string `json:"file,omitempty"`
	// Brief is what the lead asks of the lane, given to it with its prompt.
	Brief string `json:"brief,omitempty"`
	// After lists lanes whose accepted results the dispatch waits for.
	After []string `json:"after,omitempty"`
	// By names who asked (the lead's lane, or an operator).
	By string `json:"by,omitempty"`
	// Reason explains a cancelled dispatch.
	Reason string `json:"reason,omitempty"`
}

// PathVerdict is one path the scope gate refused, with why.
type PathVerdict struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

// ScopeData is the data of gate.scope.
type ScopeData struct {
	// Accepted are the changed paths the lane may have committed: in its
	// write scope, changed since the run began, and listed in its result.
	Accepted []string `json:"accepted,omitempty"`
	// Refused are changed paths that will not be committed, with why.
	Refused []PathVerdict `json:"refused,omitempty"`
	// ReadOnlyViolation is set when a lane that may not write changed
	// files: it fails whatever its result says.
	ReadOnlyViolation bool `json:"readOnlyViolation,omitempty"`
}

// VerifyData is the data of gate.verify.
type VerifyData struct {
	Command    []string `json:"command"`
	ExitCode   int      `json:"exitCode"`
	DurationMS int64    `json:"durationMs"`
	Passed     bool     `json:"passed"`
	// OutputTail is the end of the command's output, redacted.
	OutputTail string `json:"outputTail,omitempty"`
	// Reason explains a command that could not run or timed out.
	Reason string `json:"reason,omitempty"`
}

// CommitData is the data of the commit.* events, and the receipt written
// to receipts/<ReceiptID>.json.
type CommitData struct {
	ReceiptID string   `json:"receiptId"`
	Lane      string   `json:"lane"`
	Persona   string   `json:"persona,omitempty"`
	Model     string   `json:"model,omitempty"`
	Files     []string `json:"files"`
	// Flagged are the lane's changed paths that were not committed, with
	// why.
	Flagged []PathVerdict `json:"flagged,omitempty"`
	// SHA is the commit made (commit.made).
	SHA string `json:"sha,omitempty"`
	// Verify is the verify gate's outcome the commit relied on, if any.
	Verify *VerifyData `json:"verify,omitempty"`
	// Reason explains a refused commit.
	Reason string `json:"reason,omitempty"`
}

// SupersededData is the data of lane.superseded.
type SupersededData struct {
	// ResolvingLane is the lead whose accepted result resolves the lane.
	ResolvingLane string `json:"resolvingLane"`
	// Record is the supersession record's path in the ledger.
	Record string `json:"record"`
	// FindingsAddressed are the superseded result's findings the lead's
	// result addresses.
	FindingsAddressed []string `json:"findingsAddressed"`
}

// CloseoutData is the data of run.closeout and the content of
// closeout.json.
type CloseoutData struct {
	State contract.RunState `json:"state"`
	// Reasons say why the run did not complete (empty when it did).
	Reasons []string `json:"reasons,omitempty"`
	// Commits are the receipts of the commits made.
	Commits []CommitData `json:"commits,omitempty"`
	// Refused are changed paths that were not committed, with why.
	Refused []PathVerdict `json:"refused,omitempty"`
	// Uncommitted lists every path still changed in the work tree when
	// the run ended: nothing is deleted or reverted.
	Uncommitted []string `json:"uncommitted,omitempty"`
	// Lanes maps each launched lane to its verdict, e.g. "PASS",
	// "BLOCK", "exited without a result".
	Lanes map[string]string `json:"lanes,omitempty"`
}

// ContinuationData is the data of run.continuation.
type ContinuationData struct {
	Request contract.Continuation `json:"request"`
	// Taken is true when the follow-on run was started; NextRunID names it.
	Taken     bool   `json:"taken"`
	NextRunID string `json:"nextRunId,omitempty"`
	// Reason explains a request not taken.
	Reason string `json:"reason,omitempty"`
}

var eventTypePattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$`) })

// NewEvent builds an event of type typ about lane (empty for run-wide
// events) with data converted to the event's JSON object form. data may be
// nil, one of the *Data structs above, or any value that encodes as a JSON
// object. Seq and Time are left for Ledger.Append to assign.
func NewEvent(typ, lane string, data any) (contract.Event, error) {
	const op = "ledger.NewEvent"
	ev := contract.Event{Type: typ, Lane: lane}
	if data == nil {
		return ev, nil
	}
	b, err := json.Marshal(data)
	if err != nil {
		return ev, errs.Wrap(errs.Invalid, op, err, "data of %s event does not encode as JSON", typ)
	}
	if err := json.Unmarshal(b, &ev.Data); err != nil || ev.Data == nil {
		return ev, errs.E(errs.Invalid, op, "data of %s event must encode as a JSON object", typ)
	}
	return ev, nil
}

// MustEvent is NewEvent for the package's own data structs, which always
// encode.
func MustEvent(typ, lane string, data any) contract.Event {
	ev, err := NewEvent(typ, lane, data)
	if err != nil {
		panic(err)
	}
	return ev
}

// DecodeData decodes ev.Data into v (a pointer to one of the *Data structs
// or any type matching the data's shape).
func DecodeData(ev contract.Event, v any) error {
	b, err := json.Marshal(ev.Data)
	if err != nil {
		return errs.Wrap(errs.Invalid, "ledger.DecodeData", err, "data of event %d (%s) does not encode", ev.Seq, ev.Type)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return errs.Wrap(errs.Invalid, "ledger.DecodeData", err, "data of event %d (%s) does not have the expected shape", ev.Seq, ev.Type)
	}
	return nil
}

// payloads gives, for each event type with data, a function returning a
// new value of its data type.
var payloads = map[string]func() any{
	EventRunCreated:           func() any { return new(RunCreatedData) },
	EventRunState:             func() any { return new(RunStateData) },
	EventRunStopped:           func() any { return new(RunStoppedData) },
	EventLaneStarted:          func() any { return new(LaneStartedData) },
	EventLaneStartFailed:      func() any { return new(ReasonData) },
	EventLaneSend:             func() any { return new(LaneSendData) },
	EventLaneExited:           func() any { return new(LaneExitedData) },
	EventLaneKilled:           func() any { return new(ReasonData) },
	EventLaneLost:             func() any { return new(ReasonData) },
	EventLaneTimeout:          func() any { return new(ReasonData) },
	EventLaneResult:           func() any { return new(LaneResultData) },
	EventLaneAttention:        func() any { return new(LaneAttentionData) },
	EventLaneAttentionCleared: func() any { return new(LaneAttentionData) },
	EventLaneActivity:         func() any { return new(LaneActivityData) },
	EventLedgerRepaired:       func() any { return new(LedgerRepairedData) },
	EventLanePromptDelivered:  func() any { return new(contract.DeliveryReport) },
	EventLanePromptFailed:     func() any { return new(contract.DeliveryReport) },

	EventRunBaseline:           func() any { return new(TreeData) },
	EventLaneTree:              func() any { return new(TreeData) },
	EventLaneLaunching:         func() any { return new(LaunchingData) },
	EventLaneDispatchRequested: func() any { return new(DispatchData) },
	EventLaneDispatched:        func() any { return new(DispatchData) },
	EventLaneDispatchCancelled: func() any { return new(DispatchData) },
	EventLaneResultRefused:     func() any { return new(ReasonData) },
	EventGateScope:             func() any { return new(ScopeData) },
	EventGateVerify:            func() any { return new(VerifyData) },
	EventCommitIntent:          func() any { return new(CommitData) },
	EventCommitMade:            func() any { return new(CommitData) },
	EventCommitRefused:         func() any { return new(CommitData) },
	EventLaneSuperseded:        func() any { return new(SupersededData) },
	EventRunCloseout:           func() any { return new(CloseoutData) },
	EventRunContinuation:       func() any { return new(ContinuationData) },
}

// Payload returns ev's data as the typed value its type carries: a
// pointer to one of the *Data structs above (*RunStateData for run.state,
// *LaneStartedData for lane.started, ...). It returns nil, nil for an
// event type without a known data type, and an errs.Invalid error when the
// data does not have its type's shape.
func Payload(ev contract.Event) (any, error) {
	mk, ok := payloads[ev.Type]
	if !ok {
		return nil, nil
	}
	v := mk()
	if err := DecodeData(ev, v); err != nil {
		return nil, err
	}
	return v, nil
}
