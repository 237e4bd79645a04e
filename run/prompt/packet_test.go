package prompt_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/internal/testkit"
	"github.com/cocoder/cocoder/run/prompt"
	"github.com/cocoder/cocoder/workspace"
)

const (
	packetRunID = "r-20261124T140312Z-7k3fzq2a"
	packetDir   = "testdata/packet"
)

var packetTime = time.Date(2026, 11, 24, 14, 3, 12, 0, time.UTC)

// packetInput returns the input for the fixture workspace in
// testdata/packet, with the search-speed priority and its boundary.
func packetInput(t testing.TB) prompt.PacketInput {
	t.Helper()
	root, err := filepath.Abs(packetDir)
	require.NoError(t, err)
	gov := filepath.Join(root, "cocoder")
	profileBytes, err := os.ReadFile(filepath.Join(gov, "profile.yaml"))
	require.NoError(t, err)
	profile, err := contract.Parse[contract.Profile]("profile.yaml", profileBytes)
	require.NoError(t, err)
	route, err := contract.Load[contract.Route](filepath.Join(gov, "route.yaml"))
	require.NoError(t, err)
	boundary, err := contract.Load[contract.PriorityBoundary](filepath.Join(gov, "boundary.yaml"))
	require.NoError(t, err)
	prio, err := workspace.FindPriority(filepath.Join(gov, "PRIORITIES.md"), "search-speed")
	require.NoError(t, err)
	return prompt.PacketInput{
		RunID: packetRunID, Route: route, Profile: profile, ProfileBytes: profileBytes, Boundary: boundary,
		Priority: prio, PrioritiesPath: filepath.Join(gov, "PRIORITIES.md"), SessionLogPath: filepath.Join(gov, "SESSION_LOG.md"),
		Workspace: root, Now: packetTime,
	}
}

func TestBuildStartupPacketGolden(t *testing.T) {
	in := packetInput(t)
	p, err := prompt.BuildPacket(in)
	require.NoError(t, err)
	got, err := json.MarshalIndent(p, "", "  ")
	require.NoError(t, err)
	golden(t, filepath.Join(packetDir, "startup-packet.golden.json"), append(got, '\n'))

	sum := sha256.Sum256(in.ProfileBytes)
	assert.Equal(t, hex.EncodeToString(sum[:]), p.ProfileDigest)
	assert.Empty(t, p.Gaps)
	assert.Equal(t, "cocoder/PRIORITIES.md", p.SelectedPriority.Source, "sources are relative to the workspace")
	assert.Equal(t, prompt.StrategyNewestEntries, p.RecentSessionContext.Strategy)
	assert.Equal(t, prompt.DefaultSessionEntries, p.RecentSessionContext.EntryLimit, "caps are recorded")
	assert.Equal(t, prompt.DefaultSessionLines, p.RecentSessionContext.LineLimit)
	assert.Contains(t, p.RecentSessionContext.Excerpt, "## 2026-11-15")
	assert.NotContains(t, p.RecentSessionContext.Excerpt, "## 2026-11-01", "only the newest three entries")
	assert.NotContains(t, p.SelectedPriority.Excerpt, "Old importer", "only the selected priority")
	assert.Equal(t, contract.Scope{Allowed: []string{"src/search/**", "docs/search.md"}, Excluded: []string{"**/*.pem"}}, p.ResolvedWriteBoundary.LaneBoundaries["writer"])
	assert.Equal(t, "priority-boundary", p.ResolvedWriteBoundary.Source)
	assert.NotContains(t, p.ResolvedWriteBoundary.LaneBoundaries, "lead", "read-only lanes have no scope")
}

func TestBuildStartupPacketScopes(t *testing.T) {
	t.Run("ProfileFallback", func(t *testing.T) {
		in := packetInput(t)
		in.Boundary = nil
		p, err := prompt.BuildPacket(in)
		require.NoError(t, err)
		assert.Equal(t, "profile-fallback", p.ResolvedWriteBoundary.Source)
		assert.Equal(t, []string{"src/**"}, p.WriteBoundaries)
		assert.Empty(t, p.Gaps)
		assert.True(t, hasText(p.Warnings, "no priority boundary"), p.Warnings)
	})
	t.Run("BoundaryMissesWriter", func(t *testing.T) {
		in := packetInput(t)
		b := *in.Boundary
		b.WriterLanes = map[string]contract.Scope{"other": {Allowed: []string{"x/**"}}}
		in.Boundary = &b
		p, err := prompt.BuildPacket(in)
		require.NoError(t, err)
		assert.Equal(t, "priority-boundary-unresolved", p.ResolvedWriteBoundary.Source)
		assert.True(t, hasText(p.Gaps, "no writerLanes entry for writer lane writer"), p.Gaps)
	})
	t.Run("WriterWithoutScope", func(t *testing.T) {
		in := packetInput(t)
		in.Boundary = nil
		prof := *in.Profile
		prof.Lanes = map[string]contract.ProfileLane{"lead": prof.Lanes["lead"], "writer": {Persona: "writer", Adapter: "codex", CanWrite: true}, "verifier": prof.Lanes["verifier"]}
		in.Profile = &prof
		p, err := prompt.BuildPacket(in)
		require.NoError(t, err, "an empty scope is a gap, not an invalid packet")
		assert.True(t, hasText(p.Gaps, "writer lane writer has no allowed paths"), p.Gaps)
		assert.Equal(t, []string{}, p.ResolvedWriteBoundary.LaneBoundaries["writer"].Allowed)
	})
}

func TestBuildStartupPacketPriorityStates(t *testing.T) {
	dir := t.TempDir()
	prios := filepath.Join(dir, "PRIORITIES.md")
	testkit.PutFile(t, prios, "# P\n\n## Old [old]\n\n**Status:** archived\n")
	tests := []struct {
		name, path, slug, state, gap string
	}{
		{"Missing", prios, "nope", "missing", "no heading with [nope]"},
		{"MissingSource", filepath.Join(dir, "none.md"), "nope", "missing-source", "does not exist"},
		{"ReviewRequired", prios, "old", "review-required", `marked "archived"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := packetInput(t)
			prio, _ := workspace.FindPriority(tc.path, tc.slug)
			in.Priority, in.PrioritiesPath = prio, tc.path
			p, err := prompt.BuildPacket(in)
			require.NoError(t, err)
			assert.Equal(t, tc.state, p.SelectedPriority.StaleState)
			assert.Equal(t, tc.state == "review-required", p.SelectedPriority.Matched)
			assert.True(t, hasText(p.Gaps, tc.gap), p.Gaps)
		})
	}
}

func TestBuildStartupPacketSessionLog(t *testing.T) {
	entry := func(date string, body ...string) string {
		return "## " + date + " — entry\n\n" + strings.Join(body, "\n") + "\n\n"
	}
	tests := []struct {
		name     string
		log      string // "" means no file
		caps     prompt.PacketCaps
		strategy string
		has      []string // in this order
		hasNot   []string
	}{
		{"NewestFirst", "# Log\n\n" + entry("2026-11-03", "c") + entry("2026-11-02", "b") + entry("2026-11-01", "a"),
			prompt.PacketCaps{SessionEntries: 2}, prompt.StrategyNewestEntries, []string{"2026-11-03", "2026-11-02"}, []string{"2026-11-01", "# Log"}},
		{"OldestFirst", "# Log\n\n" + entry("2026-11-01", "a") + entry("2026-11-02", "b") + entry("2026-11-03", "c"),
			prompt.PacketCaps{SessionEntries: 2}, prompt.StrategyNewestEntries, []string{"2026-11-03", "2026-11-02"}, []string{"2026-11-01"}},
		{"HeadFallback", "# Log\n\nfree text\n## Not a date\nmore\n", prompt.PacketCaps{}, prompt.StrategyHeadFallback,
			[]string{"# Log", "free text", "more"}, nil},
		{"TemplatePlaceholderDate", "# Log\n\n## YYYY-MM-DD — workspace created\n\n- Scaffolded.\n", prompt.PacketCaps{}, prompt.StrategyHeadFallback,
			[]string{"YYYY-MM-DD", "Scaffolded"}, nil},
		{"LineCap", entry("2026-11-03", "l1", "l2", "l3", "l4", "l5"), prompt.PacketCaps{SessionLines: 3}, prompt.StrategyNewestEntries,
			[]string{"2026-11-03", "l1"}, []string{"l2"}},
		{"ByteCap", entry("2026-11-03", strings.Repeat("x", 300), "tail"), prompt.PacketCaps{SessionBytes: 200}, prompt.StrategyNewestEntries,
			[]string{"2026-11-03"}, []string{"tail", "xxx"}},
		{"InvalidDateIsNoEntry", entry("2026-13-40", "a") + entry("2026-11-02", "b"), prompt.PacketCaps{}, prompt.StrategyNewestEntries,
			[]string{"2026-11-02"}, []string{"2026-13-40"}},
		{"LaterHeadingEndsEntry", entry("2026-11-02", "b") + "## Archive\n\nold stuff\n", prompt.PacketCaps{}, prompt.StrategyNewestEntries,
			[]string{"2026-11-02", "b"}, []string{"old stuff"}},
		{"Missing", "", prompt.PacketCaps{}, prompt.StrategyNewestEntries, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := packetInput(t)
			in.SessionLogPath = filepath.Join(t.TempDir(), "SESSION_LOG.md")
			if tc.log != "" {
				testkit.PutFile(t, in.SessionLogPath, tc.log)
			}
			in.Caps = tc.caps
			p, err := prompt.BuildPacket(in)
			require.NoError(t, err)
			sc := p.RecentSessionContext
			assert.Equal(t, tc.strategy, sc.Strategy)
			assert.Equal(t, tc.log == "", sc.Missing)
			last := -1
			for _, s := range tc.has {
				i := strings.Index(sc.Excerpt, s)
				require.GreaterOrEqual(t, i, 0, "excerpt %q lacks %q", sc.Excerpt, s)
				assert.Greater(t, i, last, "%q is out of order in %q", s, sc.Excerpt)
				last = i
			}
			for _, s := range tc.hasNot {
				assert.NotContains(t, sc.Excerpt, s)
			}
			if tc.caps.SessionLines > 0 {
				assert.LessOrEqual(t, sc.LinesRead, tc.caps.SessionLines)
				assert.Equal(t, tc.caps.SessionLines, sc.LineLimit)
			}
			if tc.caps.SessionBytes > 0 {
				assert.LessOrEqual(t, len(sc.Excerpt), tc.caps.SessionBytes)
			}
		})
	}
}

func TestBuildStartupPacketHugeLog(t *testing.T) {
	// A long oldest-first log is streamed; only the newest entries are kept.
	var b strings.Builder
	start := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 5000 {
		fmt.Fprintf(&b, "## %s — day %d\n\n- work %d\n\n", start.AddDate(0, 0, i).Format(time.DateOnly), i, i)
	}
	in := packetInput(t)
	in.SessionLogPath = filepath.Join(t.TempDir(), "SESSION_LOG.md")
	testkit.PutFile(t, in.SessionLogPath, b.String())
	p, err := prompt.BuildPacket(in)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(p.RecentSessionContext.Excerpt, "## 2033-09-08 — day 4999"), p.RecentSessionContext.Excerpt)
	assert.Contains(t, p.RecentSessionContext.Excerpt, "day 4997")
	assert.NotContains(t, p.RecentSessionContext.Excerpt, "day 4996")
}

func TestBuildStartupPacketPriorityCap(t *testing.T) {
	in := packetInput(t)
	in.Caps = prompt.PacketCaps{PriorityLines: 3}
	p, err := prompt.BuildPacket(in)
	require.NoError(t, err)
	assert.Equal(t, 2, strings.Count(p.SelectedPriority.Excerpt, "\n"))
	assert.True(t, p.SelectedPriority.Truncated)
	assert.True(t, hasText(p.Warnings, "is cut at 3 lines"), p.Warnings)
}

func TestBuildStartupPacketRefuses(t *testing.T) {
	tests := []struct {
		name   string
		change func(*prompt.PacketInput)
	}{
		{"BadRunID", func(in *prompt.PacketInput) { in.RunID = "../x" }},
		{"NoRoute", func(in *prompt.PacketInput) { in.Route = nil }},
		{"NoProfileBytes", func(in *prompt.PacketInput) { in.ProfileBytes = nil }},
		{"NoSlug", func(in *prompt.PacketInput) { in.Priority.Slug = "" }},
		{"NoLogPath", func(in *prompt.PacketInput) { in.SessionLogPath = "" }},
		{"NegativeCap", func(in *prompt.PacketInput) { in.Caps.SessionLines = -1 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := packetInput(t)
			tc.change(&in)
			_, err := prompt.BuildPacket(in)
			assert.Equal(t, errs.Invalid, errs.CodeOf(err), "%v", err)
		})
	}
	t.Run("EndlessLog", func(t *testing.T) {
		in := packetInput(t)
		in.SessionLogPath = filepath.Join(t.TempDir(), "SESSION_LOG.md")
		require.NoError(t, os.Symlink("/dev/zero", in.SessionLogPath))
		_, err := prompt.BuildPacket(in)
		assert.Equal(t, errs.Invalid, errs.CodeOf(err), "%v", err)
		assert.ErrorContains(t, err, "leads outside")
	})
	t.Run("FIFOLog", func(t *testing.T) {
		in := packetInput(t)
		in.SessionLogPath = filepath.Join(t.TempDir(), "SESSION_LOG.md")
		require.NoError(t, syscall.Mkfifo(in.SessionLogPath, 0o600))
		_, err := prompt.BuildPacket(in) // returns: the FIFO is never opened
		assert.Equal(t, errs.Invalid, errs.CodeOf(err), "%v", err)
		assert.ErrorContains(t, err, "is a named pipe (FIFO), not a regular file")
	})
	t.Run("LogLinkedOutOfWorkspace", func(t *testing.T) {
		in := packetInput(t)
		outside := filepath.Join(t.TempDir(), "environ")
		testkit.PutFile(t, outside, "## 2026-01-01\nCANARY-OUTSIDE\n")
		in.Workspace = t.TempDir()
		in.SessionLogPath = filepath.Join(in.Workspace, "cocoder", "SESSION_LOG.md")
		require.NoError(t, os.MkdirAll(filepath.Dir(in.SessionLogPath), 0o700))
		require.NoError(t, os.Symlink(outside, in.SessionLogPath))
		p, err := prompt.BuildPacket(in)
		assert.Nil(t, p)
		assert.Equal(t, errs.Invalid, errs.CodeOf(err), "%v", err)
		assert.ErrorContains(t, err, in.SessionLogPath+" leads outside "+in.Workspace)
	})
	t.Run("PacketFailsContract", func(t *testing.T) {
		in := packetInput(t)
		r := *in.Route
		r.ID = ""
		in.Route = &r
		_, err := prompt.BuildPacket(in)
		var ve *contract.ValidationError
		require.ErrorAs(t, err, &ve)
		assert.Contains(t, err.Error(), "route.id")
	})
}

func hasText(list []string, s string) bool {
	for _, v := range list {
		if strings.Contains(v, s) {
			return true
		}
	}
	return false
}

// BenchmarkBuildStartupPacket measures a packet over a session log of
// about 10 MB (50,000 oldest-first entries), which is streamed.
func BenchmarkBuildStartupPacket(b *testing.B) {
	var sb strings.Builder
	start := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 50000 {
		fmt.Fprintf(&sb, "## %s — day %d\n\n- %s\n\n", start.AddDate(0, 0, i).Format(time.DateOnly), i, strings.Repeat("work ", 30))
	}
	in := packetInput(b)
	in.SessionLogPath = filepath.Join(b.TempDir(), "SESSION_LOG.md")
	if err := os.WriteFile(in.SessionLogPath, []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(sb.Len()))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := prompt.BuildPacket(in); err != nil {
			b.Fatal(err)
		}
	}
}
