package fsx_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cocoder/cocoder/internal/fsx"
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
