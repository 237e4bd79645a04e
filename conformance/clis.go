package conformance

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cocoder/cocoder/internal/agenthook"
	"github.com/cocoder/cocoder/internal/resultmcp"
	"github.com/cocoder/cocoder/internal/tmuxtest"
)

// EnvCLIBin names the directory holding the pinned vendor CLIs (claude,
// codex, gemini), as .ci/install-agents installs them. When it is unset
// the CLIs are looked up in PATH.
const EnvCLIBin = "COCODER_AGENT_CLI_BIN"

// InstallHint is the command that installs the pinned vendor CLIs.
const InstallHint = "bash .ci/install-agents (npm install of the versions pinned in .ci/agent-clis into a private prefix; then export " + EnvCLIBin + "=<prefix>/node_modules/.bin)"

// Main runs a test binary's tests. It first serves the "agent ..."
// invocations a lane's CLI makes of the test binary, which stands in for
// the cocoder executable (the result channel, `agent mcp`, and the hook
// program, `agent hook`), and keeps the tests away from the user's tmux.
// Call it from TestMain:
//
//	func TestMain(m *testing.M) { conformance.Main(m) }
func Main(m *testing.M) {
	if a := os.Args[1:]; len(a) >= 2 && a[0] == "agent" && a[1] == "mcp" {
		os.Exit(resultmcp.Main(context.Background(), a[2:], os.Stdin, os.Stdout, os.Stderr))
	}
	if a := os.Args[1:]; len(a) >= 2 && a[0] == "agent" && a[1] == "hook" {
		os.Exit(agenthook.Main(context.Background(), a[2:], os.Stdin, os.Stderr))
	}
	os.Exit(tmuxtest.Main(m))
}

// FindCLI returns the absolute path of a vendor CLI's program: in
// $COCODER_AGENT_CLI_BIN when set, else in PATH. When it is missing, the
// test fails in CI (CI=true) and is skipped elsewhere, with the install
// command.
func FindCLI(t testing.TB, name string) string {
	t.Helper()
	if dir := os.Getenv(EnvCLIBin); dir != "" {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p
		}
	} else if p, err := exec.LookPath(name); err == nil {
		if abs, err := filepath.Abs(p); err == nil {
			return abs
		}
	}
	msg := fmt.Sprintf("%s is not installed; install the pinned CLIs with: %s", name, InstallHint)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// testKey is the API key every scripted lane uses.
const testKey = "sk-cocoder-conformance-0123456789abcdef"

// Claude is Claude Code (adapter claude) set up offline: ANTHROPIC_BASE_URL
// at the model, an API key, and $HOME/.claude.json with onboarding done,
// the key approved and the workspace trusted.
func Claude(program string) CLI {
	return CLI{Adapter: "claude", Program: program, Setup: func(home, root, url string) (map[string]string, error) {
		err := jsonFile(filepath.Join(home, ".claude.json"), ClaudeState(root, testKey))
		return map[string]string{"ANTHROPIC_BASE_URL": url, "ANTHROPIC_API_KEY": testKey}, err
	}}
}

// ClaudeState is the part of Claude Code's ~/.claude.json that lets it
// start unattended in root with API key key: onboarding completed, the
// key approved (Claude records its last 20 characters) and the folder
// trusted.
func ClaudeState(root, key string) map[string]any {
	tail := key
	if len(tail) > 20 {
		tail = tail[len(tail)-20:]
	}
	return map[string]any{
		"hasCompletedOnboarding": true,
		"customApiKeyResponses":  map[string]any{"approved": []string{tail}, "rejected": []string{}},
		"projects":               map[string]any{root: map[string]any{"hasTrustDialogAccepted": true}},
	}
}

// Codex is the Codex CLI (adapter codex) set up offline: CODEX_HOME with
// a model provider at the model (Responses API, key from OPENAI_API_KEY)
// and the workspace trusted.
func Codex(program string) CLI {
	return CLI{Adapter: "codex", Program: program, Setup: func(home, root, url string) (map[string]string, error) {
		dir := filepath.Join(home, ".codex")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		toml := strings.Join([]string{
			`model_provider = "cocoder-scripted"`,
			`model = "scripted"`,
			`[model_providers.cocoder-scripted]`,
			`name = "CoCoder scripted model"`,
			fmt.Sprintf(`base_url = %q`, url+"/v1"),
			`wire_api = "responses"`,
			`env_key = "OPENAI_API_KEY"`,
			fmt.Sprintf(`[projects.%q]`, root),
			`trust_level = "trusted"`,
			"",
		}, "\n")
		err := os.WriteFile(filepath.Join(dir, "config.toml"), []byte(toml), 0o600)
		return map[string]string{"CODEX_HOME": dir, "OPENAI_API_KEY": testKey}, err
	}}
}

// Gemini is the Gemini CLI (adapter gemini) set up offline:
// GOOGLE_GEMINI_BASE_URL at the model, GEMINI_API_KEY, and
// $HOME/.gemini/settings.json choosing API-key authentication.
func Gemini(program string) CLI {
	return CLI{Adapter: "gemini", Program: program, Setup: func(home, root, url string) (map[string]string, error) {
		err := jsonFile(filepath.Join(home, ".gemini", "settings.json"), map[string]any{
			"security": map[string]any{"auth": map[string]any{"selectedType": "gemini-api-key"}},
		})
		return map[string]string{"GOOGLE_GEMINI_BASE_URL": url, "GEMINI_API_KEY": testKey}, err
	}}
}
