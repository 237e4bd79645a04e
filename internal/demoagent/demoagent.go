// Package demoagent is CoCoder's built-in demo agent, run as the hidden
// command `cocoder agent demo`. It behaves like an interactive agent CLI in
// a lane, deterministically, so a whole run works on a machine with no
// vendor CLI and every failure path can be exercised on purpose:
//
//   - It takes its prompt like a real CLI: --prompt TEXT, --prompt-file F,
//     standard input, or typed at its "demo>" prompt when standard input is
//     a terminal (the shipped adapter types it, which exercises the
//     engine's acknowledged delivery). The prompt names the lane's
//     prompt.md, from which it learns its identity, write scope and
//     priority.
//   - On submission it prints "demo: working", then progress lines.
//   - A lane that may write gets one appended line, "- <run id> <lane>:
//     <priority> demo edit", in a concrete file inside its scope: the first
//     allowed entry that is a plain file path, else a file the priority's
//     text names, else cocoder/memory/demo-notes.md when the scope allows
//     it. With none of these it changes nothing and reports BLOCK. A
//     read-only lane changes nothing.
//   - It writes result.md and a job result (validated first) atomically to
//     COCODER_RESULT_FILE and exits 0, or with --stay keeps showing its
//     prompt until killed.
//
// COCODER_DEMO_FAULT (a comma-separated list) makes it misbehave; see
// Faults. Tests in other packages can make their test binary act as the
// demo agent by calling Main from TestMain.
package demoagent

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/term"
)

// The environment variables the demo agent reads.
const (
	EnvRunID      = "COCODER_RUN_ID"
	EnvLane       = "COCODER_LANE"
	EnvResultFile = "COCODER_RESULT_FILE"
	EnvWorkspace  = "COCODER_WORKSPACE"
	// EnvFault selects misbehaviour: a comma-separated list of faults.
	EnvFault = "COCODER_DEMO_FAULT"
	// EnvStartDelay is the slow-start delay as a Go duration (default 2s).
	EnvStartDelay = "COCODER_DEMO_START_DELAY"
)

// The faults COCODER_DEMO_FAULT may list.
const (
	// FaultOutOfScope also edits a file outside the lane's scope.
	FaultOutOfScope = "out-of-scope"
	// FaultMalformedResult writes a result that is not JSON.
	FaultMalformedResult = "malformed-result"
	// FaultInvalidResult writes JSON that fails the job-result contract
	// (a PASS without evidence).
	FaultInvalidResult = "invalid-result"
	// FaultNoResult writes no result and exits 0.
	FaultNoResult = "no-result"
	// FaultHang never finishes after the busy marker.
	FaultHang = "hang"
	// FaultExitNonzero makes its edit, writes no result and exits 3.
	FaultExitNonzero = "exit-nonzero"
	// FaultSwallowEnter ignores the first Enter at the prompt, like a TUI
	// that was not ready: the text stays in its input line.
	FaultSwallowEnter = "swallow-enter"
	// FaultSlowStart shows the prompt only after a delay.
	FaultSlowStart = "slow-start"
)

// Faults lists every fault, in documentation order.
var Faults = []string{FaultOutOfScope, FaultMalformedResult, FaultInvalidResult, FaultNoResult, FaultHang, FaultExitNonzero, FaultSwallowEnter, FaultSlowStart}

// Markers the demo adapter's readyPattern and busyPattern match.
const (
	// ReadyMarker starts the input line.
	ReadyMarker = "demo> "
	// BusyMarker is printed once per submitted prompt.
	BusyMarker = "demo: working"
)

// ExitFault is the exit code of the exit-nonzero fault.
const ExitFault = 3

// maxPrompt bounds the prompt text and the prompt file read.
const maxPrompt = 1 << 20

// Main runs the demo agent with args (what follows "agent demo"), the
// environment lookup env, and the given standard streams, and returns the
// exit code: 0 done, 1 failure, 2 bad usage, ExitFault on purpose.
func Main(args []string, env func(string) string, stdin io.Reader, stdout io.Writer) int {
	return MainContext(context.Background(), args, env, stdin, stdout)
}

// MainContext is Main with a context: when ctx ends, a hanging or staying
// agent returns 1.
func MainContext(ctx context.Context, args []string, env func(string) string, stdin io.Reader, stdout io.Writer) int {
	a := &agent{ctx: ctx, env: env, out: stdout}
	if code, ok := a.parse(args); !ok {
		return code
	}
	return a.run(stdin)
}

// options are the demo agent's flags.
type options struct {
	prompt, promptFile       string
	workdir                  string
	model, sandbox, approval string
	stay, tui                bool
	modelSet                 bool
}

type agent struct {
	ctx    context.Context
	env    func(string) string
	out    io.Writer
	opt    options
	faults []string
	in     *bufio.Reader
}

func (a *agent) say(format string, args ...any) { fmt.Fprintf(a.out, format+"\n", args...) }

func (a *agent) fault(f string) bool { return slices.Contains(a.faults, f) }

// parse reads the flags and the faults; it returns false with the exit
// code when the agent must stop.
func (a *agent) parse(args []string) (int, bool) {
	fs := flag.NewFlagSet("cocoder agent demo", flag.ContinueOnError)
	fs.SetOutput(a.out)
	o := &a.opt
	fs.StringVar(&o.prompt, "prompt", "", "the prompt `text` (instead of typing it)")
	fs.StringVar(&o.promptFile, "prompt-file", "", "read the prompt from `file` (a lane's prompt.md)")
	fs.StringVar(&o.workdir, "workdir", "", "the repository `root` (default $COCODER_WORKSPACE, then the current directory)")
	fs.StringVar(&o.model, "model", "", "the `model` the engine passed (reported in the result)")
	fs.StringVar(&o.sandbox, "sandbox", "", "read-only, workspace-write or danger-full-access; read-only forbids the edit")
	fs.StringVar(&o.approval, "approval", "", "never or on-request (accepted and ignored)")
	fs.BoolVar(&o.stay, "stay", false, "after the result, keep showing the prompt until killed, like a TUI")
	fs.BoolVar(&o.tui, "tui", false, "show the prompt and read one typed line even when stdin is not a terminal")
	fs.Usage = func() {
		fmt.Fprintln(a.out, "usage: cocoder agent demo [flags]\n\nThe built-in demo agent (see docs/adapters.md). Faults: "+EnvFault+"="+strings.Join(Faults, ","))
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, false
		}
		return 2, false
	}
	fs.Visit(func(f *flag.Flag) { o.modelSet = o.modelSet || f.Name == "model" })
	if fs.NArg() > 0 {
		a.say("demo: unexpected argument %q; give the prompt with --prompt or --prompt-file", fs.Arg(0))
		return 2, false
	}
	for f := range strings.SplitSeq(a.env(EnvFault), ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !slices.Contains(Faults, f) {
			a.say("demo: unknown fault %q in %s; use any of %s", f, EnvFault, strings.Join(Faults, ", "))
			return 2, false
		}
		a.faults = append(a.faults, f)
	}
	return 0, true
}

func (a *agent) run(stdin io.Reader) int {
	a.in = bufio.NewReader(stdin)
	a.say("CoCoder demo agent · lane %s · run %s", or(a.env(EnvLane), "?"), or(a.env(EnvRunID), "?"))
	text, err := a.readPrompt(stdin)
	if err != nil {
		a.say("demo: %v", err)
		return 1
	}
	a.say("%s (lane %s)", BusyMarker, or(a.env(EnvLane), "?"))
	p, source, err := a.lanePrompt(text)
	if err != nil {
		a.say("demo: %v", err)
		return 1
	}
	a.say("demo: read %s: lane %s, persona %s, priority [%s]", source, p.Lane, p.Persona, p.Priority)
	if a.fault(FaultHang) {
		a.say("demo: thinking…")
		<-a.ctx.Done()
		return 1
	}
	w := a.work(p)
	if a.fault(FaultExitNonzero) {
		a.say("demo: exiting with status %d on purpose, without a result", ExitFault)
		return ExitFault
	}
	if err := a.finish(p, w); err != nil {
		a.say("demo: %v", err)
		return 1
	}
	if a.opt.stay {
		return a.stay(w.resultFile)
	}
	return 0
}

// readPrompt returns the prompt text from the flags, the terminal or stdin.
func (a *agent) readPrompt(stdin io.Reader) (string, error) {
	switch {
	case a.opt.prompt != "":
		return a.opt.prompt, nil
	case a.opt.promptFile != "":
		return readCapped(a.opt.promptFile)
	case a.opt.tui || isTerminal(stdin):
		return a.typed()
	}
	data, err := io.ReadAll(io.LimitReader(a.in, maxPrompt))
	if err != nil {
		return "", fmt.Errorf("reading the prompt from stdin: %w", err)
	}
	if strings.TrimSpace(string(data)) == "" {
		return "", errors.New("no prompt: stdin was empty; pass --prompt, --prompt-file or type it")
	}
	return string(data), nil
}

// typed shows the ready marker and reads one submitted line.
func (a *agent) typed() (string, error) {
	if a.fault(FaultSlowStart) {
		d, err := time.ParseDuration(or(a.env(EnvStartDelay), "2s"))
		if err != nil {
			d = 2 * time.Second
		}
		a.say("demo: starting up…")
		if err := sleep(a.ctx, d); err != nil {
			return "", err
		}
	}
	for {
		fmt.Fprint(a.out, ReadyMarker)
		line, err := a.readLine()
		if err != nil {
			return "", fmt.Errorf("no prompt was typed: %w", err)
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		if a.fault(FaultSwallowEnter) {
			// Show the text as still waiting in the input line; the next
			// Enter (an empty line) submits it.
			fmt.Fprint(a.out, ReadyMarker+line)
			if _, err := a.readLine(); err != nil {
				return "", fmt.Errorf("the prompt was never submitted: %w", err)
			}
			fmt.Fprintln(a.out)
		}
		return line, nil
	}
}

// readLine reads one line, without bracketed-paste markers.
func (a *agent) readLine() (string, error) {
	line, err := a.in.ReadString('\n')
	if err != nil && (line == "" || err != io.EOF) {
		return "", err
	}
	line = strings.NewReplacer("\x1b[200~", "", "\x1b[201~", "").Replace(line)
	return strings.TrimRight(line, "\r\n"), nil
}

// lanePrompt finds and parses the lane prompt: the text itself when it is
// one, else the first existing file the text names by absolute path that
// is one (the text may name other files too, such as the lead's task).
func (a *agent) lanePrompt(text string) (Prompt, string, error) {
	if p, err := ParsePrompt(text); err == nil {
		return p, "the prompt", nil
	}
	var firstErr error
	for _, word := range strings.Fields(text) {
		w := strings.Trim(word, "\"'`()[]<>,;")
		w = strings.TrimRight(w, ".:")
		if !filepath.IsAbs(w) {
			continue
		}
		if st, err := os.Stat(w); err != nil || !st.Mode().IsRegular() {
			continue
		}
		data, err := readCapped(w)
		if err == nil {
			var p Prompt
			if p, err = ParsePrompt(data); err == nil {
				return p, w, nil
			}
		}
		if firstErr == nil {
			firstErr = fmt.Errorf("%s: %w", w, err)
		}
	}
	if firstErr != nil {
		return Prompt{}, "", firstErr
	}
	return Prompt{}, "", errors.New("the prompt names no lane prompt file (an absolute path to an existing prompt.md)")
}

// stay keeps the prompt on screen, answering each line, until stdin ends
// or ctx does.
func (a *agent) stay(resultFile string) int {
	// The marker is printed before the reader starts: from then on only the
	// reader writes to the terminal.
	fmt.Fprint(a.out, ReadyMarker)
	lines := make(chan struct{})
	go func() {
		defer close(lines)
		for {
			if _, err := a.readLine(); err != nil {
				return
			}
			a.say("demo: this lane is finished; its result is %s", resultFile)
			fmt.Fprint(a.out, ReadyMarker)
		}
	}()
	select {
	case <-lines:
		return 0
	case <-a.ctx.Done():
		return 1
	}
}

func readCapped(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("reading the prompt file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxPrompt+1))
	if err != nil {
		return "", fmt.Errorf("reading %s: %w", path, err)
	}
	if len(data) > maxPrompt {
		return "", fmt.Errorf("%s is larger than %d KiB; a lane prompt is small", path, maxPrompt>>10)
	}
	return string(data), nil
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
