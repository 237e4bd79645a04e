package ledger_test

import (
	"testing"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/testkit"
	"github.com/cocoder/cocoder/run/ledger"
	"github.com/stretchr/testify/require"
)

// BenchmarkLedgerAppend measures one acknowledged event: the fsynced append
// and the atomic rewrite of run.json.
func BenchmarkLedgerAppend(b *testing.B) {
	id := testkit.NewRunID()
	dir, err := ledger.Dir(b.TempDir(), "ws-1", id)
	require.NoError(b, err)
	l, err := ledger.Create(dir, contract.RunStatus{RunID: id, WorkspaceID: "ws-1",
		Lanes: map[string]contract.LaneStatus{"lead": {}, "writer": {}, "verifier": {}}}, ledger.Options{})
	require.NoError(b, err)
	defer l.Close()
	ev, err := ledger.NewEvent(ledger.EventLaneSend, "lead", ledger.LaneSendData{Bytes: 10, Submit: true})
	require.NoError(b, err)
	for b.Loop() {
		if _, err := l.Append(ev); err != nil {
			b.Fatal(err)
		}
	}
}
