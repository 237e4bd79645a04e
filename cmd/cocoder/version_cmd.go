package main

import (
	"fmt"

	"github.com/cocoder/cocoder/internal/version"
)

type versionCmd struct{}

func (versionCmd) Run(g *globals, s *streams) error {
	v := version.Get()
	if g.JSON {
		return writeJSON(s.out, v)
	}
	commit := v.Commit
	if len(commit) > 12 {
		commit = commit[:12]
	}
	if commit != "" {
		if v.Modified {
			commit += "+dirty"
		}
		commit = " " + commit
	}
	_, err := fmt.Fprintf(s.out, "cocoder %s%s (%s)\n", v.Version, commit, v.Go)
	return err
}
