package oz

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/run"
	"github.com/cocoder/cocoder/secrets"
	"github.com/cocoder/cocoder/workspace"
)

// Client calls an Oz server's API. Errors keep their CoCoder code across
// the HTTP hop: errs.CodeOf (cocoder.CodeOf) of an error the server
// answered with is the code the server met, and errors.Is matches the
// code's sentinel (cocoder.ErrNotFound, ...). A Client is safe for
// concurrent use.
type Client struct {
	base  string
	token secrets.Value
	hc    *http.Client
}

// NewClient returns a Client for the server at baseURL (its origin and
// prefix, e.g. "http://127.0.0.1:7878" or "http://127.0.0.1:8080/cocoder"),
// authenticating with token. hc nil means a client with a 60 s timeout for
// ordinary calls (streams are not bound by it).
func NewClient(baseURL string, token secrets.Value, hc *http.Client) (*Client, error) {
	const op = "oz.NewClient"
	u, err := url.Parse(baseURL)
	if err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, errs.E(errs.Invalid, op, "base URL %q must look like http://127.0.0.1:PORT[/prefix]", baseURL)
	}
	if hc == nil {
		hc = &http.Client{}
	}
	return &Client{base: strings.TrimRight(baseURL, "/"), token: token, hc: hc}, nil
}

// BaseURL returns the server's base URL.
func (c *Client) BaseURL() string { return c.base }

// APIError is an error the server answered with. Its code is the
// Problem's; errs.CodeOf and errors.Is see it.
type APIError struct {
	// Op is the client method that failed.
	Op string
	// Problem is the server's answer.
	Problem Problem
}

// Error returns the server's detail and, on further lines, each problem.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString(e.Problem.Detail)
	if b.Len() == 0 {
		b.WriteString(e.Problem.Title)
	}
	for _, p := range e.Problem.Problems {
		b.WriteString("\n  ")
		if p.Field != "" {
			b.WriteString(p.Field + ": ")
		}
		b.WriteString(p.Message)
	}
	return b.String()
}

// Unwrap returns the sentinel of the error's code.
func (e *APIError) Unwrap() error { return sentinelOf(errs.Code(e.Problem.Code)) }

func sentinelOf(c errs.Code) error {
	switch c {
	case errs.Invalid:
		return errs.ErrInvalid
	case errs.NotFound:
		return errs.ErrNotFound
	case errs.Conflict:
		return errs.ErrConflict
	case errs.Unauthorized:
		return errs.ErrUnauthorized
	case errs.Unavailable:
		return errs.ErrUnavailable
	}
	return errs.ErrInternal
}

// do sends a request with a JSON body (nil for none) and decodes a JSON
// answer into out (nil to discard it).
func (c *Client) do(ctx context.Context, op, method, path string, body, out any) error {
	resp, err := c.send(ctx, op, method, path, body, nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		return nil
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(out); err != nil {
		return errs.Wrap(errs.Unavailable, op, err, "the server's answer to %s %s is not valid JSON", method, path)
	}
	return nil
}

// send sends a request and returns a 2xx response; any other status is
// turned into an *APIError.
func (c *Client) send(ctx context.Context, op, method, path string, body any, header http.Header) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, errs.Wrap(errs.Invalid, op, err, "encoding the request")
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return nil, errs.Wrap(errs.Invalid, op, err, "building the request")
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if !c.token.IsZero() {
		req.Header.Set("Authorization", "Bearer "+c.token.Reveal())
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, errs.Wrap(errs.Unavailable, op, ctx.Err(), "calling Oz at %s", c.base)
		}
		return nil, errs.Wrap(errs.Unavailable, op, scrubURLError(err), "cannot reach Oz at %s (is `cocoder oz start` running?)", c.base)
	}
	if resp.StatusCode/100 == 2 {
		return resp, nil
	}
	defer resp.Body.Close()
	var p Problem
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if json.Unmarshal(b, &p) != nil || p.Code == "" {
		p = Problem{Status: resp.StatusCode, Code: string(codeOfStatus(resp.StatusCode)), Title: http.StatusText(resp.StatusCode), Detail: "Oz answered " + resp.Status}
	}
	return nil, &APIError{Op: op, Problem: p}
}

// scrubURLError drops the URL from a transport error (it names no secret,
// but the error already says where).
func scrubURLError(err error) error {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		return ue.Err
	}
	return err
}

// Health calls GET /api/v1/health (no token needed).
func (c *Client) Health(ctx context.Context) (Health, error) {
	var h Health
	return h, c.do(ctx, "oz.Client.Health", "GET", healthPath, nil, &h)
}

// Workspaces lists the registered workspaces.
func (c *Client) Workspaces(ctx context.Context) ([]WorkspaceView, error) {
	var out []WorkspaceView
	return out, c.do(ctx, "oz.Client.Workspaces", "GET", "/api/v1/workspaces", nil, &out)
}

// Workspace returns one workspace by id or name.
func (c *Client) Workspace(ctx context.Context, id string) (WorkspaceView, error) {
	var out WorkspaceView
	return out, c.do(ctx, "oz.Client.Workspace", "GET", "/api/v1/workspaces/"+url.PathEscape(id), nil, &out)
}

// RegisterWorkspace registers the workspace at path (absolute) under name
// (empty: derived from the directory).
func (c *Client) RegisterWorkspace(ctx context.Context, path, name string) (WorkspaceView, error) {
	var out WorkspaceView
	return out, c.do(ctx, "oz.Client.RegisterWorkspace", "POST", "/api/v1/workspaces", RegisterRequest{Path: path, Name: name}, &out)
}

// RenameWorkspace changes a workspace's display name.
func (c *Client) RenameWorkspace(ctx context.Context, id, name string) (WorkspaceView, error) {
	var out WorkspaceView
	return out, c.do(ctx, "oz.Client.RenameWorkspace", "PATCH", "/api/v1/workspaces/"+url.PathEscape(id), UpdateWorkspaceRequest{Name: name}, &out)
}

// UnregisterWorkspace removes a workspace from the registry (its files and
// ledgers stay).
func (c *Client) UnregisterWorkspace(ctx context.Context, id string) error {
	return c.do(ctx, "oz.Client.UnregisterWorkspace", "DELETE", "/api/v1/workspaces/"+url.PathEscape(id), nil, nil)
}

// Priorities lists a workspace's priorities.
func (c *Client) Priorities(ctx context.Context, id string) ([]workspace.Priority, error) {
	var out []workspace.Priority
	return out, c.do(ctx, "oz.Client.Priorities", "GET", "/api/v1/workspaces/"+url.PathEscape(id)+"/priorities", nil, &out)
}

// Runs lists runs, newest first; wsID (a workspace id or name) filters them
// when not empty.
func (c *Client) Runs(ctx context.Context, wsID string) ([]contract.RunStatus, error) {
	q := ""
	if wsID != "" {
		q = "?workspace=" + url.QueryEscape(wsID)
	}
	var out []contract.RunStatus
	return out, c.do(ctx, "oz.Client.Runs", "GET", "/api/v1/runs"+q, nil, &out)
}

// Run returns a run's status.
func (c *Client) Run(ctx context.Context, runID string) (contract.RunStatus, error) {
	var out contract.RunStatus
	return out, c.do(ctx, "oz.Client.Run", "GET", runPath(runID), nil, &out)
}

func runPath(runID string) string { return "/api/v1/runs/" + url.PathEscape(runID) }

// Plan plans a run without starting it. A plan with blocking issues is
// returned without error; Plan.Blocking tells.
func (c *Client) Plan(ctx context.Context, req LaunchRequest) (*run.Plan, error) {
	var out run.Plan
	if err := c.do(ctx, "oz.Client.Plan", "POST", "/api/v1/runs/plan", req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Launch plans and starts a run; the server supervises it.
func (c *Client) Launch(ctx context.Context, req LaunchRequest) (contract.RunStatus, error) {
	var out contract.RunStatus
	return out, c.do(ctx, "oz.Client.Launch", "POST", "/api/v1/runs", req, &out)
}

// Stop stops a run and returns its status.
func (c *Client) Stop(ctx context.Context, runID string) (contract.RunStatus, error) {
	var out contract.RunStatus
	return out, c.do(ctx, "oz.Client.Stop", "POST", runPath(runID)+"/stop", nil, &out)
}

// Resume has the server supervise a run again.
func (c *Client) Resume(ctx context.Context, runID string) (contract.RunStatus, error) {
	var out contract.RunStatus
	return out, c.do(ctx, "oz.Client.Resume", "POST", runPath(runID)+"/resume", nil, &out)
}

// Send gives a lane a follow-up message.
func (c *Client) Send(ctx context.Context, runID, lane, text string) error {
	return c.do(ctx, "oz.Client.Send", "POST", runPath(runID)+"/lanes/"+url.PathEscape(lane)+"/send", SendRequest{Text: text}, nil)
}

// Lanes returns a run's lanes.
func (c *Client) Lanes(ctx context.Context, runID string) ([]LaneView, error) {
	var out []LaneView
	return out, c.do(ctx, "oz.Client.Lanes", "GET", runPath(runID)+"/lanes", nil, &out)
}

// Output returns the last lines of a lane's output.
func (c *Client) Output(ctx context.Context, runID, lane string, lines int) (LaneOutput, error) {
	var out LaneOutput
	return out, c.do(ctx, "oz.Client.Output", "GET", runPath(runID)+"/lanes/"+url.PathEscape(lane)+"/output?lines="+strconv.Itoa(lines), nil, &out)
}

// Results returns each lane's result file.
func (c *Client) Results(ctx context.Context, runID string) ([]LaneResult, error) {
	var out []LaneResult
	return out, c.do(ctx, "oz.Client.Results", "GET", runPath(runID)+"/results", nil, &out)
}

// Receipts lists a run's receipts.
func (c *Client) Receipts(ctx context.Context, runID string) ([]FileInfo, error) {
	var out []FileInfo
	return out, c.do(ctx, "oz.Client.Receipts", "GET", runPath(runID)+"/receipts", nil, &out)
}

// Events returns a run's ledger events after seq after.
func (c *Client) Events(ctx context.Context, runID string, after int64) ([]contract.Event, error) {
	var out []contract.Event
	return out, c.do(ctx, "oz.Client.Events", "GET", runPath(runID)+"/events?after="+strconv.FormatInt(after, 10), nil, &out)
}

// Settings returns the layered configuration (of workspace wsID, when
// given).
func (c *Client) Settings(ctx context.Context, wsID string) (*workspace.ResolvedConfig, error) {
	q := ""
	if wsID != "" {
		q = "?workspace=" + url.QueryEscape(wsID)
	}
	var out wireConfig
	if err := c.do(ctx, "oz.Client.Settings", "GET", "/api/v1/settings"+q, nil, &out); err != nil {
		return nil, err
	}
	return &workspace.ResolvedConfig{Config: out.Config, Sources: out.Sources, Layers: out.Layers}, nil
}

// wireConfig decodes a ResolvedConfig's exported fields.
type wireConfig struct {
	Config  contract.Config         `json:"config"`
	Sources map[string]string       `json:"sources"`
	Layers  []workspace.ConfigLayer `json:"layers"`
}

// SetSetting changes one configuration key.
func (c *Client) SetSetting(ctx context.Context, u SettingsUpdate) error {
	return c.do(ctx, "oz.Client.SetSetting", "PATCH", "/api/v1/settings", u, nil)
}

// Adapters lists the adapters and whether each can run here.
func (c *Client) Adapters(ctx context.Context) ([]AdapterView, error) {
	var out []AdapterView
	return out, c.do(ctx, "oz.Client.Adapters", "GET", "/api/v1/adapters", nil, &out)
}

// Audit returns the last limit audit entries.
func (c *Client) Audit(ctx context.Context, limit int) ([]AuditEntry, error) {
	var out []AuditEntry
	return out, c.do(ctx, "oz.Client.Audit", "GET", "/api/v1/audit?limit="+strconv.Itoa(limit), nil, &out)
}

// LoginLink asks for a single-use dashboard login link.
func (c *Client) LoginLink(ctx context.Context) (LoginLink, error) {
	var out LoginLink
	return out, c.do(ctx, "oz.Client.LoginLink", "POST", "/api/v1/login-links", nil, &out)
}

// RotateToken has the server replace its token; the new one is in the
// token file, and this Client keeps the old one (make a new Client).
func (c *Client) RotateToken(ctx context.Context) error {
	return c.do(ctx, "oz.Client.RotateToken", "POST", "/api/v1/token/rotate", nil, nil)
}

// Frame is one frame of a run's event stream.
type Frame struct {
	// Kind is FrameEvent, FrameStatus or FrameOutput.
	Kind string
	// ID is the ledger seq of an event frame, else 0.
	ID int64
	// Data is the frame's JSON: a StreamEvent, a contract.RunStatus or a
	// LaneOutput.
	Data json.RawMessage
}

// Stream opens a run's event stream, resuming after seq after (0: from the
// start), with lane output when output is set. Frames arrive on the
// channel until ctx ends or the server ends the stream (then the channel
// is closed; reopen with the last ID to resume).
func (c *Client) Stream(ctx context.Context, runID string, after int64, output bool) (<-chan Frame, error) {
	h := http.Header{}
	if after > 0 {
		h.Set("Last-Event-ID", strconv.FormatInt(after, 10))
	}
	q := ""
	if output {
		q = "?output=1"
	}
	resp, err := c.send(ctx, "oz.Client.Stream", "GET", runPath(runID)+"/stream"+q, nil, h)
	if err != nil {
		return nil, err
	}
	ch := make(chan Frame, 64)
	go func() {
		defer close(ch)
		defer resp.Body.Close()
		readFrames(ctx, resp.Body, ch)
	}()
	return ch, nil
}

// readFrames parses Server-Sent Events from r.
func readFrames(ctx context.Context, r io.Reader, ch chan<- Frame) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	var f Frame
	var data []byte
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if f.Kind != "" || data != nil {
				f.Data = json.RawMessage(data)
				select {
				case ch <- f:
				case <-ctx.Done():
					return
				}
			}
			f, data = Frame{}, nil
		case strings.HasPrefix(line, ":"):
		case strings.HasPrefix(line, "id: "):
			f.ID, _ = strconv.ParseInt(line[4:], 10, 64)
		case strings.HasPrefix(line, "event: "):
			f.Kind = line[7:]
		case strings.HasPrefix(line, "data: "):
			data = append(data, line[6:]...)
		}
	}
}

// WaitHealthy polls Health until the server answers, timeout passes or
// ctx ends, and returns the last error then.
func (c *Client) WaitHealthy(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		_, err := c.Health(ctx)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}
