// Package resultmcp is the result channel of agent-CLI lanes: a Model
// Context Protocol server on standard input and output (JSON-RPC 2.0, one
// message per line) that offers the tool submit_result, and to the lead of
// a run whose teammates wait for it, dispatch_lane. The lane's agent
// CLI starts it (the adapter declaration says how to register it) and the
// model calls the tool with its job result; the server fills in the lane's
// identity, validates the result against the job-result contract and
// writes it atomically to the lane's result file, where the engine reads
// it.
//
// dispatch_lane writes a dispatch request (lane, brief, lanes to wait for)
// into the lead's dispatch directory in the ledger, where the run's
// supervisor picks it up.
//
// Agent CLIs do not sandbox the MCP servers they start, so this works in
// every sandbox mode, read-only included, and the agent never needs write
// access outside its write scope to report or dispatch. Which lane the
// server speaks for, and where it writes, come from its arguments, which
// the engine computes: nothing the model sends can change them.
package resultmcp

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/fsx"
	"github.com/cocoder/cocoder/internal/version"
)

// ServerName is the name CLIs register the server under; the tool is
// then mcp__cocoder__submit_result (Claude Code, Codex) or
// mcp_cocoder_submit_result (Gemini CLI).
const ServerName = "cocoder"

// ToolName is the tool that records the lane's job result.
const ToolName = "submit_result"

// DispatchTool is the tool a lead dispatches a waiting lane with.
const DispatchTool = "dispatch_lane"

// maxMessage bounds one JSON-RPC message, in bytes.
const maxMessage = 4 << 20

// protocolVersion is the MCP revision answered when the client asks for
// none this server knows.
const protocolVersion = "2025-06-18"

// knownVersions are the MCP revisions this server speaks (its one tool
// needs nothing a later revision changed).
var knownVersions = []string{"2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"}

// Config says which lane the server reports for and where.
type Config struct {
	// ResultFile is the absolute path the accepted result is written to.
	ResultFile string
	// RunID, Lane, Persona, Adapter and Model are the lane's identity,
	// written into the result (a result naming another identity is
	// refused).
	RunID, Lane, Persona, Adapter, Model string
	// CanWrite says whether the lane could write; a read-only lane's
	// result lists no changed file.
	CanWrite bool
	// DispatchDir, for the lead of a run with lanes that wait for its
	// dispatch, is the absolute directory dispatch requests are written
	// to. With it and Waiting set the server offers DispatchTool.
	DispatchDir string
	// Waiting names the lanes that wait for the lead's dispatch: the only
	// lanes DispatchTool accepts.
	Waiting []string
}

func (c Config) check() error {
	switch {
	case c.ResultFile == "" || !filepath.IsAbs(c.ResultFile):
		return fmt.Errorf("the result file %q must be an absolute path", c.ResultFile)
	case !contract.ValidRunID(c.RunID):
		return fmt.Errorf("run id %q is not valid", c.RunID)
	case !contract.ValidLaneName(c.Lane):
		return fmt.Errorf("lane %q is not a valid lane name", c.Lane)
	case c.Persona == "" || c.Adapter == "":
		return errors.New("the lane's persona and adapter are required")
	case c.DispatchDir != "" && !filepath.IsAbs(c.DispatchDir):
		return fmt.Errorf("the dispatch directory %q must be an absolute path", c.DispatchDir)
	case (c.DispatchDir == "") != (len(c.Waiting) == 0):
		return errors.New("a dispatch directory and the lanes waiting for dispatch go together")
	}
	for _, w := range c.Waiting {
		if !contract.ValidLaneName(w) || w == c.Lane {
			return fmt.Errorf("waiting lane %q is not a valid lane name other than this lane's", w)
		}
	}
	return nil
}

// dispatches reports whether the server offers DispatchTool.
func (c Config) dispatches() bool { return c.DispatchDir != "" && len(c.Waiting) > 0 }

// Args returns the arguments of `cocoder agent mcp` that make Main serve
// cfg. Main parses them back.
func (c Config) Args() []string {
	args := []string{"--result-file", c.ResultFile, "--run", c.RunID, "--lane", c.Lane, "--persona", c.Persona, "--adapter", c.Adapter}
	if c.Model != "" {
		args = append(args, "--model", c.Model)
	}
	if c.CanWrite {
		args = append(args, "--can-write")
	}
	if c.DispatchDir != "" {
		args = append(args, "--dispatch-dir", c.DispatchDir)
	}
	for _, w := range c.Waiting {
		args = append(args, "--waiting", w)
	}
	return args
}

// ParseArgs reads the arguments Args wrote.
func ParseArgs(args []string) (Config, error) {
	var c Config
	for i := 0; i < len(args); i++ {
		name := args[i]
		if name == "--can-write" {
			c.CanWrite = true
			continue
		}
		if i+1 >= len(args) {
			return c, fmt.Errorf("%s needs a value", name)
		}
		v := args[i+1]
		i++
		switch name {
		case "--result-file":
			c.ResultFile = v
		case "--run":
			c.RunID = v
		case "--lane":
			c.Lane = v
		case "--persona":
			c.Persona = v
		case "--adapter":
			c.Adapter = v
		case "--model":
			c.Model = v
		case "--dispatch-dir":
			c.DispatchDir = v
		case "--waiting":
			c.Waiting = append(c.Waiting, v)
		default:
			return c, fmt.Errorf("unknown argument %q", name)
		}
	}
	return c, c.check()
}

// Main runs the server for `cocoder agent mcp ARGS` on in and out until in
// ends, and returns the process exit code. Problems go to errOut (the
// CLI's MCP log), never to out.
func Main(ctx context.Context, args []string, in io.Reader, out, errOut io.Writer) int {
	cfg, err := ParseArgs(args)
	if err != nil {
		fmt.Fprintf(errOut, "cocoder agent mcp: %v\n", err)
		return 2
	}
	if err := Serve(ctx, cfg, in, out); err != nil {
		fmt.Fprintf(errOut, "cocoder agent mcp: %v\n", err)
		return 1
	}
	return 0
}

// Serve answers JSON-RPC requests read from in, one per line, on out until
// in ends or ctx is done.
func Serve(ctx context.Context, cfg Config, in io.Reader, out io.Writer) error {
	if err := cfg.check(); err != nil {
		return err
	}
	s := &server{cfg: cfg, out: out}
	r := bufio.NewReaderSize(in, 64<<10)
	for ctx.Err() == nil {
		line, err := readLine(r)
		if len(strings.TrimSpace(string(line))) > 0 {
			s.handle(line)
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
	return ctx.Err()
}

// readLine reads one line of at most maxMessage bytes; a longer line is
// read to its end and returned empty with no error, so it is skipped.
func readLine(r *bufio.Reader) ([]byte, error) {
	var line []byte
	tooLong := false
	for {
		chunk, isPrefix, err := r.ReadLine()
		if !tooLong {
			line = append(line, chunk...)
			if len(line) > maxMessage {
				tooLong, line = true, nil
			}
		}
		if err != nil || !isPrefix {
			return line, err
		}
	}
}

type server struct {
	cfg        Config
	out        io.Writer
	mu         sync.Mutex
	accepted   bool
	dispatched map[string]bool
}

type request struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id,omitempty"`
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params,omitempty"`
}

type rpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// JSON-RPC error codes.
const (
	codeParse          = -32700
	codeMethodNotFound = -32601
	codeInvalidParams  = -32602
)

func (s *server) reply(id json.RawMessage, result any, rerr *rpcError) {
	msg := map[string]any{"jsonrpc": "2.0", "id": id}
	if rerr != nil {
		msg["error"] = rerr
	} else {
		msg["result"] = result
	}
	b, err := json.Marshal(msg)
	if err != nil {
		b, _ = json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "error": rpcError{-32603, "cannot encode the answer"}})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, _ = s.out.Write(append(b, '\n'))
}

func (s *server) handle(line []byte) {
	var req request
	if err := json.Unmarshal(line, &req); err != nil {
		s.reply(json.RawMessage("null"), nil, &rpcError{codeParse, "not a JSON-RPC message"})
		return
	}
	if len(req.ID) == 0 || string(req.ID) == "null" {
		return // a notification (initialized, cancelled): nothing to answer
	}
	switch req.Method {
	case "initialize":
		var p struct {
			ProtocolVersion string `json:"protocolVersion"`
		}
		_ = json.Unmarshal(req.Params, &p)
		v := protocolVersion
		if slices.Contains(knownVersions, p.ProtocolVersion) {
			v = p.ProtocolVersion
		}
		s.reply(req.ID, map[string]any{
			"protocolVersion": v,
			"capabilities":    map[string]any{"tools": map[string]any{}},
			"serverInfo":      map[string]any{"name": ServerName, "version": version.Get().Version},
			"instructions":    s.instructions(),
		}, nil)
	case "ping":
		s.reply(req.ID, map[string]any{}, nil)
	case "tools/list":
		tools := []any{toolDescription()}
		if s.cfg.dispatches() {
			tools = append(tools, dispatchDescription(s.cfg.Waiting))
		}
		s.reply(req.ID, map[string]any{"tools": tools}, nil)
	case "tools/call":
		var p struct {
			Name      string          `json:"name"`
			Arguments json.RawMessage `json:"arguments"`
		}
		_ = json.Unmarshal(req.Params, &p)
		var text string
		var ok bool
		switch {
		case p.Name == ToolName:
			text, ok = s.submit(p.Arguments)
		case p.Name == DispatchTool && s.cfg.dispatches():
			text, ok = s.dispatch(p.Arguments)
		default:
			s.reply(req.ID, nil, &rpcError{codeInvalidParams, "unknown tool; the tools are " + strings.Join(s.toolNames(), " and ")})
			return
		}
		s.reply(req.ID, map[string]any{"content": []any{map[string]any{"type": "text", "text": text}}, "isError": !ok}, nil)
	default:
		s.reply(req.ID, nil, &rpcError{codeMethodNotFound, "method " + req.Method + " is not offered"})
	}
}

// identityFields are the job-result fields the server fills from its
// configuration; the tool does not require them.
var identityFields = []string{"runId", "lane", "persona", "adapter", "model", "canWrite"}

// defaultedLists are the job-result lists the server sets to [] when the
// model leaves them out; the tool does not require them either.
var defaultedLists = []string{"findings", "evidence", "residualRisk"}

// submit checks and records one result. It returns the text the model
// reads and whether the result was accepted.
func (s *server) submit(raw json.RawMessage) (string, bool) {
	s.mu.Lock()
	done := s.accepted
	s.mu.Unlock()
	if done {
		return "A result was already recorded for this lane; it cannot be replaced. Stop here.", false
	}
	var fields map[string]any
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return "The arguments must be one JSON object holding the job result.", false
	}
	c := s.cfg
	want := map[string]any{"runId": c.RunID, "lane": c.Lane, "persona": c.Persona, "adapter": c.Adapter, "canWrite": c.CanWrite}
	if c.Model != "" {
		want["model"] = c.Model
	}
	for _, k := range identityFields {
		got, given := fields[k]
		w, known := want[k]
		switch {
		case given && known && got != w:
			return fmt.Sprintf("%s is %v, but this lane's %s is %v; leave it out and the server fills it in.", k, got, k, w), false
		case known:
			fields[k] = w
		}
	}
	if _, ok := fields["filesChanged"]; !ok && !c.CanWrite {
		fields["filesChanged"] = []string{contract.NoFilesChanged}
	}
	for _, k := range defaultedLists {
		if _, ok := fields[k]; !ok {
			fields[k] = []string{}
		}
	}
	data, err := json.MarshalIndent(fields, "", "  ")
	if err != nil {
		return "The result does not encode as JSON.", false
	}
	if _, err := contract.Parse[contract.JobResult](ToolName+".json", data); err != nil {
		return "The result was refused; fix it and call " + ToolName + " again:\n" + err.Error(), false
	}
	if err := os.MkdirAll(filepath.Dir(c.ResultFile), 0o700); err != nil {
		return "The result could not be recorded (the lane's directory is missing); tell the operator.", false
	}
	if err := fsx.WriteFile(c.ResultFile, append(data, '\n'), 0o600); err != nil {
		return "The result could not be recorded; tell the operator.", false
	}
	s.mu.Lock()
	s.accepted = true
	s.mu.Unlock()
	return "Result recorded for lane " + c.Lane + ". Your work on this lane is finished; stop here.", true
}

// toolSchema is the input schema of submit_result: the job-result
// contract's schema without its document keywords, with the identity
// fields optional (the server fills them).
var toolSchema = sync.OnceValue(func() map[string]any {
	var s map[string]any
	raw, err := contract.Schema(contract.KindJobResult)
	if err == nil {
		err = json.Unmarshal(raw, &s)
	}
	if err != nil || s == nil {
		return map[string]any{"type": "object"}
	}
	delete(s, "$schema")
	delete(s, "$id")
	if props, ok := s["properties"].(map[string]any); ok {
		delete(props, "$schema")
		delete(props, "version")
	}
	if req, ok := s["required"].([]any); ok {
		var keep []any
		for _, r := range req {
			if name, _ := r.(string); !isIdentity(name) {
				keep = append(keep, r)
			}
		}
		s["required"] = keep
	}
	return s
})

func isIdentity(name string) bool {
	return slices.Contains(identityFields, name) || slices.Contains(defaultedLists, name)
}

// ToolSchema returns a copy of submit_result's input schema.
func ToolSchema() map[string]any {
	b, _ := json.Marshal(toolSchema())
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out
}

func toolDescription() map[string]any {
	return map[string]any{
		"name":  ToolName,
		"title": "Submit this lane's job result",
		"description": "Report the result of this CoCoder lane, once, when the work is done. " +
			"The argument is the job result (status, summary, filesChanged, findings, evidence, residualRisk, nextAction); " +
			"the lane's identity (runId, lane, persona, adapter, model, canWrite) is filled in for you. " +
			"A refused result comes back with the reasons; fix it and call again.",
		"inputSchema": toolSchema(),
		// The tool writes only the engine's record of this lane, never the
		// workspace, so read-only lanes (plan modes) may call it.
		"annotations": map[string]any{"readOnlyHint": true, "destructiveHint": false, "idempotentHint": false, "openWorldHint": false},
	}
}
