package run_test

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/run"
	"github.com/cocoder/cocoder/run/host"
	"github.com/cocoder/cocoder/workspace"
)

// fixture is a scaffolded workspace in a fresh git repository, a fresh
// CoCoder home and a PATH holding only git and tmux (so every vendor CLI is
// missing and lanes fall back to the demo agent).
type fixture struct {
	t    testing.TB
	root string
	home *workspace.Home
	ws   *workspace.Workspace
	bin  string
	env  map[string]string
	self string
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	root := t.TempDir()
	gitCmd(t, root, "init", "-q", "-b", "main")
	home, err := workspace.OpenHome(t.Context(), t.TempDir())
	require.NoError(t, err)
	_, err = workspace.Init(t.Context(), root, workspace.InitOptions{Home: home})
	require.NoError(t, err)
	gitCmd(t, root, "add", "-A")
	gitCmd(t, root, "config", "user.name", "t")
	gitCmd(t, root, "config", "user.email", "t@example.com")
	gitCmd(t, root, "commit", "-q", "-m", "scaffold")
	ws, err := workspace.Find(root)
	require.NoError(t, err)
	f := &fixture{t: t, root: root, home: home, ws: ws, bin: t.TempDir(), self: "/usr/bin/true"}
	f.link("git", "tmux")
	f.env = map[string]string{
		"PATH": f.bin, "HOME": os.Getenv("HOME"), "LANG": "C.UTF-8",
		"TMUX_TMPDIR": os.Getenv("TMUX_TMPDIR"),
	}
	return f
}

// link puts the named programs of this machine into the fixture's PATH.
func (f *fixture) link(names ...string) {
	f.t.Helper()
	for _, n := range names {
		p, err := exec.LookPath(n)
		require.NoError(f.t, err, "%s is needed by this test", n)
		require.NoError(f.t, os.Symlink(p, filepath.Join(f.bin, n)))
	}
}

// script puts an executable shell script named name into the PATH.
func (f *fixture) script(name, body string) {
	f.t.Helper()
	require.NoError(f.t, os.WriteFile(filepath.Join(f.bin, name), []byte("#!/bin/sh\n"+body+"\n"), 0o755))
}

func (f *fixture) write(rel, content string) {
	f.t.Helper()
	p := filepath.Join(f.root, rel)
	require.NoError(f.t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(f.t, os.WriteFile(p, []byte(content), 0o644))
}

func (f *fixture) getenv(k string) string { return f.env[k] }

func (f *fixture) runner(mod ...func(*run.Options)) *run.Runner {
	f.t.Helper()
	o := run.Options{Home: f.home, Workspace: f.ws, Getenv: f.getenv, Self: f.self, Actor: "test"}
	for _, m := range mod {
		m(&o)
	}
	r, err := run.New(o)
	require.NoError(f.t, err)
	f.t.Cleanup(func() { _ = r.Close() })
	return r
}

// register adds the workspace to the home's registry and returns its id.
func (f *fixture) register() string {
	f.t.Helper()
	e, err := f.home.Registry().Add(f.t.Context(), f.root, "")
	require.NoError(f.t, err)
	return e.ID
}

// killServer stops the home's private tmux server when the test ends.
func (f *fixture) killServer() {
	f.t.Cleanup(func() {
		_ = exec.Command("tmux", "-L", host.SocketForHome(f.home.Dir()), "kill-server").Run()
	})
}

func gitCmd(t testing.TB, dir string, args ...string) string {
	t.Helper()
	out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput()
	require.NoError(t, err, "git %v: %s", args, out)
	return string(out)
}

// tree records every entry under dirs (path → type, mode and content
// digest), to prove that an operation wrote nothing.
func tree(t testing.TB, dirs ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, dir := range dirs {
		require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			fi, err := os.Lstat(p)
			if err != nil {
				return err
			}
			v := fi.Mode().String()
			if fi.Mode().IsRegular() {
				b, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				sum := sha256.Sum256(b)
				v += " " + hex.EncodeToString(sum[:]) + " " + fi.ModTime().String()
			}
			out[p] = v
			return nil
		}))
	}
	return out
}
