package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/agenthook"
	"github.com/cocoder/cocoder/run"
	"github.com/cocoder/cocoder/run/adapter"
	"github.com/cocoder/cocoder/run/host"
	"github.com/cocoder/cocoder/run/ledger"
	"github.com/cocoder/cocoder/workspace"
)

// EnvDir names the directory the kit creates its homes and workspaces
// under (default $HOME/.cache/cocoder-conformance). Agent CLIs treat /tmp
// specially (Codex makes it writable in every sandbox), so tests that
// prove sandboxes keep their files elsewhere.
const EnvDir = "COCODER_CONFORMANCE_DIR"

// EditedFile is the repository-relative file a writing lane of the matrix
// changes; the workspace's scaffolded priority allows it.
const EditedFile = "cocoder/memory/demo-notes.md"

// Priority is the scaffolded priority the matrix runs.
const Priority = "try-cocoder"

// CLI says how to run one agent CLI offline against the scripted model.
type CLI struct {
	// Adapter is the adapter id (a shipped one, or one declared in
	// Declarations).
	Adapter string
	// Program is the absolute path of the CLI's executable; its
	// directory goes first in the lanes' PATH.
	Program string
	// Setup prepares the CLI's configuration in home (the lane's HOME, a
	// fresh directory) for a workspace at root and the scripted model at
	// url, and returns the variables the lane needs (base URL, API key,
	// config directory). It writes only below home.
	Setup func(home, root, url string) (map[string]string, error)
	// Declarations, when set, is a directory of adapter declarations
	// copied into the workspace's cocoder/adapters/ (a custom adapter).
	Declarations string
}

// Matrix is one cell of the conformance matrix.
type Matrix struct {
	// Writing selects a writing lane (workspace-write, edits EditedFile)
	// instead of a read-only one.
	Writing bool
	// Timeout bounds the lane. Default 3 minutes.
	Timeout time.Duration
	// AfterSetup, when set, runs after the CLI's Setup with the lane's
	// home and the workspace root: to undo part of the setup (the folder
	// trust, say) and check how the lane reports the CLI's dialog.
	AfterSetup func(home, root string) error
	// BeforeStop, when set, runs once the lane has its verdict, before
	// the run is stopped, with the outcome so far (RunID, Ledger, Root,
	// Status and Model set): to wait for what the CLI does after its
	// result, such as the hook at the end of its turn.
	BeforeStop func(o Outcome)
	// Typed types the lane prompt into the CLI's screen and presses the
	// adapter's submit keys, instead of passing it on the command line:
	// the kit writes a workspace declaration of the adapter with
	// promptDelivery "type" and without the prompt argument ({prompt} and
	// the "--" or flag before it). It proves the declared submitKeys (and
	// readyPattern) with the real CLI.
	Typed bool
	// SubmitKeys, with Typed, replaces the declaration's submitKeys, e.g.
	// with a key the CLI does not submit on.
	SubmitKeys []string
}

// Outcome is what a lane of the matrix did.
type Outcome struct {
	// RunID is the run's id and Ledger its ledger directory.
	RunID, Ledger string
	// Root is the workspace root.
	Root string
	// Status is the run's status after Wait.
	Status contract.RunStatus
	// Lane is the lane's status.
	Lane contract.LaneStatus
	// Result is the accepted job result, nil when there is none.
	Result *contract.JobResult
	// Delivery is the initial prompt's delivery outcome; Delivered false
	// when none was recorded.
	Delivery contract.DeliveryReport
	// Attention is the lane.attention event's data, when one was recorded.
	Attention *ledger.LaneAttentionData
	// Events are the run's events.
	Events []contract.Event
	// Model is the scripted model the lane talked to.
	Model *Model
	// Edited is the content of EditedFile after the run.
	Edited string
	// Survivors are processes of the run still alive after Stop.
	Survivors []int
	// Screen is the lane's last screen before the run was stopped.
	Screen string
	// Hooks are the events of the lane's hook file, in order, for a CLI
	// that reports through hooks.
	Hooks []HookEvent
}

// HookEvent is one line of a lane's hook file: a hook the CLI ran.
type HookEvent struct {
	// Time is when the hook ran.
	Time time.Time
	// Event is the CLI's name of the hook event ("UserPromptSubmit"), and
	// Type a notification's type ("permission_prompt"), if any.
	Event, Type string
}

// LaneName is the name of the matrix's one lane.
const LaneName = "solo"

// Dir returns a fresh directory for one test outside /tmp (see EnvDir),
// removed when the test ends.
func Dir(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvDir)
	if base == "" {
		h, err := os.UserHomeDir()
		if err != nil {
			t.Fatalf("conformance: no home directory for test files; set %s: %v", EnvDir, err)
		}
		base = filepath.Join(h, ".cache", "cocoder-conformance")
	}
	if err := os.MkdirAll(base, 0o700); err != nil {
		t.Fatalf("conformance: %v", err)
	}
	dir, err := os.MkdirTemp(base, "t-")
	if err != nil {
		t.Fatalf("conformance: %v", err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

// passResult is a PASS job result listing files.
func passResult(summary string, files ...string) map[string]any {
	return map[string]any{
		"status": "PASS", "summary": summary, "nextAction": "none",
		"evidence": []string{"scripted model transcript"}, "findings": []string{}, "residualRisk": []string{},
		"filesChanged": files,
	}
}

// lab is a workspace with a scripted model and a runner whose lanes run
// cli against it on the real tmux host.
type lab struct {
	root   string
	home   *workspace.Home
	model  *Model
	runner *run.Runner
	tmux   *host.Tmux
}

// newLab makes a fresh workspace (the scaffold plus files, committed), a
// scripted model playing script, the CLI's home set up for both, and a
// runner on the real tmux host. script is given the workspace root (a
// script's edits name absolute paths). afterSetup, when set, runs after
// the CLI's Setup.
func newLab(t testing.TB, cli CLI, files map[string]string, script func(root string) Script, afterSetup func(home, root string) error) *lab {
	t.Helper()
	ctx := context.Background()
	dir := Dir(t)
	root := filepath.Join(dir, "ws")
	fatal := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("conformance: %s: %v", what, err)
		}
	}
	fatal("workspace", os.MkdirAll(root, 0o755))
	home, err := workspace.OpenHome(ctx, filepath.Join(dir, "cocoder-home"))
	fatal("CoCoder home", err)
	git := func(args ...string) {
		out, err := exec.Command("git", append([]string{"-C", root, "-c", "user.name=conformance", "-c", "user.email=conformance@cocoder.invalid"}, args...)...).CombinedOutput()
		fatal(fmt.Sprintf("git %v: %s", args, out), err)
	}
	git("init", "-q", "-b", "main")
	// The engine commits accepted work as the repository's user.
	git("config", "user.name", "conformance")
	git("config", "user.email", "conformance@cocoder.invalid")
	_, err = workspace.Init(ctx, root, workspace.InitOptions{Home: home})
	fatal("workspace init", err)
	if cli.Declarations != "" {
		fatal("declarations", copyDir(cli.Declarations, filepath.Join(root, "cocoder", "adapters")))
	}
	// After the declarations, so that a file given here replaces one.
	for _, name := range slices.Sorted(maps.Keys(files)) {
		fatal(name, writeFile(filepath.Join(root, name), files[name]))
	}
	git("add", "-A")
	git("commit", "-q", "-m", "conformance workspace")
	ws, err := workspace.Find(root)
	fatal("workspace", err)

	model, err := NewModel(script(root))
	fatal("scripted model", err)
	t.Cleanup(func() { _ = model.Close() })

	cliHome := filepath.Join(dir, "cli-home")
	fatal("CLI home", os.MkdirAll(cliHome, 0o700))
	env := map[string]string{}
	if cli.Setup != nil {
		env, err = cli.Setup(cliHome, root, model.URL())
		fatal("CLI setup", err)
	}
	if afterSetup != nil {
		fatal("after setup", afterSetup(cliHome, root))
	}
	bin := filepath.Join(dir, "bin")
	fatal("bin", os.MkdirAll(bin, 0o700))
	for _, p := range []string{"git", "tmux", "node", "sh", "bash", "cat", "env", "ls", "printf"} {
		if full, err := exec.LookPath(p); err == nil {
			_ = os.Symlink(full, filepath.Join(bin, p))
		}
	}
	path := bin
	if cli.Program != "" {
		path = filepath.Dir(cli.Program) + string(os.PathListSeparator) + bin
	}
	vars := map[string]string{"PATH": path, "HOME": cliHome, "LANG": "C.UTF-8", "TMUX_TMPDIR": os.Getenv("TMUX_TMPDIR")}
	var pass []string
	for k, v := range env {
		vars[k] = v
		pass = append(pass, k)
	}
	self, err := os.Executable()
	fatal("test executable", err)
	r, err := run.New(run.Options{Home: home, Workspace: ws, Getenv: func(k string) string { return vars[k] },
		Self: self, PassEnv: pass, Actor: "conformance"})
	fatal("runner", err)
	t.Cleanup(func() { _ = r.Close() })
	t.Cleanup(func() {
		_ = exec.Command("tmux", "-L", host.SocketForHome(home.Dir()), "kill-server").Run()
	})
	tm, err := host.NewTmux(host.TmuxOptions{Socket: host.SocketForHome(home.Dir())})
	fatal("tmux host", err)
	return &lab{root: root, home: home, model: model, runner: r, tmux: tm}
}

// start plans the priority with route and profile, checks that every lane
// runs cli's adapter, and starts the run.
func (b *lab) start(t testing.TB, cli CLI, route, profile string) string {
	t.Helper()
	ctx := context.Background()
	plan, err := b.runner.Plan(ctx, run.PlanRequest{Priority: Priority, Route: route, Profile: profile})
	if err != nil {
		t.Fatalf("conformance: plan: %v", err)
	}
	for _, pl := range plan.Lanes {
		if pl.Adapter != cli.Adapter {
			t.Fatalf("conformance: the plan runs lane %s with adapter %s, not %s (is %s installed at %s?); notices: %v",
				pl.Lane, pl.Adapter, cli.Adapter, cli.Adapter, cli.Program, plan.Notices)
		}
	}
	st, err := b.runner.Start(ctx, plan)
	if err != nil {
		t.Fatalf("conformance: start: %v", err)
	}
	return st.RunID
}

// screen returns what lane shows now, or "".
func (b *lab) screen(st contract.RunStatus, lane string) string {
	if ls := st.Lanes[lane]; ls.Handle != nil {
		s, _ := b.tmux.Capture(context.Background(), *ls.Handle, 0)
		return s
	}
	return ""
}

// Run runs one lane of cli in a fresh workspace against a fresh scripted
// model on the real tmux host, waits for it, stops the run and reports
// what happened. Run fails the test only when the kit itself cannot work
// (no git, no tmux, a workspace that cannot be made); what the lane did is
// for the caller to assert (see Check).
func Run(t testing.TB, cli CLI, m Matrix) Outcome {
	t.Helper()
	ctx := context.Background()
	if m.Timeout <= 0 {
		m.Timeout = 3 * time.Minute
	}
	script := func(root string) Script {
		s := Script{Result: passResult("conformance lane of "+cli.Adapter, contract.NoFilesChanged)}
		if m.Writing {
			s.Edit = &Edit{Path: filepath.Join(root, EditedFile), Text: "- conformance edit by " + cli.Adapter + "\n"}
			s.Result["filesChanged"] = []string{EditedFile}
		}
		return s
	}
	files := oneLane(cli.Adapter, m.Writing)
	if m.Typed {
		decl, err := typedDeclaration(cli, m)
		if err != nil {
			t.Fatalf("conformance: typed declaration: %v", err)
		}
		files[filepath.Join("cocoder", "adapters", cli.Adapter+".yaml")] = decl
	}
	b := newLab(t, cli, files, script, m.AfterSetup)
	r := b.runner
	runID := b.start(t, cli, "conformance", "conformance")
	out := Outcome{RunID: runID, Root: b.root, Model: b.model}
	out.Status, _ = r.Wait(ctx, runID, run.WaitOptions{Timeout: m.Timeout, Poll: 500 * time.Millisecond})
	out.Screen = b.screen(out.Status, LaneName)
	if m.BeforeStop != nil {
		o := out
		o.Ledger, _ = ledgerDir(b.home, out.Status)
		m.BeforeStop(o)
	}
	_ = r.Stop(ctx, runID)
	out.Survivors = Survivors(runID, 5*time.Second)
	out.Status, _ = r.Get(ctx, runID)
	out.Lane = out.Status.Lanes[LaneName]
	out.Ledger, _ = ledgerDir(b.home, out.Status)
	out.Events, _, _ = ledger.ReadEvents(out.Ledger)
	for _, ev := range out.Events {
		if ev.Lane != LaneName {
			continue
		}
		switch ev.Type {
		case ledger.EventLanePromptDelivered, ledger.EventLanePromptFailed:
			_ = ledger.DecodeData(ev, &out.Delivery)
		case ledger.EventLaneAttention:
			var d ledger.LaneAttentionData
			if ledger.DecodeData(ev, &d) == nil {
				out.Attention = &d
			}
		}
	}
	recs, _, _ := agenthook.Read(filepath.Join(out.Ledger, ledger.LaneFile(LaneName, ledger.HooksName)), 0)
	for _, r := range recs {
		out.Hooks = append(out.Hooks, HookEvent{Time: r.Time, Event: r.Event, Type: r.Type})
	}
	if data, err := os.ReadFile(filepath.Join(out.Ledger, ledger.LanesDir, LaneName, ledger.ResultName)); err == nil {
		out.Result, _ = contract.Parse[contract.JobResult](ledger.ResultName, data)
	}
	if data, err := os.ReadFile(filepath.Join(b.root, EditedFile)); err == nil {
		out.Edited = string(data)
	}
	return out
}

// Check asserts what a cell of the matrix must show: the lane's result
// was accepted (lane done, status PASS), its delivery was confirmed, the
// scripted model read the lane prompt (its content reached the model),
// made the edit (writing) or none (read-only), reported through the result
// channel, and no process of the run survived the stop. It reports every
// failure with the lane's last screen.
func Check(t testing.TB, o Outcome, m Matrix) {
	t.Helper()
	var bad []string
	if o.Lane.State != contract.LaneDone && o.Lane.Result == "" {
		bad = append(bad, fmt.Sprintf("the lane has no accepted result: it is %s (%s: %s)", o.Lane.State, o.Lane.Source, o.Lane.Reason))
	}
	if o.Result == nil || o.Result.Status != contract.StatusPass {
		bad = append(bad, "the result file is missing or not PASS")
	}
	if !o.Delivery.Delivered {
		bad = append(bad, fmt.Sprintf("delivery was not confirmed: %s", o.Delivery.Reason))
	}
	steps := o.Model.Steps()
	// The model's closing answer may come after the engine accepted the
	// result and stopped the run, so it is not required.
	want := []string{"read", "result"}
	if m.Writing {
		want = []string{"read", "edit", "result"}
	}
	if !containsInOrder(steps, want) {
		bad = append(bad, fmt.Sprintf("the model's steps were %v, want %v in order", steps, want))
	}
	if !o.Model.SawPrompt() {
		bad = append(bad, "the lane prompt's text never reached the model in a tool result")
	}
	wrote := strings.Contains(o.Edited, "conformance edit")
	switch {
	case m.Writing && !wrote:
		bad = append(bad, "the writing lane did not change "+EditedFile)
	case !m.Writing && wrote:
		bad = append(bad, "the read-only lane changed "+EditedFile)
	}
	if len(o.Survivors) > 0 {
		bad = append(bad, fmt.Sprintf("processes of the run survived the stop: %v", o.Survivors))
	}
	if len(bad) > 0 {
		t.Errorf("conformance: %s\nlast screen:\n%s", strings.Join(bad, "\n"), o.Screen)
	}
}

// SawPrompt reports whether some tool result the model received held the
// lane prompt's heading, which proves the CLI read the prompt file.
func (m *Model) SawPrompt() bool {
	for _, r := range m.Requests() {
		for _, res := range r.ToolResults {
			if strings.Contains(res, "CoCoder lane prompt") {
				return true
			}
		}
	}
	return false
}

func containsInOrder(have, want []string) bool {
	i := 0
	for _, h := range have {
		if i < len(want) && h == want[i] {
			i++
		}
	}
	return i == len(want)
}

func ledgerDir(home *workspace.Home, st contract.RunStatus) (string, error) {
	return ledger.Dir(home.Dir(), st.WorkspaceID, st.RunID)
}

// typedDeclaration returns cli's adapter declared to take its prompt typed
// (see Matrix.Typed), as JSON, which a .yaml file may hold.
func typedDeclaration(cli CLI, m Matrix) (string, error) {
	var from []string
	if cli.Declarations != "" {
		from = append(from, cli.Declarations)
	}
	all, err := adapter.Load(from...)
	if err != nil {
		return "", err
	}
	a, ok := all[cli.Adapter]
	if !ok {
		return "", fmt.Errorf("no declaration of adapter %s", cli.Adapter)
	}
	var args []string
	for i, arg := range a.Args {
		next := ""
		if i+1 < len(a.Args) {
			next = a.Args[i+1]
		}
		if arg == contract.PlaceholderPrompt || (strings.HasPrefix(arg, "-") && next == contract.PlaceholderPrompt) {
			continue
		}
		args = append(args, arg)
	}
	a.Args, a.PromptDelivery = args, contract.DeliverType
	if m.SubmitKeys != nil {
		a.SubmitKeys = m.SubmitKeys
	}
	b, err := json.MarshalIndent(a, "", "  ")
	if err != nil {
		return "", err
	}
	return string(b) + "\n", nil
}

func writeFile(path, content string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(content), 0o644)
}

func copyDir(from, to string) error {
	entries, err := os.ReadDir(from)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			return err
		}
		if err := writeFile(filepath.Join(to, e.Name()), string(b)); err != nil {
			return err
		}
	}
	return nil
}

// oneLane are the workspace files of a one-lane run of adapter.
func oneLane(adapter string, writing bool) map[string]string {
	return map[string]string{
		"cocoder/routes/conformance.yaml":          routeYAML,
		"cocoder/profiles/conformance.yaml":        profileYAML(adapter, writing),
		"cocoder/boundaries/" + Priority + ".yaml": boundaryYAML,
	}
}

const routeYAML = `id: conformance
label: One lane of the adapter under test
lead: solo
teammates: []
lanes: [solo]
gates: [startup-packet]
writePolicy: one-writer
orchestratorCommit:
  enabled: false
  writerLanes: [solo]
`

const boundaryYAML = `id: ` + Priority + `
prioritySlug: ` + Priority + `
label: The conformance lane's one file
writerLanes:
  ` + LaneName + `:
    allowed:
      - ` + EditedFile + `
`

func profileYAML(adapter string, writing bool) string {
	persona, write := "verifier", "false"
	if writing {
		persona, write = "writer", "true"
	}
	return fmt.Sprintf(`id: conformance
label: One lane of %s
lanes:
  solo:
    persona: %s
    adapter: %s
    canWrite: %s
defaults:
  missingAdapterPolicy: block
`, adapter, persona, adapter, write)
}

// Survivors returns the processes still alive after wait whose
// environment names run runID (COCODER_RUN_ID, which the engine sets in
// every lane and its programs inherit). Only processes this user may read
// are seen. It is Linux-only; elsewhere it finds none.
func Survivors(runID string, wait time.Duration) []int {
	deadline := time.Now().Add(wait)
	for {
		pids := processesOfRun(runID)
		if len(pids) == 0 || time.Now().After(deadline) {
			return pids
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func processesOfRun(runID string) []int {
	entries, _ := os.ReadDir("/proc")
	needle := []byte("COCODER_RUN_ID=" + runID + "\x00")
	var out []int
	for _, e := range entries {
		var pid int
		if _, err := fmt.Sscanf(e.Name(), "%d", &pid); err != nil || pid == os.Getpid() {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err != nil || !containsBytes(b, needle) {
			continue
		}
		if st, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat")); err == nil && isZombie(st) {
			continue
		}
		out = append(out, pid)
	}
	slices.Sort(out)
	return out
}

func containsBytes(b, sub []byte) bool { return strings.Contains(string(b), string(sub)) }

// isZombie reads the state field of /proc/PID/stat.
func isZombie(stat []byte) bool {
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && i+2 < len(s) && s[i+2] == 'Z'
}

// jsonFile writes v as JSON to path.
func jsonFile(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return writeFile(path, string(b)+"\n")
}
