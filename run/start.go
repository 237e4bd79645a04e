package run

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/internal/flock"
	"github.com/cocoder/cocoder/internal/fsx"
	"github.com/cocoder/cocoder/internal/textx"
	"github.com/cocoder/cocoder/run/adapter"
	"github.com/cocoder/cocoder/run/host"
	"github.com/cocoder/cocoder/run/ledger"
	"github.com/cocoder/cocoder/run/prompt"
	"github.com/cocoder/cocoder/secrets"
)

// The variables the engine sets in every lane; nothing else can set them.
const (
	EnvRunID      = "COCODER_RUN_ID"
	EnvLane       = "COCODER_LANE"
	EnvResultFile = "COCODER_RESULT_FILE"
	EnvWorkspace  = "COCODER_WORKSPACE"
	EnvHome       = "COCODER_HOME"
)

// engineEnv are the engine's variables; baseEnv are copied from the caller
// when set; hostEnv name where the engine's own tmux server is, and reach
// no lane on any host.
var (
	engineEnv = []string{EnvRunID, EnvLane, EnvResultFile, EnvWorkspace, EnvHome}
	baseEnv   = []string{"PATH", "HOME", "LANG", "TERM"}
	hostEnv   = []string{"TMUX", "TMUX_PANE", "TMUX_TMPDIR"}
)

// adapterCommand returns the program adapter a runs, as found.
func (r *Runner) adapterCommand(a *contract.Adapter) (string, error) {
	if a.Command == adapter.SelfCommand {
		if r.self == "" {
			return "", fmt.Errorf("the cocoder executable is unknown (Options.Self)")
		}
		return r.self, nil
	}
	return r.lookPath(a.Command)
}

// baseEnvFor lists the caller's variables a lane on host kind receives.
// tmux sets TERM itself (the pane's terminal is tmux's), so TERM is passed
// only to exec lanes.
func (r *Runner) baseEnvFor(kind string) []string {
	var names []string
	for _, k := range baseEnv {
		if k == "TERM" && kind == host.KindTmux {
			continue
		}
		names = append(names, k)
	}
	return names
}

// laneEnvNames lists the variables of a lane, sorted, for the plan.
func (r *Runner) laneEnvNames(refs map[string]string) []string {
	names := slices.Clone(engineEnv)
	for _, k := range slices.Concat(r.baseEnvFor(r.hostKind()), r.passEnv) {
		if r.getenv(k) != "" {
			names = append(names, k)
		}
	}
	for k := range refs {
		names = append(names, k)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// laneEnv builds the complete environment of a lane: the caller's base
// variables and PassEnv, then the resolved secrets, then the engine's own
// variables, which always win.
func (r *Runner) laneEnv(p *Plan, l PlanLane, resolved secrets.Env) []string {
	env := map[string]string{}
	for _, k := range slices.Concat(r.baseEnvFor(p.Host), r.passEnv) {
		if v := r.getenv(k); v != "" {
			env[k] = v
		}
	}
	for _, kv := range resolved.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	maps.Copy(env, l.ChannelEnv)
	env[EnvRunID] = p.RunID
	env[EnvLane] = l.Lane
	env[EnvResultFile] = l.ResultFile
	env[EnvWorkspace] = p.Workspace
	env[EnvHome] = r.home.Dir()
	out := make([]string, 0, len(env))
	for _, k := range slices.Sorted(maps.Keys(env)) {
		out = append(out, k+"="+env[k])
	}
	return out
}

// initialPrompt is the short text that starts a lane: it points at the
// lane's prompt file, and for a lane started by the lead's dispatch at the
// task the lead gave it.
func initialPrompt(mode, promptFile string) string {
	if mode == prompt.StartupWaitForDispatch {
		return adapter.PromptLine(promptFile) + ", then the lead's task in " + filepath.Join(filepath.Dir(promptFile), ledger.BriefName) + "."
	}
	return adapter.PromptLine(promptFile) + "."
}

// materialize fills in everything of the plan that depends on where the
// ledger is: each lane's files, prompt and command line, the startup
// packet and the rendered prompts. Problems are added to out.
func (r *Runner) materialize(p *Plan, ledgerDir string, out *issues) {
	d := p.docs
	p.LedgerDir = ledgerDir
	for i := range p.Lanes {
		l := &p.Lanes[i]
		l.PromptFile = filepath.Join(ledgerDir, ledger.LaneFile(l.Lane, ledger.PromptName))
		l.ResultFile = filepath.Join(ledgerDir, ledger.LaneFile(l.Lane, ledger.ResultName))
		l.Transcript = filepath.Join(ledgerDir, ledger.LaneFile(l.Lane, ledger.TranscriptName))
		l.Prompt = initialPrompt(l.StartupMode, l.PromptFile)
		a := d.adapters[l.Lane]
		lc := adapter.LaneContext{
			Lane: l.Lane, Persona: l.Persona, Model: l.Model, Sandbox: l.Sandbox, Workdir: p.Workspace,
			PromptFile: l.PromptFile, ResultFile: l.ResultFile, Prompt: l.Prompt, Self: r.self,
		}
		r.channelContext(p, l, a, ledgerDir, &lc)
		r.hookContext(l, a, ledgerDir, &lc)
		argv, err := adapter.Argv(a, lc)
		if err == nil {
			err = r.channelFiles(p, l, a, lc)
		}
		if err == nil {
			err = r.hookFiles(p, l, a, lc)
		}
		if err != nil {
			out.block(IssueArgvInvalid, l.Lane, "%v", err)
			continue
		}
		if cmd, err := r.adapterCommand(a); err == nil {
			argv[0] = cmd
			l.Command = cmd
		}
		l.Argv = argv
	}
	packet, err := prompt.BuildPacket(prompt.PacketInput{
		RunID: p.RunID, Route: d.route, Profile: d.profile, ProfileBytes: d.profileRaw, Boundary: d.boundary,
		Priority: d.priority, PrioritiesPath: r.ws.PrioritiesPath(), SessionLogPath: r.ws.SessionLogPath(),
		Workspace: p.Workspace, Now: p.CreatedAt,
	})
	if err != nil {
		out.block(IssuePacketGap, "", "the startup packet cannot be built: %v", err)
		return
	}
	for _, g := range packet.Gaps {
		out.block(IssuePacketGap, "", "%s", g)
	}
	p.Notices = textx.AppendNew(p.Notices, packet.Warnings...)
	d.packet = packet
	team := make([]prompt.TeamLane, 0, len(p.Lanes))
	for _, l := range p.Lanes {
		team = append(team, prompt.TeamLane{Lane: l.Lane, Persona: l.Persona, Adapter: l.Adapter, Model: l.Model, CanWrite: l.CanWrite})
	}
	d.prompts = map[string]string{}
	for _, l := range p.Lanes {
		in := prompt.LaneInput{
			ResultTool: resultToolFor(l),
			RunID:      p.RunID, Lane: l.Lane, Persona: l.Persona, Adapter: l.Adapter, Model: l.Model,
			Sandbox: l.Sandbox, StartupMode: l.StartupMode, CanWrite: l.CanWrite, Workspace: p.Workspace,
			PacketFile: filepath.Join(ledgerDir, ledger.PacketFile), ResultFile: l.ResultFile, Packet: packet,
			PromptsDir: r.ws.PromptsDir(), SendCommand: "cocoder run send " + p.RunID + " <lane> <message>",
		}
		for i, t := range team {
			if t.Lane != l.Lane {
				in.Team = append(in.Team, t)
			}
			if l.Lane == p.Lead && p.Lanes[i].StartupMode == prompt.StartupWaitForDispatch {
				if in.Dispatch == nil {
					in.Dispatch = &prompt.DispatchInfo{Dir: filepath.Join(ledgerDir, ledger.LaneFile(l.Lane, ledger.DispatchDir)),
						Command: "cocoder run dispatch " + p.RunID + " <lane> --brief <text>", Tool: dispatchToolFor(l)}
				}
				in.Dispatch.Waiting = append(in.Dispatch.Waiting, t)
			}
		}
		if l.StartupMode == prompt.StartupWaitForDispatch {
			in.BriefFile = filepath.Join(ledgerDir, ledger.LaneFile(l.Lane, ledger.BriefName))
		}
		if l.Scope != nil {
			in.Scope = *l.Scope
		}
		text, err := prompt.RenderLane(in)
		if err != nil {
			out.block(IssuePromptInvalid, l.Lane, "%v", err)
			continue
		}
		d.prompts[l.Lane] = text
	}
}

// Start carries out a plan made by Plan: it registers the workspace (first
// run), takes the workspace write lock, creates the ledger (run.json,
// events.jsonl, plan.json, snapshot/, startup-packet.json and each lane's
// prompt.md), moves the run to ready, starts the lanes on the host in
// order (lead first) with their explicit environment, moves the run to
// running, and delivers each lane's initial prompt per its adapter's
// promptDelivery (recording lane.prompt.delivered or lane.prompt.failed).
//
// If a lane fails to start, the lanes this run already started are
// killed, the reasons recorded and the run marked failed; the error says
// why. A failed delivery is recorded and does not fail the run (the lane
// can be sent the prompt again with Send).
//
// The workspace lock stays held by this Runner until Wait sees every lane
// finish, Stop stops the run, or Close.
//
// Errors: errs.Invalid for a plan not made by Plan, a *PreflightError when
// the plan has blocking issues, errs.Conflict when the lock is taken or
// another run for the priority and route became active.
func (r *Runner) Start(ctx context.Context, p *Plan) (contract.RunStatus, error) {
	const op = "run.Runner.Start"
	switch {
	case r.ws == nil:
		return contract.RunStatus{}, errNoWorkspace(op)
	case p == nil || p.docs == nil || p.docs.route == nil || p.docs.profile == nil:
		return contract.RunStatus{}, errs.E(errs.Invalid, op, "the plan was not made by Runner.Plan: plan the run with Plan and start that plan")
	case !samePath(p.Workspace, r.ws.Root):
		return contract.RunStatus{}, errs.E(errs.Invalid, op, "the plan is for workspace %s, not this Runner's %s", p.Workspace, r.ws.Root)
	}
	if pe := newPreflightError(p.Issues); pe != nil {
		return contract.RunStatus{}, pe
	}
	hst, err := r.startHost()
	if err != nil {
		return contract.RunStatus{}, err
	}
	wsID, err := r.ensureRegistered(ctx)
	if err != nil {
		return contract.RunStatus{}, err
	}
	dir, err := ledger.Dir(r.home.Dir(), wsID, p.RunID)
	if err != nil {
		return contract.RunStatus{}, err
	}
	if p.WorkspaceID != wsID || p.LedgerDir != dir {
		return contract.RunStatus{}, errs.E(errs.Conflict, op, "the workspace was registered as %s after this plan was made for %s: plan the run again", wsID, p.WorkspaceID)
	}
	lk, err := r.lockWorkspace(wsID, p.RunID)
	if err != nil {
		return contract.RunStatus{}, err
	}
	started := false
	defer func() {
		if !started {
			_ = lk.Release()
		}
	}()
	var again issues
	r.checkActive(wsID, p.Priority.Slug, p.Route.ID, p.writes(), 0, &again)
	if pe := newPreflightError(again); pe != nil {
		return contract.RunStatus{}, pe
	}

	// Resolve the secrets now (Plan only checked them), so their values
	// are redacted from everything the ledger records.
	resolved := map[string]secrets.Env{}
	resolver, _ := r.resolver() // Plan reported a store that cannot open
	for _, l := range p.Lanes {
		env, err := resolver.Resolve(ctx, l.Secrets)
		if err != nil {
			return contract.RunStatus{}, errs.Wrap(errs.CodeOf(err), op, err, "lane %s: a secret no longer resolves", l.Lane)
		}
		resolved[l.Lane] = env
		r.remember(env.Values())
	}
	r.mu.Lock()
	r.learned[p.RunID] = true // learnSecrets has nothing to add for this run
	r.mu.Unlock()

	l, err := r.createLedger(dir, p)
	if err != nil {
		return contract.RunStatus{}, err
	}
	defer l.Close()
	started = true
	r.mu.Lock()
	r.locks[p.RunID] = lk
	r.mu.Unlock()

	// The lanes' own files (plan, packet, prompts) are written before any
	// lane starts; the snapshot copies are written while the lanes start.
	essential, snapshot, err := ledgerFiles(p)
	if err != nil {
		return r.fail(l, fmt.Sprintf("the ledger could not be written: %v", err), err)
	}
	if err := writeFiles(l, essential); err != nil {
		return r.fail(l, fmt.Sprintf("the ledger could not be written: %v", err), err)
	}
	snapDone := make(chan error, 1)
	go func() { snapDone <- writeFiles(l, snapshot) }()
	// Lanes that wait for the lead's dispatch start when it comes (see
	// Dispatch); the others start now, the lead first.
	launch := slices.DeleteFunc(slices.Clone(p.Lanes), func(pl PlanLane) bool { return pl.StartupMode == prompt.StartupWaitForDispatch })
	specs := make([]host.LaneSpec, len(launch))
	for i, pl := range launch {
		specs[i] = r.laneSpec(p, pl, resolved[pl.Lane])
	}
	q := r.newAppender(l)
	q.add(ledger.EventRunState, "", ledger.RunStateData{To: contract.StateReady, Reason: "preflight passed; the lanes' files are written"})
	if tree, err := r.tree(ctx, p.Workspace); err == nil {
		q.add(ledger.EventRunBaseline, "", tree)
		tree.Phase = phaseStart
		for _, pl := range launch {
			q.add(ledger.EventLaneTree, pl.Lane, tree)
		}
	} else {
		r.log.Warn("cannot read the work tree's state; changes will be judged against HEAD", "run", p.RunID, "err", err)
	}
	// The intent to start each lane is durable before any lane exists.
	if err := q.wait(); err != nil {
		<-snapDone
		return r.fail(l, fmt.Sprintf("the ledger could not be written: %v", err), err)
	}
	intents := make([]contract.Event, len(launch))
	for i, pl := range launch {
		intents[i] = ledger.MustEvent(ledger.EventLaneLaunching, pl.Lane, ledger.LaunchingData{Host: p.Host})
	}
	if _, err := r.appendAll(l, intents); err != nil {
		<-snapDone
		return r.fail(l, fmt.Sprintf("the ledger could not be written: %v", err), err)
	}
	q = r.newAppender(l)
	n := 0
	handles, err := host.StartLanes(ctx, hst, specs, func(spec host.LaneSpec, h contract.LaneHandle) error {
		q.add(ledger.EventLaneStarted, spec.Lane, ledger.LaneStartedData{Handle: h})
		if n == 0 {
			q.add(ledger.EventRunState, "", ledger.RunStateData{To: contract.StateRunning, Reason: "lane " + spec.Lane + " started"})
		}
		// A prompt that went with the program is delivered now.
		if out, typed := untypedDelivery(p, launch[n]); !typed {
			q.add(ledger.EventLanePromptDelivered, spec.Lane, out)
		}
		n++
		return nil
	})
	if err != nil {
		_ = q.wait()
		<-snapDone
		failed := specs[len(handles)].Lane
		// A start cut short (an interrupt) may have left a lane the host
		// made but did not hand back: everything the host has of the run
		// goes too.
		kctx := context.WithoutCancel(ctx)
		if t, ok := hst.(*host.Tmux); ok {
			_ = t.KillRun(kctx, p.RunID)
		} else {
			_ = killListed(kctx, hst, p.RunID)
		}
		_ = r.record(l, ledger.EventLaneStartFailed, failed, ledger.ReasonData{Reason: errText(err)})
		for _, h := range handles {
			_ = r.record(l, ledger.EventLaneKilled, h.Lane, ledger.ReasonData{Reason: "lane " + failed + " did not start, so the run was torn down"})
		}
		return r.fail(l, fmt.Sprintf("lane %s did not start: %s", failed, errText(err)), err)
	}
	r.deliverAll(ctx, q, hst, p, launch, handles)
	qerr, serr := q.wait(), <-snapDone
	if err := cmp.Or(qerr, serr); err != nil {
		for _, h := range handles {
			_ = hst.Kill(context.WithoutCancel(ctx), h)
			_ = r.record(l, ledger.EventLaneKilled, h.Lane, ledger.ReasonData{Reason: "the ledger could not record the start, so the run was torn down"})
		}
		return r.fail(l, fmt.Sprintf("the ledger could not be written: %v", err), err)
	}
	st := l.Status()
	r.log.Info("run started", "run", p.RunID, "lanes", len(handles), "ledger", dir)
	return st, nil
}

// lastSeenEvery is how stale a registered workspace's last-seen time may
// get before a run refreshes it.
const lastSeenEvery = time.Hour

// ensureRegistered returns the registry id of the Runner's workspace,
// registering it on its first run. For a registered workspace whose
// last-seen time is older than lastSeenEvery, the time is refreshed in the
// background (a failure there is only logged): it takes a locked, fsynced
// rewrite of the registry that a launch need not wait for.
func (r *Runner) ensureRegistered(ctx context.Context) (string, error) {
	reg := r.home.Registry()
	e, ok, err := r.registryEntry(ctx)
	if err == nil && ok {
		if r.now().Sub(e.LastSeenAt) > lastSeenEvery {
			r.bg.Go(func() {
				if _, err := reg.Add(context.WithoutCancel(ctx), r.ws.Root, ""); err != nil {
					r.log.Warn("cannot update the registry's last-seen time", "workspace", e.ID, "err", err)
				}
			})
		}
		return e.ID, nil
	}
	entry, err := reg.Add(ctx, r.ws.Root, "")
	if err != nil {
		return "", errs.Wrap(errs.CodeOf(err), "run.Runner.Start", err, "cannot register the workspace")
	}
	return entry.ID, nil
}

// errText is the message of err for the ledger (redacted when written).
func errText(err error) string { return err.Error() }

// fail moves the run to failed (from wherever it is), releases its lock
// and returns the status with err.
func (r *Runner) fail(l *ledger.Ledger, reason string, err error) (contract.RunStatus, error) {
	st := l.Status()
	if !st.State.Terminal() {
		_ = r.setState(l, contract.StateFailed, reason)
	}
	r.releaseLock(st.RunID)
	return l.Status(), errs.Wrap(errs.CodeOf(err), "run.Runner.Start", err, "run %s failed", st.RunID)
}

// lockWorkspace takes the workspace write lock for runID, recording the
// holder in the lock file. It returns errs.Conflict when another holder
// has it.
func (r *Runner) lockWorkspace(wsID, runID string) (*flock.Lock, error) {
	const op = "run.Runner.Start"
	if err := fsx.MkdirPrivate(filepath.Join(r.home.RunsDir(), wsID)); err != nil {
		return nil, errs.Wrap(errs.Unavailable, op, err, "cannot prepare the runs directory of workspace %s", wsID)
	}
	path := r.workspaceLockPath(wsID)
	lk, err := flock.TryLock(path)
	if errors.Is(err, flock.ErrLocked) {
		return nil, errs.E(errs.Conflict, op, "the workspace write lock %s is held by %s: one engine writes to a workspace at a time; wait for it to finish or stop that run", path, lockHolder(path))
	}
	if err != nil {
		return nil, errs.Wrap(errs.Unavailable, op, err, "cannot take the workspace write lock %s", path)
	}
	if f := lk.File(); f.Truncate(0) == nil {
		_, _ = f.WriteAt([]byte("pid "+strconv.Itoa(os.Getpid())+" run "+runID+"\n"), 0)
	}
	return lk, nil
}

// createLedger creates the run's ledger with its initial status.
func (r *Runner) createLedger(dir string, p *Plan) (*ledger.Ledger, error) {
	lanes := make(map[string]contract.LaneStatus, len(p.Lanes))
	for _, l := range p.Lanes {
		lanes[l.Lane] = contract.LaneStatus{Persona: l.Persona, Adapter: l.Adapter, Model: l.Model}
	}
	st := contract.RunStatus{RunID: p.RunID, WorkspaceID: p.WorkspaceID, Priority: p.Priority.Slug,
		Route: p.Route.ID, Profile: p.Profile.ID, Lanes: lanes}
	l, err := ledger.Create(dir, st, ledger.Options{Redact: r.redact, Now: r.now})
	if err != nil {
		return nil, err
	}
	r.publishCreated(l)
	return l, nil
}

// publishCreated hands run.created to subscribers.
func (r *Runner) publishCreated(l *ledger.Ledger) {
	if evs, _, err := ledger.ReadEvents(l.Dir()); err == nil && len(evs) > 0 {
		r.publish(l.Status().RunID, evs[0])
	}
}

// ledgerFiles returns the files Start writes into the ledger: those the
// lanes read (plan.json, the startup packet, each lane's prompt.md) and
// the snapshot of the documents used, by path relative to the ledger.
func ledgerFiles(p *Plan) (essential, snapshot map[string][]byte, err error) {
	d := p.docs
	plan, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return nil, nil, err
	}
	packet, err := json.MarshalIndent(d.packet, "", "  ")
	if err != nil {
		return nil, nil, err
	}
	essential = map[string][]byte{ledger.PlanFile: append(plan, '\n'), ledger.PacketFile: append(packet, '\n')}
	snapshot = map[string][]byte{
		filepath.Join(ledger.SnapshotDir, "route"+filepath.Ext(p.Route.File)):     d.routeRaw,
		filepath.Join(ledger.SnapshotDir, "profile"+filepath.Ext(p.Profile.File)): d.profileRaw,
	}
	if p.Boundary != nil {
		snapshot[filepath.Join(ledger.SnapshotDir, "boundary"+filepath.Ext(p.Boundary.File))] = d.boundaryRaw
	}
	for _, pl := range p.Lanes {
		if raw, ok := d.personaRaw[pl.Persona]; ok {
			snapshot[filepath.Join(ledger.SnapshotDir, "personas", pl.Persona+".yaml")] = raw
		}
		a, err := json.MarshalIndent(d.adapters[pl.Lane], "", "  ")
		if err != nil {
			return nil, nil, err
		}
		snapshot[filepath.Join(ledger.SnapshotDir, "adapters", pl.Adapter+".json")] = append(a, '\n')
		essential[ledger.LaneFile(pl.Lane, ledger.PromptName)] = []byte(d.prompts[pl.Lane])
		if f, ok := d.mcpFiles[pl.Lane]; ok {
			essential[ledger.LaneFile(pl.Lane, ledger.MCPConfigName)] = f
		}
		if f, ok := d.hookFiles[pl.Lane]; ok {
			essential[ledger.LaneFile(pl.Lane, ledger.HookSettingsName)] = f
		}
	}
	return essential, snapshot, nil
}

// writeFiles writes files into the ledger, all at once: each write is
// atomic and fsynced on its own, and doing them together lets the file
// system batch the syncs. It returns the first error.
func writeFiles(l *ledger.Ledger, files map[string][]byte) error {
	var wg sync.WaitGroup
	errc := make(chan error, len(files))
	for _, rel := range slices.Sorted(maps.Keys(files)) {
		wg.Go(func() {
			if err := l.WriteFile(rel, files[rel]); err != nil {
				errc <- err
			}
		})
	}
	wg.Wait()
	close(errc)
	return <-errc
}

// appender records events in order on its own goroutine, so that the
// fsyncs of one event overlap the work that produces the next (starting
// the next lane). Nothing is acknowledged before wait returns.
type appender struct {
	r    *Runner
	l    *ledger.Ledger
	ch   chan contract.Event
	done chan struct{}
	err  error
}

func (r *Runner) newAppender(l *ledger.Ledger) *appender {
	a := &appender{r: r, l: l, ch: make(chan contract.Event, 64), done: make(chan struct{})}
	go func() {
		defer close(a.done)
		for ev := range a.ch {
			// Events queued while the last group was being written go
			// together: one write and one fsync for all of them.
			group := []contract.Event{ev}
		drain:
			for {
				select {
				case next, ok := <-a.ch:
					if !ok {
						break drain
					}
					group = append(group, next)
				default:
					break drain
				}
			}
			if a.err != nil {
				continue
			}
			if _, a.err = r.appendAll(l, group); a.err != nil {
				continue
			}
			for _, ev := range group {
				if ev.Type == ledger.EventRunState {
					r.log.Info("run state", "run", l.Status().RunID, "state", ev.Data["to"], "reason", ev.Data["reason"])
				}
			}
		}
	}()
	return a
}

// add queues an event of one of the package's data types.
func (a *appender) add(typ, lane string, data any) { a.ch <- ledger.MustEvent(typ, lane, data) }

// wait records what is queued and returns the first error. The appender
// takes no events afterwards.
func (a *appender) wait() error {
	close(a.ch)
	<-a.done
	return a.err
}

// laneTitle is the pane title: "lane · persona · model".
func laneTitle(l PlanLane) string {
	return l.Lane + " · " + l.Persona + " · " + textx.FirstNonEmpty(l.Model, prompt.ModelDefault)
}

// deliverAll types the initial prompt of every lane whose adapter takes it
// typed, in parallel, and queues each outcome. (Prompts that go with the
// program were recorded as the lanes started.)
func (r *Runner) deliverAll(ctx context.Context, q *appender, hst host.Host, p *Plan, lanes []PlanLane, handles []contract.LaneHandle) {
	var wg sync.WaitGroup
	for i, h := range handles {
		pl := lanes[i]
		if _, typed := untypedDelivery(p, pl); !typed {
			continue
		}
		wg.Go(func() {
			for _, ev := range deliverInitial(ctx, hst, h, pl) {
				q.ch <- ev
			}
		})
	}
	wg.Wait()
}

// laneSpec is what the host needs to start lane pl of plan p, with the
// lane's resolved secrets.
func (r *Runner) laneSpec(p *Plan, pl PlanLane, resolved secrets.Env) host.LaneSpec {
	spec := host.LaneSpec{RunID: p.RunID, Lane: pl.Lane, Title: laneTitle(pl), Argv: pl.Argv,
		Dir: p.Workspace, Env: r.laneEnv(p, pl, resolved), Transcript: pl.Transcript}
	if p.Host == host.KindExec && (pl.PromptDelivery == string(contract.DeliverType) || pl.PromptDelivery == string(contract.DeliverStdin)) {
		spec.Stdin = pl.Prompt + "\n"
	}
	return spec
}

// untypedDelivery returns the outcome for a lane whose initial prompt goes
// with its program (in argv, or on the exec host's stdin), or typed true
// when it has to be typed into the lane's screen.
func untypedDelivery(p *Plan, pl PlanLane) (out contract.DeliveryReport, typed bool) {
	switch contract.PromptDelivery(pl.PromptDelivery) {
	case contract.DeliverArg:
		if confirmOnScreen(p, pl) {
			return contract.DeliveryReport{}, true
		}
		return contract.DeliveryReport{Delivered: true, Reason: "the prompt is part of the command line (promptDelivery arg)"}, false
	case contract.DeliverFile:
		return contract.DeliveryReport{Delivered: true, Reason: "the command line names the prompt file (promptDelivery file)"}, false
	}
	if p.Host == host.KindExec {
		return contract.DeliveryReport{Delivered: true, Reason: "written to the program's standard input at start (exec host)"}, false
	}
	return contract.DeliveryReport{}, true
}
