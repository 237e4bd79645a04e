package workspace_test

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/workspace"
)

// tenMiB is the size of the oversized inputs.
const tenMiB = 10 << 20

// allocated returns how many bytes f allocated on the heap, freed or not:
// an upper bound on what f held at its peak.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

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
	h, err := workspace.OpenHome(filepath.Join(t.TempDir(), "home"))
	require.NoError(t, err)
	big := []byte("roots:\n" + strings.Repeat("  a: /x\n", tenMiB/8))
	require.NoError(t, os.WriteFile(h.ConfigPath(), big, 0o600))
	require.NoError(t, os.WriteFile(h.RegistryPath(), big, 0o600))
	most := uint64(64 << 10)

	n := allocated(func() { _, err = workspace.LoadConfig(h, nil) })
	assertRefused(t, err, n, most, h.ConfigPath(), "4 MiB", "shorten it")
	n = allocated(func() { err = workspace.SetConfig(h.ConfigPath(), "roots.b", "/y") })
	assertRefused(t, err, n, most, h.ConfigPath(), "4 MiB")
	n = allocated(func() { _, err = h.Registry().List(t.Context()) })
	assertRefused(t, err, n, most, h.RegistryPath(), "4 MiB", "move it aside")
}

func TestConfigAliasBombIsRefused(t *testing.T) {
	h, err := workspace.OpenHome(filepath.Join(t.TempDir(), "home"))
	require.NoError(t, err)
	var b strings.Builder
	b.WriteString("x0: &x0 [a, a, a, a, a, a, a, a, a, a]\n")
	for i := 1; i < 10; i++ {
		prev := "*x" + string(rune('0'+i-1))
		b.WriteString("x" + string(rune('0'+i)) + ": &x" + string(rune('0'+i)) + " [" + strings.Repeat(prev+", ", 9) + prev + "]\n")
	}
	b.WriteString("roots: {r: *x9}\n")
	require.NoError(t, os.WriteFile(h.ConfigPath(), []byte(b.String()), 0o600))
	n := allocated(func() { _, err = workspace.LoadConfig(h, nil) })
	assertRefused(t, err, n, 16<<20, h.ConfigPath())
}

func TestExpandRefusesHugePaths(t *testing.T) {
	tok := workspace.Tokens{Home: "/home/me/.cocoder", UserHome: "/home/me"}
	for name, p := range map[string]string{
		"Segments": "/" + strings.Repeat("a/", tenMiB/2),
		"NUL":      "/" + strings.Repeat("\x00", tenMiB),
		"Token":    "${COCODER_HOME}/" + strings.Repeat("../", tenMiB/3),
	} {
		t.Run(name, func(t *testing.T) {
			var err error
			// Quoting the NUL path in the message cost 28 bytes a byte.
			n := allocated(func() { _, err = tok.Expand(p) })
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
	many := write("many.md", strings.Repeat("## [a]\n", tenMiB/7))
	var err error
	n := allocated(func() { _, err = workspace.ReadPriorities(many) })
	assertRefused(t, err, n, 2*tenMiB, many, "10000 priorities", "archive")
	// FindPriority streams the whole file: what it allocates is a short
	// string a line, garbage at once, so only the answer is checked.
	_, err = workspace.FindPriority(many, "b")
	assert.ErrorIs(t, err, errs.ErrNotFound)

	for name, text := range map[string]string{
		"OneLine":   "## Huge [huge]\n" + strings.Repeat("x", tenMiB),
		"LongBody":  "## Long [long]\n" + strings.Repeat("some text here\n", tenMiB/15),
		"DeepLists": "## Deep [deep]\n" + strings.Repeat("  - ", tenMiB/4),
	} {
		t.Run(name, func(t *testing.T) {
			path := write(name+".md", text)
			var ps []workspace.Priority
			n := allocated(func() { ps, err = workspace.ReadPriorities(path) })
			require.NoError(t, err)
			require.Len(t, ps, 1)
			assert.True(t, ps[0].Truncated)
			assert.Less(t, n, uint64(2*tenMiB), "allocated %d bytes", n)
		})
	}
}
