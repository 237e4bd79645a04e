package gitx_test

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/internal/gitx"
)

func TestDigest(t *testing.T) {
	root := t.TempDir()
	mk := func(rel, data string) {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mk("a.txt", "hello\n")
	mk("dir/new\nline.txt", "x")
	if err := os.Symlink("../escape/target", filepath.Join(root, "link")); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte("hello\n"))
	got, err := gitx.Digest(root, []string{"a.txt", "link", "missing.txt", "a.txt/under-a-file", "dir/new\nline.txt"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"a.txt":              hex.EncodeToString(sum[:]),
		"link":               gitx.LinkPrefix + "../escape/target",
		"missing.txt":        "",
		"a.txt/under-a-file": "",
	}
	for p, w := range want {
		if got[p] != w {
			t.Errorf("Digest[%q] = %q, want %q", p, got[p], w)
		}
	}
	if len(got["dir/new\nline.txt"]) != 64 {
		t.Errorf("no digest for a name with a newline: %q", got)
	}

	// Content changes change the digest.
	mk("a.txt", "hello!\n")
	again, err := gitx.Digest(root, []string{"a.txt"})
	if err != nil || again["a.txt"] == got["a.txt"] {
		t.Fatalf("digest after a change = %q, %v", again["a.txt"], err)
	}
}

func TestDigestRefuses(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret"), []byte("s"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(root, "out")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(root, "dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(root, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, p := range []string{"out/secret", "dir", "fifo", "../x", "/etc/passwd", ""} {
			_, err := gitx.Digest(root, []string{p})
			wantCode(t, err, errs.Invalid)
			if p != "" && !strings.Contains(err.Error(), p) {
				t.Errorf("error for %q does not name it: %v", p, err)
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Digest hangs (on the FIFO?)")
	}
}
