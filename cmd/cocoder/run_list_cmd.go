package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/workspace"
)

type runListCmd struct {
	wsFlag
	All bool `name:"all" help:"List the runs of every workspace of this home."`
}

// Run lists runs, newest first: those of the workspace found from
// --workspace or the current directory, or of every workspace with --all
// (and when no workspace is found).
func (c *runListCmd) Run(ctx context.Context, g *globals, s *streams) error {
	var ws *workspace.Workspace
	if !c.All {
		w, err := c.find()
		switch {
		case err == nil:
			ws = w
		case c.Workspace != "" || errs.CodeOf(err) != errs.NotFound:
			return err
		}
	}
	r, _, err := newRunner(ctx, g, s, ws, "")
	if err != nil {
		return err
	}
	defer r.Close()
	list, err := r.List(ctx)
	if err != nil {
		return err
	}
	if g.JSON {
		if list == nil {
			list = []contract.RunStatus{}
		}
		return writeJSON(s.out, list)
	}
	if len(list) == 0 {
		if ws != nil {
			fmt.Fprintf(s.out, "No runs in the workspace %s (`cocoder run list --all` lists every workspace's); start one with `cocoder run start --priority SLUG`.\n", ws.Root)
			return nil
		}
		fmt.Fprintln(s.out, "No runs yet: start one with `cocoder run start --priority SLUG`.")
		return nil
	}
	tw := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN\tWORKSPACE\tPRIORITY\tROUTE\tSTATE\tLANES DONE\tUPDATED")
	for _, st := range list {
		done, started := 0, 0
		for _, ls := range st.Lanes {
			if ls.Handle != nil {
				started++
			}
			if ls.State == contract.LaneDone {
				done++
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d/%d\t%s\n", st.RunID, st.WorkspaceID, st.Priority, st.Route, st.State, done, started, st.UpdatedAt.Local().Format(time.DateTime))
	}
	return tw.Flush()
}

type runStatusCmd struct {
	RunID string `arg:"" name:"run" help:"The run id."`
}

// Run prints a run's status: its state and each lane's, with where each
// state comes from.
func (c *runStatusCmd) Run(ctx context.Context, g *globals, s *streams) error {
	r, err := runnerFor(ctx, g, s)
	if err != nil {
		return err
	}
	defer r.Close()
	st, err := r.Get(ctx, c.RunID)
	if err != nil {
		return err
	}
	v := viewOf(ctx, r, st)
	v.Unrecorded = r.UnrecordedExits(ctx, st)
	if g.JSON {
		return writeJSON(s.out, v)
	}
	fmt.Fprintf(s.out, "Run %s: %s", st.RunID, st.State)
	if st.Reason != "" {
		fmt.Fprintf(s.out, " (%s)", st.Reason)
	}
	fmt.Fprintf(s.out, "\n  priority [%s] · route %s · profile %s · workspace %s\n", st.Priority, st.Route, st.Profile, st.WorkspaceID)
	fmt.Fprintf(s.out, "  created %s · updated %s · %d events\n  ledger  %s\n\n", st.CreatedAt.Local().Format(time.DateTime), st.UpdatedAt.Local().Format(time.DateTime), st.LastSeq, v.Ledger)
	printLanes(s.out, st, laneOrder(v.Ledger, st))
	if len(v.Unrecorded) > 0 {
		fmt.Fprintf(s.out, "\nThe program of lane %s has ended, but no supervisor has recorded how: `cocoder run wait %s` records it.\n", strings.Join(v.Unrecorded, ", "), st.RunID)
	}
	return nil
}
