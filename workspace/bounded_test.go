package workspace_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/internal/memtest"
	"github.com/cocoder/cocoder/workspace"
)

// assertRefused checks that err is an errs.Invalid error whose message
// holds every one of want, and that n bytes stay under most.
func assertRefused(t *testing.T, err error, n, most uint64, want ...string) {
	t.Helper()
	require.Error(t, err)
	assert.Equal(t, errs.Invalid, errs.CodeOf(err), "%v", err)
	for _, w := range want {
		assert.Contains(t, err.Error(), w)
	}
	assert.Less(t, n, most, "allocated %d bytes", n)
}

// TestContractFilesAreBounded writes a 10 MiB config.yaml and
// workspaces.yaml: every reader refuses them unread, by their size (read
// whole, the config alone cost over a gigabyte to parse).
func TestContractFilesAreBounded(t *testing.T) {
	h, err := workspace.OpenHome(t.Context(), filepath.Join(t.TempDir(), "home"))
	require.NoError(t, err)
	big := []byte("roots:\n" + strings.Repeat("  a: /x\n", memtest.TenMiB/8))
	require.NoError(t, os.WriteFile(h.ConfigPath(), big, 0o600))
	require.NoError(t, os.WriteFile(h.RegistryPath(), big, 0o600))
	most := uint64(64 << 10)

	n := memtest.Allocated(func() { _, err = workspace.LoadConfig(h, nil) })
	assertRefused(t, err, n, most, h.ConfigPath(), "1 MiB", "shorten it")
	n = memtest.Allocated(func() { err = workspace.SetConfig(t.Context(), h.ConfigPath(), "roots.b", "/y") })
	assertRefused(t, err, n, most, h.ConfigPath(), "1 MiB")
	n = memtest.Allocated(func() { _, err = h.Registry().List(t.Context()) })
	assertRefused(t, err, n, most, h.RegistryPath(), "1 MiB", "move it aside")
}

func TestConfigAliasBombIsRefused(t *testing.T) {
	h, err := workspace.OpenHome(t.Context(), filepath.Join(t.TempDir(), "home"))
	require.NoError(t, err)
	var b strings.Builder
	b.WriteString("x0: &x0 [a, a, a, a, a, a, a, a, a, a]\n")
	for i := 1; i < 10; i++ {
		prev := "*x" + string(rune('0'+i-1))
		b.WriteString("x" + string(rune('0'+i)) + ": &x" + string(rune('0'+i)) + " [" + strings.Repeat(prev+", ", 9) + prev + "]\n")
	}
	b.WriteString("roots: {r: *x9}\n")
	require.NoError(t, os.WriteFile(h.ConfigPath(), []byte(b.String()), 0o600))
	n := memtest.Allocated(func() { _, err = workspace.LoadConfig(h, nil) })
	assertRefused(t, err, n, 16<<20, h.ConfigPath())
}

func TestExpandRefusesHugePaths(t *testing.T) {
	tok := workspace.Tokens{Home: "/home/me/.cocoder", UserHome: "/home/me"}
	for name, p := range map[string]string{
		"Segments": "/" + strings.Repeat("a/", memtest.TenMiB/2),
		"NUL":      "/" + strings.Repeat("\x00", memtest.TenMiB),
		"Token":    "${COCODER_HOME}/" + strings.Repeat("../", memtest.TenMiB/3),
	} {
		t.Run(name, func(t *testing.T) {
			var err error
			// Quoting the NUL path in the message cost 28 bytes a byte.
			n := memtest.Allocated(func() { _, err = tok.Expand(p) })
			assertRefused(t, err, n, 64<<10, "32 KiB", "fix the file it came from")
			assert.Less(t, len(err.Error()), 1024)
		})
	}
	long := "/" + strings.Repeat("a", 4095)
	got, err := tok.Expand(long)
	require.NoError(t, err, "a path as long as a system takes is fine")
	assert.Equal(t, long, got)
}

// TestPrioritiesAreBounded streams 10 MiB PRIORITIES.md files: holding
// every priority of the first one took over a gigabyte before the count
// was capped.
func TestPrioritiesAreBounded(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
		return path
	}
	many := write("many.md", strings.Repeat("## [a]\n", memtest.TenMiB/7))
	var err error
	n := memtest.Allocated(func() { _, err = workspace.ReadPriorities(many) })
	assertRefused(t, err, n, 2*memtest.TenMiB, many, "10000 priorities", "archive")
	// FindPriority streams the whole file: what it allocates is a short
	// string a line, garbage at once, so only the answer is checked.
	_, err = workspace.FindPriority(many, "b")
	assert.ErrorIs(t, err, errs.ErrNotFound)

	for name, text := range map[string]string{
		"OneLine":   "## Huge [huge]\n" + strings.Repeat("x", memtest.TenMiB),
		"LongBody":  "## Long [long]\n" + strings.Repeat("some text here\n", memtest.TenMiB/15),
		"DeepLists": "## Deep [deep]\n" + strings.Repeat("  - ", memtest.TenMiB/4),
	} {
		t.Run(name, func(t *testing.T) {
			path := write(name+".md", text)
			var ps []workspace.Priority
			n := memtest.Allocated(func() { ps, err = workspace.ReadPriorities(path) })
			require.NoError(t, err)
			require.Len(t, ps, 1)
			assert.True(t, ps[0].Truncated)
			assert.Less(t, n, uint64(2*memtest.TenMiB), "allocated %d bytes", n)
		})
	}
}
