// Command embed shows CoCoder used as a library: a Go program that opens a
// home, scaffolds a workspace in a new git repository, plans and starts a
// three-lane run, follows the run's events as they become durable, waits
// for every lane's result and stops the run.
//
// With no vendor agent CLI installed every lane falls back to the built-in
// demo agent, which this program runs itself (see cocoder.AgentMain), so
// it works on a fresh machine:
//
//	go run ./examples/embed                # lanes as child processes
//	go run ./examples/embed -host tmux     # lanes in panes of a private tmux server
//
// Everything it writes, the CoCoder home included, lives in one scratch
// directory that is removed at the end unless -keep is given.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"time"

	"github.com/cocoder/cocoder"
	"github.com/cocoder/cocoder/run"
	"github.com/cocoder/cocoder/run/host"
	"github.com/cocoder/cocoder/workspace"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	// The lanes that fall back to the demo agent start this very program
	// as "embed agent demo ...": hand those invocations to the agent.
	if code, ok := cocoder.AgentMain(ctx, os.Args[1:]); ok {
		os.Exit(code)
	}
	host := flag.String("host", host.KindExec, "where lanes run: exec (child processes) or tmux (a private tmux server)")
	keep := flag.Bool("keep", false, "keep the scratch directory")
	flag.Parse()

	dir, err := os.MkdirTemp("", "cocoder-embed-")
	if err == nil {
		err = runDemo(ctx, dir, *host, os.Stdout)
		if *keep {
			fmt.Println("kept:", dir)
		} else {
			_ = os.RemoveAll(dir)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "embed:", err)
		os.Exit(1)
	}
}

// runDemo does the whole walk-through inside dir, printing to out.
func runDemo(ctx context.Context, dir, host string, out io.Writer) error {
	repo := filepath.Join(dir, "repo")
	if err := newRepo(ctx, repo); err != nil {
		return err
	}

	// One home per program (usually ~/.cocoder; here a scratch one).
	client, err := cocoder.Open(ctx, cocoder.Config{Home: filepath.Join(dir, "home"), Host: host, Actor: "embed-example"})
	if err != nil {
		return err
	}
	if _, err := client.Init(ctx, repo, workspace.InitOptions{}); err != nil {
		return err
	}
	ws, err := client.Workspace(repo)
	if err != nil {
		return err
	}
	runner, err := client.Runner(ws)
	if err != nil {
		return err
	}
	defer runner.Close()

	// Plan: nothing is written, every preflight finding is returned.
	plan, err := runner.Plan(ctx, run.PlanRequest{Priority: "try-cocoder"})
	if err != nil {
		return err
	}
	for _, n := range plan.Notices {
		fmt.Fprintln(out, "notice:", n)
	}
	for _, l := range plan.Lanes {
		fmt.Fprintf(out, "lane %-8s persona %-10s adapter %-6s sandbox %s\n", l.Lane, l.Persona, l.Adapter, l.Sandbox)
	}
	if plan.Blocking() {
		return fmt.Errorf("the plan has blocking issues: %v", plan.Issues)
	}

	// Follow the run: each event arrives once it is durable in the ledger.
	events := runner.Subscribe(ctx, plan.RunID)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range events {
			fmt.Fprintf(out, "event %3d %-16s %s\n", ev.Seq, ev.Type, ev.Lane)
		}
	}()

	st, err := runner.Start(ctx, plan)
	if err == nil {
		st, err = runner.Wait(ctx, plan.RunID, run.WaitOptions{Timeout: 2 * time.Minute})
	}
	// Wait returns when the run ended: the lead dispatched the writer and
	// then the verifier, and the engine committed the writer's change.
	// Stop clears what is left of the lanes (a run that did not finish
	// would be marked aborted).
	stopErr := runner.Stop(context.WithoutCancel(ctx), plan.RunID)
	if err != nil {
		return errors.Join(err, stopErr)
	}
	if err := runner.Close(); err != nil { // closes the event channel
		return err
	}
	<-done

	lanes := make([]string, 0, len(st.Lanes))
	for name := range st.Lanes {
		lanes = append(lanes, name)
	}
	sort.Strings(lanes)
	for _, name := range lanes {
		l := st.Lanes[name]
		fmt.Fprintf(out, "result %-8s %-6s %s\n", name, l.State, l.Result)
	}
	if stopErr != nil {
		return stopErr
	}
	// The ledger on disk is the truth; Get replays it.
	final, err := runner.Get(ctx, plan.RunID)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "run %s: %s (%s)\n", final.RunID, final.State, final.Reason)
	return nil
}

// newRepo makes a git repository with one commit: runs need a work tree.
func newRepo(ctx context.Context, repo string) error {
	if err := os.MkdirAll(repo, 0o755); err != nil {
		return err
	}
	for _, args := range [][]string{
		{"init", "-q"},
		{"-c", "user.name=CoCoder example", "-c", "user.email=example@cocoder.invalid", "commit", "-q", "--allow-empty", "-m", "start"},
	} {
		cmd := exec.CommandContext(ctx, "git", args...)
		cmd.Dir = repo
		if b, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("git %s: %v: %s", args[0], err, b)
		}
	}
	return nil
}
