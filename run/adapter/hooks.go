package adapter

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/agenthook"
	"github.com/cocoder/cocoder/internal/errs"
)

// HookTimeout is the time, in seconds, a CLI gives the hook program before
// it gives up on it. The program itself returns within about two seconds
// whatever happens.
const HookTimeout = 10

// HookSettings returns the content of the hook settings file (to be
// written at lc.HookSettings) that makes a lane's CLI run the hook program
// — the cocoder executable, lc.Self, as `agent hook --file lc.HookFile
// --event EVENT` — at each event its adapter declares. It returns nil, nil
// when the lane does not use hooks (the adapter declares none, or
// lc.HookFile is empty).
//
// For the "claude" format the file is Claude Code's settings: one matcher
// group per event, its matcher the declared matchers joined with "|" (none
// when an entry of the event has none), holding one command hook given as
// program and arguments, so no shell reads them.
func HookSettings(a *contract.Adapter, lc LaneContext) ([]byte, error) {
	const op = "adapter.HookSettings"
	if a == nil || !lc.usesHooks(a) {
		return nil, nil
	}
	bad := func(format string, args ...any) error {
		return errs.E(errs.Invalid, op, "lane %s, adapter %s: "+format, append([]any{lc.Lane, a.ID}, args...)...)
	}
	for _, p := range []struct{ field, value string }{{"HookFile", lc.HookFile}, {"HookSettings", lc.HookSettings}, {"Self", lc.Self}} {
		switch {
		case !filepath.IsAbs(p.value):
			return nil, bad("%s %q must be an absolute path", p.field, p.value)
		case strings.Contains(p.value, "${"):
			// Claude Code expands ${VAR} inside a hook's arguments.
			return nil, bad("%s %q contains \"${\", which the CLI would expand in the hook's arguments; use a CoCoder home whose path does not", p.field, p.value)
		case strings.IndexByte(p.value, 0) >= 0:
			return nil, bad("%s contains a NUL byte", p.field)
		}
	}
	if a.Hooks.Format != contract.HookFormatClaude {
		return nil, bad("hooks.format %q is not one the engine writes (claude)", a.Hooks.Format)
	}
	hooks := map[string][]ClaudeMatcherGroup{}
	for _, name := range a.Hooks.Names() {
		var matchers []string
		for _, e := range a.Hooks.Events {
			if e.Event != name {
				continue
			}
			if e.Matcher == "" {
				matchers = nil
				break
			}
			matchers = append(matchers, e.Matcher)
		}
		args := append([]string{"agent", "hook"}, agenthook.Config{File: lc.HookFile, Event: name}.Args()...)
		hooks[name] = []ClaudeMatcherGroup{{Matcher: strings.Join(slices.Compact(matchers), "|"),
			Hooks: []ClaudeCommand{{Type: "command", Command: lc.Self, Args: args, Timeout: HookTimeout}}}}
	}
	file, err := json.MarshalIndent(ClaudeSettings{Hooks: hooks}, "", "  ")
	if err != nil {
		return nil, errs.Wrap(errs.Internal, op, err, "lane %s, adapter %s: the hook settings do not encode", lc.Lane, a.ID)
	}
	return append(file, '\n'), nil
}

// ClaudeSettings is the settings file HookSettings writes for the "claude"
// format: Claude Code's hooks setting, nothing else.
type ClaudeSettings struct {
	// Hooks maps an event to its matcher groups.
	Hooks map[string][]ClaudeMatcherGroup `json:"hooks"`
}

// ClaudeMatcherGroup is the hooks of one event whose type matches Matcher
// (every type when it is empty).
type ClaudeMatcherGroup struct {
	Matcher string          `json:"matcher,omitempty"`
	Hooks   []ClaudeCommand `json:"hooks"`
}

// ClaudeCommand is one command hook in exec form: Command is run with Args,
// no shell, for at most Timeout seconds.
type ClaudeCommand struct {
	Type    string   `json:"type"`
	Command string   `json:"command"`
	Args    []string `json:"args"`
	Timeout int      `json:"timeout"`
}
