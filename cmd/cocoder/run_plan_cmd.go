package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/cocoder/cocoder/internal/errs"
	runpkg "github.com/cocoder/cocoder/run"
	"github.com/cocoder/cocoder/run/prompt"
)

// planFlags choose what a run is for; `run plan` and `run start` share
// them.
type planFlags struct {
	wsFlag
	Slug     string `arg:"" optional:"" name:"slug" help:"The priority slug (same as --priority)."`
	Priority string `name:"priority" short:"p" placeholder:"SLUG" help:"The priority the run is for (a [slug] of cocoder/PRIORITIES.md)."`
	Profile  string `name:"profile" placeholder:"ID|FILE" help:"Profile id or file (default: defaults.profile of the configuration)."`
	Route    string `name:"route" placeholder:"ID|FILE" help:"Route id or file (default: defaults.route of the configuration)."`
	Dirty    bool   `name:"allow-dirty" help:"Plan even when a writer's scope already has uncommitted changes (they are never taken for the run's)."`
}

// request builds the plan request; a slug given both ways must agree.
func (f planFlags) request() (runpkg.PlanRequest, error) {
	slug := f.Priority
	if f.Slug != "" {
		if slug != "" && slug != f.Slug {
			return runpkg.PlanRequest{}, usageError("the priority is given twice (%q and --priority %q); give it once", f.Slug, f.Priority)
		}
		slug = f.Slug
	}
	return runpkg.PlanRequest{Priority: slug, Profile: f.Profile, Route: f.Route, AllowDirty: f.Dirty}, nil
}

// usageError is an errs.Invalid error for a bad combination of arguments.
func usageError(format string, args ...any) error {
	return errs.E(errs.Invalid, "run", format, args...)
}

type runPlanCmd struct {
	planFlags
}

// Run prints the plan; it exits 3 when an issue blocks the launch.
func (c *runPlanCmd) Run(ctx context.Context, g *globals, s *streams) error {
	req, err := c.request()
	if err != nil {
		return err
	}
	ws, err := c.find()
	if err != nil {
		return err
	}
	r, _, err := newRunner(ctx, g, s, ws, "")
	if err != nil {
		return err
	}
	defer r.Close()
	p, err := r.Plan(ctx, req)
	if _, ok := errors.AsType[*runpkg.PreflightError](err); err != nil && !ok {
		return err
	}
	if g.JSON {
		if err := writeJSON(s.out, p); err != nil {
			return err
		}
	} else {
		printPlan(s.out, p)
	}
	if p.Blocking() {
		return &exitError{exitInvalid}
	}
	return nil
}

// printPlan renders a plan for a terminal.
func printPlan(w io.Writer, p *runpkg.Plan) {
	title := ""
	if p.Priority.Title != "" {
		title = " " + fmt.Sprintf("%q", p.Priority.Title)
	}
	fmt.Fprintf(w, "Plan of run %s for priority [%s]%s\n", p.RunID, p.Priority.Slug, title)
	fmt.Fprintf(w, "  workspace  %s\n", p.Workspace)
	if p.Route.ID != "" {
		fmt.Fprintf(w, "  route      %s (%s)\n", p.Route.ID, p.Route.File)
	}
	if p.Profile.ID != "" {
		fmt.Fprintf(w, "  profile    %s (%s)\n", p.Profile.ID, p.Profile.File)
	}
	if p.Boundary != nil {
		fmt.Fprintf(w, "  boundary   %s (%s)\n", p.Boundary.ID, p.Boundary.File)
	}
	fmt.Fprintf(w, "  host       %s\n  ledger     %s\n", p.Host, p.LedgerDir)
	for _, l := range p.Lanes {
		adapter := l.Adapter
		if l.PrimaryAdapter != "" {
			adapter += " (fallback for " + l.PrimaryAdapter + ", which is not installed)"
		}
		fmt.Fprintf(w, "\nlane %s\n", l.Lane)
		fmt.Fprintf(w, "  persona %s · adapter %s · model %s\n", l.Persona, adapter, or(l.Model, prompt.ModelDefault))
		fmt.Fprintf(w, "  sandbox %s · startup %s · prompt by %s\n", l.Sandbox, l.StartupMode, l.PromptDelivery)
		if l.Scope != nil {
			fmt.Fprintf(w, "  writes  %s (from %s)\n", strings.Join(l.Scope.Allowed, ", "), l.ScopeSource)
			if len(l.Scope.Excluded) > 0 {
				fmt.Fprintf(w, "  never   %s\n", strings.Join(l.Scope.Excluded, ", "))
			}
		} else {
			fmt.Fprintf(w, "  writes  nothing (read-only)\n")
		}
		if len(l.Argv) > 0 {
			fmt.Fprintf(w, "  argv    %s\n", shellQuote(l.Argv))
		}
		fmt.Fprintf(w, "  env     %s\n", strings.Join(l.Env, " "))
		for _, name := range slices.Sorted(maps.Keys(l.Secrets)) {
			fmt.Fprintf(w, "  secret  %s from %s\n", name, l.Secrets[name])
		}
	}
	if len(p.Notices) > 0 {
		fmt.Fprintf(w, "\nNotices:\n")
		for _, n := range p.Notices {
			fmt.Fprintf(w, "  ! %s\n", n)
		}
	}
	if len(p.Issues) > 0 {
		fmt.Fprintf(w, "\nIssues:\n")
		printIssues(w, p.Issues)
	}
	if p.Blocking() {
		fmt.Fprintf(w, "\nThe run cannot start until the blocking issues are fixed.\n")
	} else {
		fmt.Fprintf(w, "\nStart it with `cocoder run start --priority %s`.\n", p.Priority.Slug)
	}
}
