package workspace_test

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/workspace"
)

// regFixture is a home plus a directory of workspaces, with a root named
// "repos" pointing at that directory.
type regFixture struct {
	home  *workspace.Home
	reg   *workspace.Registry
	repos string
}

func newRegFixture(t *testing.T) *regFixture {
	t.Helper()
	base := t.TempDir()
	h, err := workspace.OpenHome(t.Context(), filepath.Join(base, "home"))
	require.NoError(t, err)
	repos := filepath.Join(base, "repos")
	require.NoError(t, os.Mkdir(repos, 0o755))
	require.NoError(t, workspace.SetConfig(t.Context(), h.ConfigPath(), "roots.repos", repos))
	return &regFixture{home: h, reg: h.Registry(), repos: repos}
}

// repo creates a workspace at repos/rel and returns its path.
func (f *regFixture) repo(t *testing.T, rel string) string {
	t.Helper()
	dir := filepath.Join(f.repos, rel)
	mkWorkspace(t, dir)
	return dir
}

func TestRegistryAdd(t *testing.T) {
	f := newRegFixture(t)
	ctx := t.Context()
	app := f.repo(t, "My App")
	t0 := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	workspace.SetRegistryClock(f.reg, func() time.Time { return t0 })

	e, err := f.reg.Add(ctx, app, "")
	require.NoError(t, err)
	assert.Equal(t, contract.RegistryEntry{
		ID: "my-app", Name: "My App", Path: "${root:repos}/My App", AddedAt: t0, LastSeenAt: t0,
	}, e)

	t.Run("ReAddUpdatesLastSeen", func(t *testing.T) {
		t1 := t0.Add(time.Hour)
		workspace.SetRegistryClock(f.reg, func() time.Time { return t1 })
		sub := filepath.Join(app, "src")
		require.NoError(t, os.Mkdir(sub, 0o755))
		again, err := f.reg.Add(ctx, sub, "")
		require.NoError(t, err, "a directory inside the workspace registers its root")
		assert.Equal(t, "my-app", again.ID)
		assert.Equal(t, t0, again.AddedAt)
		assert.Equal(t, t1, again.LastSeenAt)
		list, err := f.reg.List(ctx)
		require.NoError(t, err)
		assert.Len(t, list, 1)
	})
	t.Run("Rename", func(t *testing.T) {
		e, err := f.reg.Add(ctx, app, "Shop")
		require.NoError(t, err)
		assert.Equal(t, "my-app", e.ID, "the id never changes")
		assert.Equal(t, "Shop", e.Name)
	})
	t.Run("Get", func(t *testing.T) {
		byID, err := f.reg.Get(ctx, "my-app")
		require.NoError(t, err)
		byName, err := f.reg.Get(ctx, "Shop")
		require.NoError(t, err)
		assert.Equal(t, byID, byName)
		p, err := f.reg.AbsPath(byID)
		require.NoError(t, err)
		assert.Equal(t, app, p)
		_, err = f.reg.Get(ctx, "nope")
		assert.Equal(t, errs.NotFound, errs.CodeOf(err))
	})
	t.Run("FileIsPrivateAndValid", func(t *testing.T) {
		fi, err := os.Stat(f.home.RegistryPath())
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
		doc, err := contract.Load[contract.Registry](f.home.RegistryPath())
		require.NoError(t, err)
		assert.Len(t, doc.Workspaces, 1)
	})
}

func TestRegistryIDsAndNames(t *testing.T) {
	f := newRegFixture(t)
	ctx := t.Context()
	a := f.repo(t, "one/app")
	b := f.repo(t, "two/app")
	c := f.repo(t, "three/app")
	d := f.repo(t, "four/---")

	ea, err := f.reg.Add(ctx, a, "")
	require.NoError(t, err)
	eb, err := f.reg.Add(ctx, b, "")
	require.NoError(t, err)
	assert.Equal(t, "app", ea.ID)
	assert.Equal(t, "app-2", eb.ID)
	assert.Equal(t, "app-2", eb.Name, "a taken default name falls back to the id")

	_, err = f.reg.Add(ctx, c, "app")
	assert.Equal(t, errs.Conflict, errs.CodeOf(err), "an explicit name already in use")
	_, err = f.reg.Add(ctx, c, "app-2")
	assert.Equal(t, errs.Conflict, errs.CodeOf(err), "an explicit name equal to another id")
	ec, err := f.reg.Add(ctx, c, "Third App")
	require.NoError(t, err)
	assert.Equal(t, "third-app", ec.ID)

	ed, err := f.reg.Add(ctx, d, "")
	require.NoError(t, err)
	assert.Equal(t, "ws", ed.ID, "a name with no letters or digits gets a generic id")

	_, err = f.reg.Add(ctx, c, "bad\nname")
	assert.Equal(t, errs.Invalid, errs.CodeOf(err))
}

func TestRegistryRefusals(t *testing.T) {
	f := newRegFixture(t)
	ctx := t.Context()
	app := f.repo(t, "app")
	plain := filepath.Join(f.repos, "plain")
	require.NoError(t, os.Mkdir(plain, 0o755))
	link := filepath.Join(f.repos, "link")
	require.NoError(t, os.Symlink(app, link))
	file := filepath.Join(f.repos, "file")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	inHome := filepath.Join(f.home.Dir(), "ws")
	mkWorkspace(t, inHome)
	nested := f.repo(t, "app/vendor/lib")

	tests := []struct {
		name, path string
		code       errs.Code
	}{
		{"ErrRelative", "repos/app", errs.Invalid},
		{"ErrDotDot", filepath.Join(f.repos, "x") + "/../app", errs.Invalid},
		{"ErrMissing", filepath.Join(f.repos, "missing"), errs.NotFound},
		{"ErrNotWorkspace", plain, errs.NotFound},
		{"ErrSymlink", link, errs.Invalid},
		{"ErrFile", file, errs.Invalid},
		{"ErrInsideHome", inHome, errs.Invalid},
		{"ErrNested", nested, errs.Conflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.reg.Add(ctx, tt.path, "")
			require.Error(t, err)
			assert.Equal(t, tt.code, errs.CodeOf(err), "%v", err)
			_, statErr := os.Stat(f.home.RegistryPath())
			assert.True(t, os.IsNotExist(statErr), "nothing registered")
		})
	}
}

func TestRegistryRemoveAndTouch(t *testing.T) {
	f := newRegFixture(t)
	ctx := t.Context()
	e, err := f.reg.Add(ctx, f.repo(t, "app"), "")
	require.NoError(t, err)
	later := e.LastSeenAt.Add(time.Minute)
	workspace.SetRegistryClock(f.reg, func() time.Time { return later })
	require.NoError(t, f.reg.Touch(ctx, e.ID))
	got, err := f.reg.Get(ctx, e.ID)
	require.NoError(t, err)
	assert.Equal(t, later, got.LastSeenAt)

	assert.Equal(t, errs.NotFound, errs.CodeOf(f.reg.Touch(ctx, "nope")))
	assert.Equal(t, errs.NotFound, errs.CodeOf(f.reg.Remove(ctx, "nope")))
	require.NoError(t, f.reg.Remove(ctx, e.ID))
	list, err := f.reg.List(ctx)
	require.NoError(t, err)
	assert.Empty(t, list)
}

func TestRegistryPortableAcrossMachines(t *testing.T) {
	f := newRegFixture(t)
	ctx := t.Context()
	_, err := f.reg.Add(ctx, f.repo(t, "app"), "")
	require.NoError(t, err)

	// The same registry on another machine, where the root lives
	// elsewhere: only config.yaml's roots differ.
	other := t.TempDir()
	require.NoError(t, workspace.SetConfig(t.Context(), f.home.ConfigPath(), "roots.repos", other))
	e, err := f.reg.Get(ctx, "app")
	require.NoError(t, err)
	p, err := f.reg.AbsPath(e)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(other, "app"), p)

	// A machine that lacks the root gets a clear error naming it.
	require.NoError(t, workspace.SetConfig(t.Context(), f.home.ConfigPath(), "roots", "null"))
	_, err = f.reg.AbsPath(e)
	require.Error(t, err)
	assert.Equal(t, errs.Invalid, errs.CodeOf(err))
	assert.Contains(t, err.Error(), `unknown root "repos"`)
	assert.Contains(t, err.Error(), f.home.ConfigPath())
}

func TestRegistryRefusesToOverwriteABrokenFile(t *testing.T) {
	f := newRegFixture(t)
	broken := []byte("workspaces:\n  - id: Bad ID\n    path: relative\n")
	require.NoError(t, os.WriteFile(f.home.RegistryPath(), broken, 0o600))
	_, err := f.reg.Add(t.Context(), f.repo(t, "app"), "")
	require.Error(t, err)
	assert.Equal(t, errs.Invalid, errs.CodeOf(err))
	assert.Contains(t, err.Error(), f.home.RegistryPath())
	got, err := os.ReadFile(f.home.RegistryPath())
	require.NoError(t, err)
	assert.Equal(t, broken, got, "the file is left for the user to fix")
}

func TestInitRefusesToContainARegisteredWorkspace(t *testing.T) {
	f := newRegFixture(t)
	_, err := f.reg.Add(t.Context(), f.repo(t, "group/app"), "")
	require.NoError(t, err)
	_, err = workspace.Init(t.Context(), filepath.Join(f.repos, "group"), workspace.InitOptions{Home: f.home})
	require.Error(t, err)
	assert.Equal(t, errs.Conflict, errs.CodeOf(err))
	assert.Contains(t, err.Error(), filepath.Join(f.repos, "group", "app"))
}

// TestRegistryHelperProcess is not a test: the tests below re-execute the
// test binary to run it as a separate process that changes the registry.
func TestRegistryHelperProcess(t *testing.T) {
	home := os.Getenv("COCODER_TEST_REGISTRY_HOME")
	if home == "" {
		t.Skip("helper process for the registry tests")
	}
	h, err := workspace.OpenHome(t.Context(), home)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	reg := h.Registry()
	shared := os.Getenv("COCODER_TEST_REGISTRY_TOUCH")
	out := bufio.NewWriter(os.Stdout)
	for round := 0; ; round++ {
		for _, p := range strings.Split(os.Getenv("COCODER_TEST_REGISTRY_PATHS"), "\n") {
			e, err := reg.Add(t.Context(), p, "")
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(3)
			}
			fmt.Fprintf(out, "%s\t%s\n", e.ID, e.Path)
			out.Flush()
			if shared != "" {
				if err := reg.Touch(t.Context(), shared); err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(4)
				}
			}
		}
		if os.Getenv("COCODER_TEST_REGISTRY_LOOP") == "" {
			os.Exit(0)
		}
	}
}

func helperCmd(t *testing.T, home string, paths []string, env ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestRegistryHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(),
		"COCODER_TEST_REGISTRY_HOME="+home,
		"COCODER_TEST_REGISTRY_PATHS="+strings.Join(paths, "\n"))
	cmd.Env = append(cmd.Env, env...)
	return cmd
}

// TestRegistryConcurrentProcesses runs several processes that each register
// their own workspaces and all touch one shared entry; no entry is lost.
func TestRegistryConcurrentProcesses(t *testing.T) {
	const procs, perProc = 6, 8
	f := newRegFixture(t)
	shared, err := f.reg.Add(t.Context(), f.repo(t, "shared"), "")
	require.NoError(t, err)

	want := map[string]bool{}
	cmds := make([]*exec.Cmd, procs)
	for i := range procs {
		var paths []string
		for j := range perProc {
			p := f.repo(t, fmt.Sprintf("p%d/w%d", i, j))
			paths = append(paths, p)
			want[p] = true
		}
		cmds[i] = helperCmd(t, f.home.Dir(), paths, "COCODER_TEST_REGISTRY_TOUCH="+shared.ID)
		cmds[i].Stderr = os.Stderr
	}
	for _, c := range cmds {
		require.NoError(t, c.Start())
	}
	for i, c := range cmds {
		require.NoError(t, c.Wait(), "process %d", i)
	}

	list, err := f.reg.List(t.Context())
	require.NoError(t, err)
	assert.Len(t, list, procs*perProc+1)
	ids := map[string]bool{}
	for _, e := range list {
		assert.False(t, ids[e.ID], "id %s is unique", e.ID)
		ids[e.ID] = true
		p, err := f.reg.AbsPath(e)
		require.NoError(t, err)
		delete(want, p)
	}
	assert.Empty(t, want, "every process's workspaces are registered")
}

// TestRegistrySurvivesKill kills a process that keeps rewriting the
// registry, at random moments, and checks each time that the file is whole
// and holds every entry the process had reported as added.
func TestRegistrySurvivesKill(t *testing.T) {
	f := newRegFixture(t)
	var paths []string
	for i := range 12 {
		paths = append(paths, f.repo(t, "w"+strconv.Itoa(i)))
	}
	acked := map[string]bool{}
	rng := rand.New(rand.NewPCG(1, 2))
	temps := func() []string {
		m, err := filepath.Glob(filepath.Join(f.home.Dir(), ".workspaces.yaml.tmp-*"))
		require.NoError(t, err)
		return m
	}
	midWrite := 0
	for iter := range 40 {
		// Start each round at another path, so that all of them get added.
		k := iter % len(paths)
		rotated := append(append([]string{}, paths[k:]...), paths[:k]...)
		cmd := helperCmd(t, f.home.Dir(), rotated, "COCODER_TEST_REGISTRY_LOOP=1")
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		lines := make(chan string)
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		// Wait for at least one acknowledged write, then kill after a
		// random delay, while the loop is rewriting the file.
		first, ok := <-lines
		require.True(t, ok, "iteration %d: the helper exited early", iter)
		acked[first] = true
		time.Sleep(time.Duration(rng.IntN(15)) * time.Millisecond)
		require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
		for l := range lines {
			acked[l] = true
		}
		_ = cmd.Wait()

		if len(temps()) > 0 {
			midWrite++ // killed between creating the temp file and renaming it
		}
		doc, err := contract.Load[contract.Registry](f.home.RegistryPath())
		require.NoError(t, err, "iteration %d: the registry is whole", iter)
		have := map[string]bool{}
		for _, e := range doc.Workspaces {
			have[e.ID+"\t"+e.Path] = true
		}
		for a := range acked {
			require.True(t, have[a], "iteration %d: acknowledged entry %q was lost", iter, a)
		}
	}
	t.Logf("%d of 40 kills landed in the middle of a write", midWrite)
	// The lock died with the process: a new writer gets it at once, and
	// cleans up what the killed writers left.
	for _, p := range paths {
		_, err := f.reg.Add(t.Context(), p, "")
		require.NoError(t, err)
	}
	list, err := f.reg.List(t.Context())
	require.NoError(t, err)
	assert.Len(t, list, len(paths))
	assert.Empty(t, temps(), "stale temporary files are removed")
}

// TestCheckAddWritesNothing: CheckAdd reports what Add would refuse, and
// accepts what Add accepts, without touching the registry.
func TestCheckAddWritesNothing(t *testing.T) {
	ctx := t.Context()
	home, err := workspace.OpenHome(t.Context(), t.TempDir())
	require.NoError(t, err)
	root := t.TempDir()
	_, err = workspace.Init(ctx, root, workspace.InitOptions{Home: home})
	require.NoError(t, err)
	reg := home.Registry()

	got, err := reg.CheckAdd(ctx, root, "alpha")
	require.NoError(t, err)
	assert.Equal(t, root, got)
	_, statErr := os.Stat(reg.Path())
	assert.True(t, os.IsNotExist(statErr), "CheckAdd wrote the registry")

	_, err = reg.CheckAdd(ctx, "relative/path", "")
	assert.ErrorIs(t, err, errs.ErrInvalid)
	_, err = reg.CheckAdd(ctx, root, "bad\nname")
	assert.ErrorIs(t, err, errs.ErrInvalid)

	_, err = reg.Add(ctx, root, "alpha")
	require.NoError(t, err)
	other := t.TempDir()
	_, err = workspace.Init(ctx, other, workspace.InitOptions{Home: home})
	require.NoError(t, err)
	_, err = reg.CheckAdd(ctx, other, "alpha")
	assert.ErrorIs(t, err, errs.ErrConflict, "a name another workspace uses")
	_, err = reg.CheckAdd(ctx, root, "alpha")
	assert.NoError(t, err, "the workspace's own name")
}
