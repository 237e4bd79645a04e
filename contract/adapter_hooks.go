package contract

import (
	"regexp"
	"slices"
)

// LaneActivity is what a lane's agent CLI is doing, as the CLI itself
// reports it through its hooks (see HookRegistration). It refines a
// running lane's state; it is not a state of its own.
type LaneActivity string

// The lane activities.
const (
	// ActivityBusy: the CLI is working on a prompt (it took one, or is
	// about to run a tool).
	ActivityBusy LaneActivity = "busy"
	// ActivityIdle: the CLI's turn ended and it waits for a prompt.
	ActivityIdle LaneActivity = "idle"
	// ActivityWaiting: the CLI stopped at a question for a person (a
	// permission prompt); the lane needs attention.
	ActivityWaiting LaneActivity = "waiting"
)

// HookFormat is the shape of the hook settings file the engine writes for
// a CLI.
type HookFormat string

// The hook settings formats.
const (
	// HookFormatClaude is Claude Code's settings file: a "hooks" object
	// mapping each event to matcher groups of command hooks, each command
	// given as a program and an argument list (no shell).
	HookFormatClaude HookFormat = "claude"
)

// HookRegistration says how an agent CLI reports its own state to the
// engine through its hooks. The engine writes a settings file
// ({hookSettings}, in the lane's ledger directory) that makes the CLI run
// `cocoder agent hook` at each of Events; the hook program appends one
// line per event to the lane's hook file, which the supervisor reads. The
// CLI's own configuration files are never touched: Args hand the settings
// to the one lane's CLI.
type HookRegistration struct {
	// Format is the shape of the settings file: "claude".
	Format HookFormat `json:"format" yaml:"format" jsonschema:"required,enum=claude" validate:"required,oneof=claude"`
	// Args load the settings file, e.g. ["--settings", "{hookSettings}"];
	// they must use {hookSettings}. They are added to the command line after
	// the result channel's arguments.
	Args []string `json:"args" yaml:"args" jsonschema:"required,minItems=1" validate:"required,min=1,dive,placeholders"`
	// Submitted names the event that proves the CLI took a prompt, e.g.
	// "UserPromptSubmit": prompt delivery counts as confirmed when it
	// fires. It must be one of Events.
	Submitted string `json:"submitted,omitempty" yaml:"submitted,omitempty" jsonschema:"maxLength=64,pattern=^[A-Za-z][A-Za-z0-9_]*$" validate:"omitempty,max=64,hookevent"`
	// Events are the hook events the engine listens to and what each
	// means. An event may be listed more than once with different
	// matchers; the first entry that matches an event decides.
	Events []HookEvent `json:"events" yaml:"events" jsonschema:"required,minItems=1" validate:"required,min=1,dive"`
}

// HookEvent is one hook event of a CLI and the lane activity it means.
type HookEvent struct {
	// Event is the CLI's name of the event, e.g. "Stop".
	Event string `json:"event" yaml:"event" jsonschema:"required,maxLength=64,pattern=^[A-Za-z][A-Za-z0-9_]*$" validate:"required,max=64,hookevent"`
	// Matcher, when set, narrows the event by its type (for Claude Code's
	// Notification event, the notification type, e.g.
	// "permission_prompt|elicitation_dialog"). The CLI receives it as its
	// matcher; the engine matches it, as a regular expression that must
	// match the whole type, against the type the hook recorded.
	Matcher string `json:"matcher,omitempty" yaml:"matcher,omitempty" validate:"omitempty,regexp"`
	// Activity is what the event says the CLI is doing: busy, idle or
	// waiting.
	Activity LaneActivity `json:"activity" yaml:"activity" jsonschema:"required,enum=busy,enum=idle,enum=waiting" validate:"required,oneof=busy idle waiting"`
}

// Names returns the distinct event names of h, in the order first listed.
func (h *HookRegistration) Names() []string {
	var out []string
	for _, e := range h.Events {
		if !slices.Contains(out, e.Event) {
			out = append(out, e.Event)
		}
	}
	return out
}

// ActivityOf returns the activity that event, of type typ (a notification
// type; empty for events without one), means: that of the first entry of
// Events with that name whose Matcher is empty or matches the whole of
// typ. It returns false when no entry matches.
func (h *HookRegistration) ActivityOf(event, typ string) (LaneActivity, bool) {
	for _, e := range h.Events {
		if e.Event != event {
			continue
		}
		if e.Matcher == "" {
			return e.Activity, true
		}
		if re, err := regexp.Compile(`^(?:` + e.Matcher + `)$`); err == nil && re.MatchString(typ) {
			return e.Activity, true
		}
	}
	return "", false
}

func (h *HookRegistration) check(p *problems) {
	if !argsUse(h.Args, PlaceholderHookSettings) {
		p.add("hooks.args", "placeholder", "hooks.args must load the settings file the engine writes through {hookSettings}, e.g. [\"--settings\", \"{hookSettings}\"]")
	}
	if h.Submitted != "" && !slices.Contains(h.Names(), h.Submitted) {
		p.add("hooks.submitted", "unknown-event", "hooks.submitted names %q, which is not among hooks.events; list it there (e.g. with activity busy)", h.Submitted)
	}
}
