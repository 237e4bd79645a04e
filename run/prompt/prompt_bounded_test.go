package prompt_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/memtest"
	"github.com/cocoder/cocoder/internal/testkit"
	"github.com/cocoder/cocoder/run/prompt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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
			testkit.PutFile(t, in.SessionLogPath, text)
			var p *contract.StartupPacket
			var err error
			n := memtest.Allocated(func() { p, err = prompt.BuildPacket(in) })
			require.NoError(t, err)
			assert.LessOrEqual(t, len(p.RecentSessionContext.Excerpt), prompt.DefaultSessionBytes)
			if name == "OneLine" {
				assert.Less(t, n, uint64(2<<20), "allocated %d bytes", n)
			}
		})
	}
}
