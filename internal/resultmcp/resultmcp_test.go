package resultmcp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/resultmcp"
)

const runID = "r-20261124T140312Z-7k3f6q2a"

func config(t *testing.T, canWrite bool) resultmcp.Config {
	return resultmcp.Config{ResultFile: filepath.Join(t.TempDir(), "lanes", "writer", "result.json"), RunID: runID,
		Lane: "writer", Persona: "builder", Adapter: "claude", Model: "opus", CanWrite: canWrite}
}

// serve sends the requests, one per line, and returns the answers by id.
func serve(t *testing.T, cfg resultmcp.Config, reqs ...string) map[float64]map[string]any {
	var out bytes.Buffer
	require.NoError(t, resultmcp.Serve(context.Background(), cfg, strings.NewReader(strings.Join(reqs, "\n")+"\n"), &out))
	got := map[float64]map[string]any{}
	for line := range strings.SplitSeq(strings.TrimSpace(out.String()), "\n") {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), line)
		id, _ := m["id"].(float64)
		got[id] = m
	}
	return got
}

func call(id int, args string) string {
	return `{"jsonrpc":"2.0","id":` + string(rune('0'+id)) + `,"method":"tools/call","params":{"name":"submit_result","arguments":` + args + `}}`
}

func toolText(m map[string]any) (string, bool) {
	res, _ := m["result"].(map[string]any)
	content, _ := res["content"].([]any)
	if len(content) == 0 {
		return "", false
	}
	text, _ := content[0].(map[string]any)["text"].(string)
	isErr, _ := res["isError"].(bool)
	return text, !isErr
}

// TestSubmitResult: the handshake lists the one tool, annotated read-only;
// a result without identity is completed, validated and written; a second
// one is refused.
func TestSubmitResult(t *testing.T) {
	cfg := config(t, true)
	got := serve(t, cfg,
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-03-26"}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`,
		call(3, `{"status":"PASS","summary":"did it","nextAction":"none","evidence":["go test"],"filesChanged":["src/a.go"]}`),
		call(4, `{"status":"FAILED","summary":"again","nextAction":"none","filesChanged":["none"]}`),
		`{"jsonrpc":"2.0","id":5,"method":"resources/list"}`,
	)
	assert.Equal(t, "2025-03-26", got[1]["result"].(map[string]any)["protocolVersion"], "the client's revision is answered")
	tools := got[2]["result"].(map[string]any)["tools"].([]any)
	require.Len(t, tools, 1)
	tool := tools[0].(map[string]any)
	assert.Equal(t, "submit_result", tool["name"])
	assert.Equal(t, true, tool["annotations"].(map[string]any)["readOnlyHint"])
	schema := tool["inputSchema"].(map[string]any)
	assert.NotContains(t, schema["required"], "persona", "identity is filled in by the server")
	assert.Contains(t, schema["required"], "status")

	text, ok := toolText(got[3])
	assert.True(t, ok, text)
	res, err := contract.Load[contract.JobResult](cfg.ResultFile)
	require.NoError(t, err)
	assert.Equal(t, runID, res.RunID)
	assert.Equal(t, "writer", res.Lane)
	assert.Equal(t, "builder", res.Persona)
	assert.Equal(t, "opus", res.Model)
	assert.True(t, res.CanWrite)

	text, ok = toolText(got[4])
	assert.False(t, ok, "a second result is refused")
	assert.Contains(t, text, "already recorded")
	assert.Contains(t, got[5], "error", "an unknown method is an error")
}

// TestRefusals: another lane's identity, a result that breaks the
// contract and a read-only lane claiming changes are refused with the
// reason, and nothing is written.
func TestRefusals(t *testing.T) {
	cfg := config(t, false)
	got := serve(t, cfg,
		call(1, `{"status":"PASS","lane":"lead","summary":"x","nextAction":"n","evidence":["e"]}`),
		call(2, `{"status":"PASS","summary":"x","nextAction":"n"}`),
		call(3, `{"status":"PASS","summary":"x","nextAction":"n","evidence":["e"],"filesChanged":["src/a.go"]}`),
		call(4, `"not an object"`),
	)
	for id, want := range map[float64]string{1: "lane is lead", 2: "evidence", 3: "read-only", 4: "one JSON object"} {
		text, ok := toolText(got[id])
		assert.False(t, ok, "call %v accepted", id)
		assert.Contains(t, text, want, "call %v", id)
	}
	_, err := os.Stat(cfg.ResultFile)
	assert.True(t, os.IsNotExist(err), "nothing was written")
}

// TestArgsRoundTrip: the engine's arguments come back as the same
// configuration; bad ones are refused.
func TestArgsRoundTrip(t *testing.T) {
	cfg := config(t, true)
	back, err := resultmcp.ParseArgs(cfg.Args())
	require.NoError(t, err)
	assert.Equal(t, cfg, back)
	for _, bad := range [][]string{{"--run"}, {"--bogus", "x"}, {"--result-file", "rel.json", "--run", runID, "--lane", "a", "--persona", "p", "--adapter", "a"}} {
		_, err := resultmcp.ParseArgs(bad)
		assert.Error(t, err, "%v", bad)
	}
}

// FuzzServe feeds arbitrary input to the server: it must never panic and
// must answer only with JSON lines.
func FuzzServe(f *testing.F) {
	f.Add(`{"jsonrpc":"2.0","id":1,"method":"initialize"}`)
	f.Add(call(2, `{"status":"PASS"}`))
	f.Add(`{"id":[1],"method":"tools/call","params":{"name":"submit_result","arguments":null}}`)
	f.Fuzz(func(t *testing.T, in string) {
		cfg := resultmcp.Config{ResultFile: filepath.Join(t.TempDir(), "r.json"), RunID: runID, Lane: "a", Persona: "p", Adapter: "x"}
		var out bytes.Buffer
		_ = resultmcp.Serve(context.Background(), cfg, strings.NewReader(in), &out)
		for line := range strings.SplitSeq(strings.TrimSpace(out.String()), "\n") {
			if line != "" && !json.Valid([]byte(line)) {
				t.Fatalf("answer is not JSON: %q", line)
			}
		}
	})
}

func dispatchCall(id int, args string) string {
	return `{"jsonrpc":"2.0","id":` + string(rune('0'+id)) + `,"method":"tools/call","params":{"name":"dispatch_lane","arguments":` + args + `}}`
}

// TestDispatchLane: a lead's server lists dispatch_lane beside
// submit_result, writes one request file per waiting lane in the format
// the supervisor reads, and refuses other lanes, a second dispatch, an
// empty brief and unknown fields, writing nothing for them.
func TestDispatchLane(t *testing.T) {
	cfg := config(t, false)
	cfg.Lane, cfg.Persona = "lead", "lead"
	cfg.DispatchDir = filepath.Join(filepath.Dir(filepath.Dir(cfg.ResultFile)), "lead", "dispatch")
	cfg.Waiting = []string{"writer", "verifier"}
	got := serve(t, cfg,
		`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`,
		dispatchCall(2, `{"lane":"writer","brief":"add the note"}`),
		dispatchCall(3, `{"lane":"verifier","brief":"check the note","after":["writer"]}`),
		dispatchCall(4, `{"lane":"writer","brief":"again"}`),
		dispatchCall(5, `{"lane":"lead","brief":"me"}`),
		dispatchCall(6, `{"lane":"verifier","brief":""}`),
		dispatchCall(7, `{"lane":"verifier","brief":"x","command":"rm -rf /"}`),
	)
	var names []string
	for _, tl := range got[1]["result"].(map[string]any)["tools"].([]any) {
		names = append(names, tl.(map[string]any)["name"].(string))
	}
	assert.Equal(t, []string{"submit_result", "dispatch_lane"}, names)
	for _, id := range []float64{2, 3} {
		text, ok := toolText(got[id])
		assert.True(t, ok, text)
	}
	for _, id := range []float64{4, 5, 6, 7} {
		text, ok := toolText(got[id])
		assert.False(t, ok, "call %v was taken: %s", id, text)
	}
	text, _ := toolText(got[4])
	assert.Contains(t, text, "already dispatched")
	var req struct {
		Lane  string   `json:"lane"`
		Brief string   `json:"brief"`
		After []string `json:"after"`
	}
	b, err := os.ReadFile(filepath.Join(cfg.DispatchDir, "verifier.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &req))
	assert.Equal(t, "verifier", req.Lane)
	assert.Equal(t, "check the note", req.Brief)
	assert.Equal(t, []string{"writer"}, req.After)
	ents, err := os.ReadDir(cfg.DispatchDir)
	require.NoError(t, err)
	assert.Len(t, ents, 2, "only the two accepted requests are written")

	// A lane's server without waiting teammates offers no dispatch.
	plain := serve(t, config(t, true), `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`, dispatchCall(2, `{"lane":"writer","brief":"x"}`))
	assert.Len(t, plain[1]["result"].(map[string]any)["tools"].([]any), 1)
	assert.NotNil(t, plain[2]["error"], "dispatch_lane is unknown to a lane that leads no one")
}

// TestDispatchArgs: the dispatch settings survive Args and ParseArgs, and
// a relative directory or a directory without waiting lanes is refused.
func TestDispatchArgs(t *testing.T) {
	cfg := config(t, false)
	cfg.DispatchDir, cfg.Waiting = "/ledger/lanes/writer/dispatch", []string{"verifier"}
	back, err := resultmcp.ParseArgs(cfg.Args())
	require.NoError(t, err)
	assert.Equal(t, cfg, back)
	cfg.DispatchDir = "relative/dir"
	_, err = resultmcp.ParseArgs(cfg.Args())
	assert.ErrorContains(t, err, "absolute")
	cfg.DispatchDir, cfg.Waiting = "/abs", nil
	_, err = resultmcp.ParseArgs(cfg.Args())
	assert.ErrorContains(t, err, "go together")
}
