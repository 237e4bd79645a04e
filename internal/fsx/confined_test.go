package fsx_test

import (
	"io"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/internal/fsx"
)

// confinedTree builds a root with every kind of entry the confined readers
// must tell apart, and a file outside it.
func confinedTree(t *testing.T) (root, outside string) {
	t.Helper()
	base := t.TempDir()
	root = filepath.Join(base, "ws")
	outside = filepath.Join(base, "outside")
	require.NoError(t, os.MkdirAll(filepath.Join(root, "sub", "deep"), 0o755))
	require.NoError(t, os.MkdirAll(outside, 0o755))
	put := func(p, s string) { require.NoError(t, os.WriteFile(p, []byte(s), 0o644)) }
	put(filepath.Join(outside, "secret"), "SECRET")
	put(filepath.Join(root, "file"), "inside")
	put(filepath.Join(root, "sub", "deep", "f"), "deep")
	sym := func(target, name string) { require.NoError(t, os.Symlink(target, filepath.Join(root, name))) }
	sym("file", "in-rel")
	sym("sub/deep/f", "in-deep")
	sym("../file", "sub/up-in")
	sym(filepath.Join(outside, "secret"), "out-abs")
	sym(filepath.Join(root, "file"), "in-abs") // absolute links are refused even to inside
	sym("../outside/secret", "out-rel")
	sym("../../outside/secret", "sub/out-rel")
	sym("../outside", "out-dir")
	sym("/proc/self/environ", "environ")
	sym("/dev/zero", "zero")
	sym("loop-b", "loop-a")
	sym("loop-a", "loop-b")
	sym("missing-target", "dangling")
	require.NoError(t, syscall.Mkfifo(filepath.Join(root, "fifo"), 0o600))
	sym("fifo", "to-fifo")
	return root, outside
}

// TestOpenInRefusesEscapes is the path-escape table of the confined
// readers: every symlink that leads out (absolute, relative, through a
// linked directory, to /proc or /dev), every non-regular file and every
// lexical escape is refused with the right code, naming the path, and
// never blocks; links that stay inside are followed.
func TestOpenInRefusesEscapes(t *testing.T) {
	root, outside := confinedTree(t)
	sock := filepath.Join(root, "sock")
	if l, err := net.Listen("unix", sock); err == nil {
		t.Cleanup(func() { _ = l.Close() })
	}
	cases := []struct {
		path string
		code errs.Code
		text string // in the message; "" to read "want" as content
		want string
	}{
		{"file", "", "", "inside"},
		{"in-rel", "", "", "inside"},
		{"in-deep", "", "", "deep"},
		{"sub/up-in", "", "", "inside"},
		{"sub/deep/f", "", "", "deep"},
		{"sub/../file", "", "", "inside"},
		{"out-abs", errs.Invalid, "leads outside", ""},
		{"in-abs", errs.Invalid, "leads outside", ""},
		{"out-rel", errs.Invalid, "leads outside", ""},
		{"sub/out-rel", errs.Invalid, "leads outside", ""},
		{"out-dir/secret", errs.Invalid, "leads outside", ""},
		{"environ", errs.Invalid, "leads outside", ""},
		{"zero", errs.Invalid, "leads outside", ""},
		{"loop-a", errs.Invalid, "", ""},
		{"dangling", errs.NotFound, "does not exist", ""},
		{"missing", errs.NotFound, "does not exist", ""},
		{"fifo", errs.Invalid, "named pipe (FIFO), not a regular file", ""},
		{"to-fifo", errs.Invalid, "named pipe (FIFO), not a regular file", ""},
		{"sub", errs.Invalid, "a directory, not a regular file", ""},
		{"sock", errs.Invalid, "a socket, not a regular file", ""},
		{"file/x", errs.Invalid, "not a directory", ""},
		{"../outside/secret", errs.Invalid, "lies outside", ""},
		{"sub/../../outside/secret", errs.Invalid, "lies outside", ""},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			if tc.path == "sock" {
				if _, err := os.Lstat(sock); err != nil {
					t.Skip("no unix socket here")
				}
			}
			done := make(chan struct{})
			var got []byte
			var err error
			go func() {
				defer close(done)
				got, err = fsx.ReadFileIn(root, filepath.Join(root, tc.path), 1<<20, func() error { return errs.E(errs.Invalid, "t", "too large") })
			}()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("blocked")
			}
			if tc.code == "" {
				require.NoError(t, err)
				assert.Equal(t, tc.want, string(got))
				return
			}
			require.Error(t, err)
			assert.Equal(t, tc.code, errs.CodeOf(err), "%v", err)
			assert.Contains(t, err.Error(), tc.text)
			assert.NotContains(t, err.Error(), "SECRET")
			if tc.text == "leads outside" {
				assert.NotContains(t, err.Error(), outside+"/secret", "the message names the link, not where it leads")
			}
		})
	}
}

// TestReadDirInRefusesLinkedDirectory: listing a directory that is a link
// out of the root is refused; one inside is listed as it is.
func TestReadDirInRefusesLinkedDirectory(t *testing.T) {
	root, _ := confinedTree(t)
	_, err := fsx.ReadDirIn(root, filepath.Join(root, "out-dir"))
	assert.Equal(t, errs.Invalid, errs.CodeOf(err), "%v", err)
	assert.ErrorContains(t, err, "out-dir leads outside")
	ents, err := fsx.ReadDirIn(root, filepath.Join(root, "sub"))
	require.NoError(t, err)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	assert.Equal(t, []string{"deep", "out-rel", "up-in"}, names)
	_, err = fsx.ReadDirIn(root, filepath.Join(root, "nope"))
	assert.Equal(t, errs.NotFound, errs.CodeOf(err))
	_, err = fsx.ReadDirIn(root, filepath.Join(root, "file"))
	assert.Equal(t, errs.Invalid, errs.CodeOf(err))
}

// TestOpenRegularRefusesFIFOWithoutBlocking: a FIFO nobody writes to is
// refused at once, by path and through a symlink; a device too.
func TestOpenRegularRefusesFIFOWithoutBlocking(t *testing.T) {
	root, _ := confinedTree(t)
	for _, p := range []string{"fifo", "to-fifo", "zero"} {
		start := time.Now()
		f, err := fsx.OpenRegular(filepath.Join(root, p))
		assert.Nil(t, f)
		assert.Equal(t, errs.Invalid, errs.CodeOf(err), "%v", err)
		assert.Less(t, time.Since(start), 2*time.Second)
	}
	f, err := fsx.OpenRegular(filepath.Join(root, "in-rel"))
	require.NoError(t, err)
	b, _ := io.ReadAll(f)
	_ = f.Close()
	assert.Equal(t, "inside", string(b))
}
