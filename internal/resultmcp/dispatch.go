package resultmcp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/fsx"
)

// maxBrief bounds a dispatch brief, in bytes; the engine refuses longer
// ones too.
const maxBrief = 16 << 10

// dispatchRequest is a request file in the lead's dispatch directory: the
// format the run's supervisor reads ({"lane", "brief", "after"}).
type dispatchRequest struct {
	Lane  string   `json:"lane"`
	Brief string   `json:"brief,omitempty"`
	After []string `json:"after,omitempty"`
}

// instructions is the server's description of itself for the model.
func (s *server) instructions() string {
	text := "Report this lane's job result by calling " + ToolName + " once, when your work is done."
	if s.cfg.dispatches() {
		text += " Give each teammate that waits for you its task by calling " + DispatchTool + " once per teammate."
	}
	return text
}

// toolNames are the tools the server offers.
func (s *server) toolNames() []string {
	if s.cfg.dispatches() {
		return []string{ToolName, DispatchTool}
	}
	return []string{ToolName}
}

// dispatch checks one dispatch request and writes it, atomically, as
// <lane>.json in the dispatch directory. A lane is dispatched once. It
// returns the text the model reads and whether the request was taken.
func (s *server) dispatch(raw json.RawMessage) (string, bool) {
	var req dispatchRequest
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return "The arguments must be one JSON object: {\"lane\": <teammate>, \"brief\": <its task>, \"after\": [<lanes to wait for>]}.", false
	}
	c := s.cfg
	switch {
	case !slices.Contains(c.Waiting, req.Lane):
		return fmt.Sprintf("%q is not a teammate that waits for your dispatch; those are: %s.", req.Lane, strings.Join(c.Waiting, ", ")), false
	case strings.TrimSpace(req.Brief) == "":
		return "Give the teammate its task in brief: what to do, and what to report.", false
	case len(req.Brief) > maxBrief:
		return fmt.Sprintf("The brief is %d bytes; keep it under %d KiB and point at files for more.", len(req.Brief), maxBrief>>10), false
	}
	for _, a := range req.After {
		if !contract.ValidLaneName(a) || a == req.Lane {
			return fmt.Sprintf("after names %q: list other lanes of this run, whose accepted results the dispatch waits for.", a), false
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	path := filepath.Join(c.DispatchDir, req.Lane+".json")
	if _, err := os.Lstat(path); err == nil || s.dispatched[req.Lane] {
		return "Lane " + req.Lane + " was already dispatched; a lane is dispatched once. Send it a message instead if it needs more.", false
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "The dispatch could not be recorded; tell the operator.", false
	}
	data, err := json.MarshalIndent(req, "", "  ")
	if err == nil {
		err = os.MkdirAll(c.DispatchDir, 0o700)
	}
	if err == nil {
		err = fsx.WriteFile(path, append(data, '\n'), 0o600)
	}
	if err != nil {
		return "The dispatch could not be recorded; tell the operator.", false
	}
	if s.dispatched == nil {
		s.dispatched = map[string]bool{}
	}
	s.dispatched[req.Lane] = true
	msg := "Lane " + req.Lane + " is dispatched: the engine starts it with your brief"
	if len(req.After) > 0 {
		msg += " once " + strings.Join(req.After, ", ") + " have accepted results"
	}
	return msg + ".", true
}

// dispatchDescription describes DispatchTool for tools/list.
func dispatchDescription(waiting []string) map[string]any {
	return map[string]any{
		"name":  DispatchTool,
		"title": "Dispatch a teammate that waits for the lead",
		"description": "Start a teammate lane of this CoCoder run with its task, once per teammate. " +
			"brief is the task; after lists lanes whose accepted results must come first (a verifier waits for the writers it checks). " +
			"The engine starts the lane and records the dispatch.",
		"inputSchema": map[string]any{
			"type":                 "object",
			"additionalProperties": false,
			"required":             []string{"lane", "brief"},
			"properties": map[string]any{
				"lane":  map[string]any{"type": "string", "enum": waiting, "description": "the teammate lane to start"},
				"brief": map[string]any{"type": "string", "maxLength": maxBrief, "description": "its task"},
				"after": map[string]any{"type": "array", "items": map[string]any{"type": "string"}, "description": "lanes whose accepted results the dispatch waits for"},
			},
		},
		// Like the result, a dispatch writes only the engine's record of the
		// run, never the workspace: read-only leads (plan modes) may call it.
		"annotations": map[string]any{"readOnlyHint": true, "destructiveHint": false, "idempotentHint": false, "openWorldHint": false},
	}
}
