package ledger_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/internal/memtest"
	"github.com/cocoder/cocoder/internal/testkit"
	"github.com/cocoder/cocoder/run/ledger"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReadEventsIsBounded feeds the ledger reader a 10 MiB line, ended or
// torn: it is damage, found after reading about one event's limit (read
// whole, the file alone cost 10 MiB). A 10 MiB ledger of valid events
// loads, at a bounded cost per event.
func TestReadEventsIsBounded(t *testing.T) {
	huge := `{"seq":1,"time":"2026-11-24T14:03:12Z","type":"run.created","data":{"x":"` + strings.Repeat("x", memtest.TenMiB) + `"}}`
	for name, text := range map[string]string{"Ended": huge + "\n", "Torn": huge, "Garbage": strings.Repeat("\x00", memtest.TenMiB)} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			testkit.PutFile(t, filepath.Join(dir, ledger.EventsFile), text)
			var err error
			n := memtest.Allocated(func() { _, _, err = ledger.ReadEvents(dir) })
			assert.Equal(t, errs.Invalid, errs.CodeOf(err), "%v", err)
			assert.ErrorContains(t, err, dir)
			assert.ErrorContains(t, err, "line 1 is more than the 1048576 bytes an event may have")
			// One event's limit, grown by doubling, and the message.
			assert.Less(t, n, uint64(6<<20), "allocated %d bytes", n)
		})
	}
	t.Run("ManyEvents", func(t *testing.T) {
		var b strings.Builder
		for seq := 1; b.Len() < memtest.TenMiB; seq++ {
			fmt.Fprintf(&b, `{"seq":%d,"time":"2026-11-24T14:03:12Z","type":"lane.output","lane":"a","data":{"n":%d}}`+"\n", seq, seq)
		}
		b.WriteString(`{"seq":`) // torn
		dir := t.TempDir()
		testkit.PutFile(t, filepath.Join(dir, ledger.EventsFile), b.String())
		var events []contract.Event
		var torn *ledger.TornLineError
		var err error
		n := memtest.Allocated(func() { events, torn, err = ledger.ReadEvents(dir) })
		require.NoError(t, err)
		require.NotNil(t, torn)
		assert.Equal(t, len(events)+1, torn.Line)
		// Each event of about 90 bytes becomes a struct and a map.
		assert.Less(t, n, uint64(16*memtest.TenMiB), "allocated %d bytes", n)
	})
}
