package fsx_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cocoder/cocoder/internal/fsx"
	"github.com/stretchr/testify/assert"
)

func TestWriteFileReplaces(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "run.json")
	if err := fsx.WriteFile(p, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := fsx.WriteFile(p, []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil || string(b) != "new" {
		t.Fatalf("read %q, %v", b, err)
	}
	fi, _ := os.Stat(p)
	if fi.Mode().Perm() != 0o644 {
		t.Fatalf("perm %v", fi.Mode().Perm())
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Fatalf("temp files left behind: %v", ents)
	}
}

func TestWriteFileMissingDir(t *testing.T) {
	err := fsx.WriteFile(filepath.Join(t.TempDir(), "nope", "x"), []byte("x"), 0o600)
	if err == nil {
		t.Fatal("want error for missing directory")
	}
}

func TestAppendFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "events.jsonl")
	for _, line := range []string{"a\n", "b\n"} {
		if err := fsx.AppendFile(p, []byte(line), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	b, _ := os.ReadFile(p)
	if string(b) != "a\nb\n" {
		t.Fatalf("got %q", b)
	}
}

func TestMkdirPrivate(t *testing.T) {
	base := t.TempDir()
	d := filepath.Join(base, "secrets")
	if err := fsx.MkdirPrivate(d); err != nil {
		t.Fatal(err)
	}
	loose := filepath.Join(base, "loose")
	if err := os.Mkdir(loose, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(loose, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := fsx.MkdirPrivate(loose); err == nil || !strings.Contains(err.Error(), "chmod 700") {
		t.Fatalf("loose dir: err = %v", err)
	}
	link := filepath.Join(base, "link")
	if err := os.Symlink(d, link); err != nil {
		t.Fatal(err)
	}
	if err := fsx.MkdirPrivate(link); err == nil {
		t.Fatal("symlink accepted")
	}
}

func TestWriteFileInConfined(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "run")
	outside := filepath.Join(base, "outside")
	for _, d := range []string{dir, outside} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	// Parents are created under dir.
	if err := fsx.WriteFileIn(dir, "lanes/writer/prompt.md", []byte("p"), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "lanes", "writer", "prompt.md")); err != nil || string(b) != "p" {
		t.Fatalf("read %q, %v", b, err)
	}
	// A planted symlink at the target is replaced, not written through.
	victim := filepath.Join(outside, "victim")
	if err := os.WriteFile(victim, []byte("safe"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, filepath.Join(dir, "run.json")); err != nil {
		t.Fatal(err)
	}
	if err := fsx.WriteFileIn(dir, "run.json", []byte("new"), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "safe" {
		t.Fatalf("wrote through a symlink: victim now %q", b)
	}
	// A symlinked parent leading outside dir is refused.
	if err := os.Symlink(outside, filepath.Join(dir, "evidence")); err != nil {
		t.Fatal(err)
	}
	if err := fsx.WriteFileIn(dir, "evidence/x.json", []byte("x"), 0o600); err == nil {
		t.Fatal("wrote through a symlinked parent")
	}
	if _, err := os.Stat(filepath.Join(outside, "x.json")); !os.IsNotExist(err) {
		t.Fatalf("file appeared outside: %v", err)
	}
	for _, rel := range []string{"../escape", "/abs"} {
		if err := fsx.WriteFileIn(dir, rel, []byte("x"), 0o600); err == nil {
			t.Fatalf("%s accepted", rel)
		}
	}
}

func TestWriteDerivedReplaces(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "run.json")
	for _, v := range []string{"one", "two"} {
		if err := fsx.WriteDerived(p, []byte(v), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if b, err := os.ReadFile(p); err != nil || string(b) != "two" {
		t.Fatalf("read %q, %v", b, err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatalf("temp files left behind: %v", ents)
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 {
		t.Fatalf("perm %v", fi.Mode().Perm())
	}
}

// TestCapReader: up to max bytes pass; a longer stream, endless or not,
// fails with the given error once max is passed.
func TestCapReader(t *testing.T) {
	tooLarge := errors.New("too large")
	for _, tc := range []struct {
		name    string
		in      io.Reader
		want    int
		wantErr error
	}{
		{"Short", strings.NewReader("abc"), 3, nil},
		{"Exact", strings.NewReader("abcdefgh"), 8, nil},
		{"OneOver", strings.NewReader("abcdefghi"), 8, tooLarge},
		{"Endless", zeros{}, 8, tooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := io.ReadAll(fsx.CapReader(tc.in, 8, func() error { return tooLarge }))
			assert.Len(t, b, tc.want)
			if tc.wantErr == nil {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, tc.wantErr)
			}
		})
	}
}

// zeros is a reader that never ends.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
