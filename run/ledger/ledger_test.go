package ledger_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/internal/testkit"
	"github.com/cocoder/cocoder/run/ledger"
)

// testStatus is the initial status of a two-lane run.
func testStatus(id string) contract.RunStatus {
	return contract.RunStatus{
		RunID: id, WorkspaceID: "ws-1", Priority: "fix-login", Route: "solo", Profile: "default",
		Lanes: map[string]contract.LaneStatus{
			"lead":   {Persona: "orchestrator", Adapter: "claude", Model: "opus"},
			"writer": {Persona: "builder", Adapter: "codex", Model: "gpt-5"},
		},
	}
}

// newLedger creates a ledger in a temp home and closes it at the end.
func newLedger(t *testing.T, opts ledger.Options) *ledger.Ledger {
	t.Helper()
	id := testkit.NewRunID()
	dir, err := ledger.Dir(t.TempDir(), "ws-1", id)
	require.NoError(t, err)
	l, err := ledger.Create(dir, testStatus(id), opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = l.Close() })
	return l
}

// statusFile decodes run.json.
func statusFile(t *testing.T, dir string) contract.RunStatus {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, ledger.StatusFile))
	require.NoError(t, err)
	var st contract.RunStatus
	require.NoError(t, json.Unmarshal(b, &st))
	return st
}

// requireConsistent checks that the in-memory status is the replay of
// events.jsonl and that run.json is what the ledger promises: the replay
// of the events up to its lastSeq, the event that last changed the status
// beyond lastSeq and updatedAt, with no later event changing more.
func requireConsistent(t *testing.T, l *ledger.Ledger) {
	t.Helper()
	events, torn, err := ledger.ReadEvents(l.Dir())
	require.NoError(t, err)
	require.Nil(t, torn)
	replayed, err := ledger.Replay(events)
	require.NoError(t, err)
	want, _ := json.Marshal(replayed)
	mem, _ := json.Marshal(l.Status())
	assert.JSONEq(t, string(want), string(mem), "Status() must equal the replayed events")
	requireStatusFile(t, l.Dir(), events)
}

// requireStatusFile checks run.json in dir against events (see
// requireConsistent).
func requireStatusFile(t *testing.T, dir string, events []contract.Event) {
	t.Helper()
	doc := statusFile(t, dir)
	require.NotZero(t, doc.LastSeq)
	require.LessOrEqual(t, doc.LastSeq, int64(len(events)))
	upTo, err := ledger.Replay(events[:doc.LastSeq])
	require.NoError(t, err)
	want, _ := json.Marshal(upTo)
	got, _ := json.Marshal(doc)
	assert.JSONEq(t, string(want), string(got), "run.json must be the replay of the events up to its lastSeq")
	all, err := ledger.Replay(events)
	require.NoError(t, err)
	assert.Equal(t, withoutSeq(upTo), withoutSeq(all), "no event after run.json's lastSeq %d may change the status", doc.LastSeq)
	if doc.LastSeq > 1 {
		before, err := ledger.Replay(events[:doc.LastSeq-1])
		require.NoError(t, err)
		assert.NotEqual(t, withoutSeq(before), withoutSeq(upTo), "run.json's lastSeq must be an event that changed the status")
	}
}

// withoutSeq is st as JSON without lastSeq and updatedAt.
func withoutSeq(st contract.RunStatus) string {
	st.LastSeq, st.UpdatedAt = 0, time.Time{}
	b, _ := json.Marshal(st)
	return string(b)
}

func TestCreateLedger(t *testing.T) {
	l := newLedger(t, ledger.Options{})
	st := l.Status()
	assert.Equal(t, contract.StatePlanned, st.State)
	assert.Equal(t, int64(1), st.LastSeq)
	assert.False(t, st.CreatedAt.IsZero())
	assert.Equal(t, contract.CurrentVersion, st.Version)
	require.Contains(t, st.Lanes, "writer")
	w := st.Lanes["writer"]
	assert.Equal(t, contract.LanePlanned, w.State)
	assert.Equal(t, contract.SourcePlan, w.Source, "status carries its source")
	assert.Equal(t, "gpt-5", w.Model)

	for _, f := range []string{ledger.StatusFile, ledger.EventsFile, ledger.LockFile} {
		fi, err := os.Stat(filepath.Join(l.Dir(), f))
		require.NoError(t, err, f)
		assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), f)
	}
	fi, err := os.Stat(l.Dir())
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), fi.Mode().Perm())
	events, _, err := ledger.ReadEvents(l.Dir())
	require.NoError(t, err)
	require.Len(t, events, 1)
	assert.Equal(t, ledger.EventRunCreated, events[0].Type)
	requireConsistent(t, l)
}

func TestCreateLedgerRefuses(t *testing.T) {
	home := t.TempDir()
	id := testkit.NewRunID()
	dir, err := ledger.Dir(home, "ws-1", id)
	require.NoError(t, err)

	for name, tc := range map[string]struct {
		dir    string
		mutate func(*contract.RunStatus)
		code   errs.Code
	}{
		"ErrRunID":      {dir, func(s *contract.RunStatus) { s.RunID = "../x" }, errs.Invalid},
		"ErrDirName":    {filepath.Join(home, "runs", "ws-1", "other"), func(*contract.RunStatus) {}, errs.Invalid},
		"ErrWorkspace":  {dir, func(s *contract.RunStatus) { s.WorkspaceID = "a/b" }, errs.Invalid},
		"ErrState":      {dir, func(s *contract.RunStatus) { s.State = "bogus" }, errs.Invalid},
		"ErrLaneName":   {dir, func(s *contract.RunStatus) { s.Lanes["a;rm -rf ~"] = contract.LaneStatus{} }, errs.Invalid},
		"ErrLaneSubsh":  {dir, func(s *contract.RunStatus) { s.Lanes["$(id)"] = contract.LaneStatus{} }, errs.Invalid},
		"ErrLaneDotDot": {dir, func(s *contract.RunStatus) { s.Lanes[".."] = contract.LaneStatus{} }, errs.Invalid},
	} {
		t.Run(name, func(t *testing.T) {
			st := testStatus(id)
			tc.mutate(&st)
			_, err := ledger.Create(tc.dir, st, ledger.Options{})
			assert.Equal(t, tc.code, errs.CodeOf(err), "%v", err)
			_, statErr := os.Stat(tc.dir)
			assert.True(t, os.IsNotExist(statErr), "nothing is created for bad input")
		})
	}

	t.Run("ErrExists", func(t *testing.T) {
		l, err := ledger.Create(dir, testStatus(id), ledger.Options{})
		require.NoError(t, err)
		defer l.Close()
		_, err = ledger.Create(dir, testStatus(id), ledger.Options{})
		assert.Equal(t, errs.Conflict, errs.CodeOf(err))
		events, _, err := ledger.ReadEvents(dir)
		require.NoError(t, err)
		assert.Len(t, events, 1, "the existing ledger is untouched")
	})
}

func TestLedgerLock(t *testing.T) {
	l := newLedger(t, ledger.Options{})
	_, err := ledger.Open(l.Dir(), ledger.Options{})
	require.Error(t, err)
	assert.Equal(t, errs.Conflict, errs.CodeOf(err))
	assert.Contains(t, err.Error(), "process ", "the message names the holder")

	// Readers need no lock.
	st, torn, err := ledger.ReadStatus(l.Dir())
	require.NoError(t, err)
	assert.Nil(t, torn)
	assert.Equal(t, l.Status().RunID, st.RunID)

	require.NoError(t, l.Close())
	require.NoError(t, l.Close(), "Close twice is fine")
	_, err = l.Append(mustNewEvent(t, ledger.EventLaneSend, "lead", nil))
	assert.Equal(t, errs.Conflict, errs.CodeOf(err), "appending to a closed ledger")
	assert.Equal(t, errs.Conflict, errs.CodeOf(l.WriteFile("x.txt", nil)))

	l2, err := ledger.Open(l.Dir(), ledger.Options{})
	require.NoError(t, err)
	defer l2.Close()
	assert.Equal(t, ledger.OpenReport{}, l2.Report(), "a clean ledger needs no repair")
}

func mustNewEvent(t *testing.T, typ, lane string, data any) contract.Event {
	t.Helper()
	ev, err := ledger.NewEvent(typ, lane, data)
	require.NoError(t, err)
	return ev
}

func TestLedgerAppend(t *testing.T) {
	clock := time.Date(2026, 11, 24, 14, 0, 0, 0, time.UTC)
	l := newLedger(t, ledger.Options{Now: func() time.Time { clock = clock.Add(time.Second); return clock }})

	handle := contract.LaneHandle{Host: "tmux", RunID: l.Status().RunID, Lane: "lead", Ref: map[string]string{"socket": "s", "session": "x", "pane": "%3", "pid": "42"}}
	steps := []struct {
		name  string
		ev    contract.Event
		check func(t *testing.T, st contract.RunStatus)
	}{
		{"Ready", mustNewEvent(t, ledger.EventRunState, "", ledger.RunStateData{To: contract.StateReady}), func(t *testing.T, st contract.RunStatus) {
			assert.Equal(t, contract.StateReady, st.State)
		}},
		{"Running", mustNewEvent(t, ledger.EventRunState, "", ledger.RunStateData{To: contract.StateRunning, Reason: "lanes started"}), func(t *testing.T, st contract.RunStatus) {
			assert.Equal(t, contract.StateRunning, st.State)
			assert.Equal(t, "lanes started", st.Reason)
		}},
		{"LaneStarted", mustNewEvent(t, ledger.EventLaneStarted, "lead", ledger.LaneStartedData{Handle: handle}), func(t *testing.T, st contract.RunStatus) {
			ls := st.Lanes["lead"]
			assert.Equal(t, contract.LaneRunning, ls.State)
			assert.Equal(t, contract.SourceHost, ls.Source)
			require.NotNil(t, ls.Handle)
			assert.Equal(t, handle, *ls.Handle)
			assert.Equal(t, "opus", ls.Model, "plan fields survive")
		}},
		{"Delivered", mustNewEvent(t, ledger.EventLanePromptDelivered, "lead", contract.DeliveryReport{Delivered: true, Attempts: 2}), func(t *testing.T, st contract.RunStatus) {
			assert.Equal(t, "delivered", st.Lanes["lead"].Delivery)
		}},
		{"Attention", mustNewEvent(t, ledger.EventLaneAttention, "lead", ledger.LaneAttentionData{Dialog: "permission", Fix: "answer it", Source: contract.SourcePaneOutput, During: "work"}), func(t *testing.T, st contract.RunStatus) {
			ls := st.Lanes["lead"]
			assert.Equal(t, contract.LaneNeedsAttention, ls.State)
			assert.Equal(t, contract.SourcePaneOutput, ls.Source)
			assert.Contains(t, ls.Reason, "permission dialog")
		}},
		{"AttentionCleared", mustNewEvent(t, ledger.EventLaneAttentionCleared, "lead", ledger.LaneAttentionData{Dialog: "permission", Source: contract.SourcePaneOutput, During: "work"}), func(t *testing.T, st contract.RunStatus) {
			ls := st.Lanes["lead"]
			assert.Equal(t, contract.LaneRunning, ls.State, "the answered dialog puts the lane back to work")
			assert.Empty(t, ls.Reason)
			assert.Equal(t, "delivered", ls.Delivery, "delivery is untouched")
		}},
		{"Send", mustNewEvent(t, ledger.EventLaneSend, "lead", ledger.LaneSendData{Bytes: 5, Submit: true}), func(t *testing.T, st contract.RunStatus) {
			assert.Equal(t, contract.LaneRunning, st.Lanes["lead"].State, "a send changes no state")
			assert.Equal(t, st.LastSeq-1, statusFile(t, l.Dir()).LastSeq, "run.json is not rewritten for an event that changes nothing it shows")
		}},
		{"StartFailed", mustNewEvent(t, ledger.EventLaneStartFailed, "writer", ledger.ReasonData{Reason: "codex not installed"}), func(t *testing.T, st contract.RunStatus) {
			ls := st.Lanes["writer"]
			assert.Equal(t, contract.LaneFailed, ls.State)
			assert.Equal(t, "codex not installed", ls.Reason)
		}},
		{"Result", mustNewEvent(t, ledger.EventLaneResult, "lead", ledger.LaneResultData{Status: "PASS", Path: "lanes/lead/result.json"}), func(t *testing.T, st contract.RunStatus) {
			ls := st.Lanes["lead"]
			assert.Equal(t, contract.LaneDone, ls.State)
			assert.Equal(t, contract.SourceResultFile, ls.Source)
			assert.Equal(t, "PASS", ls.Result)
		}},
		{"ExitAfterDone", mustNewEvent(t, ledger.EventLaneExited, "lead", ledger.LaneExitedData{ExitCode: 0}), func(t *testing.T, st contract.RunStatus) {
			ls := st.Lanes["lead"]
			assert.Equal(t, contract.LaneDone, ls.State, "a later exit does not take 'done' away")
			require.NotNil(t, ls.ExitCode)
			assert.Equal(t, 0, *ls.ExitCode)
		}},
		{"NewLane", mustNewEvent(t, ledger.EventLaneLost, "helper", ledger.ReasonData{Reason: "gone"}), func(t *testing.T, st contract.RunStatus) {
			assert.Equal(t, contract.LaneLost, st.Lanes["helper"].State, "lanes added later appear")
		}},
		{"Unknown", mustNewEvent(t, "custom.note", "", map[string]any{"x": 1}), func(t *testing.T, st contract.RunStatus) {
			assert.Equal(t, contract.StateRunning, st.State)
			assert.Equal(t, st.LastSeq-1, statusFile(t, l.Dir()).LastSeq, "run.json is not rewritten for an event that changes nothing it shows")
		}},
	}
	for i, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			ev, err := l.Append(s.ev)
			require.NoError(t, err)
			assert.Equal(t, int64(i+2), ev.Seq)
			assert.Equal(t, clock, ev.Time)
			st := l.Status()
			assert.Equal(t, ev.Seq, st.LastSeq)
			assert.Equal(t, clock, st.UpdatedAt)
			if s.name != "Send" && s.name != "Unknown" {
				assert.Equal(t, ev.Seq, statusFile(t, l.Dir()).LastSeq, "run.json is rewritten for an event that changes the status")
			}
			s.check(t, st)
			requireConsistent(t, l)
		})
	}
}

func TestLedgerAppendRefuses(t *testing.T) {
	l := newLedger(t, ledger.Options{})
	before, _, err := ledger.ReadEvents(l.Dir())
	require.NoError(t, err)
	for name, tc := range map[string]struct {
		ev   contract.Event
		code errs.Code
	}{
		"ErrIllegalTransition": {mustNewEvent(t, ledger.EventRunState, "", ledger.RunStateData{To: contract.StateComplete}), errs.Conflict},
		"ErrSameState":         {mustNewEvent(t, ledger.EventRunState, "", ledger.RunStateData{To: contract.StatePlanned}), errs.Conflict},
		"ErrUnknownState":      {mustNewEvent(t, ledger.EventRunState, "", ledger.RunStateData{To: "bogus"}), errs.Invalid},
		"ErrType":              {contract.Event{Type: "Lane Started"}, errs.Invalid},
		"ErrEmptyType":         {contract.Event{}, errs.Invalid},
		"ErrLane":              {mustNewEvent(t, ledger.EventLaneKilled, "a;b", nil), errs.Invalid},
		"ErrLaneMissing":       {mustNewEvent(t, ledger.EventLaneKilled, "", nil), errs.Invalid},
		"ErrSecondCreated":     {mustNewEvent(t, ledger.EventRunCreated, "", ledger.RunCreatedData{Status: testStatus(testkit.NewRunID())}), errs.Invalid},
		"ErrHuge":              {mustNewEvent(t, "custom.big", "", map[string]any{"x": strings.Repeat("a", 2<<20)}), errs.Invalid},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := l.Append(tc.ev)
			require.Error(t, err)
			assert.Equal(t, tc.code, errs.CodeOf(err), "%v", err)
			after, _, err := ledger.ReadEvents(l.Dir())
			require.NoError(t, err)
			assert.Len(t, after, len(before), "a refused event changes nothing")
			requireConsistent(t, l)
		})
	}

	t.Run("TerminalIsFinal", func(t *testing.T) {
		_, err := l.SetState(contract.StateAborted, "operator stop")
		require.NoError(t, err)
		_, err = l.SetState(contract.StateRunning, "")
		assert.Equal(t, errs.Conflict, errs.CodeOf(err))
		assert.Equal(t, contract.StateAborted, l.Status().State)
		// Cleanup events are still recorded after the end.
		_, err = l.Append(mustNewEvent(t, ledger.EventLaneKilled, "lead", ledger.ReasonData{Reason: "stop"}))
		require.NoError(t, err)
	})
}

// TestEventsWin covers a run.json that disagrees with the events: the
// events win and run.json is rewritten when the ledger is opened.
func TestEventsWin(t *testing.T) {
	for name, tamper := range map[string]func(path string, stale []byte){
		"Edited": func(path string, _ []byte) {
			b, _ := os.ReadFile(path)
			_ = os.WriteFile(path, bytes.Replace(b, []byte(`"state": "running"`), []byte(`"state": "complete"`), 1), 0o600)
		},
		// As if the writer died between the append of run.state running
		// and the rewrite: run.json still says ready.
		"Stale":   func(path string, stale []byte) { _ = os.WriteFile(path, stale, 0o600) },
		"Missing": func(path string, _ []byte) { _ = os.Remove(path) },
		// What a power loss can leave: run.json is replaced without fsync.
		"Empty":   func(path string, _ []byte) { _ = os.WriteFile(path, nil, 0o600) },
		"Garbage": func(path string, _ []byte) { _ = os.WriteFile(path, []byte("{not json"), 0o600) },
	} {
		t.Run(name, func(t *testing.T) {
			l := newLedger(t, ledger.Options{})
			_, err := l.SetState(contract.StateReady, "")
			require.NoError(t, err)
			path := filepath.Join(l.Dir(), ledger.StatusFile)
			stale, err := os.ReadFile(path)
			require.NoError(t, err)
			_, err = l.SetState(contract.StateRunning, "")
			require.NoError(t, err)
			_, err = l.Append(mustNewEvent(t, ledger.EventLaneSend, "lead", ledger.LaneSendData{Bytes: 1}))
			require.NoError(t, err)
			require.NoError(t, l.Close())

			orig, _ := os.ReadFile(path)
			tamper(path, stale)
			now, _ := os.ReadFile(path)
			require.NotEqual(t, orig, now, "the tamper must change run.json")

			l2, err := ledger.Open(l.Dir(), ledger.Options{})
			require.NoError(t, err)
			defer l2.Close()
			assert.True(t, l2.Report().StatusRewritten)
			assert.Equal(t, contract.StateRunning, statusFile(t, l.Dir()).State)
			assert.Equal(t, int64(3), statusFile(t, l.Dir()).LastSeq, "run.json shows the last event that changed the status, not the send after it")
			fixed, _ := os.ReadFile(path)
			assert.Equal(t, orig, fixed, "run.json is rewritten exactly as the events say")
			requireConsistent(t, l2)

			// Opened again, a correct run.json is left alone.
			require.NoError(t, l2.Close())
			l3, err := ledger.Open(l.Dir(), ledger.Options{})
			require.NoError(t, err)
			defer l3.Close()
			assert.False(t, l3.Report().StatusRewritten)
		})
	}
}

// TestTornAtEveryByte cuts events.jsonl at every byte offset, as a writer
// killed (or a disk failing) mid-write would, and checks that readers get
// every complete event and a report of the torn rest, and that reopening
// repairs the file and keeps appending.
func TestTornAtEveryByte(t *testing.T) {
	l := newLedger(t, ledger.Options{})
	for _, to := range []contract.RunState{contract.StateReady, contract.StateRunning} {
		_, err := l.SetState(to, "")
		require.NoError(t, err)
	}
	_, err := l.Append(mustNewEvent(t, ledger.EventLaneSend, "lead", map[string]any{"text": "ünïcode ✓"}))
	require.NoError(t, err)
	require.NoError(t, l.Close())
	full, err := os.ReadFile(filepath.Join(l.Dir(), ledger.EventsFile))
	require.NoError(t, err)
	var ends []int // offsets just after each newline
	for i, c := range full {
		if c == '\n' {
			ends = append(ends, i+1)
		}
	}
	require.Len(t, ends, 4)

	scratch := t.TempDir()
	for cut := 0; cut <= len(full); cut++ {
		complete := 0
		for _, e := range ends {
			if e <= cut {
				complete++
			}
		}
		atBoundary := cut == 0 || (complete > 0 && ends[complete-1] == cut)

		id := l.Status().RunID
		dir := filepath.Join(scratch, "runs", "ws-1", id)
		require.NoError(t, os.RemoveAll(filepath.Dir(dir)))
		require.NoError(t, os.MkdirAll(dir, 0o700))
		require.NoError(t, os.WriteFile(filepath.Join(dir, ledger.EventsFile), full[:cut], 0o600))

		events, torn, err := ledger.ReadEvents(dir)
		require.NoError(t, err, "cut at %d", cut)
		require.Len(t, events, complete, "cut at %d", cut)
		if atBoundary {
			require.Nil(t, torn, "cut at %d", cut)
		} else {
			require.NotNil(t, torn, "cut at %d", cut)
			assert.Equal(t, complete+1, torn.Line)
			assert.Equal(t, cut-int(torn.Offset), torn.Bytes)
		}
		if complete == 0 {
			continue // no run.created: nothing to open
		}

		l2, err := ledger.Open(dir, ledger.Options{})
		require.NoError(t, err, "cut at %d", cut)
		if !atBoundary {
			require.NotNil(t, l2.Report().Torn)
			kept, err := os.ReadFile(filepath.Join(dir, ledger.TornFile))
			require.NoError(t, err)
			assert.Equal(t, append(append([]byte(nil), full[ends[complete-1]:cut]...), '\n'), kept, "the torn bytes are kept aside")
		}
		assert.True(t, l2.Report().StatusRewritten, "run.json was missing")
		ev, err := l2.Append(mustNewEvent(t, ledger.EventLaneSend, "lead", nil))
		require.NoError(t, err)
		require.NoError(t, l2.Close())
		after, torn, err := ledger.ReadEvents(dir)
		require.NoError(t, err)
		require.Nil(t, torn)
		requireStatusFile(t, dir, after)
		require.Equal(t, after[len(after)-1].Seq, ev.Seq)
		for i := range after {
			require.Equal(t, int64(i+1), after[i].Seq, "seq stays contiguous after repair (cut %d)", cut)
		}
		if !atBoundary {
			assert.Equal(t, ledger.EventLedgerRepaired, after[len(after)-2].Type)
		}
	}
}

func TestReplayRefuses(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	created := mustNewEvent(t, ledger.EventRunCreated, "", ledger.RunCreatedData{Status: testStatus(testkit.NewRunID())})
	created.Seq, created.Time = 1, at
	ev := func(seq int64, typ, lane string, data any) contract.Event {
		e := mustNewEvent(t, typ, lane, data)
		e.Seq, e.Time = seq, at
		return e
	}
	for name, events := range map[string][]contract.Event{
		"ErrNoCreated":       {ev(1, ledger.EventLaneSend, "lead", nil)},
		"ErrIllegal":         {created, ev(2, ledger.EventRunState, "", ledger.RunStateData{To: contract.StateComplete})},
		"ErrFromMismatch":    {created, ev(2, ledger.EventRunState, "", ledger.RunStateData{From: contract.StateReady, To: contract.StateRunning})},
		"ErrSeqBackwards":    {created, ev(1, ledger.EventLaneSend, "lead", nil)},
		"ErrBadLane":         {created, ev(2, ledger.EventLaneKilled, "../x", nil)},
		"ErrBadHandleData":   {created, ev(2, ledger.EventLaneStarted, "lead", map[string]any{"handle": "nope"})},
		"ErrCreatedBadRunID": {ev(1, ledger.EventRunCreated, "", ledger.RunCreatedData{Status: contract.RunStatus{RunID: "x"}})},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ledger.Replay(events)
			assert.Equal(t, errs.Invalid, errs.CodeOf(err), "%v", err)
		})
	}
}

func TestReadEventsDamage(t *testing.T) {
	l := newLedger(t, ledger.Options{})
	require.NoError(t, l.Close())
	path := filepath.Join(l.Dir(), ledger.EventsFile)
	good, _ := os.ReadFile(path)
	for name, content := range map[string]string{
		"ErrMiddleGarbage": string(good) + "garbage\n" + string(good),
		"ErrSeqRepeats":    string(good) + string(good),
		"ErrNoTime":        `{"seq":1,"type":"run.created"}` + "\n",
		"ErrBadType":       `{"seq":1,"time":"2026-01-01T00:00:00Z","type":"Bad Type"}` + "\n",
	} {
		t.Run(name, func(t *testing.T) {
			require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
			_, _, err := ledger.ReadEvents(l.Dir())
			assert.Equal(t, errs.Invalid, errs.CodeOf(err))
			_, err = ledger.Open(l.Dir(), ledger.Options{})
			assert.Equal(t, errs.Invalid, errs.CodeOf(err), "a damaged ledger is not opened for writing")
		})
	}
	t.Run("ErrInterruptedCreate", func(t *testing.T) {
		require.NoError(t, os.WriteFile(path, nil, 0o600))
		events, torn, err := ledger.ReadEvents(l.Dir())
		require.NoError(t, err)
		assert.Empty(t, events)
		assert.Nil(t, torn)
		_, err = ledger.Open(l.Dir(), ledger.Options{})
		assert.Equal(t, errs.Invalid, errs.CodeOf(err))
		assert.Contains(t, err.Error(), "creation was interrupted")
	})
	_, _, err := ledger.ReadEvents(t.TempDir())
	assert.Equal(t, errs.NotFound, errs.CodeOf(err))
	_, err = ledger.Open(t.TempDir(), ledger.Options{})
	assert.Equal(t, errs.NotFound, errs.CodeOf(err))
}

func TestLedgerRedactor(t *testing.T) {
	const secret = "sk-live-0123456789"
	redact := func(b []byte) []byte { return bytes.ReplaceAll(b, []byte(secret), []byte("[REDACTED]")) }
	l := newLedger(t, ledger.Options{Redact: redact})
	ev, err := l.Append(mustNewEvent(t, ledger.EventLaneStartFailed, "writer", ledger.ReasonData{Reason: "auth failed with key " + secret}))
	require.NoError(t, err)
	assert.Equal(t, "auth failed with key [REDACTED]", ev.Data["reason"], "the returned event is what was written")
	assert.Equal(t, "auth failed with key [REDACTED]", l.Status().Lanes["writer"].Reason)
	require.NoError(t, l.WriteFile("lanes/writer/prompt.md", []byte("use "+secret+" carefully")))

	err = filepath.WalkDir(l.Dir(), func(path string, d os.DirEntry, err error) error {
		require.NoError(t, err)
		if d.Type().IsRegular() {
			b, _ := os.ReadFile(path)
			assert.NotContains(t, string(b), secret, path)
		}
		return nil
	})
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(l.Dir(), "lanes/writer/prompt.md"))
	require.NoError(t, err)
	assert.Equal(t, "use [REDACTED] carefully", string(b))
	requireConsistent(t, l)
}

func TestLedgerWriteFile(t *testing.T) {
	l := newLedger(t, ledger.Options{})
	require.NoError(t, l.WriteFile("snapshot/route.yaml", []byte("id: solo\n")))
	require.NoError(t, l.WriteFile("snapshot/route.yaml", []byte("id: solo2\n")), "rewrite")
	b, err := os.ReadFile(filepath.Join(l.Dir(), "snapshot/route.yaml"))
	require.NoError(t, err)
	assert.Equal(t, "id: solo2\n", string(b))
	fi, err := os.Stat(filepath.Join(l.Dir(), "snapshot"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), fi.Mode().Perm())
	p, err := l.Path("lanes/lead/result.json")
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(l.Dir(), "lanes/lead/result.json"), p)
	_, err = l.Path("../other")
	assert.Equal(t, errs.Invalid, errs.CodeOf(err))

	for name, rel := range map[string]string{
		"ErrDotDot":   "../escape.txt",
		"ErrDeep":     "lanes/../../escape.txt",
		"ErrAbsolute": "/tmp/escape.txt",
		"ErrEmpty":    "",
		"ErrRunJSON":  "run.json",
		"ErrEvents":   "./events.jsonl",
		"ErrLock":     "lock",
	} {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, errs.Invalid, errs.CodeOf(l.WriteFile(rel, []byte("x"))))
		})
	}

	outside := t.TempDir()
	t.Run("ErrSymlinkedParent", func(t *testing.T) {
		require.NoError(t, os.MkdirAll(filepath.Join(l.Dir(), "lanes"), 0o700))
		require.NoError(t, os.Symlink(outside, filepath.Join(l.Dir(), "lanes", "evil")))
		err := l.WriteFile("lanes/evil/result.json", []byte("x"))
		assert.Error(t, err)
		ents, _ := os.ReadDir(outside)
		assert.Empty(t, ents, "nothing is written outside the ledger")
	})
	t.Run("SymlinkAtFileIsReplaced", func(t *testing.T) {
		target := filepath.Join(outside, "bashrc")
		require.NoError(t, os.WriteFile(target, []byte("original"), 0o600))
		require.NoError(t, os.MkdirAll(filepath.Join(l.Dir(), "lanes", "w"), 0o700))
		link := filepath.Join(l.Dir(), "lanes", "w", "prompt.md")
		require.NoError(t, os.Symlink(target, link))
		require.NoError(t, l.WriteFile("lanes/w/prompt.md", []byte("prompt")))
		b, _ := os.ReadFile(target)
		assert.Equal(t, "original", string(b), "the link's target is untouched")
		fi, err := os.Lstat(link)
		require.NoError(t, err)
		assert.True(t, fi.Mode().IsRegular(), "the link was replaced by the file")
	})
}

func TestStatusIsACopy(t *testing.T) {
	l := newLedger(t, ledger.Options{})
	h := contract.LaneHandle{Host: "exec", RunID: l.Status().RunID, Lane: "lead", Ref: map[string]string{"pid": "7"}}
	_, err := l.Append(mustNewEvent(t, ledger.EventLaneStarted, "lead", ledger.LaneStartedData{Handle: h}))
	require.NoError(t, err)
	st := l.Status()
	st.Lanes["lead"].Handle.Ref["pid"] = "99"
	delete(st.Lanes, "writer")
	assert.Equal(t, "7", l.Status().Lanes["lead"].Handle.Ref["pid"])
	assert.Contains(t, l.Status().Lanes, "writer")
}

// TestLedgerDocumentsValidate checks that what the ledger writes passes the
// contract package's strict loader: run.json as a run-status document and
// every event line as an event.
func TestLedgerDocumentsValidate(t *testing.T) {
	l := newLedger(t, ledger.Options{})
	h := contract.LaneHandle{Host: "tmux", RunID: l.Status().RunID, Lane: "lead", Ref: map[string]string{"socket": "cocoder-x", "session": l.Status().RunID, "window": "@1", "pane": "%1", "pid": "9"}}
	for _, ev := range []contract.Event{
		mustNewEvent(t, ledger.EventRunState, "", ledger.RunStateData{To: contract.StateReady}),
		mustNewEvent(t, ledger.EventRunState, "", ledger.RunStateData{To: contract.StateRunning}),
		mustNewEvent(t, ledger.EventLaneStarted, "lead", ledger.LaneStartedData{Handle: h}),
		mustNewEvent(t, ledger.EventLanePromptFailed, "lead", contract.DeliveryReport{Attempts: 3, Pastes: 1, Reason: "no proof"}),
		mustNewEvent(t, ledger.EventLaneExited, "lead", ledger.LaneExitedData{ExitCode: 2}),
		mustNewEvent(t, ledger.EventLaneResult, "writer", ledger.LaneResultData{Status: "PASS"}),
	} {
		_, err := l.Append(ev)
		require.NoError(t, err)
	}
	_, err := contract.Load[contract.RunStatus](filepath.Join(l.Dir(), ledger.StatusFile))
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(l.Dir(), ledger.EventsFile))
	require.NoError(t, err)
	for i, line := range bytes.Split(bytes.TrimSuffix(b, []byte("\n")), []byte("\n")) {
		_, err := contract.Parse[contract.Event](fmt.Sprintf("events.jsonl line %d", i+1), line)
		require.NoError(t, err)
	}
}

// TestAppendAll covers the group commit: events recorded together get
// consecutive seqs in one write, and a refused event refuses the group.
func TestAppendAll(t *testing.T) {
	l := newLedger(t, ledger.Options{})
	eventsPath := filepath.Join(l.Dir(), ledger.EventsFile)
	t.Run("OK", func(t *testing.T) {
		written, err := l.AppendAll([]contract.Event{
			mustNewEvent(t, ledger.EventRunState, "", ledger.RunStateData{To: contract.StateReady}),
			mustNewEvent(t, ledger.EventRunState, "", ledger.RunStateData{To: contract.StateRunning}),
			mustNewEvent(t, ledger.EventLaneSend, "lead", ledger.LaneSendData{Bytes: 3}),
		})
		require.NoError(t, err)
		require.Len(t, written, 3)
		for i, ev := range written {
			assert.Equal(t, int64(2+i), ev.Seq, "seqs continue after run.created, one per event")
		}
		assert.Equal(t, "ready", written[1].Data["from"], "each event sees the state the one before it left")
		assert.Equal(t, contract.StateRunning, l.Status().State)
		requireConsistent(t, l)
	})
	t.Run("ErrRefusesTheGroup", func(t *testing.T) {
		before, err := os.ReadFile(eventsPath)
		require.NoError(t, err)
		last := l.Status().LastSeq
		written, err := l.AppendAll([]contract.Event{
			mustNewEvent(t, ledger.EventLaneSend, "lead", ledger.LaneSendData{Bytes: 1}),
			mustNewEvent(t, ledger.EventRunState, "", ledger.RunStateData{To: contract.StatePlanned}),
		})
		require.Error(t, err)
		assert.Equal(t, errs.Conflict, errs.CodeOf(err), "running → planned is not in the table")
		assert.Empty(t, written)
		after, err := os.ReadFile(eventsPath)
		require.NoError(t, err)
		assert.Equal(t, before, after, "nothing of the group was written")
		assert.Equal(t, last, l.Status().LastSeq)
	})
	t.Run("Empty", func(t *testing.T) {
		written, err := l.AppendAll(nil)
		require.NoError(t, err)
		assert.Empty(t, written)
	})
}
