package demoagent

import (
	"fmt"
	"strings"
)

// modelDefault is how a lane prompt shows the CLI's default model (the
// run package's ModelDefault; a test keeps the two equal).
const modelDefault = "(CLI default)"

// Prompt is what the demo agent learns from a lane's prompt.md.
type Prompt struct {
	// RunID, Lane, Persona and Adapter identify the lane.
	RunID, Lane, Persona, Adapter string
	// Model is the lane's model; empty for the CLI default.
	Model string
	// Sandbox and StartupMode as the prompt states them.
	Sandbox, StartupMode string
	// CanWrite says whether the lane may change files.
	CanWrite bool
	// Priority is the priority's slug; PriorityText its quoted excerpt.
	Priority, PriorityText string
	// Workspace is the repository root.
	Workspace string
	// ResultFile is where the result JSON goes.
	ResultFile string
	// Allowed and Excluded are the lane's write scope.
	Allowed, Excluded []string
	// DispatchDir is where a lead writes its dispatch requests; Waiting
	// are the lanes that wait for them (from the Dispatch section).
	DispatchDir string
	Waiting     []WaitingLane
}

// WaitingLane is a lane that waits for the lead's dispatch.
type WaitingLane struct {
	Lane   string
	Writes bool
}

// ParsePrompt reads a lane prompt as the run package renders it: the
// "- key: value" lines of its Identity section, the globs of its Write
// scope section and the quoted text under its Priority heading. Headings
// inside fenced blocks (quoted repository text) are not sections.
func ParsePrompt(text string) (Prompt, error) {
	var (
		p        Prompt
		section  string
		fence    string // the open fence, "" outside one
		list     *[]string
		inQuote  bool
		quoted   []string
		canWrite string
	)
	// fields maps an Identity key to where its value goes.
	fields := map[string]*string{
		"run id": &p.RunID, "lane": &p.Lane, "persona": &p.Persona, "adapter": &p.Adapter,
		"model": &p.Model, "sandbox": &p.Sandbox, "can write": &canWrite, "startup mode": &p.StartupMode,
		"priority": &p.Priority, "workspace": &p.Workspace, "result file": &p.ResultFile,
	}
	for _, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		trimmed := strings.TrimSpace(line)
		if fence != "" {
			if trimmed == fence {
				fence, inQuote = "", false
			} else if inQuote {
				quoted = append(quoted, line)
			}
			continue
		}
		if f := openFence(trimmed); f != "" {
			fence = f
			inQuote = section == "priority" && p.PriorityText == "" && quoted == nil
			continue
		}
		if rest, ok := strings.CutPrefix(line, "## "); ok {
			section, list = "", nil
			switch {
			case rest == "Identity":
				section = "identity"
			case rest == "Write scope":
				section = "scope"
			case strings.HasPrefix(rest, "Priority"):
				section = "priority"
			case rest == "Dispatch":
				section = "dispatch"
			}
			continue
		}
		switch section {
		case "identity":
			key, value, ok := strings.Cut(strings.TrimPrefix(line, "- "), ": ")
			if !ok || !strings.HasPrefix(line, "- ") {
				continue
			}
			if dst, ok := fields[key]; ok {
				*dst = strings.TrimSpace(value)
			}
		case "dispatch":
			key, value, ok := strings.Cut(strings.TrimPrefix(line, "- "), ": ")
			if !ok || !strings.HasPrefix(line, "- ") {
				continue
			}
			switch key {
			case "dispatch directory":
				p.DispatchDir = strings.TrimSpace(value)
			case "waiting lane":
				lane, rest, _ := strings.Cut(strings.TrimSpace(value), " ")
				p.Waiting = append(p.Waiting, WaitingLane{Lane: lane, Writes: strings.Contains(rest, "writes")})
			}
		case "scope":
			switch {
			case strings.HasPrefix(line, "Allowed"):
				list = &p.Allowed
			case strings.HasPrefix(line, "Excluded"):
				list = &p.Excluded
			case list != nil && strings.HasPrefix(line, "- `") && strings.HasSuffix(line, "`"):
				*list = append(*list, strings.TrimSuffix(strings.TrimPrefix(line, "- `"), "`"))
			}
		}
	}
	if quoted != nil {
		p.PriorityText = strings.Join(quoted, "\n")
	}
	p.CanWrite = canWrite == "yes"
	if p.Model == modelDefault {
		p.Model = ""
	}
	var missing []string
	for _, f := range []struct{ name, value string }{{"run id", p.RunID}, {"lane", p.Lane}, {"persona", p.Persona}, {"adapter", p.Adapter}, {"can write", canWrite}} {
		if f.value == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return p, fmt.Errorf("the text is not a CoCoder lane prompt: its Identity section lacks %s", strings.Join(missing, ", "))
	}
	return p, nil
}

// openFence returns the fence a line opens (three or more backticks or
// tildes, possibly followed by an info string), or "".
func openFence(trimmed string) string {
	for _, c := range []byte{'`', '~'} {
		n := 0
		for n < len(trimmed) && trimmed[n] == c {
			n++
		}
		if n >= 3 {
			return trimmed[:n]
		}
	}
	return ""
}
