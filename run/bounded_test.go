package run_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/internal/memtest"
	"github.com/cocoder/cocoder/run"
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
			putFile(t, filepath.Join(dir, run.EventsFile), text)
			var err error
			n := memtest.Allocated(func() { _, _, err = run.ReadEvents(dir) })
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
		putFile(t, filepath.Join(dir, run.EventsFile), b.String())
		var events []contract.Event
		var torn *run.TornLineError
		var err error
		n := memtest.Allocated(func() { events, torn, err = run.ReadEvents(dir) })
		require.NoError(t, err)
		require.NotNil(t, torn)
		assert.Equal(t, len(events)+1, torn.Line)
		// Each event of about 90 bytes becomes a struct and a map.
		assert.Less(t, n, uint64(16*memtest.TenMiB), "allocated %d bytes", n)
	})
}

func TestReadPlanIsBounded(t *testing.T) {
	dir := t.TempDir()
	putFile(t, filepath.Join(dir, run.PlanFile), `{"lanes":[`+strings.Repeat(`{},`, memtest.TenMiB/3)+`{}]}`)
	var err error
	n := memtest.Allocated(func() { _, err = run.ReadPlan(dir) })
	assert.Equal(t, errs.Invalid, errs.CodeOf(err), "%v", err)
	assert.ErrorContains(t, err, filepath.Join(dir, run.PlanFile))
	assert.ErrorContains(t, err, "1 MiB")
	assert.Less(t, n, uint64(64<<10), "refused by its size: allocated %d bytes", n)
}

// TestStartupPacketSessionLogIsBounded streams 10 MiB session logs. One
// huge line shows that neither the file nor a line is held. Many short
// lines or entries cost a little garbage each (a string a line, regular
// expression state), so there only the excerpt's caps are checked: what
// is allocated grows with the file even though what is kept does not.
func TestStartupPacketSessionLogIsBounded(t *testing.T) {
	for name, text := range map[string]string{
		"OneLine":     "## 2026-01-01\n" + strings.Repeat("x", memtest.TenMiB),
		"ManyEntries": strings.Repeat("## 2026-01-01\n- a\n", memtest.TenMiB/18),
		"NoEntries":   strings.Repeat("text\n", memtest.TenMiB/5),
	} {
		t.Run(name, func(t *testing.T) {
			in := packetInput(t)
			in.SessionLogPath = filepath.Join(t.TempDir(), "SESSION_LOG.md")
			putFile(t, in.SessionLogPath, text)
			var p *contract.StartupPacket
			var err error
			n := memtest.Allocated(func() { p, err = run.BuildStartupPacket(in) })
			require.NoError(t, err)
			assert.LessOrEqual(t, len(p.RecentSessionContext.Excerpt), run.DefaultSessionBytes)
			if name == "OneLine" {
				assert.Less(t, n, uint64(2<<20), "allocated %d bytes", n)
			}
		})
	}
}
