package adapter

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/internal/fsx"
)

// The answers of a readiness check that cannot just be yes or no.
const (
	StateYes     = "yes"
	StateNo      = "no"
	StateUnknown = "unknown"
	// StateNotNeeded: the adapter's flags make the question moot (gemini's
	// --skip-trust), or the CLI has no such notion.
	StateNotNeeded = "not-needed"
)

// Readiness is what a person needs to know before a lane of an adapter
// can run unattended on this machine.
type Readiness struct {
	// ID and Label name the adapter.
	ID    string `json:"id"`
	Label string `json:"label"`
	// Installed says whether its command was found; Path is where.
	Installed bool   `json:"installed"`
	Path      string `json:"path,omitempty"`
	// Version is the first line the command prints for VersionArgs.
	Version string `json:"version,omitempty"`
	// SignedIn says whether the CLI has credentials or a configured
	// provider (yes, no, unknown).
	SignedIn string `json:"signedIn"`
	// Trusted says whether the CLI trusts the workspace (yes, no, unknown,
	// not-needed).
	Trusted string `json:"trusted"`
	// Missing lists what stops an unattended lane, each with its Fix at
	// the same index.
	Missing []string `json:"missing,omitempty"`
	Fix     []string `json:"fix,omitempty"`
}

// Ready reports whether nothing is missing.
func (r Readiness) Ready() bool { return r.Installed && len(r.Missing) == 0 }

// ReadinessOptions say where to look.
type ReadinessOptions struct {
	// LookPath finds programs; nil means exec.LookPath.
	LookPath func(string) (string, error)
	// Getenv reads the environment; nil means os.Getenv.
	Getenv func(string) string
	// Workspace is the absolute workspace root, for the trust question;
	// empty leaves it unknown.
	Workspace string
	// Self is the cocoder executable (adapters whose command is
	// SelfCommand).
	Self string
}

func (o *ReadinessOptions) defaults() {
	if o.LookPath == nil {
		o.LookPath = exec.LookPath
	}
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
}

// Inspect checks one adapter on this machine without changing anything:
// its command, version, required variables and files, and for the CLIs
// whose state files are known (claude, codex, gemini) whether they are
// signed in and trust the workspace.
func Inspect(ctx context.Context, a *contract.Adapter, opt ReadinessOptions) Readiness {
	opt.defaults()
	r := Readiness{ID: a.ID, Label: a.Label, SignedIn: StateUnknown, Trusted: StateUnknown}
	miss := func(what, fix string) {
		r.Missing = append(r.Missing, what)
		r.Fix = append(r.Fix, fix)
	}
	if !a.Available() {
		miss("the adapter is not supported here", "choose another adapter")
		return r
	}
	cmd := a.Command
	if cmd == SelfCommand {
		cmd = opt.Self
	}
	if p, err := opt.LookPath(cmd); err == nil {
		r.Installed, r.Path = true, p
	} else {
		miss(a.Command+" is not installed (not found in PATH)", installHint(a))
		return r
	}
	if len(a.VersionArgs) > 0 {
		r.Version = versionOf(ctx, r.Path, a.VersionArgs)
	}
	for _, name := range a.AvailabilityCheck.RequiredEnv {
		if opt.Getenv(name) == "" {
			miss(name+" is not set", "set "+name+" (as a secret reference for the lane)")
		}
	}
	for _, f := range a.AvailabilityCheck.RequiredFiles {
		if _, err := os.Stat(expandHome(f, opt.Getenv)); err != nil {
			miss(f+" does not exist", textOr(a.AvailabilityCheck.AuthHint, "create "+f))
		}
	}
	if probe, ok := vendorProbes[a.ID]; ok {
		probe(&r, opt)
		if r.SignedIn == StateNo {
			miss(a.Label+" is not signed in", textOr(a.AvailabilityCheck.AuthHint, "sign in with "+a.Command))
		}
		if r.Trusted == StateNo {
			miss(a.Label+" does not trust the workspace yet", "run `"+a.Command+"` once in "+opt.Workspace+" and trust it, or `cocoder adapters check "+a.ID+" --setup`")
		}
	}
	return r
}

func installHint(a *contract.Adapter) string {
	switch a.ID {
	case "claude":
		return "npm install -g @anthropic-ai/claude-code (or the vendor's installer)"
	case "codex":
		return "npm install -g @openai/codex"
	case "gemini":
		return "npm install -g @google/gemini-cli"
	}
	return "install " + a.Command + " and put it in PATH (or name it with `cocoder config set adapters." + a.ID + ".command PATH`)"
}

func textOr(s, def string) string {
	if s != "" {
		return s
	}
	return def
}

// versionOf runs the command's version arguments, bounded.
func versionOf(ctx context.Context, path string, args []string) string {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, args...).Output()
	if err != nil {
		return ""
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return strings.TrimSpace(line)
}

func expandHome(p string, getenv func(string) string) string {
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		return filepath.Join(getenv("HOME"), rest)
	}
	return p
}

// vendorProbes read (never write) the state files of the CLIs whose
// formats are known, to answer SignedIn and Trusted.
var vendorProbes = map[string]func(*Readiness, ReadinessOptions){
	"claude": probeClaude,
	"codex":  probeCodex,
	"gemini": probeGemini,
}

// readJSONMap reads a small JSON object file; a missing file is nil, nil.
func readJSONMap(path string) (map[string]any, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return m, nil
}

func claudeStatePath(getenv func(string) string) string {
	if d := getenv("CLAUDE_CONFIG_DIR"); d != "" {
		return filepath.Join(d, ".claude.json")
	}
	return filepath.Join(getenv("HOME"), ".claude.json")
}

func keyTail(key string) string {
	if len(key) > 20 {
		return key[len(key)-20:]
	}
	return key
}

func probeClaude(r *Readiness, opt ReadinessOptions) {
	st, err := readJSONMap(claudeStatePath(opt.Getenv))
	if err != nil {
		return
	}
	onboarded, _ := st["hasCompletedOnboarding"].(bool)
	_, oauth := st["oauthAccount"]
	key := opt.Getenv("ANTHROPIC_API_KEY")
	approved := false
	if resp, ok := st["customApiKeyResponses"].(map[string]any); ok && key != "" {
		list, _ := resp["approved"].([]any)
		for _, v := range list {
			if v == keyTail(key) {
				approved = true
			}
		}
	}
	switch {
	case !onboarded:
		r.SignedIn = StateNo
	case oauth || approved:
		r.SignedIn = StateYes
	case key != "":
		r.SignedIn = StateNo // the key would raise the approval dialog
	}
	if opt.Workspace != "" {
		r.Trusted = StateNo
		if projects, ok := st["projects"].(map[string]any); ok {
			if p, ok := projects[opt.Workspace].(map[string]any); ok && p["hasTrustDialogAccepted"] == true {
				r.Trusted = StateYes
			}
		}
	}
}

func codexHome(getenv func(string) string) string {
	if d := getenv("CODEX_HOME"); d != "" {
		return d
	}
	return filepath.Join(getenv("HOME"), ".codex")
}

func probeCodex(r *Readiness, opt ReadinessOptions) {
	dir := codexHome(opt.Getenv)
	cfg, _ := os.ReadFile(filepath.Join(dir, "config.toml"))
	_, authErr := os.Stat(filepath.Join(dir, "auth.json"))
	switch {
	case authErr == nil:
		r.SignedIn = StateYes
	case bytes.Contains(cfg, []byte("model_provider")):
		r.SignedIn = StateUnknown // a custom provider: its key comes from the environment
	default:
		r.SignedIn = StateNo
	}
	if opt.Workspace != "" {
		r.Trusted = StateNo
		if codexTrusts(cfg, opt.Workspace) {
			r.Trusted = StateYes
		}
	}
}

// codexTrusts looks for the [projects."<root>"] table with trust_level
// "trusted" in a codex config.toml.
func codexTrusts(cfg []byte, root string) bool {
	header := "[projects." + strings.TrimSpace(mustJSONString(root)) + "]"
	_, rest, ok := strings.Cut(string(cfg), header)
	if !ok {
		return false
	}
	table, _, _ := strings.Cut(rest, "\n[")
	return strings.Contains(strings.ReplaceAll(table, " ", ""), `trust_level="trusted"`)
}

func mustJSONString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func probeGemini(r *Readiness, opt ReadinessOptions) {
	st, err := readJSONMap(filepath.Join(opt.Getenv("HOME"), ".gemini", "settings.json"))
	if err != nil {
		return
	}
	r.Trusted = StateNotNeeded // the shipped declaration passes --skip-trust
	sec, _ := st["security"].(map[string]any)
	auth, _ := sec["auth"].(map[string]any)
	switch sel, _ := auth["selectedType"].(string); {
	case sel == "":
		r.SignedIn = StateNo
	case sel == "gemini-api-key" && opt.Getenv("GEMINI_API_KEY") == "":
		r.SignedIn = StateUnknown // the key must reach the lane as a secret reference
	default:
		r.SignedIn = StateYes
	}
}

// Setup does, on the user's explicit request, the one-time steps that let
// an adapter's lanes start unattended in workspace, and returns what it
// changed. Only the CLIs whose state files are known are supported:
// claude (trust the workspace; approve $ANTHROPIC_API_KEY when set) and
// codex (trust the workspace). Files are rewritten atomically and keep
// everything else they hold.
func Setup(a *contract.Adapter, opt ReadinessOptions) ([]string, error) {
	opt.defaults()
	const op = "adapter.Setup"
	if !filepath.IsAbs(opt.Workspace) {
		return nil, errs.E(errs.Invalid, op, "the workspace %q must be an absolute path", opt.Workspace)
	}
	switch a.ID {
	case "claude":
		path := claudeStatePath(opt.Getenv)
		st, err := readJSONMap(path)
		if err != nil {
			return nil, errs.Wrap(errs.Invalid, op, err, "cannot read %s; fix or remove it first", path)
		}
		if st == nil {
			st = map[string]any{}
		}
		var did []string
		projects, _ := st["projects"].(map[string]any)
		if projects == nil {
			projects = map[string]any{}
		}
		p, _ := projects[opt.Workspace].(map[string]any)
		if p == nil {
			p = map[string]any{}
		}
		if p["hasTrustDialogAccepted"] != true {
			p["hasTrustDialogAccepted"] = true
			did = append(did, "trusted "+opt.Workspace+" in "+path)
		}
		projects[opt.Workspace] = p
		st["projects"] = projects
		if key := opt.Getenv("ANTHROPIC_API_KEY"); key != "" {
			resp, _ := st["customApiKeyResponses"].(map[string]any)
			if resp == nil {
				resp = map[string]any{"approved": []any{}, "rejected": []any{}}
			}
			list, _ := resp["approved"].([]any)
			found := false
			for _, v := range list {
				found = found || v == keyTail(key)
			}
			if !found {
				resp["approved"] = append(list, keyTail(key))
				did = append(did, "approved the API key in ANTHROPIC_API_KEY in "+path)
			}
			st["customApiKeyResponses"] = resp
		}
		if len(did) == 0 {
			return nil, nil
		}
		b, err := json.MarshalIndent(st, "", "  ")
		if err != nil {
			return nil, errs.Wrap(errs.Internal, op, err, "cannot encode %s", path)
		}
		return did, fsx.WriteFile(path, append(b, '\n'), 0o600)
	case "codex":
		dir := codexHome(opt.Getenv)
		path := filepath.Join(dir, "config.toml")
		cfg, err := os.ReadFile(path)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, errs.Wrap(errs.Unavailable, op, err, "cannot read %s", path)
		}
		if codexTrusts(cfg, opt.Workspace) {
			return nil, nil
		}
		if strings.Contains(string(cfg), "[projects."+mustJSONString(opt.Workspace)+"]") {
			return nil, errs.E(errs.Conflict, op, "%s already has a table for %s without trust_level = \"trusted\"; edit it by hand", path, opt.Workspace)
		}
		if len(cfg) > 0 && !bytes.HasSuffix(cfg, []byte("\n")) {
			cfg = append(cfg, '\n')
		}
		cfg = append(cfg, []byte("\n[projects."+mustJSONString(opt.Workspace)+"]\ntrust_level = \"trusted\"\n")...)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, errs.Wrap(errs.Unavailable, op, err, "cannot create %s", dir)
		}
		return []string{"trusted " + opt.Workspace + " in " + path}, fsx.WriteFile(path, cfg, 0o600)
	}
	return nil, errs.E(errs.Invalid, op, "adapter %s has no setup CoCoder can do; follow its fix by hand", a.ID)
}
