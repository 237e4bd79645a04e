package adapter

import (
	"encoding/json"
	"maps"
	"path/filepath"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/errs"
)

// MCPServerName is the name the result channel is registered under in
// every CLI's MCP settings; its tool is then mcp__cocoder__submit_result
// (Claude Code, Codex) or mcp_cocoder_submit_result (Gemini CLI).
const MCPServerName = "cocoder"

// ResultTool is the name of the result channel's tool.
const ResultTool = "submit_result"

// MCPSettings returns what a lane of adapter a needs besides its command
// line to reach the result channel: the content of its MCP settings file
// (to be written at lc.MCPConfig) and the variables to add to its
// environment. It returns nil, nil, nil when the lane does not use the
// channel (the adapter registers none, or lc.ResultServer is empty).
func MCPSettings(a *contract.Adapter, lc LaneContext) (file []byte, env map[string]string, err error) {
	const op = "adapter.MCPSettings"
	if a == nil || !lc.usesMCP(a) {
		return nil, nil, nil
	}
	if !filepath.IsAbs(lc.MCPConfig) {
		return nil, nil, errs.E(errs.Invalid, op, "lane %s, adapter %s: MCPConfig %q must be an absolute path", lc.Lane, a.ID, lc.MCPConfig)
	}
	in := lc.argvInput(a, "", contract.SandboxMode(lc.Sandbox), "")
	doc := make(map[string]any, len(a.MCP.Settings)+1)
	maps.Copy(doc, a.MCP.Settings)
	doc["mcpServers"] = map[string]any{MCPServerName: map[string]any{
		"type": "stdio", "command": in.MCPCommand, "args": in.MCPArgs, "env": map[string]string{},
		// Gemini CLI asks before each call of an untrusted server.
		"trust": true,
	}}
	file, err = json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, nil, errs.Wrap(errs.Invalid, op, err, "lane %s, adapter %s: mcp.settings do not encode as JSON", lc.Lane, a.ID)
	}
	env = make(map[string]string, len(a.MCP.Env))
	for k, v := range a.MCP.Env {
		env[k] = in.Expand(v)
	}
	return append(file, '\n'), env, nil
}
