package run

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/clock"
	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/internal/flock"
	"github.com/cocoder/cocoder/run/host"
	"github.com/cocoder/cocoder/run/ledger"
	"github.com/cocoder/cocoder/secrets"
	"github.com/cocoder/cocoder/workspace"
)

// Options configure a Runner. Only Home is required.
type Options struct {
	// Home is the CoCoder home: ledgers, registry, configuration and
	// secrets. Required.
	Home *workspace.Home
	// Workspace is the workspace runs are planned and started in. Plan and
	// Start need it; List, Get, Wait, Send, Stop and the rest work on any
	// run of the home without it (List then lists every workspace's runs).
	Workspace *workspace.Workspace
	// Host starts the lanes. Nil means the tmux host on the home's private
	// server (SocketForHome) for tmux lanes and an exec host for exec
	// lanes, each made when first needed. When set, it is used for every
	// lane.
	Host host.Host
	// HostKind chooses the default host when Host is nil: host.KindTmux (the
	// default) or host.KindExec (lanes as child processes of this process, for
	// CI and headless adapters; they end with it).
	HostKind string
	// Logger receives state transitions and supervision notes; nil
	// discards.
	Logger *slog.Logger
	// Clock gives the time; nil means time.Now.
	Clock func() time.Time
	// LookPath finds programs (adapter commands, tmux, git). Nil searches
	// the PATH that Getenv returns, the PATH lanes get.
	LookPath func(string) (string, error)
	// Getenv reads the caller's environment: PATH, HOME, LANG and TERM
	// for the lanes, TMUX_TMPDIR for the engine's tmux client (never for a
	// lane), and ${env:NAME} secret references. Nil means os.Getenv. An
	// empty value counts as unset.
	Getenv func(string) string
	// Self is the absolute path of the cocoder executable, which runs the
	// built-in demo agent (adapters whose command is SelfCommand). Empty
	// means os.Executable().
	Self string
	// PassEnv names variables copied from the caller's environment into
	// every lane when set (for example COCODER_DEMO_FAULT, the demo
	// agent's fault switch). The engine's own variables cannot be
	// overridden this way.
	PassEnv []string
	// Actor names who acts through this Runner in the ledger (the "by" of
	// run.stopped and lane.send), e.g. "cli" or "oz".
	Actor string
}

// Runner plans, starts, supervises and stops runs. It is the library form
// of `cocoder run ...`; Oz embeds one. A Runner is safe for concurrent use.
//
// Every ledger operation opens the run's ledger, appends and closes it
// again, so several processes (a supervising `run start --wait`, a `run
// stop` in another terminal, Oz) can each record what they do; see
// docs/runs.md.
type Runner struct {
	home    *workspace.Home
	ws      *workspace.Workspace
	log     *slog.Logger
	now     func() time.Time
	look    func(string) (string, error)
	getenv  func(string) string
	self    string
	passEnv []string
	actor   string

	hostOpt host.Host
	bg      sync.WaitGroup // background work Close waits for
	defKind string

	mu       sync.Mutex
	tmux     *host.Tmux
	exec     *host.Exec
	locks    map[string]*flock.Lock // run id → workspace lock held for it
	known    []secrets.Value        // every secret value resolved, for redaction
	learned  map[string]bool        // runs whose secrets were resolved for redaction
	blind    map[string]error       // runs with a secret this process cannot resolve, so cannot mask
	subs     map[int]*subscriber
	nextSub  int
	closed   bool
	tmuxErr  error
	tmuxOnce bool
}

// New returns a Runner. It returns an errs.Invalid error when Home is nil,
// Self is not absolute, or PassEnv names an invalid variable.
func New(opts Options) (*Runner, error) {
	const op = "run.New"
	if opts.Home == nil {
		return nil, errs.E(errs.Invalid, op, "Options.Home is required: open it with workspace.OpenHome")
	}
	r := &Runner{
		home: opts.Home, ws: opts.Workspace, log: opts.Logger, now: opts.Clock,
		look: opts.LookPath, getenv: opts.Getenv, self: opts.Self, actor: opts.Actor,
		hostOpt: opts.Host, defKind: opts.HostKind, locks: map[string]*flock.Lock{}, subs: map[int]*subscriber{}, learned: map[string]bool{},
		blind: map[string]error{},
	}
	switch opts.HostKind {
	case "", host.KindTmux, host.KindExec:
	default:
		return nil, errs.E(errs.Invalid, op, "Options.HostKind %q is not a host: use %q or %q", opts.HostKind, host.KindTmux, host.KindExec)
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	if r.now == nil {
		r.now = time.Now
	}
	if r.getenv == nil {
		r.getenv = os.Getenv
	}
	if r.look == nil {
		r.look = func(name string) (string, error) { return lookProgram(name, r.getenv("PATH")) }
	}
	if r.self == "" {
		if p, err := os.Executable(); err == nil {
			r.self = p
		}
	}
	if r.self != "" && !filepath.IsAbs(r.self) {
		return nil, errs.E(errs.Invalid, op, "Options.Self %q must be the absolute path of the cocoder executable", r.self)
	}
	for _, name := range opts.PassEnv {
		if !contract.ValidEnvName(name) {
			return nil, errs.E(errs.Invalid, op, "Options.PassEnv: %q is not an environment variable name", name)
		}
		if slices.Contains(engineEnv, name) || slices.Contains(baseEnv, name) {
			return nil, errs.E(errs.Invalid, op, "Options.PassEnv: %s is set by the engine itself", name)
		}
		if slices.Contains(hostEnv, name) {
			return nil, errs.E(errs.Invalid, op, "Options.PassEnv: %s would tell lanes where the engine's tmux server is; it is never passed", name)
		}
		r.passEnv = append(r.passEnv, name)
	}
	return r, nil
}

// lookProgram finds name like a shell with PATH=path would; a name with a
// slash must be an executable regular file.
func lookProgram(name, path string) (string, error) {
	if !strings.ContainsRune(name, '/') {
		return host.LookPath(name, path)
	}
	fi, err := os.Stat(name)
	if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
		return "", fmt.Errorf("%s is not an executable file", name)
	}
	return name, nil
}

func (r *Runner) lookPath(name string) (string, error) { return r.look(name) }

// Close releases the workspace locks this Runner holds and ends every
// subscription. Lanes keep running. It is safe to call more than once.
func (r *Runner) Close() error {
	r.bg.Wait()
	r.mu.Lock()
	defer r.mu.Unlock()
	for id, lk := range r.locks {
		_ = lk.Release()
		delete(r.locks, id)
	}
	for id, s := range r.subs {
		close(s.ch)
		delete(r.subs, id)
	}
	r.closed = true
	return nil
}

// remember adds resolved secret values to the set every transcript and
// ledger write is redacted with.
func (r *Runner) remember(values []secrets.Value) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range values {
		if !v.IsZero() && !slices.ContainsFunc(r.known, func(k secrets.Value) bool { return k.Equal(v.Reveal()) }) {
			r.known = append(r.known, v)
		}
	}
}

func (r *Runner) secretValues() []secrets.Value {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.known)
}

// resolver resolves secret references the way lanes get them: the home's
// store, files relative to the user's home directory ($HOME) outside the
// CoCoder home, and the caller's environment. The
// error says why the store cannot be opened; the resolver still resolves
// the other kinds of reference then.
func (r *Runner) resolver() (secrets.Resolver, error) {
	store, err := r.home.Secrets()
	// ${file:PATH} is relative to the user's home directory, where other
	// tools keep their key files, and may not reach the CoCoder home zone
	// (the secret store, Oz's token) by any path.
	return secrets.Resolver{Store: store, BaseDir: r.getenv("HOME"), DenyDirs: []string{r.home.Dir()}, Getenv: func(k string) (string, bool) {
		v := r.getenv(k)
		return v, v != ""
	}}, err
}

// learnSecrets prepares this Runner to redact the run whose ledger is dir,
// which it may not have started (a stop, a transcript or a supervision
// from another process); it runs before anything of the run is written or
// shown, not for reads of its status. The run's frozen plan names each
// lane's secret references, never their values, and every reference that
// resolves here is remembered. When one does not (an ${env:...} this
// process lacks), or the plan cannot be read, this process cannot mask
// that value: it fails closed, showing no output of the run and saving no
// transcript (see blindTo and wrapTranscript), and says why. Once per run.
func (r *Runner) learnSecrets(ctx context.Context, dir string) {
	runID := filepath.Base(dir)
	r.mu.Lock()
	done := r.learned[runID]
	r.learned[runID] = true
	r.mu.Unlock()
	if done {
		return
	}
	const op = "run.Runner"
	p, err := ReadPlan(dir)
	if errs.CodeOf(err) == errs.NotFound {
		return // the run never got past its creation: no lane has a secret of it
	}
	if err != nil {
		r.log.Warn("cannot read the run's plan to learn which secrets to mask", "run", runID, "err", err)
		r.setBlind(runID, errs.Wrap(errs.Unavailable, op, err, "this process cannot tell which secrets run %s holds (its plan does not read), so it cannot mask them", runID))
		return
	}
	resolver, _ := r.resolver() // a store that cannot open fails its references below
	var missing []string
	for _, l := range p.Lanes {
		for _, name := range slices.Sorted(maps.Keys(l.Secrets)) {
			env, err := resolver.Resolve(ctx, map[string]string{name: l.Secrets[name]})
			if err != nil {
				r.log.Warn("a secret of the run does not resolve in this process, so its value is not masked here", "run", runID, "lane", l.Lane, "var", name, "ref", l.Secrets[name])
				missing = append(missing, fmt.Sprintf("%s of lane %s (%s)", name, l.Lane, l.Secrets[name]))
				continue
			}
			r.remember(env.Values())
		}
	}
	if len(missing) > 0 {
		r.setBlind(runID, errs.E(errs.Unavailable, op, "this process cannot resolve %s, so it could not mask that value in what run %s shows: nothing of the lanes' output is shown or saved here; do it from a process where the reference resolves (the one that started the run)", strings.Join(missing, ", "), runID))
	}
}

func (r *Runner) setBlind(runID string, err error) {
	r.mu.Lock()
	r.blind[runID] = err
	r.mu.Unlock()
}

// blindTo returns why this process may not show or save the output of run
// runID (a secret of it that does not resolve here), or nil.
func (r *Runner) blindTo(runID string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.blind[runID]
}

// anyBlind returns the reason of a run this Runner cannot mask, or nil.
func (r *Runner) anyBlind() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, id := range slices.Sorted(maps.Keys(r.blind)) {
		return r.blind[id]
	}
	return nil
}

// redact masks every known secret value in b.
func (r *Runner) redact(b []byte) []byte {
	vals := r.secretValues()
	if len(vals) == 0 {
		return b
	}
	return secrets.RedactFunc(vals...)(b)
}

// wrapTranscript is the hosts' transcript filter. It fails closed: while
// this Runner knows a run whose secrets it cannot resolve (a host's Wrap
// does not say which run a transcript is of), what it would save is
// replaced by a line saying why.
func (r *Runner) wrapTranscript(w io.Writer) io.Writer {
	if err := r.anyBlind(); err != nil {
		return &withheld{w: w, why: err.Error()}
	}
	return secrets.NewRedactor(w, r.secretValues()...)
}

// withheld drops a transcript and writes, when closed, why it did.
type withheld struct {
	w   io.Writer
	why string
}

func (h *withheld) Write(p []byte) (int, error) { return len(p), nil }

// Close writes the notice that takes the transcript's place.
func (h *withheld) Close() error {
	_, err := io.WriteString(h.w, "[cocoder: this transcript was not saved: "+h.why+"]\n")
	return err
}

// hostKind returns the kind of host Start uses.
func (r *Runner) hostKind() string {
	switch r.hostOpt.(type) {
	case nil:
		if r.defKind == host.KindExec {
			return host.KindExec
		}
		return host.KindTmux
	case *host.Tmux:
		return host.KindTmux
	case *host.Exec:
		return host.KindExec
	}
	return "custom"
}

// startHost returns the host Start uses.
func (r *Runner) startHost() (host.Host, error) {
	if r.hostOpt != nil {
		return r.hostOpt, nil
	}
	if r.defKind == host.KindExec {
		return r.execHost(), nil
	}
	return r.tmuxHost()
}

// hostFor returns the host that runs a started lane.
func (r *Runner) hostFor(h contract.LaneHandle) (host.Host, error) {
	if r.hostOpt != nil {
		return r.hostOpt, nil
	}
	switch h.Host {
	case host.KindTmux:
		return r.tmuxHost()
	case host.KindExec:
		return r.execHost(), nil
	}
	return nil, errs.E(errs.Invalid, "run.Runner", "lane %s runs on an unknown host %q; use the Runner (Options.Host) that started it", h.Lane, h.Host)
}

// tmuxHost makes the default tmux host on first use.
func (r *Runner) tmuxHost() (*host.Tmux, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if t, ok := r.hostOpt.(*host.Tmux); ok {
		return t, nil
	}
	if !r.tmuxOnce {
		r.tmuxOnce = true
		bin, err := r.lookPath("tmux")
		if err != nil {
			r.tmuxErr = errs.E(errs.Unavailable, "run.Runner", "tmux is not installed (not found in PATH): install it (apt install tmux, brew install tmux), or run headless with the exec host")
		} else {
			r.tmux, r.tmuxErr = host.NewTmux(host.TmuxOptions{Bin: bin, Socket: host.SocketForHome(r.home.Dir()),
				TmpDir: r.getenv("TMUX_TMPDIR"), Wrap: r.wrapTranscript})
		}
	}
	return r.tmux, r.tmuxErr
}

// execHost makes the default exec host on first use. Its state files live
// in runs/.exec so other processes can find the lanes.
func (r *Runner) execHost() *host.Exec {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e, ok := r.hostOpt.(*host.Exec); ok {
		return e
	}
	if r.exec == nil {
		r.exec = host.NewExec(host.ExecOptions{StateDir: execStateDir(r.home), Wrap: r.wrapTranscript})
	}
	return r.exec
}

// execStateDir is where exec hosts made for home keep their state files,
// so a Runner in another process can find exec lanes: runs/.exec.
func execStateDir(home *workspace.Home) string { return filepath.Join(home.RunsDir(), ".exec") }

// ledgerRetry bounds how long an operation waits for another process's
// hold on a ledger (each hold lasts one operation).
const ledgerRetry = 30 * time.Second

// openLedger opens the ledger of dir for one operation, waiting while
// another process appends.
func (r *Runner) openLedger(ctx context.Context, dir string) (*ledger.Ledger, error) {
	r.learnSecrets(ctx, dir)
	deadline := time.Now().Add(ledgerRetry)
	for {
		l, err := ledger.Open(dir, ledger.Options{Redact: r.redact, Now: r.now})
		if err == nil || errs.CodeOf(err) != errs.Conflict || time.Now().After(deadline) {
			return l, err
		}
		if err := clock.Sleep(ctx, 10*time.Millisecond); err != nil {
			return nil, errs.Wrap(errs.Unavailable, "run.Runner", err, "gave up waiting for ledger %s", dir)
		}
	}
}

// append records ev in l and publishes it to subscribers once it is
// durable.
func (r *Runner) append(l *ledger.Ledger, ev contract.Event) (contract.Event, error) {
	written, err := r.appendAll(l, []contract.Event{ev})
	if len(written) == 0 {
		return contract.Event{}, err
	}
	return written[0], err
}

// appendAll records evs with one write and fsync (Ledger.AppendAll) and
// publishes what was recorded.
func (r *Runner) appendAll(l *ledger.Ledger, evs []contract.Event) ([]contract.Event, error) {
	written, err := l.AppendAll(evs)
	id := l.Status().RunID
	for _, ev := range written {
		r.publish(id, ev)
	}
	return written, err
}

// record builds and appends an event of one of the package's data types.
func (r *Runner) record(l *ledger.Ledger, typ, lane string, data any) error {
	_, err := r.append(l, ledger.MustEvent(typ, lane, data))
	return err
}

// setState records a state change and logs it.
func (r *Runner) setState(l *ledger.Ledger, to contract.RunState, reason string) error {
	err := r.record(l, ledger.EventRunState, "", ledger.RunStateData{To: to, Reason: reason})
	if err == nil {
		r.log.Info("run state", "run", l.Status().RunID, "state", to, "reason", reason)
	}
	return err
}

// runDir finds the ledger directory of runID: in this Runner's workspace
// when it is registered, else under any workspace of the home.
func (r *Runner) runDir(ctx context.Context, runID string) (string, error) {
	const op = "run.Runner"
	if !contract.ValidRunID(runID) {
		return "", errs.E(errs.Invalid, op, "%q is not a run id: run ids look like r-20261124T140312Z-7k3f6q2a (`cocoder run list` shows them)", runID)
	}
	matches, err := filepath.Glob(filepath.Join(r.home.RunsDir(), "*", runID))
	if err != nil {
		return "", errs.Wrap(errs.Internal, op, err, "cannot look for run %s", runID)
	}
	for _, m := range matches {
		if fi, err := os.Stat(filepath.Join(m, ledger.EventsFile)); err == nil && fi.Mode().IsRegular() && contract.ValidWorkspaceID(filepath.Base(filepath.Dir(m))) {
			return m, nil
		}
	}
	return "", errs.E(errs.NotFound, op, "no run %s in %s: `cocoder run list` shows the runs of this home", runID, r.home.RunsDir())
}

// LedgerDir returns the ledger directory of runID. It returns errs.Invalid
// for a malformed id and errs.NotFound when the home has no such run.
func (r *Runner) LedgerDir(ctx context.Context, runID string) (string, error) {
	return r.runDir(ctx, runID)
}

// Get returns the status of runID, replayed from its events. It returns
// errs.Invalid for a malformed id and errs.NotFound when there is no such
// run.
func (r *Runner) Get(ctx context.Context, runID string) (contract.RunStatus, error) {
	dir, err := r.runDir(ctx, runID)
	if err != nil {
		return contract.RunStatus{}, err
	}
	st, _, err := ledger.ReadStatus(dir)
	return st, err
}

// UnrecordedExits returns, sorted, the lanes that st (a status read from
// the ledger) shows running but whose program no longer runs on its host:
// ends no supervisor has recorded yet, because the run was started without
// one or its supervisor stopped. Wait, from any process, records them. A
// lane whose host cannot be asked is left out.
func (r *Runner) UnrecordedExits(ctx context.Context, st contract.RunStatus) []string {
	var out []string
	for _, name := range slices.Sorted(maps.Keys(st.Lanes)) {
		ls := st.Lanes[name]
		if !ls.State.Active() || ls.Handle == nil {
			continue
		}
		hst, err := r.hostFor(*ls.Handle)
		if err != nil {
			continue
		}
		if up, err := hst.Alive(ctx, *ls.Handle); err == nil && !up {
			out = append(out, name)
		}
	}
	return out
}

// List returns the status of every run of the Runner's workspace (every
// run of the home when the Runner has no workspace, or the workspace was
// never registered), newest first. A ledger that cannot be read is
// listed with state contract.StateDamaged and why as its Reason (and the
// active-run and maxRuns checks count it as active).
func (r *Runner) List(ctx context.Context) ([]contract.RunStatus, error) {
	wsID := ""
	if r.ws != nil {
		id, err := r.registeredID(ctx)
		if err != nil {
			return nil, err
		}
		if id == "" {
			return nil, nil
		}
		wsID = id
	}
	dirs, err := r.runDirs(wsID)
	if err != nil {
		return nil, err
	}
	out := make([]contract.RunStatus, 0, len(dirs))
	for _, dir := range dirs {
		st, _, err := ledger.ReadStatus(dir)
		if err != nil {
			r.log.Warn("unreadable ledger", "dir", dir, "err", err)
			st = damagedStatus(dir, err)
		}
		out = append(out, st)
	}
	slices.SortFunc(out, func(a, b contract.RunStatus) int { return strings.Compare(b.RunID, a.RunID) })
	return out, nil
}

// damagedStatus is how a run whose ledger in dir cannot be read is listed:
// state damaged, with why as the reason.
func damagedStatus(dir string, err error) contract.RunStatus {
	return contract.RunStatus{RunID: filepath.Base(dir), WorkspaceID: filepath.Base(filepath.Dir(dir)),
		State: contract.StateDamaged, Reason: err.Error()}
}

// registeredID returns the registry id of the Runner's workspace, or ""
// when it is not registered. It never writes.
func (r *Runner) registeredID(ctx context.Context) (string, error) {
	e, ok, err := r.registryEntry(ctx)
	if err != nil || !ok {
		return "", err
	}
	return e.ID, nil
}

// registryEntry returns the registry entry of the Runner's workspace.
func (r *Runner) registryEntry(ctx context.Context) (contract.RegistryEntry, bool, error) {
	reg := r.home.Registry()
	list, err := reg.List(ctx)
	if err != nil {
		return contract.RegistryEntry{}, false, err
	}
	tok, err := reg.Tokens()
	if err != nil {
		return contract.RegistryEntry{}, false, err
	}
	for _, e := range list {
		if p, err := tok.Expand(e.Path); err == nil && samePath(p, r.ws.Root) {
			return e, true, nil
		}
	}
	return contract.RegistryEntry{}, false, nil
}

// samePath reports whether a and b name the same directory, as given or
// with symlinks resolved.
func samePath(a, b string) bool {
	if filepath.Clean(a) == filepath.Clean(b) {
		return true
	}
	ra, err1 := filepath.EvalSymlinks(a)
	rb, err2 := filepath.EvalSymlinks(b)
	return err1 == nil && err2 == nil && ra == rb
}

// releaseLock drops the workspace lock held for runID, if any.
func (r *Runner) releaseLock(runID string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if lk, ok := r.locks[runID]; ok {
		_ = lk.Release()
		delete(r.locks, runID)
	}
}

// RunEvent is an event of a run, as Subscribe delivers it: the ledger
// event, the run it belongs to (ledger events do not carry their run's id)
// and the event's data as a typed value.
type RunEvent struct {
	// RunID is the run the event belongs to.
	RunID string `json:"runId"`
	contract.Event
	// Payload is the event's data as the type its event type carries
	// (ledger.Payload): *ledger.RunStateData for run.state,
	// *ledger.LaneStartedData for lane.started, and so on; nil for an
	// event without data. Event.Data holds the same data in its JSON form.
	Payload any `json:"-"`
}

// subscriberBuffer is how many events a subscriber may fall behind.
const subscriberBuffer = 256

type subscriber struct {
	runID   string
	ch      chan RunEvent
	dropped int
}

// Subscribe returns a channel of the events this Runner records for runID
// ("" for every run), each sent after it is durable in the ledger. The
// channel is closed when ctx ends (or the Runner is closed).
//
// A subscriber never slows the engine: each has a buffer of 256 events,
// and an event that does not fit is dropped for that subscriber. Drops
// show as a gap in a run's Seq numbers; a subscriber that sees one rereads
// the ledger (ReadEvents) to catch up. Events recorded by other processes
// (another Runner on the same home) are not seen; read their ledgers.
func (r *Runner) Subscribe(ctx context.Context, runID string) <-chan RunEvent {
	s := &subscriber{runID: runID, ch: make(chan RunEvent, subscriberBuffer)}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		close(s.ch)
		return s.ch
	}
	id := r.nextSub
	r.nextSub++
	r.subs[id] = s
	r.mu.Unlock()
	go func() {
		<-ctx.Done()
		r.mu.Lock()
		defer r.mu.Unlock()
		if _, ok := r.subs[id]; ok {
			delete(r.subs, id)
			close(s.ch)
		}
	}()
	return s.ch
}

// publish hands ev to every subscriber of its run without blocking.
func (r *Runner) publish(runID string, ev contract.Event) {
	// The engine's own events always decode; an event that did not would
	// reach subscribers with its JSON data only.
	payload, _ := ledger.Payload(ev)
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.subs {
		if s.runID != "" && s.runID != runID {
			continue
		}
		select {
		case s.ch <- RunEvent{RunID: runID, Event: ev, Payload: payload}:
		default:
			s.dropped++
		}
	}
}

// errNoWorkspace is returned by Plan and Start without a workspace.
func errNoWorkspace(op string) error {
	return errs.E(errs.Invalid, op, "the Runner has no workspace: set Options.Workspace (workspace.Find locates it from a directory)")
}

// isNotFound reports whether err is an errs.NotFound error.
func isNotFound(err error) bool { return errors.Is(err, errs.ErrNotFound) }
