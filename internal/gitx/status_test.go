package gitx_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/internal/gitx"
)

// byPath indexes changes by path and fails on a path seen twice.
func byPath(t *testing.T, changes []gitx.Change) map[string]gitx.Change {
	t.Helper()
	m := map[string]gitx.Change{}
	for _, c := range changes {
		if _, dup := m[c.Path]; dup {
			t.Fatalf("path %q reported twice", c.Path)
		}
		m[c.Path] = c
	}
	return m
}

func TestStatus(t *testing.T) {
	r := newRepo(t)
	r.seed("keep.txt", "mod.txt", "del.txt", "staged-del.txt", "old name.txt", "moved.txt", "type.txt")

	r.write("mod.txt", "changed\n")
	r.write("staged.txt", "new and staged\n")
	r.git("add", "staged.txt")
	r.remove("del.txt")
	r.git("rm", "-q", "staged-del.txt")
	r.write("dir/keep", "so dir exists\n")
	r.git("add", "dir/keep")
	r.git("mv", "old name.txt", "dir/new name.txt")                                                              // a staged rename
	if err := os.Rename(filepath.Join(r.root, "moved.txt"), filepath.Join(r.root, "moved-to.txt")); err != nil { // unstaged
		t.Fatal(err)
	}
	r.write("a/b/c/deep.txt", "untracked, nested\n")
	r.write("sp ace/ünï côdé.txt", "unicode\n")
	r.write("new\nline.txt", "a newline in the name\n")
	r.remove("type.txt")
	if err := os.Symlink("keep.txt", filepath.Join(r.root, "type.txt")); err != nil {
		t.Fatal(err)
	}
	r.write(".gitignore", "*.log\n")
	r.write("ignored.log", "never listed\n")

	changes, err := gitx.Status(context.Background(), r.root, r.env)
	if err != nil {
		t.Fatal(err)
	}
	got := byPath(t, changes)
	want := map[string]gitx.Change{
		"mod.txt":             {Path: "mod.txt", Index: '.', WorkTree: 'M'},
		"staged.txt":          {Path: "staged.txt", Index: 'A', WorkTree: '.'},
		"del.txt":             {Path: "del.txt", Index: '.', WorkTree: 'D'},
		"staged-del.txt":      {Path: "staged-del.txt", Index: 'D', WorkTree: '.'},
		"dir/new name.txt":    {Path: "dir/new name.txt", OrigPath: "old name.txt", Index: 'R', WorkTree: '.'},
		"moved.txt":           {Path: "moved.txt", Index: '.', WorkTree: 'D'},
		"moved-to.txt":        {Path: "moved-to.txt", Index: '?', WorkTree: '?'},
		"a/b/c/deep.txt":      {Path: "a/b/c/deep.txt", Index: '?', WorkTree: '?'},
		"sp ace/ünï côdé.txt": {Path: "sp ace/ünï côdé.txt", Index: '?', WorkTree: '?'},
		"new\nline.txt":       {Path: "new\nline.txt", Index: '?', WorkTree: '?'},
		"type.txt":            {Path: "type.txt", Index: '.', WorkTree: 'T'},
		"dir/keep":            {Path: "dir/keep", Index: 'A', WorkTree: '.'},
		".gitignore":          {Path: ".gitignore", Index: '?', WorkTree: '?'},
	}
	if !reflect.DeepEqual(got, want) {
		for p, c := range got {
			if want[p] != c {
				t.Errorf("got %+v, want %+v", c, want[p])
			}
		}
		for p, c := range want {
			if _, ok := got[p]; !ok {
				t.Errorf("missing %+v", c)
			}
		}
	}
	if c := got["staged.txt"]; !c.Staged() || c.Untracked() || c.Deleted() {
		t.Errorf("staged.txt: Staged %v Untracked %v Deleted %v", c.Staged(), c.Untracked(), c.Deleted())
	}
	if c := got["del.txt"]; c.Staged() || !c.Deleted() {
		t.Errorf("del.txt: Staged %v Deleted %v", c.Staged(), c.Deleted())
	}
	if c := got["a/b/c/deep.txt"]; c.Staged() || !c.Untracked() {
		t.Errorf("deep.txt: Staged %v Untracked %v", c.Staged(), c.Untracked())
	}
}

func TestStatusUnmerged(t *testing.T) {
	r := newRepo(t)
	r.write("f.txt", "base\n")
	r.commitAll("base")
	r.git("checkout", "-q", "-b", "other")
	r.write("f.txt", "other\n")
	r.commitAll("other")
	r.git("checkout", "-q", "main")
	r.write("f.txt", "main\n")
	r.commitAll("main")
	_ = r.cmd("merge", "-q", "other").Run() // fails with a conflict, on purpose
	changes, err := gitx.Status(context.Background(), r.root, r.env)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 1 || !changes[0].Unmerged() || changes[0].Path != "f.txt" {
		t.Fatalf("changes = %+v, want f.txt unmerged", changes)
	}
}

// The environment a caller passes keeps identity but loses every variable
// that could point git at another repository or index.
func TestStatusIgnoresRedirectingEnv(t *testing.T) {
	r := newRepo(t)
	other := newRepo(t)
	other.write("elsewhere.txt", "x\n")
	other.git("add", "elsewhere.txt")
	r.write("here.txt", "x\n")
	env := append(slices.Clone(r.env),
		"GIT_DIR="+filepath.Join(other.root, ".git"), "GIT_WORK_TREE="+other.root,
		"GIT_INDEX_FILE="+filepath.Join(other.root, ".git", "index"))
	changes, err := gitx.Status(context.Background(), r.root, env)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 1 || changes[0].Path != "here.txt" {
		t.Fatalf("changes = %+v, want only here.txt", changes)
	}
}

func TestStatusRefusesNonTop(t *testing.T) {
	r := newRepo(t)
	r.write("sub/f.txt", "x\n")
	_, err := gitx.Status(context.Background(), filepath.Join(r.root, "sub"), r.env)
	wantCode(t, err, errs.Invalid)
	_, err = gitx.Status(context.Background(), "relative/dir", r.env)
	wantCode(t, err, errs.Invalid)

	top, prefix, err := gitx.TopLevel(context.Background(), filepath.Join(r.root, "sub"), r.env)
	if err != nil {
		t.Fatal(err)
	}
	real, _ := filepath.EvalSymlinks(r.root)
	if top != real || prefix != "sub/" {
		t.Fatalf("TopLevel = %q, %q; want %q, %q", top, prefix, real, "sub/")
	}
}

func TestStatusErrors(t *testing.T) {
	r := newRepo(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := gitx.Status(ctx, r.root, r.env)
	wantCode(t, err, errs.Unavailable)

	// A .git that is no repository: git's own complaint, typed.
	bad := t.TempDir()
	if err := os.WriteFile(filepath.Join(bad, ".git"), []byte("gitdir: /nonexistent\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = gitx.Status(context.Background(), bad, r.env)
	wantCode(t, err, errs.Invalid)
	ge, ok := errors.AsType[*gitx.GitError](err)
	if !ok || ge.ExitCode == 0 || !strings.Contains(ge.Stderr, "not a git repository") || ge.Args[0] != "status" {
		t.Fatalf("error %v: cause %+v, want a GitError from git status", err, ge)
	}
}

func TestParseStatusRefuses(t *testing.T) {
	h := strings.Repeat("a", 40)
	ord := "1 .M N... 100644 100644 100644 " + h + " " + h + " "
	for name, in := range map[string]string{
		"NoNUL":         "? a",
		"Empty entry":   "\x00",
		"Unknown kind":  "x a\x00",
		"No path":       "? \x00",
		"Short":         "1 .M N...\x00",
		"Empty path":    ord + "\x00",
		"Bad XY":        strings.Replace(ord, ".M", ".Z", 1) + "p\x00",
		"Nothing":       strings.Replace(ord, ".M", "..", 1) + "p\x00",
		"R in ordinary": strings.Replace(ord, ".M", "R.", 1) + "p\x00",
		"Bad sub":       strings.Replace(ord, "N...", "Nxyz", 1) + "p\x00",
		"Bad mode":      strings.Replace(ord, "100644 100644 100644", "100644 10064x 100644", 1) + "p\x00",
		"Bad hash":      strings.Replace(ord, h+" ", "xyz ", 1) + "p\x00",
		"No origin":     "2 R. N... 100644 100644 100644 " + h + " " + h + " R100 new\x00",
		"Bad score":     "2 R. N... 100644 100644 100644 " + h + " " + h + " X100 new\x00old\x00",
		"Not unmerged":  "u .M N... 100644 100644 100644 100644 " + h + " " + h + " " + h + " p\x00",
		"Bad header":    "#x\x00",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := gitx.ParseStatus([]byte(in))
			wantCode(t, err, errs.Invalid)
		})
	}
}

// encodeStatus writes changes as git status --porcelain=v2 -z would, with
// made-up modes and object names.
func encodeStatus(changes []gitx.Change) []byte {
	h := strings.Repeat("0", 40)
	var b strings.Builder
	for _, c := range changes {
		xy := string([]byte{c.Index, c.WorkTree})
		switch {
		case c.Untracked() || c.Ignored():
			fmt.Fprintf(&b, "%c %s\x00", c.Index, c.Path)
		case c.Unmerged():
			fmt.Fprintf(&b, "u %s N... 100644 100644 100644 100644 %s %s %s %s\x00", xy, h, h, h, c.Path)
		case c.OrigPath != "":
			fmt.Fprintf(&b, "2 %s N... 100644 100644 100644 %s %s R100 %s\x00%s\x00", xy, h, h, c.Path, c.OrigPath)
		default:
			fmt.Fprintf(&b, "1 %s N... 100644 100644 100644 %s %s %s\x00", xy, h, h, c.Path)
		}
	}
	return []byte(b.String())
}

// statusSeeds are real outputs of git status --porcelain=v2 -z.
var statusSeeds = []string{
	"1 .M N... 100644 100644 100644 3b18e512dba79e4c8300dd08aeb37f8e728b8dad 3b18e512dba79e4c8300dd08aeb37f8e728b8dad mod.txt\x00",
	"2 R. N... 100644 100644 100644 7c4a013e52c76442ab80ee5572399a30373600a2 7c4a013e52c76442ab80ee5572399a30373600a2 R100 dir/new name.txt\x00old name.txt\x00",
	"u UU N... 100644 100644 100644 100644 df967b96a579e45a18b8251732d16804b2e56a55 0e0d49a5e7e3e0c0a9b5c4c2e0bba7d9f7bcbff8 5716ca5987cbf97d6bb54920bea6adde242d87e6 f.txt\x00",
	"? new\nline.txt\x00? sp ace/ünï côdé.txt\x00! ignored.log\x00",
	"# branch.oid (initial)\x00# branch.head main\x00? a\x00",
	"1 A. N... 000000 100644 100644 0000000000000000000000000000000000000000 e69de29bb2d1d6434b8b29ae775ad8c2e48c5391 staged.txt\x001 .D N... 100644 100644 000000 e69de29bb2d1d6434b8b29ae775ad8c2e48c5391 e69de29bb2d1d6434b8b29ae775ad8c2e48c5391 del.txt\x00",
	"1 .T SC.. 120000 120000 100644 3b18e512dba79e4c8300dd08aeb37f8e728b8dad 3b18e512dba79e4c8300dd08aeb37f8e728b8dad type.txt\x00",
}

// FuzzParseStatus checks that ParseStatus never panics, that what it
// accepts is well-formed (paths non-empty and NUL-free, letters from git's
// set, an origin exactly for renames and copies), and that writing the
// result out again and parsing that gives the same changes.
func FuzzParseStatus(f *testing.F) {
	for _, s := range statusSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		changes, err := gitx.ParseStatus(in)
		if err != nil {
			if changes != nil {
				t.Fatalf("changes %+v with error %v", changes, err)
			}
			return
		}
		for _, c := range changes {
			if c.Path == "" || strings.ContainsRune(c.Path, 0) || strings.ContainsRune(c.OrigPath, 0) {
				t.Fatalf("bad path in %+v", c)
			}
			if !strings.ContainsRune(".MTADRCU?!", rune(c.Index)) || !strings.ContainsRune(".MTADRCU?!", rune(c.WorkTree)) {
				t.Fatalf("bad letters in %+v", c)
			}
			renamed := strings.ContainsAny(string([]byte{c.Index, c.WorkTree}), "RC")
			if renamed != (c.OrigPath != "") {
				t.Fatalf("origin and letters disagree in %+v", c)
			}
		}
		again, err := gitx.ParseStatus(encodeStatus(changes))
		if err != nil {
			t.Fatalf("re-encoded %+v does not parse: %v", changes, err)
		}
		if !reflect.DeepEqual(again, changes) {
			t.Fatalf("round trip: %+v, want %+v", again, changes)
		}
	})
}

func TestParseStatusSeeds(t *testing.T) {
	for _, s := range statusSeeds {
		changes, err := gitx.ParseStatus([]byte(s))
		if err != nil || len(changes) == 0 {
			t.Fatalf("ParseStatus(%q) = %+v, %v", s, changes, err)
		}
	}
}

// BenchmarkStatus measures Status on a repository of 2,000 committed files
// of which 1,000 are modified, plus 100 untracked ones, against its
// baselines: the same git command run bare (Git), and ParseStatus alone on
// its output (Parse).
func BenchmarkStatus(b *testing.B) {
	r := newRepo(b)
	for i := range 2000 {
		r.write(fmt.Sprintf("d%02d/f%04d.txt", i%20, i), "v1\n")
	}
	r.commitAll("base")
	for i := 0; i < 2000; i += 2 {
		r.write(fmt.Sprintf("d%02d/f%04d.txt", i%20, i), "v2\n")
	}
	for i := range 100 {
		r.write(fmt.Sprintf("new/n%03d.txt", i), "n\n")
	}
	ctx := context.Background()
	args := []string{"status", "--porcelain=v2", "-z", "--untracked-files=all", "--find-renames"}
	out := r.git(args...)
	b.Run("Status", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			changes, err := gitx.Status(ctx, r.root, r.env)
			if err != nil || len(changes) != 1100 {
				b.Fatalf("Status = %d changes, %v", len(changes), err)
			}
		}
	})
	b.Run("Git", func(b *testing.B) {
		for b.Loop() {
			r.git(args...)
		}
	})
	b.Run("Parse", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(out)))
		for b.Loop() {
			if changes, err := gitx.ParseStatus([]byte(out)); err != nil || len(changes) != 1100 {
				b.Fatalf("ParseStatus = %d changes, %v", len(changes), err)
			}
		}
	})
}
