package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/alecthomas/kong"
)

// invocation is one in-process run of the CLI: its standard input, its
// environment and the effective user id it sees (nil: not root).
type invocation struct {
	stdin string
	env   map[string]string
	euid  func() int
}

// run runs the CLI with args and returns its exit code and output.
func (iv invocation) run(ctx context.Context, args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(ctx, args, streams{
		in: strings.NewReader(iv.stdin), out: &out, err: &errOut,
		getenv: func(k string) string { return iv.env[k] },
		euid:   iv.euid,
	})
	return code, out.String(), errOut.String()
}

// runCLI runs the CLI in-process and returns its exit code and output.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return invocation{env: map[string]string{"COCODER_HOME": t.TempDir()}}.run(context.Background(), args...)
}

func TestVersion(t *testing.T) {
	code, out, _ := runCLI(t, "version")
	if code != exitOK || !strings.HasPrefix(out, "cocoder ") {
		t.Fatalf("code %d, out %q", code, out)
	}
	code, out, _ = runCLI(t, "version", "--json")
	if code != exitOK || !strings.Contains(out, `"go":`) {
		t.Fatalf("code %d, out %q", code, out)
	}
}

func TestUsageErrorExitCode(t *testing.T) {
	code, _, errOut := runCLI(t, "no-such-command")
	if code != exitUsage {
		t.Fatalf("code %d, stderr %q", code, errOut)
	}
}

// TestUsageErrorNamesHelp checks that a usage error points at the help of
// the command it happened in.
func TestUsageErrorNamesHelp(t *testing.T) {
	tests := []struct {
		args []string
		help string
	}{
		{nil, "`cocoder --help`"},
		{[]string{"run"}, "`cocoder run --help`"},
		{[]string{"run", "stauts"}, "`cocoder run --help`"},
		{[]string{"validate"}, "`cocoder validate --help`"},
		{[]string{"run", "start", "x", "--wait", "--timeout", "5x"}, "`cocoder run start --help`"},
		{[]string{"run", "start", "x", "--host", "bogus"}, "`cocoder run start --help`"},
		{[]string{"workspace", "show"}, "`cocoder workspace show --help`"},
	}
	for _, tc := range tests {
		code, out, errOut := runCLI(t, tc.args...)
		if code != exitUsage || out != "" || !strings.Contains(errOut, "(see "+tc.help+")") || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: code %d, stdout %q, stderr %q; want exit 2 and one line naming %s", tc.args, code, out, errOut, tc.help)
		}
	}
}

// TestRootWarning checks security item 46: as root, the commands that
// start or supervise agents warn once on stderr, --allow-root or
// COCODER_ALLOW_ROOT=1 silences them, and the other commands never warn.
func TestRootWarning(t *testing.T) {
	const warning = "warning: running as root"
	root := func() int { return 0 }
	user := func() int { return 1000 }
	const unknownRun = "r-20260101T000000Z-aaaaaaaa"
	tests := []struct {
		name string
		euid func() int
		env  map[string]string
		args []string
		code int
		warn bool
	}{
		{"WaitAsRoot", root, nil, []string{"run", "wait", unknownRun}, exitFailure, true},
		{"WaitAsRootJSON", root, nil, []string{"--json", "run", "wait", unknownRun}, exitFailure, true},
		{"WaitAllowRootFlag", root, nil, []string{"run", "wait", unknownRun, "--allow-root"}, exitFailure, false},
		{"WaitAllowRootEnv", root, map[string]string{envAllowRoot: "1"}, []string{"run", "wait", unknownRun}, exitFailure, false},
		{"WaitAllowRootEnvFalse", root, map[string]string{envAllowRoot: "0"}, []string{"run", "wait", unknownRun}, exitFailure, true},
		{"WaitAsUser", user, nil, []string{"run", "wait", unknownRun}, exitFailure, false},
		{"WaitUnknownEUID", nil, nil, []string{"run", "wait", unknownRun}, exitFailure, false},
		{"StartAsRoot", root, nil, []string{"run", "start", "try-cocoder", "--wait"}, exitFailure, true},
		{"StartAllowRoot", root, nil, []string{"run", "start", "try-cocoder", "--wait", "--allow-root"}, exitFailure, false},
		{"StartUsageErrorFirst", root, nil, []string{"run", "start", "try-cocoder", "--host", "exec"}, exitInvalid, false},
		{"PlanAsRoot", root, nil, []string{"run", "plan", "try-cocoder"}, exitInvalid, false},
		{"ValidateAsRoot", root, nil, []string{"validate", "cocoder"}, exitOK, false},
		{"VersionAsRoot", root, nil, []string{"version"}, exitOK, false},
		{"StatusAsRoot", root, nil, []string{"run", "status", unknownRun}, exitFailure, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// The current directory is a workspace and PATH is empty, so
			// run start stops at its preflight (no git, no tmux) before
			// any lane starts.
			dir, home := t.TempDir(), t.TempDir()
			if code, _, errOut := (invocation{}).run(t.Context(), "--home", home, "init", dir); code != exitOK {
				t.Fatalf("init: %s", errOut)
			}
			t.Chdir(dir)
			args := append([]string{"--home", home}, tc.args...)
			code, out, errOut := invocation{env: tc.env, euid: tc.euid}.run(t.Context(), args...)
			if code != tc.code {
				t.Errorf("code %d, want %d; stderr %q", code, tc.code, errOut)
			}
			if got := strings.Count(errOut, warning); got != btoi(tc.warn) {
				t.Errorf("stderr holds the warning %d times, want %d: %q", got, btoi(tc.warn), errOut)
			}
			if strings.Contains(out, warning) {
				t.Errorf("the warning reached stdout: %q", out)
			}
			if tc.warn {
				for _, want := range []string{"agents", "root", "--allow-root", envAllowRoot + "=1"} {
					if !strings.Contains(errOut, want) {
						t.Errorf("the warning does not say %q: %q", want, errOut)
					}
				}
			}
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestHelpExitsZero(t *testing.T) {
	code, out, _ := runCLI(t, "--help")
	if code != exitOK || !strings.Contains(out, "validate") {
		t.Fatalf("code %d, out %q", code, out)
	}
}

// TestHelpOfEveryCommand runs --help on every visible command: it exits 0,
// describes the command, every argument and flag has a description, and
// no flag shows kong's generic STRING placeholder instead of a name.
func TestHelpOfEveryCommand(t *testing.T) {
	parser, err := kong.New(&cli{}, kong.Name("cocoder"))
	if err != nil {
		t.Fatal(err)
	}
	var walk func(n *kong.Node)
	walk = func(n *kong.Node) {
		for _, child := range n.Children {
			if child.Hidden {
				continue
			}
			if len(child.Children) > 0 {
				walk(child)
				continue
			}
			path := strings.Fields(child.Path())
			if child.Help == "" {
				t.Errorf("%v has no description", path)
			}
			for _, a := range child.Positional {
				if a.Help == "" {
					t.Errorf("%v: argument <%s> has no description", path, a.Name)
				}
			}
			for _, f := range child.Flags {
				if f.Help == "" {
					t.Errorf("%v: flag --%s has no description", path, f.Name)
				}
			}
			code, out, errOut := runCLI(t, append(path, "--help")...)
			if code != exitOK || !strings.Contains(out, "Usage: cocoder "+strings.Join(path, " ")) || errOut != "" {
				t.Errorf("%v --help: code %d, stdout %q, stderr %q", path, code, out, errOut)
			}
			if strings.Contains(out, "=STRING") {
				t.Errorf("%v --help shows a flag with the placeholder STRING:\n%s", path, out)
			}
		}
	}
	walk(parser.Model.Node)
}
