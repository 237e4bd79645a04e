package run

import (
	"context"
	"slices"

	"github.com/cocoder/cocoder/internal/gitx"
	"github.com/cocoder/cocoder/run/ledger"
)

// tree reads the state of a work tree the scope gate compares against:
// HEAD and the digest of every path git reports changed (paths relative to
// the top of the repository, which may be above the workspace root).
func (r *Runner) tree(ctx context.Context, dir string) (ledger.TreeData, error) {
	env := gitEnv(r.getenv)
	root, _, err := gitx.TopLevel(ctx, dir, env)
	if err != nil {
		return ledger.TreeData{}, err
	}
	head, err := gitx.Head(ctx, root, env)
	if err != nil {
		return ledger.TreeData{}, err
	}
	changes, err := gitx.Status(ctx, root, env)
	if err != nil {
		return ledger.TreeData{}, err
	}
	paths := make([]string, 0, len(changes))
	for _, c := range changes {
		paths = append(paths, c.Path)
		if c.OrigPath != "" {
			paths = append(paths, c.OrigPath)
		}
	}
	slices.Sort(paths)
	paths = slices.Compact(paths)
	digests, err := gitx.Digest(root, paths)
	if err != nil {
		return ledger.TreeData{}, err
	}
	return ledger.TreeData{Head: head, Changed: digests}, nil
}

// changedSince returns the paths whose content differs between two states
// of the tree: changed now and not at from, or changed at both with other
// content, or changed at from and back to HEAD's now. Sorted.
func changedSince(from, now ledger.TreeData) []string {
	var out []string
	for p, d := range now.Changed {
		if old, ok := from.Changed[p]; !ok || old != d {
			out = append(out, p)
		}
	}
	for p := range from.Changed {
		if _, ok := now.Changed[p]; !ok {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}
