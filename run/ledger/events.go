package ledger

import (
	"encoding/json"
	"regexp"
	"sync"

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
	// EventLedgerRepaired records that opening the ledger found a torn last
	// line (a write cut short by a crash) and moved it aside. Data:
	// LedgerRepairedData.
	EventLedgerRepaired = "ledger.repaired"
)

// EventTypes lists every event type above, in the order they are
// documented.
func EventTypes() []string {
	return []string{
		EventRunCreated, EventRunState, EventRunStopped,
		EventLaneStarted, EventLaneStartFailed, EventLanePromptDelivered, EventLanePromptFailed,
		EventLaneSend, EventLaneExited, EventLaneKilled, EventLaneLost, EventLaneTimeout, EventLaneResult,
		EventLaneAttention, EventLedgerRepaired,
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
	// prompt), "send".
	During string `json:"during,omitempty"`
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
	EventRunCreated:          func() any { return new(RunCreatedData) },
	EventRunState:            func() any { return new(RunStateData) },
	EventRunStopped:          func() any { return new(RunStoppedData) },
	EventLaneStarted:         func() any { return new(LaneStartedData) },
	EventLaneStartFailed:     func() any { return new(ReasonData) },
	EventLaneSend:            func() any { return new(LaneSendData) },
	EventLaneExited:          func() any { return new(LaneExitedData) },
	EventLaneKilled:          func() any { return new(ReasonData) },
	EventLaneLost:            func() any { return new(ReasonData) },
	EventLaneTimeout:         func() any { return new(ReasonData) },
	EventLaneResult:          func() any { return new(LaneResultData) },
	EventLaneAttention:       func() any { return new(LaneAttentionData) },
	EventLedgerRepaired:      func() any { return new(LedgerRepairedData) },
	EventLanePromptDelivered: func() any { return new(contract.DeliveryReport) },
	EventLanePromptFailed:    func() any { return new(contract.DeliveryReport) },
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
