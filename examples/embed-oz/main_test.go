package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/oz"
	"github.com/cocoder/cocoder/workspace"
)

// TestEmbedOz builds the example, runs it on a free loopback port, checks
// its own route and Oz's beside it (health without a token, the API with
// and without), and stops it with SIGTERM.
func TestEmbedOz(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "embed-oz")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	home := t.TempDir()
	cmd := exec.Command(bin, "-home", home, "-addr", "127.0.0.1:0")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lines := bufio.NewScanner(stdout)
	require.True(t, lines.Scan(), "no output")
	first := lines.Text()
	require.True(t, strings.HasPrefix(first, "listening on http://127.0.0.1:"), first)
	base := strings.Fields(strings.TrimPrefix(first, "listening on "))[0]

	get := func(path, token string) (int, string) {
		req, err := http.NewRequest("GET", base+path, nil)
		require.NoError(t, err)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	code, body := get("/hello", "")
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, "hello")
	code, body = get("/cocoder/api/v1/health", "")
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, `"ok"`)
	code, _ = get("/cocoder/api/v1/workspaces", "")
	assert.Equal(t, http.StatusUnauthorized, code)

	h, err := workspace.OpenHome(context.Background(), home)
	require.NoError(t, err)
	store, err := h.Secrets()
	require.NoError(t, err)
	tok, err := store.Token(oz.TokenName)
	require.NoError(t, err)
	code, body = get("/cocoder/api/v1/workspaces", tok.Reveal())
	assert.Equal(t, http.StatusOK, code, body)
	assert.Equal(t, "[]", body)
	c, err := oz.NewClient(base+"/cocoder", tok, nil)
	require.NoError(t, err)
	_, err = c.Adapters(context.Background())
	require.NoError(t, err)

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	done := make(chan error, 1)
	go func() {
		for lines.Scan() {
		}
		done <- cmd.Wait()
	}()
	select {
	case err := <-done:
		require.NoError(t, err, "a graceful shutdown exits 0")
	case <-time.After(15 * time.Second):
		t.Fatal("the service did not stop on SIGTERM")
	}
}
