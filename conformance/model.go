package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// API names a model API the scripted model speaks.
type API string

// The APIs of the scripted model.
const (
	// APIAnthropic is the Anthropic Messages API (POST /v1/messages,
	// streaming server-sent events), as Claude Code calls it.
	APIAnthropic API = "anthropic"
	// APIOpenAI is the OpenAI Responses API (POST /v1/responses, streaming
	// server-sent events), as the Codex CLI calls it.
	APIOpenAI API = "openai"
	// APIGemini is the Gemini API's streamGenerateContent (server-sent
	// events) and generateContent, as the Gemini CLI calls them.
	APIGemini API = "gemini"
)

// Script is what the scripted model does in a lane's conversation, one
// step per answer:
//
//  1. read the lane prompt whose path the first user message names
//     ("... lane prompt at PATH"), with the CLI's file-reading tool (or its
//     shell tool);
//  2. when Edit is set, write Edit.Text to Edit.Path with the CLI's file
//     writing tool (or its shell tool);
//  3. call the dispatch tool (a name ending in "dispatch_lane") once per
//     entry of Dispatch;
//  4. call the result tool (any tool whose name ends in ResultTool) with
//     Result;
//  5. answer with Final as plain text, ending the turn.
//
// With Pause set, the model ends its turn after step 1 with Pause as its
// answer, and goes on only once a user message of the conversation holds
// ResumeOn (a message sent to the lane).
//
// The step is worked out from the conversation the CLI sends (how many
// tool calls it already holds), so the model keeps no state between
// requests. A request without tools (a CLI's side request, such as a
// session title) gets a short text answer.
type Script struct {
	// Edit is the file a writing lane changes; nil for a read-only lane.
	Edit *Edit
	// Result is the job result the model submits (identity fields may be
	// left out: the result channel fills them in).
	Result map[string]any
	// ResultTool is the suffix of the result tool's name. Default
	// "submit_result".
	ResultTool string
	// Final is the closing text. Default "Done.".
	Final string
	// Dispatch are the arguments of the dispatch calls a lead makes
	// ({"lane", "brief", "after"}).
	Dispatch []map[string]any
	// Pause, when set, is the answer that ends the first turn after the
	// read; ResumeOn is the text a later user message must hold for the
	// script to go on.
	Pause, ResumeOn string
	// Lanes are scripts for single lanes, by lane name, for a run of
	// several lanes against one model: the lane is known from the lane
	// prompt's path (.../lanes/<lane>/prompt.md). Lanes not named here
	// follow this script.
	Lanes map[string]Script
}

// Edit is one file the scripted model writes.
type Edit struct {
	// Path is the file's absolute path.
	Path string
	// Text is its new content.
	Text string
}

// Request is one request the scripted model received.
type Request struct {
	// Time is when it arrived.
	Time time.Time
	// API is the API it was addressed to; empty for anything else (a
	// connectivity check).
	API API
	// Method and Path are the HTTP method and URL path with its query.
	Method, Path string
	// Model is the model the request named.
	Model string
	// Tools are the names of the tools the request offered (a namespace's
	// functions as namespace.function).
	Tools []string
	// Step is the step the answer took: "read", "edit", "dispatch",
	// "result", "pause", "final", "side" (a request without tools) or ""
	// (not a model call).
	Step string
	// Lane is the lane the conversation is of, from its lane prompt's
	// path; empty when the conversation names none.
	Lane string
	// ToolCall is the tool the answer called, if any.
	ToolCall string
	// ToolResults are the texts of the tool results the conversation
	// held, in order.
	ToolResults []string
	// Body is the raw request body (at most 4 MiB are kept).
	Body []byte
}

// Model is a scripted model server on the loopback interface. Point an
// agent CLI at URL with the CLI's base-URL setting (see Env and Setup).
type Model struct {
	script Script
	srv    *http.Server
	ln     net.Listener
	mu     sync.Mutex
	log    []Request
	seq    int
}

// maxBody bounds a request body.
const maxBody = 16 << 20

// NewModel starts a scripted model on 127.0.0.1 at a free port.
func NewModel(s Script) (*Model, error) {
	s = s.withDefaults()
	for name, ls := range s.Lanes {
		s.Lanes[name] = ls.withDefaults()
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("conformance: cannot listen on the loopback interface: %w", err)
	}
	m := &Model{script: s, ln: ln}
	m.srv = &http.Server{Handler: http.HandlerFunc(m.serve), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = m.srv.Serve(ln) }()
	return m, nil
}

func (s Script) withDefaults() Script {
	if s.ResultTool == "" {
		s.ResultTool = "submit_result"
	}
	if s.Final == "" {
		s.Final = "Done."
	}
	return s
}

// forLane returns the script of the lane whose prompt is at path.
func (s Script) forLane(path string) Script {
	if ls, ok := s.Lanes[filepath.Base(filepath.Dir(path))]; ok && path != "" {
		return ls
	}
	return s
}

// URL is the server's base URL, http://127.0.0.1:PORT.
func (m *Model) URL() string { return "http://" + m.ln.Addr().String() }

// Close stops the server.
func (m *Model) Close() error { return m.srv.Close() }

// Requests returns the requests received so far, oldest first.
func (m *Model) Requests() []Request {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.log)
}

// Steps returns the steps answered so far, in order, side requests and
// connectivity checks left out.
func (m *Model) Steps() []string {
	var out []string
	for _, r := range m.Requests() {
		if r.Step != "" && r.Step != "side" {
			out = append(out, r.Step)
		}
	}
	return out
}

func (m *Model) record(r Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.log = append(m.log, r)
}

func (m *Model) nextID(prefix string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.seq++
	return fmt.Sprintf("%s_%06d", prefix, m.seq)
}

var geminiPath = regexp.MustCompile(`^/v1(beta|alpha)?/models/([^/:]+):(streamGenerateContent|generateContent|countTokens)$`)

func (m *Model) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(req.Body, maxBody))
	rec := Request{Time: time.Now(), Method: req.Method, Path: req.URL.RequestURI()}
	if len(body) <= 4<<20 {
		rec.Body = body
	}
	defer func() { m.record(rec) }()
	path := req.URL.Path
	switch {
	case req.Method == http.MethodPost && strings.HasSuffix(path, "/messages/count_tokens"):
		writeJSON(w, map[string]any{"input_tokens": 100})
	case req.Method == http.MethodPost && strings.HasSuffix(path, "/messages"):
		rec.API = APIAnthropic
		m.anthropic(w, body, &rec)
	case req.Method == http.MethodPost && strings.HasSuffix(path, "/responses"):
		rec.API = APIOpenAI
		m.openai(w, body, &rec)
	case req.Method == http.MethodPost && geminiPath.MatchString(path):
		rec.API = APIGemini
		sm := geminiPath.FindStringSubmatch(path)
		rec.Model = sm[2]
		m.gemini(w, body, sm[3], &rec)
	case req.Method == http.MethodGet && strings.HasSuffix(path, "/models"):
		writeJSON(w, map[string]any{"data": []any{}, "models": []any{}})
	default:
		// Connectivity checks (HEAD /api/hello and the like).
		w.WriteHeader(http.StatusOK)
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// call is a tool call the model makes.
type call struct {
	name      string // function name
	namespace string // OpenAI namespace tool, if any
	args      map[string]any
}

// tool is a tool a request offers.
type tool struct {
	name      string
	namespace string
	params    map[string]any // JSON schema "properties"
}

func (t tool) has(prop string) bool { _, ok := t.params[prop]; return ok }

// convo is a request's conversation, reduced to what the script needs.
type convo struct {
	firstUser   string
	toolCalls   int
	toolResults []string
	tools       []tool
}

var promptPath = regexp.MustCompile(`lane prompt at (\S+?)(?:[.,;]?(?:\s|$))`)

// decide returns the answer to a conversation: a tool call, or final
// text.
func (m *Model) decide(c convo, rec *Request) (*call, string) {
	for _, t := range c.tools {
		rec.Tools = append(rec.Tools, strings.TrimPrefix(t.namespace+"."+t.name, "."))
	}
	rec.ToolResults = c.toolResults
	if len(c.tools) == 0 {
		rec.Step = "side"
		return nil, "CoCoder lane"
	}
	prompt := ""
	if sm := promptPath.FindStringSubmatch(c.firstUser); sm != nil {
		prompt = sm[1]
	}
	rec.Lane = filepath.Base(filepath.Dir(prompt))
	script := m.script.forLane(prompt)
	steps := []string{"read"}
	if script.Edit != nil {
		steps = append(steps, "edit")
	}
	for range script.Dispatch {
		steps = append(steps, "dispatch")
	}
	steps = append(steps, "result")
	if c.toolCalls == 1 && script.Pause != "" && !strings.Contains(c.firstUser, script.ResumeOn) {
		rec.Step = "pause"
		return nil, script.Pause
	}
	if c.toolCalls >= len(steps) {
		rec.Step = "final"
		return nil, script.Final
	}
	rec.Step = steps[c.toolCalls]
	var k *call
	switch rec.Step {
	case "read":
		k = readCall(c.tools, prompt)
	case "edit":
		k = writeCall(c.tools, script.Edit.Path, script.Edit.Text)
	case "dispatch":
		n := c.toolCalls - 1
		if script.Edit != nil {
			n--
		}
		k = mcpCall(c.tools, "dispatch_lane", script.Dispatch[n])
	case "result":
		k = mcpCall(c.tools, script.ResultTool, script.Result)
	}
	if k == nil {
		rec.Step = "final"
		return nil, "The scripted model found no tool for step " + steps[c.toolCalls] + "."
	}
	rec.ToolCall = strings.TrimPrefix(k.namespace+"."+k.name, ".")
	return k, ""
}

func find(tools []tool, names ...string) (tool, bool) {
	for _, n := range names {
		for _, t := range tools {
			if t.name == n {
				return t, true
			}
		}
	}
	return tool{}, false
}

// pathProp is the name of a file tool's path parameter.
func pathProp(t tool) string {
	for _, p := range []string{"file_path", "absolute_path", "path"} {
		if t.has(p) {
			return p
		}
	}
	return "file_path"
}

func shellCall(t tool, script string) *call {
	switch {
	case t.has("cmd"):
		return &call{name: t.name, namespace: t.namespace, args: map[string]any{"cmd": script}}
	case t.has("command") && t.name == "shell":
		return &call{name: t.name, namespace: t.namespace, args: map[string]any{"command": []string{"bash", "-lc", script}}}
	default:
		return &call{name: t.name, namespace: t.namespace, args: map[string]any{"command": script}}
	}
}

func readCall(tools []tool, path string) *call {
	if t, ok := find(tools, "Read", "read_file"); ok {
		return &call{name: t.name, args: map[string]any{pathProp(t): path}}
	}
	if t, ok := find(tools, "exec_command", "shell_command", "shell", "run_shell_command", "Bash"); ok {
		return shellCall(t, "cat "+shellQuote(path))
	}
	return nil
}

func writeCall(tools []tool, path, text string) *call {
	if t, ok := find(tools, "Write", "write_file"); ok {
		return &call{name: t.name, args: map[string]any{pathProp(t): path, "content": text}}
	}
	if t, ok := find(tools, "exec_command", "shell_command", "shell", "run_shell_command", "Bash"); ok {
		return shellCall(t, "printf '%s' "+shellQuote(text)+" > "+shellQuote(path))
	}
	return nil
}

// mcpCall calls the tool whose name ends in suffix (an MCP tool, named
// with its server's prefix by each CLI) with args.
func mcpCall(tools []tool, suffix string, args map[string]any) *call {
	for _, t := range tools {
		if strings.HasSuffix(t.name, suffix) {
			return &call{name: t.name, namespace: t.namespace, args: args}
		}
	}
	// Claude Code defers MCP tools behind its tool search: load it first.
	if t, ok := find(tools, "ToolSearch"); ok {
		return &call{name: t.name, args: map[string]any{"query": "select:mcp__cocoder__" + suffix, "max_results": 1}}
	}
	return nil
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// sse writes server-sent events and ends the response: some CLIs wait for
// the connection to close after a tool call.
type sse struct {
	w http.ResponseWriter
	b bytes.Buffer
}

func newSSE(w http.ResponseWriter) *sse {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("Connection", "close")
	return &sse{w: w}
}

func (s *sse) event(name string, data any) {
	b, _ := json.Marshal(data)
	if name != "" {
		fmt.Fprintf(&s.b, "event: %s\n", name)
	}
	fmt.Fprintf(&s.b, "data: %s\n\n", b)
}

func (s *sse) flush() {
	_, _ = s.w.Write(s.b.Bytes())
	if f, ok := s.w.(http.Flusher); ok {
		f.Flush()
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// props returns the "properties" of a JSON schema object.
func props(schema any) map[string]any {
	if s, ok := schema.(map[string]any); ok {
		if p, ok := s["properties"].(map[string]any); ok {
			return p
		}
	}
	return map[string]any{}
}

// text returns the text of a content value that is a string or a list of
// parts with "text".
func text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		var sb strings.Builder
		for _, p := range x {
			if m, ok := p.(map[string]any); ok {
				if t, ok := m["text"].(string); ok {
					sb.WriteString(t)
					sb.WriteString("\n")
				} else if c, ok := m["content"]; ok {
					sb.WriteString(text(c))
				}
			}
		}
		return sb.String()
	}
	return ""
}
