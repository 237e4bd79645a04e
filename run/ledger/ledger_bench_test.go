package ledger_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

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

// BenchmarkRawAppendFsync is the floor BenchmarkLedgerAppend is compared
// with: the same event line appended to a file opened O_APPEND with one
// write and an fsync, nothing else. docs/performance.md records the ratio.
func BenchmarkRawAppendFsync(b *testing.B) {
	ev, err := ledger.NewEvent(ledger.EventLaneSend, "lead", ledger.LaneSendData{Bytes: 10, Submit: true})
	require.NoError(b, err)
	ev.Seq, ev.Time = 1, time.Now().UTC()
	line, err := json.Marshal(ev)
	require.NoError(b, err)
	line = append(line, '\n')
	f, err := os.OpenFile(filepath.Join(b.TempDir(), "events.jsonl"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	require.NoError(b, err)
	defer f.Close()
	for b.Loop() {
		if _, err := f.Write(line); err != nil {
			b.Fatal(err)
		}
		if err := f.Sync(); err != nil {
			b.Fatal(err)
		}
	}
}
