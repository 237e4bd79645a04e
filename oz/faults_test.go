package oz_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/internal/testkit"
	"github.com/cocoder/cocoder/oz"
	"github.com/cocoder/cocoder/run"
	"github.com/cocoder/cocoder/run/host"
	"github.com/cocoder/cocoder/workspace"
)

// settle waits until the number of goroutines is at most max, and returns
// the last count.
func settle(max int) int {
	n := runtime.NumGoroutine()
	for i := 0; i < 100 && n > max; i++ {
		time.Sleep(50 * time.Millisecond)
		n = runtime.NumGoroutine()
	}
	return n
}

// loadScale is the load test's size: 200 clients for 10 s, or 20 for 2 s
// under -short or the race detector (as CI runs it).
func loadScale() (int, time.Duration) {
	if testing.Short() || raceEnabled {
		return 20, 2 * time.Second
	}
	return 200, 10 * time.Second
}

// Case 35: concurrent clients doing authenticated reads and writes for a
// while get no error, and leave no goroutine behind.
func TestCase35Load(t *testing.T) {
	e := newEnv(t)
	wsID := e.register()
	runID, _ := e.fakeRun(wsID)
	clients, dur := loadScale()
	tr := &http.Transport{MaxIdleConnsPerHost: clients}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	c, err := oz.NewClient(e.srv.URL, e.srv.Token, hc)
	require.NoError(t, err)
	base := runtime.NumGoroutine()

	var ops, failures atomic.Int64
	var firstErr atomic.Value
	deadline := time.Now().Add(dur)
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := context.Background()
			for j := 0; time.Now().Before(deadline); j++ {
				var err error
				switch (i + j) % 8 {
				case 0:
					_, err = c.Workspaces(ctx)
				case 1:
					_, err = c.Run(ctx, runID)
				case 2:
					_, err = c.Events(ctx, runID, 0)
				case 3:
					_, err = c.Health(ctx)
				case 4:
					_, err = c.Runs(ctx, wsID)
				case 5:
					_, err = c.Settings(ctx, "")
				case 6:
					// A write: rename the workspace (registry lock, atomic
					// replace, audit line).
					_, err = c.RenameWorkspace(ctx, wsID, fmt.Sprintf("load-%d-%d", i, j))
				case 7:
					_, err = c.Audit(ctx, 10)
				}
				ops.Add(1)
				if err != nil {
					failures.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
				}
			}
		}()
	}
	wg.Wait()
	assert.Zero(t, failures.Load(), "first error: %v", firstErr.Load())
	t.Logf("%d clients, %s: %d requests, %.0f/s", clients, dur, ops.Load(), float64(ops.Load())/dur.Seconds())
	tr.CloseIdleConnections()
	n := settle(base)
	assert.LessOrEqual(t, n, base, "goroutines leaked")
}

// Case 36: clients that drop in the middle of an event stream leave no
// goroutine behind (the run's hub included).
func TestCase36StreamDisconnect(t *testing.T) {
	e := newEnv(t)
	wsID := e.register()
	runID, l := e.fakeRun(wsID)
	tr := &http.Transport{}
	hc := &http.Client{Transport: tr}
	c, err := oz.NewClient(e.srv.URL, e.srv.Token, hc)
	require.NoError(t, err)
	base := runtime.NumGoroutine()
	for round := range 3 {
		var cancels []context.CancelFunc
		var chans []<-chan oz.Frame
		for range 20 {
			ctx, cancel := context.WithCancel(context.Background())
			ch, err := c.Stream(ctx, runID, 0, round == 1)
			require.NoError(t, err)
			cancels = append(cancels, cancel)
			chans = append(chans, ch)
		}
		_, err := l.SetState(contract.StateReady, fmt.Sprintf("round %d", round))
		if round > 0 {
			require.Error(t, err, "ready -> ready is not a transition")
		}
		for _, ch := range chans {
			<-ch // the first frame arrived: the stream is live
		}
		for _, cancel := range cancels {
			cancel()
		}
		for _, ch := range chans {
			for range ch {
			}
		}
	}
	tr.CloseIdleConnections()
	n := settle(base)
	assert.LessOrEqual(t, n, base, "goroutines leaked after disconnects")
}

// Case 37: Shutdown lets requests in flight finish, refuses new ones, ends
// streams and stops supervising runs (their lanes keep running).
func TestCase37ShutdownDrains(t *testing.T) {
	e := newEnv(t)
	e.link("sleep")
	store, err := e.home.Secrets()
	require.NoError(t, err)
	require.NoError(t, store.Set("canary", []byte(canary)))
	e.canaryWorkspace("sleep 30", "${secret:canary}")
	wsID := e.register()
	st, err := e.srv.Client.Launch(t.Context(), oz.LaunchRequest{Workspace: wsID, Priority: "try-cocoder", Profile: "canary", Route: "solo"})
	require.NoError(t, err, "%v", err)
	stream, err := e.srv.Client.Stream(t.Context(), st.RunID, 0, false)
	require.NoError(t, err)
	<-stream

	// A registration whose body is still arriving.
	other := t.TempDir()
	git(t, other, "init", "-q")
	_, err = workspace.Init(t.Context(), other, workspace.InitOptions{Home: e.home})
	require.NoError(t, err)
	pr, pw := io.Pipe()
	req, err := http.NewRequest("POST", e.srv.URL+"/api/v1/workspaces", pr)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+e.srv.Token.Reveal())
	req.ContentLength = -1
	type result struct {
		status int
		err    error
	}
	got := make(chan result, 1)
	go func() {
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			got <- result{err: err}
			return
		}
		res.Body.Close()
		got <- result{status: res.StatusCode}
	}()
	_, err = pw.Write([]byte(`{"path":`))
	require.NoError(t, err)
	time.Sleep(100 * time.Millisecond)

	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		shut <- e.srv.Shutdown(ctx)
	}()
	time.Sleep(200 * time.Millisecond)
	select {
	case <-shut:
		t.Fatal("Shutdown returned with a request in flight")
	default:
	}
	for range stream {
	}
	_, err = http.Get(e.srv.URL + "/api/v1/health")
	assert.Error(t, err, "a new connection after Shutdown")
	_, err = pw.Write([]byte(`"` + other + `"}`))
	require.NoError(t, err)
	require.NoError(t, pw.Close())
	r := <-got
	require.NoError(t, r.err)
	assert.Equal(t, http.StatusCreated, r.status, "the request in flight finished")
	require.NoError(t, <-shut)

	// The lane still runs; a Runner in another process stops it.
	rn, err := run.New(run.Options{Home: e.home, HostKind: host.KindExec, Getenv: e.getenv})
	require.NoError(t, err)
	defer rn.Close()
	got2, err := rn.Get(t.Context(), st.RunID)
	require.NoError(t, err)
	assert.Equal(t, contract.StateRunning, got2.State, "Shutdown does not touch runs")
	require.NoError(t, rn.Stop(t.Context(), st.RunID))
}

// Case 39: when the ledger cannot be written (a full or read-only disk),
// the launch fails with a clear error and leaves nothing half-written.
func TestCase39LedgerWriteFails(t *testing.T) {
	e := newEnv(t)
	wsID := e.register()
	// runs/<workspace> is a file: no ledger directory can be made there.
	require.NoError(t, os.WriteFile(filepath.Join(e.home.RunsDir(), wsID), []byte("x"), 0o600))
	_, err := e.srv.Client.Launch(t.Context(), oz.LaunchRequest{Workspace: wsID, Priority: "try-cocoder"})
	require.Error(t, err)
	assert.NotEqual(t, errs.Internal, errs.CodeOf(err), "a clear error, not an internal one: %v", err)
	assert.Contains(t, err.Error(), wsID)
	runs, err := e.srv.Client.Runs(t.Context(), "")
	require.NoError(t, err)
	assert.Empty(t, runs, "a half-written run")
	ents, err := os.ReadDir(e.home.RunsDir())
	require.NoError(t, err)
	for _, ent := range ents {
		// A lane's state (runs/.exec) or a ledger would show here.
		assert.Equal(t, wsID, ent.Name(), "something was written under runs/")
	}
}

// Case 40: a pid file left by a dead daemon does not stop a new one (the
// pid is checked and the file removed); a live daemon does. Clock jumps
// cannot stretch a login link or session past its lifetime.
func TestCase40StaleDaemonAndClock(t *testing.T) {
	home, err := workspace.OpenHome(context.Background(), t.TempDir())
	require.NoError(t, err)
	dead := exec.Command("true")
	require.NoError(t, dead.Run())
	pid := dead.Process.Pid
	assert.False(t, oz.ProcessAlive(pid))
	testkit.PutFile(t, filepath.Join(home.OzDir(), oz.DaemonFile), fmt.Sprintf(`{"pid":%d,"addr":"127.0.0.1:7878","port":7878}`, pid))
	_, err = oz.ReadDaemon(home)
	assert.ErrorIs(t, err, errs.ErrNotFound, "a stale pid file is no daemon")

	claim, err := oz.ClaimDaemon(home)
	require.NoError(t, err)
	_, err = os.Stat(filepath.Join(home.OzDir(), oz.DaemonFile))
	assert.True(t, os.IsNotExist(err), "the stale file was removed")
	require.NoError(t, claim.Publish(oz.DaemonInfo{PID: os.Getpid(), Addr: "127.0.0.1:7879", Port: 7879}))
	info, err := oz.ReadDaemon(home)
	require.NoError(t, err)
	assert.Equal(t, os.Getpid(), info.PID)
	_, err = oz.ClaimDaemon(home)
	require.Error(t, err, "a second daemon for the same home")
	assert.ErrorIs(t, err, errs.ErrConflict)
	assert.Contains(t, err.Error(), fmt.Sprint(os.Getpid()))
	require.NoError(t, claim.Release())
	require.NoError(t, claim.Release())
	_, err = oz.ReadDaemon(home)
	assert.ErrorIs(t, err, errs.ErrNotFound)

	clock := &fakeClock{t: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)}
	e := newEnv(t, func(c *oz.Config) { c.Clock = clock.Now; c.SessionTTL = time.Hour })
	cookie := e.login()
	clock.Add(-24 * time.Hour) // backwards: still the same session
	assert.Equal(t, http.StatusOK, e.call("GET", "/api/v1/session", nil, false, "Cookie", cookie).status)
	clock.Add(24*time.Hour + time.Hour + time.Second) // past its end
	assert.Equal(t, http.StatusUnauthorized, e.call("GET", "/api/v1/session", nil, false, "Cookie", cookie).status)
}
