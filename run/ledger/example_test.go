package ledger_test

import (
	"fmt"
	"os"
	"time"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/run/ledger"
)

func ExampleTransition() {
	fmt.Println(ledger.Transition(contract.StateRunning, contract.StateBlocked))
	fmt.Println(ledger.Transition(contract.StateComplete, contract.StateRunning))
	fmt.Println(ledger.NextStates(contract.StateBlocked))
	// Output:
	// <nil>
	// run is complete, which is final: it cannot become running (start a new run instead)
	// [running aborted failed]
}

func ExampleCreate() {
	home, _ := os.MkdirTemp("", "cocoder-home")
	defer os.RemoveAll(home)

	runID := "r-20261124T140312Z-7k3f6q2a" // normally run.NewRunID(time.Now())
	dir, _ := ledger.Dir(home, "my-repo", runID)
	clock := time.Date(2026, 11, 24, 14, 3, 12, 0, time.UTC)
	l, err := ledger.Create(dir, contract.RunStatus{
		RunID: runID, WorkspaceID: "my-repo", Priority: "fix-login",
		Lanes: map[string]contract.LaneStatus{"writer": {Persona: "builder", Adapter: "codex", Model: "gpt-5"}},
	}, ledger.Options{Now: func() time.Time { clock = clock.Add(time.Second); return clock }})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer l.Close()

	_, _ = l.SetState(contract.StateReady, "preflight passed")
	_, _ = l.SetState(contract.StateRunning, "")
	ev, _ := ledger.NewEvent(ledger.EventLaneStarted, "writer", ledger.LaneStartedData{Handle: contract.LaneHandle{Host: "exec", RunID: runID, Lane: "writer", Ref: map[string]string{"pid": "4242"}}})
	_, _ = l.Append(ev)
	if _, err := l.SetState(contract.StateComplete, ""); err == nil {
		_, _ = l.SetState(contract.StateRunning, "") // refused: complete is final
	}

	// Any process can read the ledger; the events are the truth.
	events, torn, _ := ledger.ReadEvents(dir)
	for _, e := range events {
		line := fmt.Sprint(e.Seq, " ", e.Time.Format(time.TimeOnly), " ", e.Type)
		if e.Lane != "" {
			line += " " + e.Lane
		}
		fmt.Println(line)
	}
	st, _, _ := ledger.ReadStatus(dir)
	w := st.Lanes["writer"]
	fmt.Println(st.State, w.State, w.Source, w.Handle.Ref["pid"], torn == nil)
	// Output:
	// 1 14:03:13 run.created
	// 2 14:03:14 run.state
	// 3 14:03:15 run.state
	// 4 14:03:16 lane.started writer
	// 5 14:03:17 run.state
	// complete running host 4242 true
}
