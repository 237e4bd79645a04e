package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// runCLI runs the CLI in-process and returns its exit code and output.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	env := map[string]string{"COCODER_HOME": t.TempDir()}
	code := run(context.Background(), args, streams{
		in: strings.NewReader(""), out: &out, err: &errOut,
		getenv: func(k string) string { return env[k] },
	})
	return code, out.String(), errOut.String()
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

func TestHelpExitsZero(t *testing.T) {
	code, out, _ := runCLI(t, "--help")
	if code != exitOK || !strings.Contains(out, "validate") {
		t.Fatalf("code %d, out %q", code, out)
	}
}
