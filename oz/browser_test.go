package oz_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// This file drives a real headless Chromium through the DevTools protocol
// over --remote-debugging-pipe: the browser reads commands on fd 3 and
// writes replies and events on fd 4, each a JSON message ended by a NUL
// byte. That needs no WebSocket and no Go dependency.

// chromiumInstall is how a Debian machine gets the browser (.ci/run does
// this).
const chromiumInstall = "apt-get install -y chromium"

// chromiumPath returns the browser to test the dashboard with. Without one
// the test fails under CI=true and is skipped elsewhere.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("chromium is not installed; the dashboard tests need it: %s", chromiumInstall)
	}
	t.Skipf("chromium is not installed; install it to test the dashboard: %s", chromiumInstall)
	return ""
}

// cdpMessage is a DevTools protocol message: a reply (ID) or an event
// (Method).
type cdpMessage struct {
	ID        int64           `json:"id,omitempty"`
	Method    string          `json:"method,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

// browser is a headless Chromium with one page attached.
type browser struct {
	t   *testing.T
	cmd *exec.Cmd
	in  *os.File // commands, the browser's fd 3

	mu      sync.Mutex
	writeMu sync.Mutex
	next    int64
	waits   map[int64]chan cdpMessage
	// problems are the page's console errors, uncaught exceptions and
	// Content-Security-Policy violations.
	problems []string
	// dialogs are the messages of the JavaScript dialogs the page opened
	// (each accepted).
	dialogs []string
	// stderrFile is where the browser's own log goes.
	stderrFile string

	session string // the page's flat session id
}

// newBrowser starts Chromium with a fresh profile and attaches to a blank
// page. t.Cleanup closes the browser.
func newBrowser(t *testing.T) *browser {
	t.Helper()
	path := chromiumPath(t)
	// fd 3: the browser reads commands; fd 4: it writes messages.
	readCmds, writeCmds, err := os.Pipe()
	require.NoError(t, err)
	readMsgs, writeMsgs, err := os.Pipe()
	require.NoError(t, err)
	b := &browser{t: t, in: writeCmds, waits: map[int64]chan cdpMessage{}}
	b.cmd = exec.Command(path,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--user-data-dir="+t.TempDir(),
		"--remote-debugging-pipe", "about:blank")
	b.cmd.ExtraFiles = []*os.File{readCmds, writeMsgs}
	// A file, not a pipe: the browser's helpers inherit stderr, and Wait
	// would wait for them to close a pipe.
	stderr, err := os.Create(filepath.Join(t.TempDir(), "chromium.log"))
	require.NoError(t, err)
	b.stderrFile = stderr.Name()
	b.cmd.Stderr = stderr
	b.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	require.NoError(t, b.cmd.Start())
	_ = stderr.Close()
	_ = readCmds.Close()
	_ = writeMsgs.Close()
	exited := make(chan struct{})
	go func() { _ = b.cmd.Wait(); close(exited) }()
	go b.read(readMsgs)
	t.Cleanup(func() {
		_, _ = b.callTimeout("", "Browser.close", nil, 5*time.Second)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
		}
		// The browser's helpers share its process group.
		_ = syscall.Kill(-b.cmd.Process.Pid, syscall.SIGKILL)
		_ = b.in.Close()
		_ = readMsgs.Close()
	})

	var created struct {
		TargetID string `json:"targetId"`
	}
	b.must("", "Target.createTarget", map[string]any{"url": "about:blank"}, &created)
	var attached struct {
		SessionID string `json:"sessionId"`
	}
	b.must("", "Target.attachToTarget", map[string]any{"targetId": created.TargetID, "flatten": true}, &attached)
	b.session = attached.SessionID
	for _, domain := range []string{"Page.enable", "Runtime.enable", "Log.enable"} {
		b.must(b.session, domain, nil, nil)
	}
	return b
}

// read dispatches the browser's messages until the pipe closes.
func (b *browser) read(f *os.File) {
	r := bufio.NewReaderSize(f, 1<<20)
	for {
		line, err := r.ReadBytes(0)
		if err != nil {
			b.mu.Lock()
			for id, ch := range b.waits {
				close(ch)
				delete(b.waits, id)
			}
			b.mu.Unlock()
			return
		}
		var m cdpMessage
		if json.Unmarshal(line[:len(line)-1], &m) != nil {
			continue
		}
		if m.ID != 0 {
			b.mu.Lock()
			ch := b.waits[m.ID]
			delete(b.waits, m.ID)
			b.mu.Unlock()
			if ch != nil {
				ch <- m
			}
			continue
		}
		b.event(m)
	}
}

// event records what the page reports and accepts its dialogs.
func (b *browser) event(m cdpMessage) {
	var p struct {
		Type             string `json:"type"`
		Message          string `json:"message"`
		ExceptionDetails struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
		Entry struct {
			Level  string `json:"level"`
			Source string `json:"source"`
			Text   string `json:"text"`
			URL    string `json:"url"`
		} `json:"entry"`
		Args []struct {
			Value any `json:"value"`
		} `json:"args"`
	}
	_ = json.Unmarshal(m.Params, &p)
	b.mu.Lock()
	defer b.mu.Unlock()
	switch m.Method {
	case "Runtime.exceptionThrown":
		b.problems = append(b.problems, "exception: "+p.ExceptionDetails.Text+" "+p.ExceptionDetails.Exception.Description)
	case "Runtime.consoleAPICalled":
		if p.Type == "error" || p.Type == "warning" {
			b.problems = append(b.problems, fmt.Sprintf("console.%s: %v", p.Type, p.Args))
		}
	case "Log.entryAdded":
		if p.Entry.Level == "error" || p.Entry.Level == "warning" || p.Entry.Source == "security" {
			b.problems = append(b.problems, "log "+p.Entry.Level+" ("+p.Entry.Source+"): "+p.Entry.Text+" "+p.Entry.URL)
		}
	case "Page.javascriptDialogOpening":
		b.dialogs = append(b.dialogs, p.Message)
		session := m.SessionID
		go func() {
			_, _ = b.callTimeout(session, "Page.handleJavaScriptDialog", map[string]any{"accept": true}, 5*time.Second)
		}()
	}
}

// callTimeout sends one command and waits for its reply.
func (b *browser) callTimeout(session, method string, params any, d time.Duration) (json.RawMessage, error) {
	b.mu.Lock()
	b.next++
	id := b.next
	ch := make(chan cdpMessage, 1)
	b.waits[id] = ch
	b.mu.Unlock()
	msg, err := json.Marshal(cdpMessage{ID: id, Method: method, SessionID: session, Params: mustRaw(params)})
	if err != nil {
		return nil, err
	}
	b.writeMu.Lock()
	_, err = b.in.Write(append(msg, 0))
	b.writeMu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("%s: writing to the browser: %w", method, err)
	}
	select {
	case m, ok := <-ch:
		if !ok {
			return nil, fmt.Errorf("%s: the browser closed its pipe", method)
		}
		if m.Error != nil {
			return nil, fmt.Errorf("%s: %s (%d)", method, m.Error.Message, m.Error.Code)
		}
		return m.Result, nil
	case <-time.After(d):
		b.mu.Lock()
		delete(b.waits, id)
		b.mu.Unlock()
		return nil, fmt.Errorf("%s: no reply within %s", method, d)
	}
}

func mustRaw(v any) json.RawMessage {
	if v == nil {
		return nil
	}
	b, _ := json.Marshal(v)
	return b
}

// must sends a command that has to succeed and decodes its result into
// out (when not nil).
func (b *browser) must(session, method string, params, out any) {
	b.t.Helper()
	res, err := b.callTimeout(session, method, params, 30*time.Second)
	require.NoError(b.t, err, "browser stderr:\n%s", b.stderrText())
	if out != nil {
		require.NoError(b.t, json.Unmarshal(res, out), "%s result %s", method, res)
	}
}

// stderrText is the end of the browser's own log.
func (b *browser) stderrText() string {
	out, _ := os.ReadFile(b.stderrFile)
	if len(out) > 8<<10 {
		out = out[len(out)-8<<10:]
	}
	return string(out)
}

// navigate loads url in the page.
func (b *browser) navigate(url string) {
	b.t.Helper()
	var res struct {
		ErrorText string `json:"errorText"`
	}
	b.must(b.session, "Page.navigate", map[string]any{"url": url}, &res)
	require.Empty(b.t, res.ErrorText, "navigating to the page")
}

// eval runs a JavaScript expression in the page and decodes its value
// into out (when not nil). A thrown exception is an error.
func (b *browser) eval(expr string, out any) error {
	res, err := b.callTimeout(b.session, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true, "awaitPromise": true}, 30*time.Second)
	if err != nil {
		return err
	}
	var r struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	if err := json.Unmarshal(res, &r); err != nil {
		return err
	}
	if r.ExceptionDetails != nil {
		return fmt.Errorf("%s: %s %s", expr, r.ExceptionDetails.Text, r.ExceptionDetails.Exception.Description)
	}
	if out != nil && len(r.Result.Value) > 0 {
		return json.Unmarshal(r.Result.Value, out)
	}
	return nil
}

// value returns what a JavaScript expression evaluates to.
func (b *browser) value(expr string) any {
	b.t.Helper()
	var v any
	require.NoError(b.t, b.eval(expr, &v))
	return v
}

// text returns the textContent of the first element matching the CSS
// selector, or "" when there is none.
func (b *browser) text(selector string) string {
	b.t.Helper()
	var s string
	require.NoError(b.t, b.eval(fmt.Sprintf("(document.querySelector(%q)||{textContent:''}).textContent", selector), &s))
	return s
}

// waitFor polls a JavaScript expression until it is true, and fails the
// test with what, the page's text and its problems when it never is.
func (b *browser) waitFor(what, expr string, d time.Duration) {
	b.t.Helper()
	deadline := time.Now().Add(d)
	var last error
	for time.Now().Before(deadline) {
		var ok bool
		if last = b.eval("Boolean("+expr+")", &ok); last == nil && ok {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	var body string
	_ = b.eval("document.body.innerText", &body)
	b.t.Fatalf("the page never showed %s within %s (%s; last error %v)\npage text:\n%s\npage problems: %v", what, d, expr, last, body, b.pageProblems())
}

// pageProblems returns the console errors, exceptions and CSP violations
// seen so far.
func (b *browser) pageProblems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.problems...)
}

// pageDialogs returns the messages of the dialogs the page opened.
func (b *browser) pageDialogs() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.dialogs...)
}
