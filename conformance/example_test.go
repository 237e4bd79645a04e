package conformance_test

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/cocoder/cocoder/conformance"
)

// A scripted model answers an agent CLI's first request by reading the lane
// prompt the user message names, with the CLI's own file tool.
func ExampleNewModel() {
	m, err := conformance.NewModel(conformance.Script{Result: map[string]any{"status": "PASS"}})
	if err != nil {
		panic(err)
	}
	defer m.Close()
	body := `{"model":"m","stream":false,"tools":[{"name":"Read","input_schema":{"properties":{"file_path":{}}}}],
		"messages":[{"role":"user","content":"Read and follow the CoCoder lane prompt at /ledger/lanes/a/prompt.md."}]}`
	resp, err := http.Post(m.URL()+"/v1/messages", "application/json", strings.NewReader(body))
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	r := m.Requests()[0]
	fmt.Println(r.API, r.Step, r.ToolCall)
	// Output: anthropic read Read
}
