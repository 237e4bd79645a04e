package gitx_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cocoder/cocoder/internal/errs"
)

// repo is a real git repository in a temporary directory, with a home of
// its own so the machine's git config does not leak in.
type repo struct {
	t    testing.TB
	root string
	env  []string
}

// newRepo runs git init in a new temporary directory.
func newRepo(t testing.TB) *repo {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	base := t.TempDir()
	root := filepath.Join(base, "work")
	home := filepath.Join(base, "home")
	for _, d := range []string{root, home} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	r := &repo{t: t, root: root, env: []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + home, "LANG=C", "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=Test", "GIT_AUTHOR_EMAIL=test@example.com",
		"GIT_COMMITTER_NAME=Test", "GIT_COMMITTER_EMAIL=test@example.com",
	}}
	r.git("init", "-q", "-b", "main")
	return r
}

// git runs git in the repository and returns its standard output.
func (r *repo) git(args ...string) string {
	r.t.Helper()
	out, err := r.cmd(args...).Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		r.t.Fatalf("git %s: %v: %s", strings.Join(args, " "), err, msg)
	}
	return string(out)
}

// cmd returns a git command in the repository.
func (r *repo) cmd(args ...string) *exec.Cmd {
	cmd := exec.Command("git", args...)
	cmd.Dir, cmd.Env = r.root, r.env
	return cmd
}

// write writes data to the slash-separated path rel, making its parents.
func (r *repo) write(rel, data string) {
	r.t.Helper()
	p := filepath.Join(r.root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

// remove deletes rel.
func (r *repo) remove(rel string) {
	r.t.Helper()
	if err := os.Remove(filepath.Join(r.root, filepath.FromSlash(rel))); err != nil {
		r.t.Fatal(err)
	}
}

// seed writes each of files with a content of its own and commits them.
func (r *repo) seed(files ...string) {
	r.t.Helper()
	for _, f := range files {
		r.write(f, "v1 of "+f+"\n")
	}
	r.commitAll("base")
}

// read returns the content of rel.
func (r *repo) read(rel string) string {
	r.t.Helper()
	b, err := os.ReadFile(filepath.Join(r.root, filepath.FromSlash(rel)))
	if err != nil {
		r.t.Fatal(err)
	}
	return string(b)
}

// commitAll commits every file in the work tree.
func (r *repo) commitAll(msg string) {
	r.t.Helper()
	r.git("add", "-A")
	r.git("commit", "-q", "-m", msg)
}

// lines splits NUL- or newline-separated git output into sorted entries.
func lines(out string) []string {
	f := strings.FieldsFunc(out, func(r rune) bool { return r == 0 || r == '\n' })
	slices.Sort(f)
	return f
}

// wantCode fails unless err has the code.
func wantCode(t testing.TB, err error, code errs.Code) {
	t.Helper()
	if errs.CodeOf(err) != code {
		t.Fatalf("error = %v (code %q), want code %q", err, errs.CodeOf(err), code)
	}
}
