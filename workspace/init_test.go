package workspace_test

import (
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/workspace"
)

// templateFiles lists the template's files as Init reports them.
func templateFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	require.NoError(t, fs.WalkDir(workspace.Template(), ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, "cocoder/"+p)
		}
		return err
	}))
	sort.Strings(files)
	return files
}

// snapshot reads every file below dir.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	require.NoError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.Type()&fs.ModeSymlink != 0 {
			target, _ := os.Readlink(p)
			out[rel] = "symlink:" + target
			return nil
		}
		b, err := os.ReadFile(p)
		out[rel] = string(b)
		return err
	}))
	return out
}

func TestTemplateShipsWhatARunNeeds(t *testing.T) {
	files := templateFiles(t)
	for _, want := range []string{
		"cocoder/AGENTS.md", "cocoder/PRIORITIES.md", "cocoder/SESSION_LOG.md", "cocoder/.gitignore",
		"cocoder/personas/lead.yaml", "cocoder/personas/writer.yaml", "cocoder/personas/verifier.yaml",
		"cocoder/profiles/default.yaml", "cocoder/routes/default.yaml", "cocoder/boundaries/try-cocoder.yaml",
		"cocoder/decisions/README.md", "cocoder/tickets/README.md", "cocoder/memory/README.md",
	} {
		assert.Contains(t, files, want)
	}
	// The example priority is readable by the priorities reader.
	root := t.TempDir()
	_, err := workspace.Init(t.Context(), root, workspace.InitOptions{})
	require.NoError(t, err)
	ws, err := workspace.Find(root)
	require.NoError(t, err)
	p, err := workspace.FindPriority(ws.PrioritiesPath(), "try-cocoder")
	require.NoError(t, err)
	assert.Equal(t, workspace.PriorityActive, p.State)
	assert.Contains(t, p.Excerpt, "cocoder/memory/demo-notes.md")
}

func TestInitCreatesThenSkips(t *testing.T) {
	root := t.TempDir()
	files := templateFiles(t)

	rep, err := workspace.Init(t.Context(), root, workspace.InitOptions{})
	require.NoError(t, err)
	assert.Equal(t, root, rep.Root)
	assert.Equal(t, files, rep.Created)
	assert.Empty(t, rep.Skipped)
	assert.Empty(t, rep.Conflicts)
	assert.False(t, rep.DryRun)
	assert.True(t, workspace.IsWorkspace(root))
	fi, err := os.Stat(filepath.Join(root, "cocoder", "AGENTS.md"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o644), fi.Mode().Perm())

	before := snapshot(t, root)
	rep, err = workspace.Init(t.Context(), root, workspace.InitOptions{})
	require.NoError(t, err)
	assert.Empty(t, rep.Created)
	assert.Equal(t, files, rep.Skipped)
	assert.Empty(t, rep.Conflicts)
	assert.Equal(t, before, snapshot(t, root), "a second init changes nothing")
}

func TestInitReportsConflictsAndNeverOverwrites(t *testing.T) {
	root := t.TempDir()
	_, err := workspace.Init(t.Context(), root, workspace.InitOptions{})
	require.NoError(t, err)

	gov := filepath.Join(root, "cocoder")
	// A user edit, a deleted file, a file replaced by a directory, and a
	// file replaced by a symlink pointing outside the workspace.
	require.NoError(t, os.WriteFile(filepath.Join(gov, "AGENTS.md"), []byte("# Our own rules\n"), 0o644))
	require.NoError(t, os.Remove(filepath.Join(gov, "SESSION_LOG.md")))
	require.NoError(t, os.Remove(filepath.Join(gov, "tickets", "README.md")))
	require.NoError(t, os.Mkdir(filepath.Join(gov, "tickets", "README.md"), 0o755))
	outside := filepath.Join(t.TempDir(), "victim.md")
	require.NoError(t, os.WriteFile(outside, []byte("untouched"), 0o644))
	require.NoError(t, os.Remove(filepath.Join(gov, "memory", "README.md")))
	require.NoError(t, os.Symlink(outside, filepath.Join(gov, "memory", "README.md")))
	// A template directory replaced by a symlink to elsewhere: nothing is
	// written through it.
	elsewhere := t.TempDir()
	require.NoError(t, os.RemoveAll(filepath.Join(gov, "decisions")))
	require.NoError(t, os.Symlink(elsewhere, filepath.Join(gov, "decisions")))

	dry, err := workspace.Init(t.Context(), root, workspace.InitOptions{DryRun: true})
	require.NoError(t, err)
	assert.True(t, dry.DryRun)
	_, err = os.Stat(filepath.Join(gov, "SESSION_LOG.md"))
	assert.True(t, os.IsNotExist(err), "dry run writes nothing")

	rep, err := workspace.Init(t.Context(), root, workspace.InitOptions{})
	require.NoError(t, err)
	assert.Equal(t, dry.Created, rep.Created, "the dry run predicted the real run")
	assert.Equal(t, dry.Conflicts, rep.Conflicts)
	assert.Equal(t, []string{"cocoder/SESSION_LOG.md"}, rep.Created)
	assert.Equal(t, []string{
		"cocoder/AGENTS.md", "cocoder/decisions/README.md", "cocoder/memory/README.md", "cocoder/tickets/README.md",
	}, rep.Conflicts)
	assert.Contains(t, rep.ConflictReasons["cocoder/AGENTS.md"], "differs")
	assert.Contains(t, rep.ConflictReasons["cocoder/memory/README.md"], "symlink")
	assert.Contains(t, rep.ConflictReasons["cocoder/decisions/README.md"], "symlink")
	assert.Contains(t, rep.ConflictReasons["cocoder/tickets/README.md"], "directory")

	b, err := os.ReadFile(filepath.Join(gov, "AGENTS.md"))
	require.NoError(t, err)
	assert.Equal(t, "# Our own rules\n", string(b))
	b, err = os.ReadFile(outside)
	require.NoError(t, err)
	assert.Equal(t, "untouched", string(b))
	ents, err := os.ReadDir(elsewhere)
	require.NoError(t, err)
	assert.Empty(t, ents, "nothing was written through the symlinked directory")
}

func TestInitRefusals(t *testing.T) {
	t.Run("ErrMissingDir", func(t *testing.T) {
		_, err := workspace.Init(t.Context(), filepath.Join(t.TempDir(), "nope"), workspace.InitOptions{})
		assert.Equal(t, errs.NotFound, errs.CodeOf(err))
	})
	t.Run("ErrNested", func(t *testing.T) {
		outer := t.TempDir()
		_, err := workspace.Init(t.Context(), outer, workspace.InitOptions{})
		require.NoError(t, err)
		inner := filepath.Join(outer, "sub", "repo")
		require.NoError(t, os.MkdirAll(inner, 0o755))
		_, err = workspace.Init(t.Context(), inner, workspace.InitOptions{})
		require.Error(t, err)
		assert.Equal(t, errs.Conflict, errs.CodeOf(err))
		assert.Contains(t, err.Error(), outer)
		_, statErr := os.Stat(filepath.Join(inner, "cocoder"))
		assert.True(t, os.IsNotExist(statErr))
	})
	t.Run("ErrInsideHome", func(t *testing.T) {
		h, err := workspace.OpenHome(t.Context(), filepath.Join(t.TempDir(), "home"))
		require.NoError(t, err)
		dir := filepath.Join(h.Dir(), "ws")
		require.NoError(t, os.Mkdir(dir, 0o700))
		_, err = workspace.Init(t.Context(), dir, workspace.InitOptions{Home: h})
		require.Error(t, err)
		assert.Equal(t, errs.Invalid, errs.CodeOf(err))
		assert.Contains(t, err.Error(), "inside the CoCoder home")
		_, err = workspace.Init(t.Context(), h.Dir(), workspace.InitOptions{Home: h})
		assert.Equal(t, errs.Invalid, errs.CodeOf(err), "the home itself")
	})
	t.Run("ErrSymlinkedGovernanceDir", func(t *testing.T) {
		root := t.TempDir()
		require.NoError(t, os.Symlink(t.TempDir(), filepath.Join(root, "cocoder")))
		_, err := workspace.Init(t.Context(), root, workspace.InitOptions{})
		assert.Equal(t, errs.Invalid, errs.CodeOf(err))
	})
	t.Run("ErrGovernanceFile", func(t *testing.T) {
		root := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(root, "cocoder"), nil, 0o644))
		_, err := workspace.Init(t.Context(), root, workspace.InitOptions{})
		assert.Equal(t, errs.Invalid, errs.CodeOf(err))
	})
	t.Run("ErrUnrelatedCocoderDir", func(t *testing.T) {
		root := t.TempDir()
		require.NoError(t, os.MkdirAll(filepath.Join(root, "cocoder"), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(root, "cocoder", "main.go"), []byte("package cocoder\n"), 0o644))
		_, err := workspace.Init(t.Context(), root, workspace.InitOptions{})
		require.Error(t, err)
		assert.Equal(t, errs.Invalid, errs.CodeOf(err))
		assert.Contains(t, err.Error(), "main.go")
		ents, _ := os.ReadDir(filepath.Join(root, "cocoder"))
		assert.Len(t, ents, 1, "nothing was added")
	})
	t.Run("CompletesAnInterruptedInit", func(t *testing.T) {
		root := t.TempDir()
		require.NoError(t, os.MkdirAll(filepath.Join(root, "cocoder", "profiles"), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(root, "cocoder", ".gitignore"), []byte("local/\n"), 0o644))
		rep, err := workspace.Init(t.Context(), root, workspace.InitOptions{})
		require.NoError(t, err)
		assert.Equal(t, []string{"cocoder/.gitignore"}, rep.Conflicts)
		assert.True(t, workspace.IsWorkspace(root))
	})
}

func TestInitHonoursCancellation(t *testing.T) {
	root := t.TempDir()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := workspace.Init(ctx, root, workspace.InitOptions{})
	require.Error(t, err)
	_, statErr := os.Stat(filepath.Join(root, "cocoder"))
	assert.True(t, os.IsNotExist(statErr), "a cancelled init writes nothing")
}

// TestInitNoticesMissingGit: init works outside a git repository but says
// that runs will need one; inside a repository it says nothing.
func TestInitNoticesMissingGit(t *testing.T) {
	bare := t.TempDir()
	rep, err := workspace.Init(t.Context(), bare, workspace.InitOptions{DryRun: true})
	require.NoError(t, err)
	require.Len(t, rep.Notices, 1)
	assert.Contains(t, rep.Notices[0], "not in a git repository")
	assert.Contains(t, rep.Notices[0], "git init "+bare)

	repo := t.TempDir()
	out, err := exec.Command("git", "init", "-q", repo).CombinedOutput()
	require.NoError(t, err, "%s", out)
	sub := filepath.Join(repo, "service")
	require.NoError(t, os.Mkdir(sub, 0o755))
	rep, err = workspace.Init(t.Context(), sub, workspace.InitOptions{})
	require.NoError(t, err)
	assert.Empty(t, rep.Notices, "a directory inside a repository needs no notice")
}
