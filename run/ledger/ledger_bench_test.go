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

// BenchmarkLedgerAppend measures one acknowledged lane.send: the checks,
// redaction and fsynced append. A lane.send changes nothing run.json shows,
// so run.json is not rewritten (BenchmarkLedgerAppendVsRaw/changed covers
// events that do).
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

// BenchmarkLedgerAppendVsRaw times, in every iteration, one Ledger.Append
// and one raw append+fsync of an event line of the same size, in turn
// (which one goes first alternates), so that both see the same load on a
// shared machine. It reports each one's
// time and raw/ledger, the ledger's throughput as a fraction of the raw
// loop's (docs/performance.md: target 0.8). "unchanged" appends lane.send,
// which changes nothing in the run's status but lastSeq and updatedAt;
// "changed" alternates lane.prompt.delivered and lane.prompt.failed, each
// of which changes a lane.
func BenchmarkLedgerAppendVsRaw(b *testing.B) {
	sendEv, err := ledger.NewEvent(ledger.EventLaneSend, "lead", ledger.LaneSendData{Bytes: 10, Submit: true})
	require.NoError(b, err)
	delivered, err := ledger.NewEvent(ledger.EventLanePromptDelivered, "lead", contract.DeliveryReport{Delivered: true, Attempts: 1, Pastes: 1})
	require.NoError(b, err)
	failed, err := ledger.NewEvent(ledger.EventLanePromptFailed, "lead", contract.DeliveryReport{Attempts: 3, Pastes: 1})
	require.NoError(b, err)
	for _, c := range []struct {
		name string
		ev   func(i int) contract.Event
	}{
		{"unchanged", func(int) contract.Event { return sendEv }},
		{"changed", func(i int) contract.Event {
			if i%2 == 0 {
				return delivered
			}
			return failed
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			id := testkit.NewRunID()
			dir, err := ledger.Dir(b.TempDir(), "ws-1", id)
			require.NoError(b, err)
			l, err := ledger.Create(dir, contract.RunStatus{RunID: id, WorkspaceID: "ws-1",
				Lanes: map[string]contract.LaneStatus{"lead": {}, "writer": {}, "verifier": {}}}, ledger.Options{})
			require.NoError(b, err)
			defer l.Close()
			line, err := json.Marshal(contract.Event{Seq: 100, Time: time.Now().UTC(), Type: delivered.Type, Lane: "lead", Data: delivered.Data})
			require.NoError(b, err)
			line = append(line, '\n')
			f, err := os.OpenFile(filepath.Join(b.TempDir(), "events.jsonl"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
			require.NoError(b, err)
			defer f.Close()
			var inLedger, inRaw time.Duration
			i := 0
			ledgerAppend := func() {
				t0 := time.Now()
				if _, err := l.Append(c.ev(i)); err != nil {
					b.Fatal(err)
				}
				inLedger += time.Since(t0)
			}
			rawAppend := func() {
				t0 := time.Now()
				if _, err := f.Write(line); err != nil {
					b.Fatal(err)
				}
				if err := f.Sync(); err != nil {
					b.Fatal(err)
				}
				inRaw += time.Since(t0)
			}
			for b.Loop() {
				// Alternate which goes first: an fsync can pay for
				// journal work the other one left.
				if i%2 == 0 {
					ledgerAppend()
					rawAppend()
				} else {
					rawAppend()
					ledgerAppend()
				}
				i++
			}
			b.ReportMetric(float64(inLedger.Nanoseconds())/float64(i), "ledger-ns/op")
			b.ReportMetric(float64(inRaw.Nanoseconds())/float64(i), "raw-ns/op")
			b.ReportMetric(float64(inRaw)/float64(inLedger), "raw/ledger")
		})
	}
}
