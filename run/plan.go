package run

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/internal/fsx"
	"github.com/cocoder/cocoder/internal/textx"
	"github.com/cocoder/cocoder/run/adapter"
	"github.com/cocoder/cocoder/run/host"
	"github.com/cocoder/cocoder/run/ledger"
	"github.com/cocoder/cocoder/run/prompt"
	"github.com/cocoder/cocoder/workspace"
)

// PlanRequest says what to plan.
type PlanRequest struct {
	// Priority is the slug of the priority the run is for. Required.
	Priority string
	// Profile is a profile id or a file path (relative paths are relative
	// to the workspace root). Empty: the configuration's defaults.profile,
	// else the workspace's only profile.
	Profile string
	// Route is a route id or a file path, chosen like Profile
	// (defaults.route).
	Route string
	// AllowDirty lets the run start when a writer's scope already has
	// uncommitted changes (a warning instead of a blocking issue). Those
	// changes are never taken for the run's either way.
	AllowDirty bool
}

// PlanDoc names a document the plan uses.
type PlanDoc struct {
	// ID is the document's id.
	ID string `json:"id"`
	// File is the file it was read from.
	File string `json:"file"`
}

// PlanPriority is the priority a plan is for.
type PlanPriority struct {
	Slug   string                  `json:"slug"`
	Title  string                  `json:"title,omitempty"`
	Status string                  `json:"status,omitempty"`
	State  workspace.PriorityState `json:"state"`
}

// scopeMatch is how the plan's write scopes are matched.
func (p *Plan) scopeMatch() contract.MatchOptions { return contract.MatchOptions{FoldCase: p.FoldCase} }

// Plan is everything a run will do, resolved and checked before anything
// is written: the documents, and per lane the persona, adapter, model,
// sandbox, command line, write scope and environment names. Runner.Plan
// makes it; Runner.Start carries it out. It is serialisable (it is the
// ledger's plan.json and `cocoder run plan --json`), but only a Plan made
// by Runner.Plan can be started.
type Plan struct {
	// RunID is the id the run will have.
	RunID string `json:"runId"`
	// WorkspaceID is the workspace's registry id; empty when the workspace
	// is not registered yet (Start registers it).
	WorkspaceID string `json:"workspaceId,omitempty"`
	// Workspace is the workspace root.
	Workspace string `json:"workspace"`
	// LedgerDir is where the run's ledger will be.
	LedgerDir string `json:"ledgerDir"`
	// Host is the kind of host that will run the lanes: tmux, exec or
	// custom.
	Host string `json:"host"`
	// FoldCase records that the workspace's file system folds case
	// ("src/.ENV" is "src/.env"): write scopes are then matched without
	// regard to case, in the preflight and in the engine's scope gate.
	FoldCase bool `json:"foldCase,omitempty"`
	// Priority is the priority the run is for.
	Priority PlanPriority `json:"priority"`
	// Route, Profile and Boundary are the documents used (Boundary is nil
	// when the priority has none).
	Route    PlanDoc  `json:"route"`
	Profile  PlanDoc  `json:"profile"`
	Boundary *PlanDoc `json:"boundary,omitempty"`
	// Lead is the lane that leads the run.
	Lead string `json:"lead,omitempty"`
	// Lanes are the lanes started at launch, in start order (lead first).
	Lanes []PlanLane `json:"lanes"`
	// Notices say loudly what the plan decided on its own (an adapter
	// fallback, a default document, an unregistered workspace).
	Notices []string `json:"notices,omitempty"`
	// Issues are every finding of the preflight, blocking or not.
	Issues []contract.Issue `json:"issues,omitempty"`
	// CreatedAt is when the plan was made.
	CreatedAt time.Time `json:"createdAt"`

	docs *planDocs
}

// Blocking reports whether any issue stops the launch.
func (p *Plan) Blocking() bool { return contract.Blocking(p.Issues) }

// writes reports whether a lane of the plan may write to the workspace.
func (p *Plan) writes() bool {
	return slices.ContainsFunc(p.Lanes, func(l PlanLane) bool { return l.CanWrite })
}

// Lane returns the plan of lane name.
func (p *Plan) Lane(name string) (PlanLane, bool) {
	i := slices.IndexFunc(p.Lanes, func(l PlanLane) bool { return l.Lane == name })
	if i < 0 {
		return PlanLane{}, false
	}
	return p.Lanes[i], true
}

// PlanLane is one lane of a plan.
type PlanLane struct {
	// Lane is the lane's name.
	Lane string `json:"lane"`
	// Persona is the persona it plays.
	Persona string `json:"persona"`
	// Adapter is the adapter that runs it (the fallback when the profile's
	// adapter is not installed).
	Adapter string `json:"adapter"`
	// PrimaryAdapter is the profile's adapter when Adapter is its
	// fallback.
	PrimaryAdapter string `json:"primaryAdapter,omitempty"`
	// Model is the model passed to the CLI; empty for its default.
	Model string `json:"model,omitempty"`
	// Sandbox is the lane's sandbox mode.
	Sandbox string `json:"sandbox"`
	// CanWrite says whether the lane may change files.
	CanWrite bool `json:"canWrite"`
	// Scope is a writer's write scope, and ScopeSource where it comes
	// from (priority-boundary, route, profile-fallback).
	Scope       *contract.Scope `json:"scope,omitempty"`
	ScopeSource string          `json:"scopeSource,omitempty"`
	// StartupMode is lead, autonomous or wait-for-lead-dispatch.
	StartupMode string `json:"startupMode"`
	// PromptDelivery is how the initial prompt reaches the CLI: arg,
	// stdin, file or type.
	PromptDelivery string `json:"promptDelivery"`
	// Prompt is the short initial text (it points at PromptFile).
	Prompt string `json:"prompt"`
	// ReadyPattern and BusyPattern confirm typed delivery.
	ReadyPattern string `json:"readyPattern,omitempty"`
	BusyPattern  string `json:"busyPattern,omitempty"`
	// Dialogs are the adapter's known dialogs: a lane showing one is
	// reported as needing attention, never answered.
	Dialogs []contract.Dialog `json:"dialogs,omitempty"`
	// SubmitKeys are the keys that submit typed text (the adapter's
	// submitKeys); empty means Enter.
	SubmitKeys []string `json:"submitKeys,omitempty"`
	// ResultChannel is how the lane reports its job result: "mcp" (the
	// submit_result tool of the result channel, which writes ResultFile)
	// or "file" (the agent writes ResultFile itself).
	ResultChannel string `json:"resultChannel,omitempty"`
	// MCPConfig is the lane's MCP settings file in the ledger (result
	// channel "mcp").
	MCPConfig string `json:"mcpConfig,omitempty"`
	// ChannelEnv are the variables the adapter's MCP registration adds to
	// the lane's environment (paths, never secrets).
	ChannelEnv map[string]string `json:"channelEnv,omitempty"`
	// Hooks is how the lane's CLI reports its own state through hooks
	// (the adapter's hooks); nil when it does not.
	Hooks *LaneHooks `json:"hooks,omitempty"`
	// Command is the program, as found in PATH.
	Command string `json:"command"`
	// Argv is the exact command line.
	Argv []string `json:"argv"`
	// Env lists the names of the variables the lane receives (never
	// values).
	Env []string `json:"env"`
	// Secrets maps a variable to the secret reference its value comes
	// from.
	Secrets map[string]string `json:"secrets,omitempty"`
	// PromptFile, ResultFile and Transcript are the lane's files in the
	// ledger.
	PromptFile string `json:"promptFile"`
	ResultFile string `json:"resultFile"`
	Transcript string `json:"transcript"`
}

// planDocs is what Start needs beyond the serialised plan.
type planDocs struct {
	route       *contract.Route
	routeRaw    []byte
	profile     *contract.Profile // with the adapters actually used
	profileRaw  []byte
	boundary    *contract.PriorityBoundary
	boundaryRaw []byte
	personas    map[string]*contract.Persona
	personaRaw  map[string][]byte
	adapters    map[string]*contract.Adapter // by lane
	priority    workspace.Priority
	packet      *contract.StartupPacket
	prompts     map[string]string // by lane
	mcpFiles    map[string][]byte // by lane: the MCP settings file of a lane with the result channel
	hookFiles   map[string][]byte // by lane: the hook settings file of a lane whose CLI reports through hooks
}

// Plan resolves and checks everything a run of req.Priority needs, and
// writes nothing. It loads the route, profile, priority boundary, personas
// and adapters strictly, runs contract.CheckLaunch, picks each lane's
// adapter (its fallbackAdapter when the primary's command is not
// installed, said in Notices and a warn issue), builds every command line,
// checks that secret references resolve (keeping no value), that the
// workspace root is a git work tree, that the host can run here, that no
// other run for the same priority and route is active and that the
// workspace write lock is free, and renders the startup packet and each
// lane's prompt in memory.
//
// When any issue blocks, it returns the plan (with every issue) and a
// *PreflightError. Other errors: errs.Invalid without a workspace.
func (r *Runner) Plan(ctx context.Context, req PlanRequest) (*Plan, error) {
	const op = "run.Runner.Plan"
	if r.ws == nil {
		return nil, errNoWorkspace(op)
	}
	now := r.now()
	p := &Plan{RunID: contract.NewRunID(now), Workspace: r.ws.Root, Host: r.hostKind(), CreatedAt: now.UTC(),
		Priority: PlanPriority{Slug: req.Priority}, docs: &planDocs{}}
	var out issues
	defer func() { p.Issues = out }()
	fold, err := r.ws.CaseInsensitive()
	if err != nil {
		// Unknown: scopes are matched case-sensitively, as on most
		// file systems this runs on; the plan says so.
		p.Notices = append(p.Notices, "cannot tell whether the workspace's file system folds case ("+err.Error()+"); write scopes are matched case-sensitively")
	}
	p.FoldCase = fold

	entry, registered, err := r.home.Registry().Lookup(ctx, r.ws.Root)
	if err != nil {
		return nil, err
	}
	wsID := entry.ID
	p.WorkspaceID = wsID
	if !registered {
		p.Notices = append(p.Notices, fmt.Sprintf("workspace %s is not registered yet: starting the run registers it as %s", r.ws.Root, wsID))
	}
	if p.LedgerDir, err = ledger.Dir(r.home.Dir(), wsID, p.RunID); err != nil {
		return nil, err
	}

	// git answers while the documents load.
	var gitIssues issues
	gitDone := make(chan struct{})
	go func() {
		defer close(gitDone)
		r.checkGit(ctx, r.ws.Root, &gitIssues)
	}()
	cfg := &workspace.ResolvedConfig{}
	if c, err := workspace.LoadConfig(r.home, r.ws); err != nil {
		out.block(IssueConfigInvalid, "", "%v", err)
	} else {
		cfg = c
	}
	r.planPriority(p, req.Priority, &out)
	r.planDocuments(p, req, cfg, &out)
	d := p.docs
	if d.route != nil && d.profile != nil {
		adapters, err := adapter.Load(filepath.Join(r.home.Dir(), "adapters"), r.ws.AdaptersDir())
		if err != nil {
			out.block(contract.IssueAdapterInvalid, "", "%v", err)
		} else {
			adapter.ApplyConfig(adapters, cfg.Config.Adapters)
			r.planLanes(ctx, p, adapters, cfg, &out)
			r.checkLaneHosts(p, &out)
		}
	}
	<-gitDone
	out = append(out, gitIssues...)
	if p.Host == host.KindTmux {
		if _, err := r.lookPath("tmux"); err != nil {
			out.block(IssueHostUnavailable, "", "tmux is not installed (not found in PATH %s): install it (apt install tmux, brew install tmux), or run the lanes on the exec host (headless child processes)", r.getenv("PATH"))
		}
	}
	r.checkLock(wsID, &out)
	if d.route != nil && !d.route.AllowNestedRuns {
		if id, lane := r.getenv(EnvRunID), r.getenv(EnvLane); id != "" || lane != "" {
			out.block(IssueNestedRun, "", "this process runs inside lane %q of run %q (%s or %s is set), and route %s does not allow nested runs: a lane may not start more agents unless the route says allowNestedRuns: true", lane, id, EnvRunID, EnvLane, d.route.ID)
		}
	}
	if !out.blocking() {
		r.checkDirtyScopes(ctx, p, req.AllowDirty, &out)
	}
	if d.route != nil {
		r.checkActive(wsID, req.Priority, d.route.ID, p.writes(), cfg.Config.MaxRuns, &out)
	}
	if d.route != nil && d.profile != nil && p.Priority.State == workspace.PriorityActive && !out.blocking() {
		r.materialize(p, p.LedgerDir, &out)
	}
	p.Issues = out
	if pe := newPreflightError(out); pe != nil {
		return p, pe
	}
	return p, nil
}

// planPriority finds the priority and records issues when it cannot run.
func (r *Runner) planPriority(p *Plan, slug string, out *issues) {
	if slug == "" {
		out.block(IssuePriorityRequired, "", "no priority given: name one with --priority SLUG (%s)", r.prioritySlugs())
		return
	}
	pr, err := r.ws.Priority(slug)
	p.docs.priority = pr
	p.Priority = PlanPriority{Slug: slug, Title: pr.Title, Status: pr.Status, State: pr.State}
	switch {
	case err != nil && errs.CodeOf(err) == errs.NotFound:
		out.block(IssuePriorityMissing, "", "unknown priority [%s]: %v; or pick another (%s)", slug, err, r.prioritySlugs())
	case err != nil:
		out.block(IssuePriorityMissing, "", "%v", err)
	case pr.State == workspace.PriorityReviewRequired:
		out.block(IssuePriorityReview, "", "priority [%s] in %s is marked %q: review it and set its **Status:** to active before a run", slug, r.ws.PrioritiesPath(), textx.FirstNonEmpty(pr.Status, pr.Title))
	}
}

// prioritySlugs says which priorities the workspace has, for messages.
func (r *Runner) prioritySlugs() string {
	path := r.ws.PrioritiesPath()
	prs, err := r.ws.Priorities()
	if err != nil || len(prs) == 0 {
		return fmt.Sprintf("each \"## Title [slug]\" heading of %s is a priority", path)
	}
	slugs := make([]string, len(prs))
	for i, pr := range prs {
		slugs[i] = pr.Slug
	}
	return fmt.Sprintf("%s has: %s", path, strings.Join(slugs, ", "))
}

// planDocuments loads the route, profile, boundary and personas.
func (r *Runner) planDocuments(p *Plan, req PlanRequest, cfg *workspace.ResolvedConfig, out *issues) {
	d := p.docs
	defaults := cfg.Config.Defaults
	route, err := loadDoc(p, r.ws.Root, "route", r.ws.RoutesDir(), req.Route, defaults.Route, func(x *contract.Route) string { return x.ID })
	switch {
	case err != nil && isNotFound(err):
		out.block(contract.IssueRouteMissing, "", "%v", err)
	case err != nil:
		out.block(contract.IssueRouteInvalid, "", "%v", err)
	default:
		d.route, d.routeRaw, p.Route = route.doc, route.raw, PlanDoc{ID: route.doc.ID, File: route.file}
		p.Lead = route.doc.Lead
	}
	profile, err := loadDoc(p, r.ws.Root, "profile", r.ws.ProfilesDir(), req.Profile, defaults.Profile, func(x *contract.Profile) string { return x.ID })
	switch {
	case err != nil && isNotFound(err):
		out.block(contract.IssueProfileMissing, "", "%v", err)
	case err != nil:
		out.block(contract.IssueProfileInvalid, "", "%v", err)
	default:
		d.profile, d.profileRaw, p.Profile = profile.doc, profile.raw, PlanDoc{ID: profile.doc.ID, File: profile.file}
	}
	if p.Priority.Slug != "" {
		b, err := findBoundary(r.ws.Root, r.ws.BoundariesDir(), p.Priority.Slug)
		if err != nil {
			out.block(contract.IssueBoundaryInvalid, "", "%v", err)
		} else if b != nil {
			d.boundary, d.boundaryRaw, p.Boundary = b.doc, b.raw, &PlanDoc{ID: b.doc.ID, File: b.file}
		}
	}
	found, bad := scanDocs[contract.Persona](r.ws.Root, r.ws.PersonasDir())
	d.personas, d.personaRaw = map[string]*contract.Persona{}, map[string][]byte{}
	for _, f := range found {
		d.personas[f.doc.ID], d.personaRaw[f.doc.ID] = f.doc, f.raw
	}
	for _, err := range bad {
		out.block(contract.IssuePersonaInvalid, "", "%v", err)
	}
}

// docFile is a contract document and the file it came from.
type docFile[T any] struct {
	doc  *T
	file string
	raw  []byte
}

// loadDoc loads the document of one kind a plan needs: name (an id, or a
// path relative to root) when given, else the configured default id def,
// else the directory's only document (said in the plan's notices). It
// returns errs.NotFound when there is none, and the document's
// *contract.ValidationError when it does not validate.
func loadDoc[T any](p *Plan, root, kind, dir, name, def string, idOf func(*T) string) (docFile[T], error) {
	const op = "run.Runner.Plan"
	if looksLikePath(name) {
		if filepath.IsAbs(name) {
			return readDoc[T]("", name) // the user's own choice of file
		}
		return readDoc[T](root, filepath.Join(root, name))
	}
	id := name
	if id == "" {
		id = def
	}
	if id != "" {
		for _, ext := range contract.FileExtensions {
			path := filepath.Join(dir, id+ext)
			if _, err := os.Lstat(path); err != nil {
				continue
			}
			f, err := readDoc[T](root, path)
			if err != nil {
				return f, err
			}
			if idOf(f.doc) == id {
				return f, nil
			}
		}
	}
	found, bad := scanDocs[T](root, dir)
	for _, f := range found {
		if id != "" && idOf(f.doc) == id {
			return f, nil
		}
	}
	ids := make([]string, 0, len(found))
	for _, f := range found {
		ids = append(ids, idOf(f.doc))
	}
	if name == "" && len(found) == 1 && len(bad) == 0 {
		p.Notices = append(p.Notices, fmt.Sprintf("%s %q (%s) is used: no %s %q exists and it is the only %s of the workspace", kind, ids[0], found[0].file, kind, id, kind))
		return found[0], nil
	}
	msg := fmt.Sprintf("no %s with id %q in %s", kind, id, dir)
	if id == "" {
		msg = fmt.Sprintf("no %s given and none configured (defaults.%s)", kind, kind)
	}
	hint := fmt.Sprintf("; the %ss there are: %s", kind, strings.Join(ids, ", "))
	if len(ids) == 0 {
		hint = fmt.Sprintf("; add one (cocoder init scaffolds %s/default.yaml)", filepath.Base(dir))
	}
	if len(bad) > 0 {
		hint += fmt.Sprintf(" (%d file(s) there do not validate: %v)", len(bad), errors.Join(bad...))
	}
	return docFile[T]{}, errs.E(errs.NotFound, op, "%s%s; name another with --%s", msg, hint, kind)
}

// looksLikePath reports whether a document name is a file path rather than
// an id.
func looksLikePath(name string) bool {
	return strings.ContainsRune(name, filepath.Separator) || strings.ContainsRune(name, '/') || contract.IsContractFile(name)
}

// readDoc reads and strictly parses one contract file, through a root
// confined to root when root is not empty.
func readDoc[T any](root, path string) (docFile[T], error) {
	var raw []byte
	var err error
	if root != "" {
		raw, err = contract.ReadFileIn(root, path)
	} else {
		raw, err = contract.ReadFile(path)
	}
	if err != nil {
		return docFile[T]{}, err
	}
	doc, err := contract.Parse[T](path, raw)
	if err != nil {
		return docFile[T]{}, err
	}
	return docFile[T]{doc: doc, file: path, raw: raw}, nil
}

// scanDocs parses every .yaml, .yml and .json file directly in dir, a
// directory inside the workspace root, listed and read through a root
// confined to root: a directory or file that leads out of root through a
// symlink, or one that is not a regular file, is an error naming it. A
// missing directory holds nothing.
func scanDocs[T any](root, dir string) (found []docFile[T], bad []error) {
	entries, err := fsx.ReadDirIn(root, dir)
	if err != nil {
		if !errors.Is(err, errs.ErrNotFound) {
			bad = append(bad, errs.Wrap(errs.Invalid, "run.Runner.Plan", err, "cannot list %s", dir))
		}
		return nil, bad
	}
	for _, e := range entries {
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") || !contract.IsContractFile(e.Name()) {
			continue
		}
		f, err := readDoc[T](root, filepath.Join(dir, e.Name()))
		if err != nil {
			bad = append(bad, err)
			continue
		}
		found = append(found, f)
	}
	return found, bad
}

// findBoundary returns the priority boundary of slug in dir (nil when
// there is none). A file that does not validate is an error only when its
// name says it is the slug's; one that cannot be read (a symlink leading
// out of the workspace, a FIFO) is always an error, as it may be the
// slug's; two boundaries for one slug are an error.
func findBoundary(root, dir, slug string) (*docFile[contract.PriorityBoundary], error) {
	found, bad := scanDocs[contract.PriorityBoundary](root, dir)
	var match []docFile[contract.PriorityBoundary]
	for _, f := range found {
		if f.doc.PrioritySlug == slug || f.doc.ID == slug {
			match = append(match, f)
		}
	}
	for _, err := range bad {
		ve, ok := errors.AsType[*contract.ValidationError](err)
		if !ok || strings.TrimSuffix(filepath.Base(ve.File), filepath.Ext(ve.File)) == slug {
			return nil, err // a file refused unread may be the slug's
		}
	}
	switch len(match) {
	case 0:
		return nil, nil
	case 1:
		return &match[0], nil
	}
	return nil, errs.E(errs.Invalid, "run.Runner.Plan", "%s and %s are both boundaries of priority [%s]; keep one", match[0].file, match[1].file, slug)
}

// launchOrder returns the lanes started at launch, lead first, then in
// route order.
func launchOrder(route *contract.Route) []string {
	lanes := route.LaunchLanes()
	out := make([]string, 0, len(lanes))
	if slices.Contains(lanes, route.Lead) {
		out = append(out, route.Lead)
	}
	for _, l := range lanes {
		if l != route.Lead {
			out = append(out, l)
		}
	}
	return out
}

// planLanes chooses each launch lane's adapter (with the fallback when the
// primary's command is missing), runs the cross-check on what will really
// run, and fills in the lanes (everything but the ledger paths, which
// materialize adds).
func (r *Runner) planLanes(ctx context.Context, p *Plan, adapters map[string]*contract.Adapter, cfg *workspace.ResolvedConfig, out *issues) {
	d := p.docs
	eff := *d.profile
	eff.Lanes = maps.Clone(d.profile.Lanes)
	d.adapters = map[string]*contract.Adapter{}
	policy := d.profile.Defaults.MissingAdapterPolicy
	var chosen []string
	primary := map[string]string{} // lane → the profile's adapter, when the fallback runs
	for _, lane := range launchOrder(d.route) {
		pl, ok := eff.Lanes[lane]
		if !ok {
			continue // CheckLaunch reports the missing lane
		}
		a := adapters[pl.Adapter]
		if a == nil {
			continue // CheckLaunch reports the undeclared adapter
		}
		if _, err := r.adapterCommand(a); err != nil {
			fb := adapters[pl.FallbackAdapter]
			switch {
			case policy == "block" || pl.FallbackAdapter == "":
				out.block(IssueAdapterCommandMissing, lane, "adapter %s needs %q, which is not installed (%v): install it, set its path in the configuration (adapters.%s.command), or give the lane a fallbackAdapter in %s", a.ID, a.Command, err, a.ID, p.Profile.File)
				continue
			case fb == nil:
				continue // CheckLaunch reports the undeclared fallback
			default:
				if _, ferr := r.adapterCommand(fb); ferr != nil {
					out.block(IssueAdapterCommandMissing, lane, "adapter %s needs %q and its fallback %s needs %q; neither is installed: install one of them", a.ID, a.Command, fb.ID, fb.Command)
					continue
				}
				msg := fmt.Sprintf("lane %s runs the fallback adapter %s: its adapter %s needs %q, which is not installed", lane, fb.ID, a.ID, a.Command)
				p.Notices = append(p.Notices, msg)
				out.warn(IssueAdapterFallback, lane, "%s; install it (or set `cocoder config set adapters.%s.command PATH`) to use %s", msg, a.ID, a.ID)
				primary[lane] = a.ID
				pl.Adapter, pl.FallbackAdapter = fb.ID, ""
				eff.Lanes[lane] = pl
				a = fb
			}
		}
		d.adapters[lane] = a
		chosen = append(chosen, lane)
	}
	d.profile = &eff
	*out = append(*out, contract.CheckLaunch(contract.LaunchInput{
		Route: d.route, Profile: &eff, Adapters: adapters, Boundary: d.boundary,
		Personas: d.personas, PrioritySlug: p.Priority.Slug,
	})...)

	resolver, storeErr := r.resolver()
	grants, grantsErr := r.home.Grants(r.ws.Root)
	for _, lane := range chosen {
		pl, a := eff.Lanes[lane], d.adapters[lane]
		refs := laneSecretRefs(lane, a, cfg.Config.Secrets, out)
		r.checkGranted(lane, refs, cfg, grants, grantsErr, out)
		if len(refs) > 0 {
			if storeErr != nil {
				out.block(IssueSecretUnresolved, lane, "the secret store cannot be opened: %v", storeErr)
			} else if err := resolver.Check(ctx, refs); err != nil {
				out.block(IssueSecretUnresolved, lane, "%v", err)
			}
		}
		scope, source := contract.LaneScope(d.route, &eff, d.boundary, lane)
		l := PlanLane{
			Lane: lane, Persona: pl.Persona, Adapter: a.ID, Model: pl.Model, Sandbox: adapter.SandboxFor(pl),
			CanWrite: pl.CanWrite, StartupMode: prompt.StartupModeFor(d.route, lane, pl.Persona),
			PromptDelivery: string(a.PromptDelivery), ReadyPattern: a.ReadyPattern, BusyPattern: a.BusyPattern,
			Dialogs: a.Dialogs, SubmitKeys: a.SubmitKeys, Secrets: refs,
		}
		l.PrimaryAdapter = primary[lane]
		if pl.CanWrite {
			l.Scope, l.ScopeSource = &scope, source
		}
		l.Env = r.laneEnvNames(refs)
		p.Lanes = append(p.Lanes, l)
	}
}
