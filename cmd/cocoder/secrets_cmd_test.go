package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	runpkg "github.com/cocoder/cocoder/run"
	"github.com/cocoder/cocoder/secrets"
)

const cliCanary = "canary-cli-5b7e19d3a2"

// runSecrets runs the CLI with --home home and the given standard input, and
// fails the test if the canary ever reaches stdout or stderr.
func runSecrets(t *testing.T, home, stdin string, args ...string) (int, string, string) {
	t.Helper()
	args = append([]string{"--home", home}, args...)
	code, out, errOut := invocation{stdin: stdin}.run(t.Context(), args...)
	assert.NotContains(t, out, cliCanary, "stdout of %v", args)
	assert.NotContains(t, errOut, cliCanary, "stderr of %v", args)
	return code, out, errOut
}

func storedValue(t *testing.T, home, name string) string {
	t.Helper()
	s, err := secrets.Open(filepath.Join(home, "secrets"))
	require.NoError(t, err)
	v, err := s.Get(name)
	require.NoError(t, err)
	return v.Reveal()
}

func TestSecretsSet(t *testing.T) {
	t.Run("FromStdin", func(t *testing.T) {
		home := t.TempDir()
		code, out, errOut := runSecrets(t, home, cliCanary+"\n", "secrets", "set", "openai", "--from-stdin")
		require.Equal(t, exitOK, code, errOut)
		assert.Contains(t, out, "stored secret openai ("+strconv.Itoa(len(cliCanary))+" bytes)")
		assert.Contains(t, out, "${secret:openai}")
		assert.Equal(t, cliCanary, storedValue(t, home, "openai"), "one trailing newline removed")
	})
	t.Run("FromFile", func(t *testing.T) {
		home := t.TempDir()
		file := filepath.Join(t.TempDir(), "key.txt")
		require.NoError(t, os.WriteFile(file, []byte(cliCanary+"\n\n"), 0o600))
		code, out, errOut := runSecrets(t, home, "", "--json", "secrets", "set", "gh", "--from-file", file)
		require.Equal(t, exitOK, code, errOut)
		var got map[string]any
		require.NoError(t, json.Unmarshal([]byte(out), &got))
		assert.Equal(t, "gh", got["name"])
		assert.Equal(t, "${secret:gh}", got["ref"])
		assert.Equal(t, cliCanary+"\n", storedValue(t, home, "gh"), "only one newline removed")
	})
	t.Run("ErrNoSourceNotATerminal", func(t *testing.T) {
		home := t.TempDir()
		code, _, errOut := runSecrets(t, home, cliCanary, "secrets", "set", "openai")
		assert.Equal(t, exitInvalid, code)
		assert.Contains(t, errOut, "--from-stdin")
		assert.NoFileExists(t, filepath.Join(home, "secrets", "openai"))
	})
	t.Run("ErrBothSources", func(t *testing.T) {
		code, _, _ := runSecrets(t, t.TempDir(), cliCanary, "secrets", "set", "k", "--from-stdin", "--from-file", "x")
		assert.Equal(t, exitUsage, code)
	})
	t.Run("ErrBadName", func(t *testing.T) {
		home := t.TempDir()
		code, _, errOut := runSecrets(t, home, cliCanary, "secrets", "set", "../escape", "--from-stdin")
		assert.Equal(t, exitInvalid, code)
		assert.Contains(t, errOut, "secret name")
		assert.NoDirExists(t, filepath.Join(home, "secrets"), "refused before touching the home")
	})
	t.Run("ErrReservedName", func(t *testing.T) {
		code, _, errOut := runSecrets(t, t.TempDir(), cliCanary, "secrets", "set", "token.oz", "--from-stdin")
		assert.Equal(t, exitInvalid, code)
		assert.Contains(t, errOut, "reserved")
	})
	t.Run("ErrEmptyValue", func(t *testing.T) {
		code, _, errOut := runSecrets(t, t.TempDir(), "\n", "secrets", "set", "k", "--from-stdin")
		assert.Equal(t, exitInvalid, code)
		assert.Contains(t, errOut, "empty")
	})
	t.Run("ErrMissingFile", func(t *testing.T) {
		code, _, errOut := runSecrets(t, t.TempDir(), "", "secrets", "set", "k", "--from-file", filepath.Join(t.TempDir(), "nope"))
		assert.Equal(t, exitFailure, code)
		assert.Contains(t, errOut, "no such file")
	})
	t.Run("ErrFileIsADirectory", func(t *testing.T) {
		dir := t.TempDir()
		code, _, errOut := runSecrets(t, t.TempDir(), "", "secrets", "set", "k", "--from-file", dir)
		assert.Equal(t, exitInvalid, code)
		assert.Contains(t, errOut, "--from-file "+dir+" is a directory")
	})
	t.Run("ErrLooseStore", func(t *testing.T) {
		home := t.TempDir()
		dir := filepath.Join(home, "secrets")
		require.NoError(t, os.Mkdir(dir, 0o700))
		require.NoError(t, os.Chmod(dir, 0o755))
		code, _, errOut := runSecrets(t, home, cliCanary, "secrets", "set", "k", "--from-stdin")
		assert.Equal(t, exitInvalid, code)
		assert.Contains(t, errOut, "chmod 700 "+dir)
	})
}

func TestSecretsListAndRm(t *testing.T) {
	home := t.TempDir()
	code, out, _ := runSecrets(t, home, "", "secrets", "list")
	require.Equal(t, exitOK, code)
	assert.Contains(t, out, "no secrets in")

	for _, name := range []string{"zeta", "alpha"} {
		code, _, errOut := runSecrets(t, home, cliCanary+"-"+name, "secrets", "set", name, "--from-stdin")
		require.Equal(t, exitOK, code, errOut)
	}
	require.NoError(t, os.WriteFile(filepath.Join(home, "secrets", "loose"), []byte(cliCanary), 0o644))
	require.NoError(t, os.Chmod(filepath.Join(home, "secrets", "loose"), 0o644))

	code, out, _ = runSecrets(t, home, "", "secrets", "list")
	require.Equal(t, exitOK, code)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 4, out)
	assert.Regexp(t, `^NAME\s+SIZE\s+MODIFIED\s+PROBLEM$`, lines[0])
	assert.Regexp(t, `^alpha\s+`+strconv.Itoa(len(cliCanary)+6)+`\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+-$`, lines[1])
	assert.Contains(t, lines[2], "chmod 600")
	assert.True(t, strings.HasPrefix(lines[3], "zeta "))

	code, out, _ = runSecrets(t, home, "", "secrets", "list", "--json")
	require.Equal(t, exitOK, code)
	var listed struct {
		Dir     string         `json:"dir"`
		Secrets []secrets.Info `json:"secrets"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &listed))
	assert.Equal(t, filepath.Join(home, "secrets"), listed.Dir)
	require.Len(t, listed.Secrets, 3)
	assert.Equal(t, "alpha", listed.Secrets[0].Name)

	code, out, errOut := runSecrets(t, home, "", "secrets", "rm", "alpha")
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "removed secret alpha")
	assert.NoFileExists(t, filepath.Join(home, "secrets", "alpha"))

	code, _, errOut = runSecrets(t, home, "", "secrets", "rm", "alpha")
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, errOut, "not found")

	code, _, _ = runSecrets(t, home, "", "secrets", "rm", "a/b")
	assert.Equal(t, exitInvalid, code)
}

func TestSecretsHasNoValueCommand(t *testing.T) {
	for _, cmd := range []string{"get", "show", "cat", "reveal", "print"} {
		code, _, _ := runSecrets(t, t.TempDir(), "", "secrets", cmd, "k")
		assert.Equal(t, exitUsage, code, cmd)
	}
}

// TestSecretsAllowGatesWorkspaceConfig: a workspace's own config.yaml that
// sends a stored secret to a lane blocks the plan until the user allows it
// with `secrets allow`; then `run plan` (text and --json) names the
// variable, the lane and the reference, never the value, and `run start`'s
// stderr line does too.
func TestSecretsAllowGatesWorkspaceConfig(t *testing.T) {
	c := newCLIRepo(t)
	require.NoError(t, os.WriteFile(filepath.Join(c.bin, "claude"), []byte("#!/bin/sh\nexit 0\n"), 0o755))
	code, _, errOut := c.cocoderIn(cliCanary+"\n", "secrets", "set", "anthropic", "--from-stdin")
	require.Equal(t, exitOK, code, errOut)
	c.write("cocoder/config.yaml", "secrets:\n  ANTHROPIC_API_KEY: ${secret:anthropic}\n")

	code, out, _ := c.cocoder("run", "plan", "--workspace", c.repo, "try-cocoder")
	assert.Equal(t, exitInvalid, code)
	assert.Contains(t, out, "secret-not-granted (lane lead)")
	assert.Contains(t, out, "cocoder secrets allow 'REF'")

	code, out, errOut = c.cocoder("secrets", "allow", "--workspace", c.repo, "${secret:anthropic}")
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "${secret:anthropic}")
	code, out, errOut = c.cocoder("run", "plan", "--workspace", c.repo, "try-cocoder")
	require.Equal(t, exitOK, code, out+errOut)
	assert.Contains(t, out, "secret  ANTHROPIC_API_KEY from ${secret:anthropic}")
	code, out, _ = c.cocoder("run", "plan", "--workspace", c.repo, "try-cocoder", "--json")
	require.Equal(t, exitOK, code)
	assert.Contains(t, out, `"ANTHROPIC_API_KEY": "${secret:anthropic}"`)
	assert.NotContains(t, out, cliCanary)

	var buf strings.Builder
	printLaneSecrets(&buf, &runpkg.Plan{Lanes: []runpkg.PlanLane{{Lane: "lead", Secrets: map[string]string{"B": "${env:B}", "A": "${secret:a}"}}, {Lane: "writer"}}})
	assert.Equal(t, "secrets: lane lead gets A from ${secret:a}, B from ${env:B}\n", buf.String())

	code, _, _ = c.cocoder("secrets", "disallow", "--workspace", c.repo, "${secret:anthropic}")
	require.Equal(t, exitOK, code)
	code, _, _ = c.cocoder("run", "plan", "--workspace", c.repo, "try-cocoder")
	assert.Equal(t, exitInvalid, code)
}
