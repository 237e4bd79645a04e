package run

import (
	"maps"
	"path/filepath"
	"slices"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/resultmcp"
	"github.com/cocoder/cocoder/run/adapter"
	"github.com/cocoder/cocoder/run/ledger"
	"github.com/cocoder/cocoder/run/prompt"
)

// The result channels a lane may report through (PlanLane.ResultChannel).
const (
	// ChannelMCP: the lane's CLI starts CoCoder's MCP server and the agent
	// calls its submit_result tool, which validates the job result and
	// writes the lane's result file. It works in every sandbox mode.
	ChannelMCP = "mcp"
	// ChannelFile: the agent writes the lane's result file itself.
	ChannelFile = "file"
)

// channelContext fills in the result-channel part of a lane's adapter
// context: the ledger directory, and for an adapter that registers the
// MCP server, the server's command line (the cocoder executable with the
// lane's identity and result file, all computed here, never taken from
// the agent) and the path of the lane's MCP settings file.
func (r *Runner) channelContext(p *Plan, l *PlanLane, a *contract.Adapter, ledgerDir string, lc *adapter.LaneContext) {
	lc.LedgerDir = ledgerDir
	l.ResultChannel = ChannelFile
	if a == nil || a.MCP == nil || r.self == "" {
		return
	}
	cfg := resultmcp.Config{ResultFile: l.ResultFile, RunID: p.RunID, Lane: l.Lane, Persona: l.Persona,
		Adapter: l.Adapter, Model: l.Model, CanWrite: l.CanWrite}
	if l.Lane == p.Lead {
		// The lead dispatches its waiting teammates through the same server.
		cfg.Waiting = waitingLanes(p)
		if len(cfg.Waiting) > 0 {
			cfg.DispatchDir = filepath.Join(ledgerDir, ledger.LaneFile(l.Lane, ledger.DispatchDir))
		}
	}
	lc.ResultServer = append([]string{r.self, "agent", "mcp"}, cfg.Args()...)
	lc.MCPConfig = filepath.Join(filepath.Dir(l.ResultFile), ledger.MCPConfigName)
}

// channelFiles records what a lane using the MCP result channel needs
// besides its command line: its settings file (written into the ledger by
// Start) and the variables its adapter adds to its environment.
func (r *Runner) channelFiles(p *Plan, l *PlanLane, a *contract.Adapter, lc adapter.LaneContext) error {
	file, env, err := adapter.MCPSettings(a, lc)
	if err != nil || file == nil {
		return err
	}
	if p.docs.mcpFiles == nil {
		p.docs.mcpFiles = map[string][]byte{}
	}
	p.docs.mcpFiles[l.Lane] = file
	l.ResultChannel, l.MCPConfig, l.ChannelEnv = ChannelMCP, lc.MCPConfig, env
	l.Env = slices.Compact(slices.Sorted(slices.Values(append(l.Env, slices.Collect(maps.Keys(env))...))))
	return nil
}

// waitingLanes are the lanes of p that wait for the lead's dispatch.
func waitingLanes(p *Plan) []string {
	var out []string
	for _, l := range p.Lanes {
		if l.StartupMode == prompt.StartupWaitForDispatch {
			out = append(out, l.Lane)
		}
	}
	return out
}

// dispatchToolFor is the tool a lead's prompt tells it to dispatch with,
// or "" when it writes request files.
func dispatchToolFor(l PlanLane) string {
	if l.ResultChannel == ChannelMCP {
		return resultmcp.DispatchTool
	}
	return ""
}

// resultToolFor is the tool a lane's prompt tells it to report with, or
// "" when it writes its result file.
func resultToolFor(l PlanLane) string {
	if l.ResultChannel == ChannelMCP {
		return adapter.ResultTool
	}
	return ""
}
