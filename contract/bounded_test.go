package contract_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/internal/memtest"
)

// TestLoadIsBounded feeds Load and ReadFile inputs far beyond
// MaxFileSize: each is refused after reading at most MaxFileSize+1 bytes,
// with an errs.Invalid error that names the file, the limit and the fix.
func TestLoadIsBounded(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.yaml")
	require.NoError(t, os.WriteFile(big, []byte(strings.Repeat("# a comment line\n", memtest.TenMiB/17)), 0o644))
	oneLine := filepath.Join(dir, "line.yaml")
	require.NoError(t, os.WriteFile(oneLine, []byte("id: "+strings.Repeat("x", memtest.TenMiB)), 0o644))
	cases := map[string]string{"ManyLines": big, "OneLine": oneLine}
	if _, err := os.Stat("/dev/zero"); err == nil {
		endless := filepath.Join(dir, "endless.yaml")
		require.NoError(t, os.Symlink("/dev/zero", endless))
		cases["EndlessDevice"] = endless
	}
	for name, path := range cases {
		t.Run(name, func(t *testing.T) {
			for op, load := range map[string]func() error{
				"Load":     func() error { _, err := contract.Load[contract.Route](path); return err },
				"ReadFile": func() error { _, err := contract.ReadFile(path); return err },
			} {
				var err error
				n := memtest.Allocated(func() { err = load() })
				require.Error(t, err, op)
				assert.Equal(t, errs.Invalid, errs.CodeOf(err), op)
				wants := []string{path, "1 MiB", "shorten it"}
				if name == "EndlessDevice" {
					// A device is refused by its type, before it is opened.
					wants = []string{path, "is a device, not a regular file"}
				}
				for _, want := range wants {
					assert.Contains(t, err.Error(), want, op)
				}
				// A file is refused by its size, unread (reading it whole
				// would take 10 MiB), and a device by its type.
				most := uint64(64 << 10)
				assert.Less(t, n, most, "%s allocated %d bytes", op, n)
			}
		})
	}
}

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	_, err := contract.ReadFile(filepath.Join(dir, "missing.yaml"))
	assert.ErrorIs(t, err, errs.ErrNotFound)
	_, err = contract.ReadFile(dir)
	assert.ErrorIs(t, err, errs.ErrInvalid)
	path := filepath.Join(dir, "exact.yaml")
	require.NoError(t, os.WriteFile(path, make([]byte, contract.MaxFileSize), 0o644))
	data, err := contract.ReadFile(path)
	require.NoError(t, err, "a file of exactly MaxFileSize bytes is read")
	assert.Len(t, data, contract.MaxFileSize)
}

// TestParseIsBounded feeds the parser pathological documents: nesting
// deeper than the YAML parser allows, aliases that would expand to a
// billion values, and a million duplicate keys. Each fails quickly with a
// bounded message and allocates a bounded multiple of its size.
func TestParseIsBounded(t *testing.T) {
	var bomb strings.Builder
	bomb.WriteString("founderAcceptance:\n  a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 10; i++ {
		prev := "*a" + string(rune('0'+i-1))
		bomb.WriteString("  a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [" + strings.Repeat(prev+", ", 9) + prev + "]\n")
	}
	tests := []struct {
		name       string
		kind       contract.Kind
		data, want string
		// most bounds the allocation: parsing YAML builds a node tree
		// many times the size of its text.
		most uint64
	}{
		{"DeepFlow", contract.KindConfig, strings.Repeat("[", memtest.TenMiB/2) + strings.Repeat("]", memtest.TenMiB/2), "max depth", 4 * memtest.TenMiB},
		{"DeepBlock", contract.KindConfig, "a:\n " + strings.Repeat("- ", memtest.TenMiB/2), "max depth", 4 * memtest.TenMiB},
		// Ten levels of ten aliases would be ten billion values.
		{"AliasBomb", contract.KindJobResult, bomb.String(), "excessive aliasing", 16 << 20},
		{"DuplicateKeys", contract.KindConfig, "roots:\n" + strings.Repeat("  a: /x\n", (1<<20)/8), "more problems", 160 << 20},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			start := time.Now()
			n := memtest.Allocated(func() { _, err = contract.ParseKind(tc.kind, "c.yaml", []byte(tc.data)) })
			assert.Less(t, time.Since(start), 30*time.Second)
			ve, ok := errors.AsType[*contract.ValidationError](err)
			require.True(t, ok, "%v", err)
			msg := err.Error()
			assert.Contains(t, msg, tc.want)
			assert.Less(t, len(msg), 64<<10, "the message lists a bounded number of problems")
			assert.NotEmpty(t, ve.Problems)
			assert.Less(t, n, tc.most, "allocated %d bytes for %d", n, len(tc.data))
		})
	}
}
