package run_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/cocoder/cocoder/run"
	"github.com/cocoder/cocoder/run/host"
	"github.com/cocoder/cocoder/workspace"
)

// ExampleRunner_Plan plans a run of a freshly scaffolded workspace on a
// machine with no vendor agent CLI: every lane falls back to the built-in
// demo agent, and the plan says so. Plan writes nothing; Start would carry
// the plan out, Wait supervise it and Stop end it.
func ExampleRunner_Plan() {
	ctx := context.Background()
	tmp, _ := os.MkdirTemp("", "cocoder-example")
	defer os.RemoveAll(tmp)
	repo, bin := filepath.Join(tmp, "repo"), filepath.Join(tmp, "bin")
	_ = os.MkdirAll(repo, 0o755)
	_ = os.MkdirAll(bin, 0o755)
	// A PATH with git and tmux only.
	for _, prog := range []string{"git", "tmux"} {
		if p, err := exec.LookPath(prog); err == nil {
			_ = os.Symlink(p, filepath.Join(bin, prog))
		}
	}
	_ = exec.Command("git", "-C", repo, "init", "-q").Run()
	home, err := workspace.OpenHome(ctx, filepath.Join(tmp, "home"))
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := workspace.Init(ctx, repo, workspace.InitOptions{Home: home}); err != nil {
		fmt.Println(err)
		return
	}
	ws, _ := workspace.Find(repo)

	r, err := run.New(run.Options{
		Home: home, Workspace: ws, Self: "/opt/cocoder/bin/cocoder",
		Getenv: func(k string) string {
			if k == "PATH" {
				return bin
			}
			return ""
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Close()
	plan, err := r.Plan(ctx, run.PlanRequest{Priority: "try-cocoder"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, l := range plan.Lanes {
		fmt.Printf("%s: %s (fallback for %s), %s, starts %s\n", l.Lane, l.Adapter, l.PrimaryAdapter, l.Sandbox, l.StartupMode)
	}
	fmt.Println("blocking:", plan.Blocking())
	// Output:
	// lead: demo (fallback for claude), read-only, starts lead
	// writer: demo (fallback for codex), workspace-write, starts wait-for-lead-dispatch
	// verifier: demo (fallback for claude), read-only, starts wait-for-lead-dispatch
	// blocking: false
}

// ExampleRunner_Start carries out a whole run of a freshly scaffolded
// workspace with the built-in demo agent on the exec host (lanes as child
// processes; the tmux host is the default): Plan, then Start executes the
// plan and Wait supervises it to its end. The lead dispatches the writer,
// then the verifier once the writer's result is accepted; the engine
// checks the writer's change against its scope and commits it.
// Options.Self names the program that plays the demo agent; here it is
// this test binary, which dispatches "agent demo" like the cocoder command
// does.
func ExampleRunner_Start() {
	ctx := context.Background()
	tmp, _ := os.MkdirTemp("", "cocoder-example")
	defer os.RemoveAll(tmp)
	repo := filepath.Join(tmp, "repo")
	_ = os.MkdirAll(repo, 0o755)
	git := func(args ...string) { _ = exec.Command("git", append([]string{"-C", repo}, args...)...).Run() }
	git("init", "-q")
	home, err := workspace.OpenHome(ctx, filepath.Join(tmp, "home"))
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := workspace.Init(ctx, repo, workspace.InitOptions{Home: home}); err != nil {
		fmt.Println(err)
		return
	}
	git("add", "-A")
	git("config", "user.name", "Example")
	git("config", "user.email", "example@example.com")
	git("commit", "-q", "-m", "scaffold")
	ws, _ := workspace.Find(repo)
	self, _ := os.Executable()

	r, err := run.New(run.Options{
		Home: home, Workspace: ws, Self: self, HostKind: host.KindExec,
		// No vendor CLI on the PATH: every lane falls back to the demo agent.
		Getenv: func(k string) string {
			if k == "PATH" {
				return "/usr/bin:/bin"
			}
			return ""
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Close()
	plan, err := r.Plan(ctx, run.PlanRequest{Priority: "try-cocoder"})
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := r.Start(ctx, plan); err != nil {
		fmt.Println(err)
		return
	}
	st, err := r.Wait(ctx, plan.RunID, run.WaitOptions{Timeout: time.Minute})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("run:", st.State)
	for _, lane := range plan.Lanes {
		ls := st.Lanes[lane.Lane]
		fmt.Printf("%s: %s (%s), result %s\n", lane.Lane, ls.State, ls.Source, ls.Result)
	}
	out, _ := exec.Command("git", "-C", repo, "log", "-1", "--format=%(trailers:key=Cocoder-Lane,valueonly)").Output()
	fmt.Printf("committed for lane: %s", out)
	// Output:
	// run: complete
	// lead: done (result_file), result PASS
	// writer: done (result_file), result PASS
	// verifier: done (result_file), result PASS
	// committed for lane: writer
}
