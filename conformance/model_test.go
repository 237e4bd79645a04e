package conformance_test

import (
	"bufio"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/conformance"
)

// post sends body to the model and returns the answer's body.
func post(t *testing.T, m *conformance.Model, path, body string) string {
	t.Helper()
	resp, err := http.Post(m.URL()+path, "application/json", strings.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	var sb strings.Builder
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		sb.WriteString(sc.Text() + "\n")
	}
	return sb.String()
}

// TestScriptedModelSteps walks a writing lane's conversation through the
// OpenAI Responses and Gemini APIs: read the prompt, edit, report, close;
// the answers are the APIs' stream events with the right tool calls.
func TestScriptedModelSteps(t *testing.T) {
	m, err := conformance.NewModel(conformance.Script{Edit: &conformance.Edit{Path: "/ws/a.md", Text: "x"}, Result: map[string]any{"status": "PASS"}})
	require.NoError(t, err)
	defer m.Close()
	user := `Read and follow the CoCoder lane prompt at /ledger/lanes/w/prompt.md.`

	// OpenAI: shell tool plus a namespace tool.
	tools := `"tools":[{"type":"function","name":"exec_command","parameters":{"properties":{"cmd":{}}}},
		{"type":"namespace","name":"mcp__cocoder","tools":[{"type":"function","name":"submit_result","parameters":{}}]}]`
	input := `{"type":"message","role":"user","content":[{"type":"input_text","text":"` + user + `"}]}`
	out := post(t, m, "/v1/responses", `{"model":"m",`+tools+`,"input":[`+input+`]}`)
	assert.Contains(t, out, `"name":"exec_command"`)
	assert.Contains(t, out, `cat '/ledger/lanes/w/prompt.md'`)
	assert.Contains(t, out, "response.completed")
	call := `{"type":"function_call","name":"exec_command","call_id":"c1","arguments":"{}"},{"type":"function_call_output","call_id":"c1","output":"# CoCoder lane prompt"}`
	out = post(t, m, "/v1/responses", `{"model":"m",`+tools+`,"input":[`+input+`,`+call+`]}`)
	assert.Contains(t, out, `printf`, "the edit goes through the shell tool")
	out = post(t, m, "/v1/responses", `{"model":"m",`+tools+`,"input":[`+input+`,`+call+`,`+call+`]}`)
	assert.Contains(t, out, `"namespace":"mcp__cocoder"`)
	out = post(t, m, "/v1/responses", `{"model":"m",`+tools+`,"input":[`+input+`,`+call+`,`+call+`,`+call+`]}`)
	assert.Contains(t, out, "output_text")

	// Gemini: file tools, and a router side request that wants JSON.
	gtools := `"tools":[{"functionDeclarations":[{"name":"read_file","parametersJsonSchema":{"properties":{"file_path":{}}}},{"name":"mcp_cocoder_submit_result"}]}]`
	out = post(t, m, "/v1beta/models/g:streamGenerateContent?alt=sse", `{`+gtools+`,"contents":[{"role":"user","parts":[{"text":"`+user+`"}]}]}`)
	assert.Contains(t, out, `"functionCall":{"args":{"file_path":"/ledger/lanes/w/prompt.md"},"name":"read_file"}`)
	out = post(t, m, "/v1beta/models/g:generateContent", `{"contents":[{"role":"user","parts":[{"text":"route"}]}],
		"generationConfig":{"responseMimeType":"application/json","responseJsonSchema":{"type":"OBJECT","properties":{"score":{"type":"INTEGER"}},"required":["score"]}}}`)
	assert.Contains(t, out, `{\"score\":10}`)

	assert.Equal(t, []string{"read", "edit", "result", "final", "read"}, m.Steps())
	assert.True(t, m.SawPrompt())
}
