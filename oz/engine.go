package oz

import (
	"context"
	"sync"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/run"
	"github.com/cocoder/cocoder/workspace"
)

// engine holds the run engines Oz drives: one Runner per workspace (Plan
// and Start need one), one for the runs of any workspace, and the
// supervision of the runs Oz launched. Launch and stop go through the same
// run.Runner as the CLI.
type engine struct {
	s *Server

	mu     sync.Mutex
	base   *run.Runner
	byRoot map[string]*run.Runner
	byRun  map[string]*run.Runner
	// watched are the runs under supervision here.
	watched map[string]bool
	wg      sync.WaitGroup
	closed  bool
}

func newEngine(s *Server) *engine {
	return &engine{s: s, byRoot: map[string]*run.Runner{}, byRun: map[string]*run.Runner{}, watched: map[string]bool{}}
}

// options are the Runner options for ws (nil for the base Runner).
func (e *engine) options(ws *workspace.Workspace) run.Options {
	o := e.s.cfg.Run
	o.Home, o.Workspace, o.Actor, o.Logger = e.s.cfg.Home, ws, Actor, e.s.log
	if o.Clock == nil {
		o.Clock = e.s.now
	}
	return o
}

// any returns the Runner for runs of any workspace.
func (e *engine) any() (*run.Runner, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil, errClosed()
	}
	if e.base == nil {
		r, err := run.New(e.options(nil))
		if err != nil {
			return nil, err
		}
		e.base = r
	}
	return e.base, nil
}

// forWorkspace returns the Runner of the registered workspace entry.
func (e *engine) forWorkspace(ctx context.Context, entry contract.RegistryEntry) (*run.Runner, error) {
	root, err := e.s.cfg.Home.Registry().AbsPath(entry)
	if err != nil {
		return nil, err
	}
	ws, err := workspace.Find(root)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil, errClosed()
	}
	if r := e.byRoot[ws.Root]; r != nil {
		return r, nil
	}
	r, err := run.New(e.options(ws))
	if err != nil {
		return nil, err
	}
	e.byRoot[ws.Root] = r
	return r, nil
}

// forRun returns the Runner that launched runID here, else the base one:
// a run's workspace lock is released by the Runner that holds it.
func (e *engine) forRun(runID string) (*run.Runner, error) {
	e.mu.Lock()
	r := e.byRun[runID]
	e.mu.Unlock()
	if r != nil {
		return r, nil
	}
	return e.any()
}

// supervise watches runID with r (Runner.Wait) until every lane has an
// outcome or the server shuts down; the lanes keep running then and any
// later supervisor picks them up. A run already supervised here is left
// alone; supervise reports whether it started.
func (e *engine) supervise(r *run.Runner, runID string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed || e.watched[runID] {
		return false
	}
	e.watched[runID] = true
	e.byRun[runID] = r
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		st, err := r.Wait(e.s.life, runID, run.WaitOptions{})
		if err != nil && e.s.life.Err() == nil {
			e.s.log.Warn("oz: supervising a run failed", "run", runID, "err", err)
		} else if err == nil {
			e.s.log.Info("oz: run supervised to its lanes' outcomes", "run", runID, "state", st.State)
		}
		e.mu.Lock()
		delete(e.watched, runID)
		e.mu.Unlock()
	}()
	return true
}

// close waits for supervision to stop (the server's life has ended) and
// closes every Runner.
func (e *engine) close() {
	e.mu.Lock()
	e.closed = true
	e.mu.Unlock()
	e.wg.Wait()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.base != nil {
		_ = e.base.Close()
	}
	for _, r := range e.byRoot {
		_ = r.Close()
	}
}

func errClosed() error {
	return errs.E(errs.Unavailable, "oz", "the server is shutting down")
}
