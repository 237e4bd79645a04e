package oz

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/run"
	"github.com/cocoder/cocoder/run/ledger"
)

// LaunchRequest is the body of POST /api/v1/runs and POST
// /api/v1/runs/plan.
type LaunchRequest struct {
	// Workspace is the registered workspace's id or name. Required.
	Workspace string `json:"workspace"`
	// Priority is the slug of the priority to run. Required.
	Priority string `json:"priority"`
	// Profile and Route are document ids of the workspace; empty takes
	// the configuration's defaults. File paths are not accepted here.
	Profile string `json:"profile,omitempty"`
	Route   string `json:"route,omitempty"`
}

// SendRequest is the body of POST /api/v1/runs/{run}/lanes/{lane}/send.
type SendRequest struct {
	// Text is the message (at most run.MaxSend bytes).
	Text string `json:"text"`
}

// LaneView is one lane of a run: its status and what the plan meant it
// to be.
type LaneView struct {
	// Lane is the lane's name.
	Lane string `json:"lane"`
	// Status is the lane's state, with its source and time.
	Status contract.LaneStatus `json:"status"`
	// Plan is the lane's plan (adapter, argv, environment names, secret
	// references); absent when the plan cannot be read.
	Plan *run.PlanLane `json:"plan,omitempty"`
}

// LaneResult is a lane's result file as the API shows it.
type LaneResult struct {
	// Lane is the lane's name.
	Lane string `json:"lane"`
	// State is the lane's state.
	State contract.LaneState `json:"state"`
	// Result is the lane's result.json as written (secrets masked);
	// absent when the lane wrote none.
	Result json.RawMessage `json:"result,omitempty"`
	// Error says why a present result file could not be shown.
	Error string `json:"error,omitempty"`
}

// LaneEvidence lists the evidence a lane's result cites.
type LaneEvidence struct {
	Lane     string   `json:"lane"`
	Evidence []string `json:"evidence"`
}

// FileInfo describes a file of a run's ledger.
type FileInfo struct {
	Name    string    `json:"name"`
	Size    int64     `json:"size"`
	ModTime time.Time `json:"modTime"`
}

// LaneOutput is the tail of what a lane has shown, secrets masked.
type LaneOutput struct {
	Lane string `json:"lane"`
	// Live tells whether the lane's program still runs.
	Live bool   `json:"live"`
	Text string `json:"text"`
}

// DiffFile is a run's recorded diff, in its ledger directory.
const DiffFile = "diff.patch"

// maxFileServed bounds a ledger file the API returns.
const maxFileServed = 8 << 20

// The seams for engine methods that are not there yet: a Runner that has
// one of these is used through it.
type (
	differ interface {
		Diff(ctx context.Context, runID string) (string, error)
	}
	resumer interface {
		Resume(ctx context.Context, runID string) (contract.RunStatus, error)
	}
)

// docID accepts a profile or route id (never a path).
func docID(field, v string) *ProblemItem {
	if v == "" {
		return nil
	}
	ok := len(v) <= 128 && (v[0] >= 'a' && v[0] <= 'z' || v[0] >= 'A' && v[0] <= 'Z' || v[0] >= '0' && v[0] <= '9')
	for _, c := range v {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			ok = false
		}
	}
	if ok {
		return nil
	}
	return &ProblemItem{Code: "invalid", Field: field, Message: field + " must be a document id (letters, digits, '.', '_', '-'), not a path"}
}

// planFor decodes a LaunchRequest and plans it with the workspace's Runner.
func (s *Server) planFor(w http.ResponseWriter, r *http.Request) (*run.Runner, *run.Plan, contract.RegistryEntry, error) {
	var req LaunchRequest
	var e contract.RegistryEntry
	if err := decodeBody(w, r, &req, false); err != nil {
		return nil, nil, e, err
	}
	var items []ProblemItem
	if req.Workspace == "" {
		items = append(items, ProblemItem{Code: "required", Field: "workspace", Message: "workspace is required: a registered workspace's id or name"})
	}
	for _, p := range []*ProblemItem{docID("profile", req.Profile), docID("route", req.Route)} {
		if p != nil {
			items = append(items, *p)
		}
	}
	if len(items) > 0 {
		return nil, nil, e, &bodyError{items}
	}
	e, err := s.entryByID(r, req.Workspace)
	if err != nil {
		return nil, nil, e, err
	}
	runner, err := s.engine.forWorkspace(r.Context(), e)
	if err != nil {
		return nil, nil, e, err
	}
	p, err := runner.Plan(r.Context(), run.PlanRequest{Priority: req.Priority, Profile: req.Profile, Route: req.Route})
	return runner, p, e, err
}

func (s *Server) planRun(w http.ResponseWriter, r *http.Request) error {
	_, p, _, err := s.planFor(w, r)
	if p != nil && err != nil {
		// A blocked plan is still an answer: the issues say why.
		if _, ok := errors.AsType[*run.PreflightError](err); ok {
			return s.writeJSON(w, http.StatusOK, p)
		}
	}
	if err != nil {
		return err
	}
	return s.writeJSON(w, http.StatusOK, p)
}

func (s *Server) launchRun(w http.ResponseWriter, r *http.Request) error {
	runner, p, _, err := s.planFor(w, r)
	if err != nil {
		return err
	}
	if err := s.audit.record(callerOf(r).actor(), "run.launch", p.RunID); err != nil {
		return err
	}
	// The launch outlives the request: a client that hangs up must not
	// leave a half-started run.
	st, err := runner.Start(s.life, p)
	if st.RunID == "" {
		return err
	}
	if err == nil {
		s.engine.supervise(runner, st.RunID)
	}
	w.Header().Set("Location", s.cfg.Prefix+"/api/v1/runs/"+st.RunID)
	if err != nil {
		return err
	}
	return s.writeJSON(w, http.StatusAccepted, st)
}

func (s *Server) listRuns(w http.ResponseWriter, r *http.Request) error {
	runner, err := s.engine.any()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	var wsID string
	if v := q.Get("workspace"); v != "" {
		e, err := s.entryByID(r, v)
		if err != nil {
			return err
		}
		wsID = e.ID
	}
	state := q.Get("state")
	if state != "" && !slices.Contains(contract.RunStates, contract.RunState(state)) {
		return errs.E(errs.Invalid, "oz", "state %q is not a run state", state)
	}
	all, err := runner.List(r.Context())
	if err != nil {
		return err
	}
	out := make([]contract.RunStatus, 0, len(all))
	for _, st := range all {
		if (wsID == "" || st.WorkspaceID == wsID) && (state == "" || string(st.State) == state) {
			out = append(out, st)
		}
	}
	return s.writeJSON(w, http.StatusOK, out)
}

// runOf returns the {run} path value's status and ledger directory.
func (s *Server) runOf(r *http.Request) (contract.RunStatus, string, error) {
	id := r.PathValue("run")
	runner, err := s.engine.any()
	if err != nil {
		return contract.RunStatus{}, "", err
	}
	dir, err := runner.LedgerDir(r.Context(), id)
	if err != nil {
		return contract.RunStatus{}, "", err
	}
	st, err := runner.Get(r.Context(), id)
	return st, dir, err
}

func (s *Server) getRun(w http.ResponseWriter, r *http.Request) error {
	st, _, err := s.runOf(r)
	if err != nil {
		return err
	}
	return s.writeJSON(w, http.StatusOK, st)
}

func (s *Server) stopRun(w http.ResponseWriter, r *http.Request) error {
	st, _, err := s.runOf(r)
	if err != nil {
		return err
	}
	if err := decodeBody(w, r, &struct{}{}, true); err != nil {
		return err
	}
	runner, err := s.engine.forRun(st.RunID)
	if err != nil {
		return err
	}
	if err := s.audit.record(callerOf(r).actor(), "run.stop", st.RunID); err != nil {
		return err
	}
	if err := runner.Stop(s.life, st.RunID); err != nil {
		return err
	}
	st, err = runner.Get(r.Context(), st.RunID)
	if err != nil {
		return err
	}
	return s.writeJSON(w, http.StatusOK, st)
}

func (s *Server) resumeRun(w http.ResponseWriter, r *http.Request) error {
	st, _, err := s.runOf(r)
	if err != nil {
		return err
	}
	if err := decodeBody(w, r, &struct{}{}, true); err != nil {
		return err
	}
	if st.State.Terminal() {
		return errs.E(errs.Conflict, "oz", "run %s is %s and cannot be resumed", st.RunID, st.State)
	}
	runner, err := s.engine.forRun(st.RunID)
	if err != nil {
		return err
	}
	if err := s.audit.record(callerOf(r).actor(), "run.resume", st.RunID); err != nil {
		return err
	}
	if rs, ok := any(runner).(resumer); ok {
		if st, err = rs.Resume(s.life, st.RunID); err != nil {
			return err
		}
	}
	// Today resuming means supervising the run again from this process.
	s.engine.supervise(runner, st.RunID)
	return s.writeJSON(w, http.StatusAccepted, st)
}

func (s *Server) lanes(w http.ResponseWriter, r *http.Request) error {
	st, dir, err := s.runOf(r)
	if err != nil {
		return err
	}
	plan, _ := run.ReadPlan(dir)
	out := []LaneView{}
	for _, name := range laneNames(st, plan) {
		v := LaneView{Lane: name, Status: st.Lanes[name]}
		if plan != nil {
			if pl, ok := plan.Lane(name); ok {
				v.Plan = &pl
			}
		}
		out = append(out, v)
	}
	return s.writeJSON(w, http.StatusOK, out)
}

// laneNames lists a run's lanes in plan order, then any others sorted.
func laneNames(st contract.RunStatus, plan *run.Plan) []string {
	var out []string
	if plan != nil {
		for _, l := range plan.Lanes {
			if _, ok := st.Lanes[l.Lane]; ok {
				out = append(out, l.Lane)
			}
		}
	}
	var rest []string
	for name := range st.Lanes {
		if !slices.Contains(out, name) {
			rest = append(rest, name)
		}
	}
	slices.Sort(rest)
	return append(out, rest...)
}

// laneOf returns the {lane} path value, checked to be a lane of st.
func laneOf(r *http.Request, st contract.RunStatus) (string, error) {
	lane := r.PathValue("lane")
	if !contract.ValidLaneName(lane) {
		return "", errs.E(errs.Invalid, "oz", "%q is not a lane name", lane)
	}
	if _, ok := st.Lanes[lane]; !ok {
		return "", errs.E(errs.NotFound, "oz", "run %s has no lane %q", st.RunID, lane)
	}
	return lane, nil
}

func (s *Server) send(w http.ResponseWriter, r *http.Request) error {
	st, _, err := s.runOf(r)
	if err != nil {
		return err
	}
	lane, err := laneOf(r, st)
	if err != nil {
		return err
	}
	var req SendRequest
	if err := decodeBody(w, r, &req, false); err != nil {
		return err
	}
	if req.Text == "" || len(req.Text) > run.MaxSend {
		return &bodyError{[]ProblemItem{{Code: "invalid", Field: "text", Message: "text must be 1 to " + strconv.Itoa(run.MaxSend) + " bytes"}}}
	}
	runner, err := s.engine.forRun(st.RunID)
	if err != nil {
		return err
	}
	if err := s.audit.record(callerOf(r).actor(), "run.send", st.RunID+"/"+lane); err != nil {
		return err
	}
	if err := runner.Send(s.life, st.RunID, lane, req.Text); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) output(w http.ResponseWriter, r *http.Request) error {
	st, _, err := s.runOf(r)
	if err != nil {
		return err
	}
	lane, err := laneOf(r, st)
	if err != nil {
		return err
	}
	lines, err := intParam(r, "lines", 200, 1, 5000)
	if err != nil {
		return err
	}
	runner, err := s.engine.any()
	if err != nil {
		return err
	}
	text, live, err := runner.Transcript(r.Context(), st.RunID, lane)
	if err != nil {
		return err
	}
	return s.writeJSON(w, http.StatusOK, LaneOutput{Lane: lane, Live: live, Text: s.red.string(lastLines(text, lines))})
}

// lastLines returns the last n lines of text.
func lastLines(text string, n int) string {
	text = strings.TrimRight(text, "\n")
	idx := len(text)
	for range n {
		i := strings.LastIndexByte(text[:idx], '\n')
		if i < 0 {
			return text
		}
		idx = i
	}
	return text[idx+1:]
}

// intParam reads an integer query parameter within [min, max].
func intParam(r *http.Request, name string, def, min, max int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min || n > max {
		return 0, errs.E(errs.Invalid, "oz", "query parameter %s must be a number from %d to %d", name, min, max)
	}
	return n, nil
}

// readLedgerFile reads rel inside the run directory dir, confined to it
// (os.Root: no "..", no symlink out), a regular file of at most
// maxFileServed bytes. A missing file is errs.NotFound.
func readLedgerFile(dir, rel string) ([]byte, error) {
	const op = "oz.ledgerFile"
	if !fs.ValidPath(rel) || strings.ContainsAny(rel, "\\\x00") {
		return nil, errs.E(errs.NotFound, op, "no file %q in the run", rel)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, errs.Wrap(errs.Unavailable, op, err, "cannot open the run's ledger")
	}
	defer root.Close()
	f, err := root.Open(rel)
	if err != nil {
		return nil, errs.E(errs.NotFound, op, "no file %q in the run", rel)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return nil, errs.E(errs.NotFound, op, "no file %q in the run", rel)
	}
	b, err := io.ReadAll(io.LimitReader(f, maxFileServed+1))
	if err != nil {
		return nil, errs.Wrap(errs.Unavailable, op, err, "cannot read %s", rel)
	}
	if len(b) > maxFileServed {
		return nil, errs.E(errs.Unavailable, op, "%s is larger than %d bytes; read it from the ledger directory", rel, maxFileServed)
	}
	return b, nil
}

func (s *Server) results(w http.ResponseWriter, r *http.Request) error {
	st, dir, err := s.runOf(r)
	if err != nil {
		return err
	}
	plan, _ := run.ReadPlan(dir)
	out := []LaneResult{}
	for _, lane := range laneNames(st, plan) {
		lr := LaneResult{Lane: lane, State: st.Lanes[lane].State}
		b, err := readLedgerFile(dir, path.Join(ledger.LanesDir, lane, ledger.ResultName))
		switch {
		case errs.CodeOf(err) == errs.NotFound:
		case err != nil:
			lr.Error = err.Error()
		case !json.Valid(b):
			lr.Error = "the lane's result.json is not valid JSON"
		default:
			lr.Result = json.RawMessage(b)
		}
		out = append(out, lr)
	}
	return s.writeJSON(w, http.StatusOK, out)
}

func (s *Server) evidence(w http.ResponseWriter, r *http.Request) error {
	st, dir, err := s.runOf(r)
	if err != nil {
		return err
	}
	plan, _ := run.ReadPlan(dir)
	out := []LaneEvidence{}
	for _, lane := range laneNames(st, plan) {
		b, err := readLedgerFile(dir, path.Join(ledger.LanesDir, lane, ledger.ResultName))
		if err != nil {
			continue
		}
		var res struct {
			Evidence []string `json:"evidence"`
		}
		if json.Unmarshal(b, &res) == nil && len(res.Evidence) > 0 {
			out = append(out, LaneEvidence{Lane: lane, Evidence: res.Evidence})
		}
	}
	return s.writeJSON(w, http.StatusOK, out)
}

func (s *Server) receipts(w http.ResponseWriter, r *http.Request) error {
	_, dir, err := s.runOf(r)
	if err != nil {
		return err
	}
	out := []FileInfo{}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return errs.Wrap(errs.Unavailable, "oz", err, "cannot open the run's ledger")
	}
	defer root.Close()
	ents, err := fs.ReadDir(root.FS(), ledger.ReceiptsDir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return errs.Wrap(errs.Unavailable, "oz", err, "cannot list the run's receipts")
	}
	for _, e := range ents {
		if !e.Type().IsRegular() {
			continue
		}
		if fi, err := e.Info(); err == nil {
			out = append(out, FileInfo{Name: e.Name(), Size: fi.Size(), ModTime: fi.ModTime()})
		}
	}
	return s.writeJSON(w, http.StatusOK, out)
}

func (s *Server) receipt(w http.ResponseWriter, r *http.Request) error {
	_, dir, err := s.runOf(r)
	if err != nil {
		return err
	}
	name := r.PathValue("name")
	if name == "" || strings.ContainsAny(name, "/\\\x00") || name == "." || name == ".." {
		return errs.E(errs.NotFound, "oz", "no receipt %q", name)
	}
	b, err := readLedgerFile(dir, ledger.ReceiptsDir+"/"+name)
	if err != nil {
		return err
	}
	s.writeFile(w, name, b)
	return nil
}

// writeFile writes a ledger file's bytes, masked, as JSON or plain text.
func (s *Server) writeFile(w http.ResponseWriter, name string, b []byte) {
	b = s.red.bytes(b)
	ct := "text/plain; charset=utf-8"
	if strings.HasSuffix(name, ".json") && json.Valid(b) {
		ct = "application/json"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

func (s *Server) diff(w http.ResponseWriter, r *http.Request) error {
	st, dir, err := s.runOf(r)
	if err != nil {
		return err
	}
	runner, err := s.engine.forRun(st.RunID)
	if err != nil {
		return err
	}
	if d, ok := any(runner).(differ); ok {
		text, err := d.Diff(r.Context(), st.RunID)
		if err != nil {
			return err
		}
		s.writeFile(w, DiffFile, []byte(text))
		return nil
	}
	b, err := readLedgerFile(dir, DiffFile)
	if errs.CodeOf(err) == errs.NotFound {
		return errs.E(errs.NotFound, "oz", "run %s has no recorded diff yet", st.RunID)
	}
	if err != nil {
		return err
	}
	s.writeFile(w, DiffFile, b)
	return nil
}

func (s *Server) events(w http.ResponseWriter, r *http.Request) error {
	_, dir, err := s.runOf(r)
	if err != nil {
		return err
	}
	after, err := intParam(r, "after", 0, 0, 1<<62)
	if err != nil {
		return err
	}
	limit, err := intParam(r, "limit", 1000, 1, 10000)
	if err != nil {
		return err
	}
	evs, _, err := ledger.ReadEvents(dir)
	if err != nil {
		return err
	}
	out := []contract.Event{}
	for _, ev := range evs {
		if ev.Seq > int64(after) && len(out) < limit {
			out = append(out, ev)
		}
	}
	return s.writeJSON(w, http.StatusOK, out)
}
