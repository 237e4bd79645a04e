package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/demoagent"
	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/internal/textx"
	runpkg "github.com/cocoder/cocoder/run"
	"github.com/cocoder/cocoder/run/host"
	"github.com/cocoder/cocoder/workspace"
)

// runCmd groups the commands that plan, start, watch and stop runs. Each
// is thin over run.Runner.
type runCmd struct {
	Plan     runPlanCmd     `cmd:"" help:"Show what a run would do (lanes, adapters, models, argv, write scopes, issues) without starting it."`
	Start    runStartCmd    `cmd:"" help:"Start a run for a priority."`
	List     runListCmd     `cmd:"" help:"List the runs of this workspace (--all: of every workspace)."`
	Status   runStatusCmd   `cmd:"" help:"Show a run's state and each lane's."`
	Wait     runWaitCmd     `cmd:"" help:"Supervise a run to its end: dispatches, results, gates, commits (for a run started without --wait)."`
	Dispatch runDispatchCmd `cmd:"" help:"Give a lane that waits for the lead's dispatch its work (the supervisor starts it)."`
	Send     runSendCmd     `cmd:"" help:"Send a lane a follow-up message."`
	Attach   runAttachCmd   `cmd:"" help:"Attach your terminal to a run's tmux session."`
	Logs     runLogsCmd     `cmd:"" help:"Print a lane's transcript (--follow to keep reading)."`
	Stop     runStopCmd     `cmd:"" help:"Stop a run: kill its lanes and mark it aborted (repeat the id with --confirm)."`
}

// wsFlag is the --workspace flag of the commands that need a workspace.
type wsFlag struct {
	Workspace string `name:"workspace" short:"w" placeholder:"DIR" help:"The workspace (default: the one containing the current directory)."`
}

// find locates the workspace from --workspace or the current directory.
func (f wsFlag) find() (*workspace.Workspace, error) {
	dir := f.Workspace
	if dir == "" {
		dir = "."
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, errs.Wrap(errs.Invalid, "run", err, "cannot resolve %q", dir)
	}
	if err := mustExist("--workspace", abs); err != nil {
		return nil, err
	}
	return findIn(abs)
}

// mustExist reports a path given with flag that does not exist as such,
// rather than as "not inside a workspace".
func mustExist(flag, path string) error {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return errs.E(errs.NotFound, "", "%s %s does not exist", flag, path)
	}
	return nil
}

// envAllowRoot is the variable that, set to 1 (or true), silences the
// warning about running as root, like --allow-root.
const envAllowRoot = "COCODER_ALLOW_ROOT"

// rootFlag is the --allow-root flag of the commands that start or
// supervise agents.
type rootFlag struct {
	AllowRoot bool `name:"allow-root" help:"Do not warn when running as root (also COCODER_ALLOW_ROOT=1)."`
}

// warnRoot prints one warning line on stderr when the effective user is
// root, unless --allow-root or COCODER_ALLOW_ROOT silences it: the agents
// this command starts would have root's rights on the whole machine.
func (f rootFlag) warnRoot(s *streams) {
	if f.AllowRoot || s.euid == nil || s.euid() != 0 {
		return
	}
	if ok, _ := strconv.ParseBool(s.getenv(envAllowRoot)); ok {
		return
	}
	fmt.Fprintf(s.err, "cocoder: warning: running as root, so the agents of this run can read and change anything on this machine; run cocoder as an ordinary user (pass --allow-root or set %s=1 to silence this warning)\n", envAllowRoot)
}

// passEnv are the caller's variables every lane receives when set: the
// demo agent's switches, so its faults can be chosen from the shell.
var passEnv = []string{demoagent.EnvFault, demoagent.EnvStartDelay}

// newRunner opens the home and returns a Runner for ws (which may be nil).
func newRunner(ctx context.Context, g *globals, s *streams, ws *workspace.Workspace, hostKind string) (*runpkg.Runner, *workspace.Home, error) {
	c, err := g.client(ctx, s, hostKind)
	if err != nil {
		return nil, nil, err
	}
	r, err := c.Runner(ws)
	return r, c.Home(), err
}

// runnerFor returns a Runner for the commands that work on any run of the
// home.
func runnerFor(ctx context.Context, g *globals, s *streams) (*runpkg.Runner, error) {
	r, _, err := newRunner(ctx, g, s, nil, "")
	return r, err
}

// shellQuote renders argv for a terminal, quoting what a shell would
// split or expand.
func shellQuote(argv []string) string {
	out := make([]string, len(argv))
	for i, a := range argv {
		if a != "" && !strings.ContainsFunc(a, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:@%+,", r))
		}) {
			out[i] = a
			continue
		}
		out[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(out, " ")
}

// runView is what `run start` and `run status` print with --json.
type runView struct {
	Run    contract.RunStatus `json:"run"`
	Ledger string             `json:"ledger"`
	// Attach is the command that attaches to the run's tmux session, while
	// it has tmux lanes and has not ended.
	Attach []string `json:"attach,omitempty"`
	Stop   []string `json:"stop"`
	// Unrecorded names the lanes whose program has ended without a
	// supervisor recording it (`run status` only): `run wait` records them.
	Unrecorded []string `json:"unrecorded,omitempty"`
}

// viewOf builds the view of a run.
func viewOf(ctx context.Context, r *runpkg.Runner, st contract.RunStatus) runView {
	v := runView{Run: st, Stop: []string{"cocoder", "run", "stop", st.RunID, "--confirm", st.RunID}}
	v.Ledger, _ = r.LedgerDir(ctx, st.RunID)
	for _, ls := range st.Lanes {
		if ls.Handle != nil && ls.Handle.Host == host.KindTmux && !st.State.Terminal() {
			v.Attach = []string{"cocoder", "run", "attach", st.RunID}
		}
	}
	return v
}

// printLanes renders the lanes of a status as a table.
func printLanes(w io.Writer, st contract.RunStatus, order []string) {
	fmt.Fprintf(w, "  %-10s %-10s %-8s %-14s %-9s %-12s %-9s %-7s %s\n", "LANE", "PERSONA", "ADAPTER", "MODEL", "STATE", "SOURCE", "PROMPT", "RESULT", "NOTE")
	for _, name := range order {
		ls, ok := st.Lanes[name]
		if !ok {
			continue
		}
		note := textx.OneLine(ls.Reason) // the reason may quote an agent
		// What the CLI's own hooks last said.
		if ls.Activity != "" {
			note = strings.TrimSuffix("CLI "+string(ls.Activity)+"; "+note, "; ")
		}
		if ls.ExitCode != nil {
			note = strings.TrimSpace(fmt.Sprintf("exit %d %s", *ls.ExitCode, note))
		}
		fmt.Fprintf(w, "  %-10s %-10s %-8s %-14s %-9s %-12s %-9s %-7s %s\n", name, ls.Persona, ls.Adapter,
			or(ls.Model, "-"), ls.State, ls.Source, or(ls.Delivery, "-"), or(ls.Result, "-"), note)
	}
}

// laneOrder returns the lanes of a run in the plan's start order when the
// plan can be read, else sorted.
func laneOrder(dir string, st contract.RunStatus) []string {
	if p, err := runpkg.ReadPlan(dir); err == nil {
		var out []string
		for _, l := range p.Lanes {
			out = append(out, l.Lane)
		}
		for name := range st.Lanes {
			if _, ok := p.Lane(name); !ok {
				out = append(out, name)
			}
		}
		return out
	}
	var out []string
	for name := range st.Lanes {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// readLimited reads at most max bytes of r; more is an errs.Invalid error.
func readLimited(r io.Reader, max int, what string) (string, error) {
	b, err := io.ReadAll(io.LimitReader(r, int64(max)+1))
	if err != nil {
		return "", errs.Wrap(errs.Invalid, "run", err, "cannot read %s", what)
	}
	if len(b) > max {
		return "", errs.E(errs.Invalid, "run", "%s is longer than %d bytes", what, max)
	}
	return string(b), nil
}

// environ is the environment handed to a program cocoder replaces itself
// with (tmux attach).
func environ() []string { return os.Environ() }

// findIn finds the workspace around dir, with the CLI's hint when there is
// none.
func findIn(dir string) (*workspace.Workspace, error) {
	ws, err := workspace.Find(dir)
	if errs.CodeOf(err) == errs.NotFound {
		return nil, withHint(err, "run `cocoder init` in the repository root to scaffold its cocoder/ folder")
	}
	return ws, err
}
