package ledger

import "testing"

// FuzzParseEvents feeds arbitrary bytes to the events parser: it must not
// panic, must report a torn line exactly when the data does not end with a
// newline, and what it accepts must have increasing seq and replay without
// panicking.
func FuzzParseEvents(f *testing.F) {
	f.Add([]byte(""))
	f.Add([]byte(`{"seq":1,"time":"2026-11-24T14:03:12Z","type":"run.created","data":{"status":{"runId":"r-20261124T140312Z-7k3f6q2a","workspaceId":"ws"}}}` + "\n"))
	f.Add([]byte(`{"seq":1,"time":"2026-11-24T14:03:12Z","type":"run.created"}` + "\n" + `{"seq":2,"time":"2026-11-24T14:03:13Z","type":"run.state","data":{"to":"ready"}}` + "\n{\"se"))
	f.Add([]byte("garbage\n"))
	f.Add([]byte(`{"seq":2,"time":"2026-11-24T14:03:12Z","type":"lane.started","lane":"a","data":{"handle":1}}` + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		events, torn, err := parseEvents(data)
		if err != nil {
			return
		}
		complete := len(data) == 0 || data[len(data)-1] == '\n'
		if complete != (torn == nil) {
			t.Fatalf("torn report %v for data ending %q", torn, data[max(0, len(data)-3):])
		}
		if torn != nil && int(torn.Offset)+torn.Bytes != len(data) {
			t.Fatalf("torn line %+v does not reach the end (%d bytes)", torn, len(data))
		}
		for i := 1; i < len(events); i++ {
			if events[i].Seq <= events[i-1].Seq {
				t.Fatalf("seq %d after %d", events[i].Seq, events[i-1].Seq)
			}
		}
		_, _ = Replay(events)
	})
}
