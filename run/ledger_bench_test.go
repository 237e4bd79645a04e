package run_test

import (
	"testing"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/run"
	"github.com/stretchr/testify/require"
)

// BenchmarkLedgerAppend measures one acknowledged event: the fsynced append
// and the atomic rewrite of run.json.
func BenchmarkLedgerAppend(b *testing.B) {
	id := newRunID()
	dir, err := run.LedgerDir(b.TempDir(), "ws-1", id)
	require.NoError(b, err)
	l, err := run.CreateLedger(dir, contract.RunStatus{RunID: id, WorkspaceID: "ws-1",
		Lanes: map[string]contract.LaneStatus{"lead": {}, "writer": {}, "verifier": {}}})
	require.NoError(b, err)
	defer l.Close()
	ev, err := run.NewEvent(run.EventLaneSend, "lead", run.LaneSendData{Bytes: 10, Submit: true})
	require.NoError(b, err)
	for b.Loop() {
		if _, err := l.Append(ev); err != nil {
			b.Fatal(err)
		}
	}
}
