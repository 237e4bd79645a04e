package gitx_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/internal/gitx"
)

// snapshot is the state a refused commit must leave alone.
type snapshot struct{ head, staged, status string }

func (r *repo) snapshot() snapshot {
	head, _ := gitx.Head(context.Background(), r.root, r.env)
	return snapshot{head, r.git("diff", "--cached", "--name-status", "-z"), r.git("status", "--porcelain=v2", "-z", "-uall")}
}

// committed returns the sorted "STATUS\tpath" lines of HEAD's commit.
func (r *repo) committed() []string {
	return lines(r.git("-c", "core.quotepath=off", "show", "--format=", "--name-status", "--find-renames", "HEAD"))
}

func TestCommitExactFiles(t *testing.T) {
	r := newRepo(t)
	r.seed("a.txt", "gone.txt", "other.txt", "dir/b.txt")

	r.write("a.txt", "v2\n")
	r.write("dir/b.txt", "v2\n")
	r.write("new dir/ünï.txt", "new\n")
	r.remove("gone.txt")
	r.write("other.txt", "unrelated unstaged edit\x00\xff\n") // not committed
	r.write("scratch/notes.txt", "unrelated untracked\n")     // not committed
	r.git("add", "dir/b.txt")                                 // staged and listed: fine

	sha, err := gitx.Commit(context.Background(), gitx.CommitRequest{
		Root:     r.root,
		Files:    []string{"a.txt", "gone.txt", "new dir/ünï.txt", "dir/b.txt", "a.txt"},
		Message:  "Apply the lane's work\n\nA body line.\n",
		Trailers: [][2]string{{"Cocoder-Run", "r-1"}, {"Cocoder-Lane", "writer"}},
		Env:      r.env,
	})
	if err != nil {
		t.Fatal(err)
	}
	if head := strings.TrimSpace(r.git("rev-parse", "HEAD")); sha != head || len(sha) != 40 {
		t.Fatalf("Commit = %q, HEAD is %q", sha, head)
	}
	want := []string{"A\tnew dir/ünï.txt", "D\tgone.txt", "M\ta.txt", "M\tdir/b.txt"}
	if got := r.committed(); !slices.Equal(got, want) {
		t.Fatalf("committed %q, want %q", got, want)
	}
	if got := r.git("log", "-1", "--format=%(trailers)"); got != "Cocoder-Run: r-1\nCocoder-Lane: writer\n\n" {
		t.Fatalf("trailers = %q", got)
	}
	if got := r.git("log", "-1", "--format=%B"); !strings.HasPrefix(got, "Apply the lane's work\n\nA body line.\n\nCocoder-Run: r-1\n") {
		t.Fatalf("message = %q", got)
	}
	if got := r.read("other.txt"); got != "unrelated unstaged edit\x00\xff\n" {
		t.Fatalf("other.txt changed: %q", got)
	}
	status := r.git("status", "--porcelain=v2", "-z", "-uall")
	if want := "1 .M N... "; !strings.Contains(status, want) || !strings.Contains(status, "other.txt") || !strings.Contains(status, "? scratch/notes.txt\x00") {
		t.Fatalf("unrelated work not left as it was: %q", status)
	}
	if staged := r.git("diff", "--cached", "--name-only"); staged != "" {
		t.Fatalf("left staged: %q", staged)
	}
}

func TestCommitFirstCommit(t *testing.T) {
	r := newRepo(t)
	ctx := context.Background()
	if head, err := gitx.Head(ctx, r.root, r.env); err != nil || head != "" {
		t.Fatalf("Head in a new repository = %q, %v", head, err)
	}
	if _, found, err := gitx.FindTrailer(ctx, r.root, "Cocoder-Receipt", "rc-1", 10, r.env); err != nil || found {
		t.Fatalf("FindTrailer before any commit = %v, %v", found, err)
	}
	r.write("first.txt", "1\n")
	r.write("later.txt", "not yet\n")
	sha, err := gitx.Commit(ctx, gitx.CommitRequest{Root: r.root, Files: []string{"first.txt"}, Message: "First", Env: r.env})
	if err != nil {
		t.Fatal(err)
	}
	if head, _ := gitx.Head(ctx, r.root, r.env); head != sha {
		t.Fatalf("Head = %q, Commit returned %q", head, sha)
	}
	if got := r.committed(); !slices.Equal(got, []string{"A\tfirst.txt"}) {
		t.Fatalf("committed %q", got)
	}
}

func TestCommitRenames(t *testing.T) {
	ctx := context.Background()
	t.Run("Staged", func(t *testing.T) {
		r := newRepo(t)
		r.write("old.txt", "some content that stays the same\n")
		r.commitAll("base")
		r.git("mv", "old.txt", "new.txt")

		// Only one side listed: the staged deletion of the other would
		// ride along, so it is refused.
		before := r.snapshot()
		_, err := gitx.Commit(ctx, gitx.CommitRequest{Root: r.root, Files: []string{"new.txt"}, Message: "m", Env: r.env})
		wantCode(t, err, errs.Conflict)
		if !strings.Contains(err.Error(), `"old.txt"`) {
			t.Fatalf("error does not name old.txt: %v", err)
		}
		if r.snapshot() != before {
			t.Fatal("a refused commit changed the repository")
		}

		if _, err := gitx.Commit(ctx, gitx.CommitRequest{Root: r.root, Files: []string{"new.txt", "old.txt"}, Message: "m", Env: r.env}); err != nil {
			t.Fatal(err)
		}
		if got := r.committed(); !slices.Equal(got, []string{"R100\told.txt\tnew.txt"}) {
			t.Fatalf("committed %q", got)
		}
	})
	t.Run("Unstaged", func(t *testing.T) {
		r := newRepo(t)
		r.write("old.txt", "some content that stays the same\n")
		r.commitAll("base")
		r.write("moved/new.txt", r.read("old.txt"))
		r.remove("old.txt")
		if _, err := gitx.Commit(ctx, gitx.CommitRequest{Root: r.root, Files: []string{"old.txt", "moved/new.txt"}, Message: "m", Env: r.env}); err != nil {
			t.Fatal(err)
		}
		if got := r.committed(); !slices.Equal(got, []string{"R100\told.txt\tmoved/new.txt"}) {
			t.Fatalf("committed %q", got)
		}
	})
}

func TestCommitRefusesOtherStaged(t *testing.T) {
	r := newRepo(t)
	r.seed("mine.txt", "theirs.txt")
	r.write("mine.txt", "v2\n")
	r.write("theirs.txt", "staged by someone else\n")
	r.git("add", "theirs.txt")
	before := r.snapshot()
	_, err := gitx.Commit(context.Background(), gitx.CommitRequest{Root: r.root, Files: []string{"mine.txt"}, Message: "m", Env: r.env})
	wantCode(t, err, errs.Conflict)
	if !strings.Contains(err.Error(), `"theirs.txt"`) {
		t.Fatalf("error does not name theirs.txt: %v", err)
	}
	if after := r.snapshot(); after != before {
		t.Fatalf("a refused commit changed the repository:\nbefore %+v\nafter  %+v", before, after)
	}
}

func TestCommitRefusesPaths(t *testing.T) {
	r := newRepo(t)
	r.write("f.txt", "v1\n")
	r.write("same.txt", "unchanged\n")
	r.write(".gitignore", "*.log\n")
	r.commitAll("base")
	r.write("f.txt", "v2\n")
	r.write("x.log", "ignored\n")
	r.write("real/in.txt", "x\n")

	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret.txt"), []byte("s\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(r.root, "out")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real", filepath.Join(r.root, "in")); err != nil {
		t.Fatal(err)
	}

	before := r.snapshot()
	for _, p := range []string{
		"", "/etc/passwd", r.root + "/f.txt", "../f.txt", "a/../f.txt", "./f.txt", "a//f.txt",
		"dir/", ".git/config", "sub/.GIT/hooks/pre-commit", "bad\nname", "tab\tname", "esc\x1b[0m",
		"out/secret.txt", "in/in.txt", "same.txt", "x.log", "missing.txt",
	} {
		_, err := gitx.Commit(context.Background(), gitx.CommitRequest{Root: r.root, Files: []string{"f.txt", p}, Message: "m", Env: r.env})
		if errs.CodeOf(err) != errs.Invalid {
			t.Errorf("Files [f.txt %q]: error %v, want invalid", p, err)
		}
	}
	_, err := gitx.Commit(context.Background(), gitx.CommitRequest{Root: r.root, Files: []string{"out/secret.txt"}, Message: "m", Env: r.env})
	if err == nil || !strings.Contains(err.Error(), "outside the work tree") {
		t.Errorf("symlink leading out: %v", err)
	}
	for name, req := range map[string]gitx.CommitRequest{
		"NoFiles":      {Message: "m"},
		"NoMessage":    {Files: []string{"f.txt"}, Message: " \n"},
		"BadKey":       {Files: []string{"f.txt"}, Message: "m", Trailers: [][2]string{{"Bad Key", "v"}}},
		"NewlineValue": {Files: []string{"f.txt"}, Message: "m", Trailers: [][2]string{{"K", "a\nb"}}},
	} {
		req.Root, req.Env = r.root, r.env
		if _, err := gitx.Commit(context.Background(), req); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("%s: error %v, want invalid", name, err)
		}
	}
	if after := r.snapshot(); after != before {
		t.Fatalf("a refused commit changed the repository:\nbefore %+v\nafter  %+v", before, after)
	}
}

func TestFindTrailer(t *testing.T) {
	r := newRepo(t)
	ctx := context.Background()
	r.write("base.txt", "x\n")
	r.commitAll("base")
	find := func(value string, n int) (string, bool) {
		t.Helper()
		sha, found, err := gitx.FindTrailer(ctx, r.root, "cocoder-receipt", value, n, r.env)
		if err != nil {
			t.Fatal(err)
		}
		return sha, found
	}
	if _, found := find("rc-1", 10); found {
		t.Fatal("found rc-1 before committing it")
	}
	r.write("a.txt", "a\n")
	sha1, err := gitx.Commit(ctx, gitx.CommitRequest{Root: r.root, Files: []string{"a.txt"}, Message: "one", Trailers: [][2]string{{"Cocoder-Receipt", "rc-1"}}, Env: r.env})
	if err != nil {
		t.Fatal(err)
	}
	r.write("b.txt", "b\n")
	sha2, err := gitx.Commit(ctx, gitx.CommitRequest{Root: r.root, Files: []string{"b.txt"}, Message: "two\n\nCocoder-Receipt: rc-1x", Trailers: [][2]string{{"Cocoder-Receipt", "rc-2"}}, Env: r.env})
	if err != nil {
		t.Fatal(err)
	}
	if sha, found := find("rc-1", 10); !found || sha != sha1 {
		t.Fatalf("FindTrailer rc-1 = %q, %v; want %q", sha, found, sha1)
	}
	if sha, found := find("rc-2", 10); !found || sha != sha2 {
		t.Fatalf("FindTrailer rc-2 = %q, %v; want %q", sha, found, sha2)
	}
	if _, found := find("rc-1", 1); found {
		t.Fatal("found rc-1 beyond the search depth")
	}
	if _, found := find("rc-1x", 10); found {
		t.Fatal("found a value from the body, not a trailer")
	}
	for _, bad := range [][2]string{{"Bad Key", "v"}, {"K", ""}, {"K", " v"}} {
		if _, _, err := gitx.FindTrailer(ctx, r.root, bad[0], bad[1], 10, r.env); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("FindTrailer(%q, %q): %v, want invalid", bad[0], bad[1], err)
		}
	}
}

// A hook is code from the repository: Commit runs none, so one cannot
// stage more files or run anything.
func TestCommitRunsNoHooks(t *testing.T) {
	r := newRepo(t)
	r.write("f.txt", "v1\n")
	r.write("extra.txt", "v1\n")
	r.commitAll("base")
	marker := filepath.Join(t.TempDir(), "hook-ran")
	for _, h := range []string{"pre-commit", "commit-msg", "post-commit", "post-index-change"} {
		script := "#!/bin/sh\necho " + h + " >> '" + marker + "'\ngit add extra.txt\n"
		if err := os.WriteFile(filepath.Join(r.root, ".git", "hooks", h), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	r.write("f.txt", "v2\n")
	r.write("extra.txt", "v2\n")
	if _, err := gitx.Commit(context.Background(), gitx.CommitRequest{Root: r.root, Files: []string{"f.txt"}, Message: "m", Env: r.env}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(marker); err == nil {
		b, _ := os.ReadFile(marker)
		t.Fatalf("hooks ran: %s", b)
	}
	if got := r.committed(); !slices.Equal(got, []string{"M\tf.txt"}) {
		t.Fatalf("committed %q", got)
	}
}

// A lock another git process holds is a conflict, and Status does not
// need it.
func TestCommitIndexLocked(t *testing.T) {
	r := newRepo(t)
	r.write("f.txt", "v1\n")
	r.commitAll("base")
	r.write("f.txt", "v2\n")
	if err := os.WriteFile(filepath.Join(r.root, ".git", "index.lock"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := gitx.Status(context.Background(), r.root, r.env); err != nil {
		t.Fatalf("Status with the index locked: %v", err)
	}
	_, err := gitx.Commit(context.Background(), gitx.CommitRequest{Root: r.root, Files: []string{"f.txt"}, Message: "m", Env: r.env})
	wantCode(t, err, errs.Conflict)
}
