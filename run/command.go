package run

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// commandResult is how a gate's command ended.
type commandResult struct {
	code   int
	took   time.Duration
	reason string // why it could not run or did not finish; "" when it did
	out    *tailBuffer
}

// tail returns the last n bytes of the command's output.
func (c commandResult) tail(n int) string { return c.out.tail(n) }

// runCommand runs argv in dir with exactly env, its standard output and
// error merged and only their tail kept. It runs in its own process group,
// which is killed when timeout passes or ctx ends. argv never goes through
// a shell.
func runCommand(ctx context.Context, dir string, argv, env []string, timeout time.Duration) commandResult {
	res := commandResult{out: &tailBuffer{max: 64 << 10}}
	if len(argv) == 0 {
		res.code, res.reason = -1, "the command is empty"
		return res
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(cctx, argv[0], argv[1:]...)
	cmd.Dir, cmd.Env = dir, env
	cmd.Stdout, cmd.Stderr = res.out, res.out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 2 * time.Second
	start := time.Now()
	err := cmd.Run()
	res.took = time.Since(start)
	var exit *exec.ExitError
	switch {
	case cctx.Err() == context.DeadlineExceeded:
		res.code, res.reason = -1, fmt.Sprintf("it did not finish within %s and was killed", timeout)
	case ctx.Err() != nil:
		res.code, res.reason = -1, "it was interrupted"
	case errors.As(err, &exit):
		res.code = exit.ExitCode()
	case err != nil:
		res.code, res.reason = -1, "it could not run: "+err.Error()
	}
	return res
}

// verifyEnv is the environment of a gate command: the caller's base
// variables (PATH, HOME, LANG, ...) and nothing of the engine's own.
func (r *Runner) verifyEnv() []string {
	var env []string
	for _, k := range r.baseEnvFor("") {
		if v := r.getenv(k); v != "" {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf bytes.Buffer
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf.Write(p)
	if over := t.buf.Len() - t.max; over > 0 {
		t.buf.Next(over)
	}
	return len(p), nil
}

func (t *tailBuffer) tail(n int) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.buf.Bytes()
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
