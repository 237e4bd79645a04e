package oz

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/workspace"
)

// liveServer serves s on loopback for an internal test and returns its
// origin and token.
func liveServer(t *testing.T, home *workspace.Home) (*Server, string, string) {
	t.Helper()
	s, err := New(Config{Home: home})
	require.NoError(t, err)
	ln, err := Listen("127.0.0.1:0", false)
	require.NoError(t, err)
	done := make(chan struct{})
	go func() { _ = s.Serve(context.Background(), ln); close(done) }()
	t.Cleanup(func() { _ = s.Shutdown(context.Background()); <-done })
	return s, "http://" + ln.Addr().String(), s.token.current(time.Now()).Reveal()
}

func scaffold(t *testing.T, home *workspace.Home) string {
	t.Helper()
	root := t.TempDir()
	out, err := exec.Command("git", "-C", root, "init", "-q").CombinedOutput()
	require.NoError(t, err, string(out))
	_, err = workspace.Init(t.Context(), root, workspace.InitOptions{Home: home})
	require.NoError(t, err)
	return root
}

func post(t *testing.T, url, tok, body string) int {
	t.Helper()
	req, err := http.NewRequest("POST", url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// Case 33: each action appends one audit line, fsynced before the action
// is carried out; when the line cannot be written the action is refused.
func TestCase33AuditBeforeAction(t *testing.T) {
	home, err := workspace.OpenHome(context.Background(), t.TempDir())
	require.NoError(t, err)
	root := scaffold(t, home)
	s, url, tok := liveServer(t, home)

	// The registry does not hold the workspace yet when its line is on
	// disk.
	var registeredAtAudit []bool
	s.audit.synced = func(e AuditEntry) {
		list, _ := home.Registry().List(context.Background())
		registeredAtAudit = append(registeredAtAudit, len(list) > 0)
	}
	require.Equal(t, http.StatusCreated, post(t, url+"/api/v1/workspaces", tok, `{"path":"`+root+`"}`))
	assert.Equal(t, []bool{false}, registeredAtAudit, "the audit line came after the registration")
	b, err := os.ReadFile(filepath.Join(home.OzDir(), AuditFile))
	require.NoError(t, err)
	var e AuditEntry
	require.NoError(t, json.Unmarshal(b, &e))
	assert.Equal(t, "workspace.register", e.Action)
	assert.Equal(t, "token", e.Actor)
	assert.Equal(t, root, e.Target)
	assert.Equal(t, "allowed", e.Outcome)
	assert.False(t, e.Time.IsZero())

	// An audit log that cannot be written refuses the action (case 39:
	// a read-only or full disk): nothing registered, nothing half-written.
	s.audit.synced = nil
	ro, err := os.Open(filepath.Join(home.OzDir(), AuditFile))
	require.NoError(t, err)
	s.audit.mu.Lock()
	_ = s.audit.f.Close()
	s.audit.f = ro
	s.audit.mu.Unlock()
	before, _ := os.ReadFile(home.RegistryPath())
	other := scaffold(t, home)
	assert.Equal(t, http.StatusServiceUnavailable, post(t, url+"/api/v1/workspaces", tok, `{"path":"`+other+`"}`))
	assert.Equal(t, http.StatusServiceUnavailable, post(t, url+"/api/v1/token/rotate", tok, ``))
	after, _ := os.ReadFile(home.RegistryPath())
	assert.Equal(t, string(before), string(after), "the registry changed without an audit line")
	b2, err := os.ReadFile(filepath.Join(home.OzDir(), AuditFile))
	require.NoError(t, err)
	assert.Equal(t, string(b), string(b2), "the audit log changed")
	req, _ := http.NewRequest("GET", url+"/api/v1/workspaces", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusOK, res.StatusCode, "the token was not rotated")
}

// Case 34: the audit log is opened O_APPEND, is 0600, refuses a symlink or
// loose permissions, and two writers (two processes' logs) appending at
// once never interleave their lines.
func TestCase34AuditAppendOnly(t *testing.T) {
	dir := t.TempDir()
	a, err := openAudit(dir, time.Now)
	require.NoError(t, err)
	b, err := openAudit(dir, time.Now)
	require.NoError(t, err)
	fi, err := os.Stat(filepath.Join(dir, AuditFile))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	var wg sync.WaitGroup
	for i, l := range []*auditLog{a, b, a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 200 {
				assert.NoError(t, l.record("w"+string(rune('0'+i)), "run.launch", strings.Repeat("x", j*13%900)))
			}
		}()
	}
	wg.Wait()
	require.NoError(t, a.close())
	require.NoError(t, b.close())
	f, err := os.Open(filepath.Join(dir, AuditFile))
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		var e AuditEntry
		require.NoError(t, json.Unmarshal(sc.Bytes(), &e), "line %d is torn", n+1)
		n++
	}
	assert.Equal(t, 800, n)
	tail, err := (&auditLog{path: filepath.Join(dir, AuditFile)}).tail(5)
	require.NoError(t, err)
	assert.Len(t, tail, 5)

	// Refusals.
	loose := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(loose, AuditFile), nil, 0o644))
	_, err = openAudit(loose, time.Now)
	assert.ErrorContains(t, err, "0600")
	link := t.TempDir()
	require.NoError(t, os.Symlink(filepath.Join(dir, AuditFile), filepath.Join(link, AuditFile)))
	_, err = openAudit(link, time.Now)
	assert.ErrorContains(t, err, "symlink")
}
