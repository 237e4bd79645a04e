package oz_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/oz"
	"github.com/cocoder/cocoder/run/host"
	"github.com/cocoder/cocoder/run/ledger"
)

// The dashboard tests drive the real page in a real headless Chromium
// (browser_test.go): they sign in through a real login link, read what
// the page rendered from the DOM, and click its buttons.

// hostile is lane text that would be markup if a page used it as HTML: an
// image whose error handler runs script, an element with an id, and a
// script element.
const hostile = `<img src=x onerror="document.title='pwned'"><b id="pwned">bold</b><script>document.title='pwned'</script>`

// noMarkupRan checks that hostile text became no element and ran nothing.
func noMarkupRan(t *testing.T, b *browser) {
	t.Helper()
	assert.EqualValues(t, 0, b.value(`document.querySelectorAll("img").length`), "an <img> from lane text became an element")
	assert.EqualValues(t, 0, b.value(`document.querySelectorAll("#pwned, main script, b").length`), "markup from lane text became elements")
	assert.Equal(t, "CoCoder Oz", b.value(`document.title`), "script from lane text ran")
}

// signIn opens a fresh login link (with a fragment for the page) in the
// browser, as a person does with what `cocoder oz open` prints, and waits
// for the dashboard.
func signIn(t *testing.T, e *env, b *browser, fragment string) {
	t.Helper()
	link, err := e.srv.Client.LoginLink(t.Context())
	require.NoError(t, err)
	b.navigate(link.URL + fragment)
	b.waitFor("a signed-in dashboard", `!document.querySelector("#logout").hidden`, 20*time.Second)
}

// waitRun polls the run's status until done says it is what the test
// waits for.
func waitRun(t *testing.T, e *env, runID string, done func(contract.RunStatus) bool) contract.RunStatus {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var st contract.RunStatus
	for time.Now().Before(deadline) {
		var err error
		st, err = e.srv.Client.Run(t.Context(), runID)
		require.NoError(t, err)
		if done(st) {
			return st
		}
		e.wait()
	}
	t.Fatalf("run %s never got there: %s %+v", runID, st.State, st.Lanes)
	return st
}

// laneSel is a CSS selector of the card of lane, followed by more.
func laneSel(lane, more string) string {
	return fmt.Sprintf(`.lane[data-lane=%q] %s`, lane, more)
}

// TestDashboardShowsARealRun runs the demo agent through a real Runner,
// signs in through a login link, finds the run in the run list, opens it
// with a click and checks the page shows the run, each lane's state with
// its source and result, and every ledger event.
func TestDashboardShowsARealRun(t *testing.T) {
	t.Parallel()
	b := newBrowser(t)
	e := newEnv(t)
	ctx := t.Context()
	wsID := e.register()
	st, err := e.srv.Client.Launch(ctx, oz.LaunchRequest{Workspace: wsID, Priority: "try-cocoder"})
	require.NoError(t, err)
	final := waitRun(t, e, st.RunID, allDone)
	require.Len(t, final.Lanes, 3)

	// The home's theme: dark, with an accent colour.
	require.NoError(t, e.srv.Client.SetSetting(ctx, oz.SettingsUpdate{Layer: "home", Key: "theme.mode", Value: "dark"}))
	require.NoError(t, e.srv.Client.SetSetting(ctx, oz.SettingsUpdate{Layer: "home", Key: "theme.accent", Value: "#aa3377"}))

	signIn(t, e, b, "")
	b.waitFor("the home's theme", `getComputedStyle(document.body).backgroundColor === "rgb(22, 25, 29)" && getComputedStyle(document.querySelector("header.top")).backgroundColor === "rgb(170, 51, 119)"`, 20*time.Second)
	row := fmt.Sprintf(`#runs tr[data-run=%q]`, st.RunID)
	b.waitFor("the run in the run list", `document.querySelector('`+row+`')`, 20*time.Second)
	assert.Contains(t, b.text(row), "try-cocoder", "the run's priority")
	assert.Equal(t, "complete", b.text(row+" .badge"), "the run's state")
	assert.Contains(t, b.text(row), "3/3 done")
	assert.NotEmpty(t, b.text(row+" td:last-child"), "the run's created time")
	assert.Equal(t, wsID, b.text(fmt.Sprintf(`#workspaces tr[data-workspace=%q] td.mono`, wsID)), "the workspace list")
	assert.Equal(t, "", b.value(`document.cookie`), "the session cookie is HttpOnly")

	b.value(`document.querySelector('` + row + ` a').click()`)
	b.waitFor("the run's lanes and results", fmt.Sprintf(`location.hash === "#run/%s" && document.querySelectorAll("#lanes .lane").length === 3 && document.querySelectorAll(".result-summary").length === 3`, st.RunID), 20*time.Second)
	// Every event the ledger has (a finished run may still record some).
	deadline := time.Now().Add(20 * time.Second)
	for {
		now, err := e.srv.Client.Run(ctx, st.RunID)
		require.NoError(t, err)
		var shown float64
		require.NoError(t, b.eval(`document.querySelectorAll("#events tbody tr").length`, &shown))
		if int64(shown) == now.LastSeq {
			break
		}
		require.True(t, time.Now().Before(deadline), "the page shows %v events, the ledger has %d", shown, now.LastSeq)
		e.wait()
	}
	assert.Equal(t, st.RunID, b.text("#run-id"))
	assert.Equal(t, "complete", b.text("#run-state"))
	assert.Equal(t, "lead", b.value(`document.querySelector("#lanes .lane").dataset.lane`), "lanes in plan order")
	for lane, ls := range final.Lanes {
		assert.Equal(t, string(contract.LaneDone), b.text(laneSel(lane, ".lane-state")), lane)
		assert.Equal(t, "source: "+string(ls.Source), b.text(laneSel(lane, ".lane-source")), lane)
		assert.Contains(t, b.text(laneSel(lane, "dl.meta")), "Result"+ls.Result, lane)
		assert.Equal(t, "PASS", b.text(laneSel(lane, ".result .badge")), lane)
		assert.NotEmpty(t, b.text(laneSel(lane, ".result-summary")), lane)
		assert.EqualValues(t, 0, b.value(`document.querySelectorAll('`+laneSel(lane, "form.send")+`').length`), "a done lane takes no message")
	}
	var seqs []int64
	require.NoError(t, b.eval(`[...document.querySelectorAll("#events tbody tr")].map(r => Number(r.dataset.seq))`, &seqs))
	for i, s := range seqs {
		require.Equal(t, int64(i+1), s, "every event once, in order")
	}
	assert.Equal(t, "run.created", b.text("#events tbody tr td.mono"))
	// The outcome: the engine's commit with its receipt, and the closeout.
	assert.False(t, b.value(`document.querySelector("#outcome").hidden`).(bool))
	assert.Contains(t, b.text("#closeout"), "closed complete")
	receipts, err := e.srv.Client.Receipts(ctx, st.RunID)
	require.NoError(t, err)
	require.NotEmpty(t, receipts)
	assert.EqualValues(t, len(receipts), b.value(`document.querySelectorAll("#commits li.commit-made").length`), "one line per commit")
	assert.Regexp(t, `^[0-9a-f]{12}$`, b.text("#commits .sha"))
	assert.Contains(t, b.value(`fetch(document.querySelector("#commits a").href).then(r => r.status + " " + r.headers.get("Content-Type"))`), "200 application/json", "the receipt link, with the session")
	assert.True(t, b.value(`document.querySelector("#stop").hidden`).(bool), "a finished run has no stop button")
	assert.Equal(t, "live · run finished", b.text("#live"))
	assert.True(t, b.value(`document.querySelector("#attention").hidden`).(bool))
	assert.Empty(t, b.pageProblems(), "console errors, exceptions or CSP violations")
}

// TestDashboardFollowsALaneThatNeedsAttention opens a run's page, then
// records (through the run's ledger, as the engine does) that its lane
// started and stopped at a dialog whose name, fix and screen are hostile
// markup. The page shows the dialog and its fix prominently, live from the
// event stream, as text: no element is made and no script runs.
func TestDashboardFollowsALaneThatNeedsAttention(t *testing.T) {
	t.Parallel()
	b := newBrowser(t)
	e := newEnv(t)
	wsID := e.register()
	runID, l := e.fakeRun(wsID)

	signIn(t, e, b, "#run/"+runID)
	b.waitFor("the planned lane", `document.querySelector('`+laneSel("writer", ".lane-state")+`')?.textContent === "planned" && document.querySelector("#live").textContent === "live"`, 20*time.Second)
	assert.True(t, b.value(`document.querySelector("#attention").hidden`).(bool), "nothing needs attention yet")

	for _, ev := range []struct {
		typ  string
		data any
	}{
		{ledger.EventLaneStarted, ledger.LaneStartedData{Handle: contract.LaneHandle{Host: "exec", RunID: runID, Lane: "writer"}}},
		{ledger.EventLaneAttention, ledger.LaneAttentionData{Dialog: "trust " + hostile, Fix: "press 1 " + hostile, Screen: "Do you trust this folder? " + hostile, Source: contract.SourcePaneOutput, During: "delivery"}},
	} {
		e1, err := ledger.NewEvent(ev.typ, "writer", ev.data)
		require.NoError(t, err)
		_, err = l.Append(e1)
		require.NoError(t, err)
	}
	b.waitFor("the lane's dialog", `!document.querySelector("#attention").hidden && document.querySelector('`+laneSel("writer", ".lane-state")+`').textContent === "needs-attention"`, 20*time.Second)
	item := `#attention .attention-item[data-lane="writer"]`
	assert.Equal(t, "trust "+hostile, b.text(item+" .dialog"))
	assert.Equal(t, "press 1 "+hostile, b.text(item+" .fix-text"))
	assert.Contains(t, b.text(item+" .screen"), "Do you trust this folder? "+hostile)
	assert.Contains(t, b.text(laneSel("writer", ".lane-reason")), hostile, "the lane's reason")
	assert.Contains(t, b.text(`#events tbody tr.ev-lane-attention td.data`), `press 1 <img src=x`, "the event's data")
	assert.EqualValues(t, 1, b.value(`document.querySelectorAll('`+laneSel("writer", "form.send")+`').length`), "a lane at a dialog takes a message")
	noMarkupRan(t, b)

	// Someone starts typing a message; then the dialog is answered in the
	// pane. The page puts the lane back to running and keeps the draft and
	// the caret.
	b.value(`(() => { const t = document.querySelector('` + laneSel("writer", "textarea") + `'); t.focus(); t.value = "half a mess"; t.setSelectionRange(4, 4); })()`)
	cleared, err := ledger.NewEvent(ledger.EventLaneAttentionCleared, "writer", ledger.LaneAttentionData{Dialog: "trust", Source: contract.SourcePaneOutput, During: "delivery"})
	require.NoError(t, err)
	_, err = l.Append(cleared)
	require.NoError(t, err)
	b.waitFor("the lane working again", `document.querySelector("#attention").hidden && document.querySelector('`+laneSel("writer", ".lane-state")+`').textContent === "running"`, 20*time.Second)
	assert.Equal(t, "half a mess", b.value(`document.activeElement.value`), "the draft keeps the focus")
	assert.EqualValues(t, 4, b.value(`document.activeElement.selectionStart`), "and the caret")

	// The tab is hidden: the page gives its stream up; an event is
	// recorded meanwhile; shown again, the page resumes after the last
	// event it had and shows the new one once.
	setVisibility := func(state string) {
		b.value(`(() => { Object.defineProperty(document, "visibilityState", {value: "` + state + `", configurable: true}); document.dispatchEvent(new Event("visibilitychange")); })()`)
	}
	setVisibility("hidden")
	assert.Equal(t, "paused while the tab is hidden", b.text("#live"))
	exited, err := ledger.NewEvent(ledger.EventLaneExited, "writer", ledger.LaneExitedData{ExitCode: 3, Reason: "exited"})
	require.NoError(t, err)
	exited, err = l.Append(exited)
	require.NoError(t, err)
	time.Sleep(1500 * time.Millisecond) // longer than the server's poll: a stream would have brought it
	assert.EqualValues(t, 0, b.value(fmt.Sprintf(`document.querySelectorAll('#events tr[data-seq="%d"]').length`, exited.Seq)), "no stream while hidden")
	setVisibility("visible")
	b.waitFor("the event recorded while hidden", fmt.Sprintf(`document.querySelectorAll('#events tr[data-seq="%d"]').length === 1 && document.querySelector("#live").textContent === "live"`, exited.Seq), 20*time.Second)
	assert.Equal(t, "exited", b.text(laneSel("writer", ".lane-state")))
	var seqs []int64
	require.NoError(t, b.eval(`[...document.querySelectorAll("#events tbody tr")].map(r => Number(r.dataset.seq))`, &seqs))
	for i, s := range seqs {
		require.Equal(t, int64(i+1), s, "every event once, in order, across the pause")
	}
	assert.Empty(t, b.pageProblems(), "console errors, exceptions or CSP violations (a blocked inline handler is one)")
}

// TestDashboardSendsAndStopsThroughTheSession runs a lane on the tmux host
// that prints hostile markup and then echoes what it is sent, shows its
// output as text, sends it a message and stops the run with the page's own
// buttons: both go through the session with its CSRF token and are
// audited as the session's. A message the engine refuses shows its reason.
func TestDashboardSendsAndStopsThroughTheSession(t *testing.T) {
	t.Parallel()
	b := newBrowser(t)
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed")
	}
	e := newEnv(t, func(c *oz.Config) { c.Run.HostKind = host.KindTmux })
	e.link("cat", "tmux")
	store, err := e.home.Secrets()
	require.NoError(t, err)
	require.NoError(t, store.Set("canary", []byte(canary)))
	shown := filepath.Join(t.TempDir(), "shown.txt")
	require.NoError(t, os.WriteFile(shown, []byte("working on it\n"+hostile+"\n"), 0o644))
	e.canaryWorkspace(`cat `+shown+`; while read line; do echo "got: $line"; done`, "${secret:canary}")
	wsID := e.register()
	st, err := e.srv.Client.Launch(t.Context(), oz.LaunchRequest{Workspace: wsID, Priority: "try-cocoder", Profile: "canary", Route: "solo"})
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = e.srv.Client.Stop(context.WithoutCancel(t.Context()), st.RunID) })

	signIn(t, e, b, "#run/"+st.RunID)
	output := `document.querySelector('` + laneSel("writer", ".output") + `')?.textContent`
	b.waitFor("the lane's output", output+`.includes("working on it")`, 30*time.Second)
	assert.Contains(t, b.text(laneSel("writer", ".output")), hostile, "lane output is shown as text")
	assert.Equal(t, "running", b.text(laneSel("writer", ".lane-state")))
	noMarkupRan(t, b)

	// Send: typed into the lane, which answers; the page shows the answer
	// live and the lane.send event.
	send := func(text string) {
		b.value(`(() => { const t = document.querySelector('` + laneSel("writer", "textarea") + `'); t.value = ` + fmt.Sprintf("%q", text) + `; t.form.requestSubmit(); })()`)
	}
	send("please also update the changelog")
	b.waitFor("the send's outcome", `["sent", "not sent"].some(s => document.querySelector('`+laneSel("writer", ".send-result")+`')?.textContent.startsWith(s))`, 30*time.Second)
	assert.Equal(t, "sent", b.text(laneSel("writer", ".send-result")))
	assert.Empty(t, b.value(`document.querySelector('`+laneSel("writer", "textarea")+`').value`), "a sent message leaves the box")
	b.waitFor("the lane's answer", output+`.includes("got: please also update the changelog")`, 20*time.Second)
	b.waitFor("the lane.send event", `document.querySelector("#events tr.ev-lane-send")`, 20*time.Second)
	// A message the engine refuses (only blanks): the page says why.
	send("   ")
	b.waitFor("the refusal", `document.querySelector('`+laneSel("writer", ".send-result")+`').textContent.startsWith("not sent: ")`, 20*time.Second)
	assert.Contains(t, b.text(laneSel("writer", ".send-result")), "empty")

	// Stop: a real click, a real confirm dialog (accepted).
	b.value(`document.querySelector("#stop").click()`)
	b.waitFor("the aborted run", `document.querySelector("#run-state").textContent === "aborted" && document.querySelector('`+laneSel("writer", ".lane-state")+`').textContent === "killed"`, 30*time.Second)
	require.Len(t, b.pageDialogs(), 1)
	assert.Contains(t, b.pageDialogs()[0], "Stop run "+st.RunID)
	assert.True(t, b.value(`document.querySelector("#stop").hidden`).(bool))
	assert.Equal(t, "live · run finished", b.text("#live"))

	var actions []string
	for _, a := range e.auditLines() {
		if strings.HasPrefix(a.Action, "run.") {
			actions = append(actions, a.Action+" by "+strings.SplitN(a.Actor, ":", 2)[0])
		}
	}
	assert.Equal(t, []string{"run.launch by token", "run.send by session", "run.send by session", "run.stop by session"}, actions)
	noMarkupRan(t, b)
	var problems []string
	for _, p := range b.pageProblems() {
		if !strings.Contains(p, "/lanes/writer/send") {
			problems = append(problems, p)
		}
	}
	assert.Empty(t, problems, "console errors, exceptions or CSP violations (besides the refused send)")
}

// TestDashboardWithoutASession shows the sign-in help, signs in and out,
// and a used login link signs nobody in; all under an embedder's prefix,
// reached without its trailing slash.
func TestDashboardWithoutASession(t *testing.T) {
	t.Parallel()
	b := newBrowser(t)
	e := newEnv(t, func(c *oz.Config) { c.Prefix = "/cocoder" })
	b.navigate(e.srv.URL)
	b.waitFor("the sign-in help", `!document.querySelector("#signin").hidden`, 20*time.Second)
	assert.Equal(t, e.srv.URL+"/", b.value("location.href"))
	assert.Contains(t, b.text("#signin"), "cocoder oz open")
	assert.True(t, b.value(`document.querySelector("#overview").hidden`).(bool))

	link, err := e.srv.Client.LoginLink(t.Context())
	require.NoError(t, err)
	b.navigate(link.URL)
	b.waitFor("the dashboard", `!document.querySelector("#logout").hidden`, 20*time.Second)
	b.value(`document.querySelector("#logout").click()`)
	b.waitFor("signed out", `!document.querySelector("#signin").hidden`, 20*time.Second)
	b.navigate(link.URL)
	b.waitFor("the refusal", `document.body && document.body.innerText.includes("not valid")`, 20*time.Second)
	b.navigate(e.srv.URL + "/")
	b.waitFor("the sign-in help", `!document.querySelector("#signin").hidden`, 20*time.Second)
	for _, p := range b.pageProblems() {
		if strings.HasSuffix(p, "/favicon.ico") {
			continue // the browser's own guess for the refusal's page, which is JSON
		}
		assert.Regexp(t, `status of (401|403)`, p, "only the refusals of a page without a session")
	}
}

// TestDashboardShowsARealDialogAsText runs a lane on the tmux host whose
// program stops at a question its adapter declares as a dialog, with a
// fix (from the workspace's adapter file) and a screen that carry hostile
// markup. The engine records the lane as needing attention; the page shows
// the dialog, its fix and the screen as text.
func TestDashboardShowsARealDialogAsText(t *testing.T) {
	t.Parallel()
	b := newBrowser(t)
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed")
	}
	e := newEnv(t, func(c *oz.Config) { c.Run.HostKind = host.KindTmux })
	e.link("sleep", "cat", "tmux")
	shown := filepath.Join(t.TempDir(), "shown.txt")
	require.NoError(t, os.WriteFile(shown, []byte("Do you trust the files in this folder? "+hostile+"\n1. Yes  2. No\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(e.bin, "asker-agent"), []byte("#!/bin/sh\ncat "+shown+"\nsleep 60\n"), 0o755))
	fix := "press 1 " + hostile
	e.write("cocoder/adapters/asker.yaml", scriptAdapter("asker", "asker-agent", true, `dialogs:
  - name: trust
    pattern: 'Do you trust the files in this folder'
    fix: '`+strings.ReplaceAll(fix, "'", "''")+`'
`))
	e.write("cocoder/profiles/asker.yaml", "id: asker\nlabel: Asker\nlanes:\n  writer:\n    persona: writer\n    adapter: asker\n    canWrite: true\n    writeBoundary: [src/**]\n")
	e.write("cocoder/routes/solo.yaml", "id: solo\nlabel: Writer alone\nlead: writer\nteammates: []\nlanes: [writer]\ngates: [write-boundary]\nwritePolicy: one-writer\n")
	wsID := e.register()
	st, err := e.srv.Client.Launch(t.Context(), oz.LaunchRequest{Workspace: wsID, Priority: "try-cocoder", Profile: "asker", Route: "solo"})
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = e.srv.Client.Stop(context.WithoutCancel(t.Context()), st.RunID) })

	signIn(t, e, b, "#run/"+st.RunID)
	item := `#attention .attention-item[data-lane="writer"]`
	b.waitFor("the lane's dialog and its fix", `!document.querySelector("#attention").hidden && document.querySelector('`+item+` .fix-text')`, 40*time.Second)
	assert.Equal(t, "trust", b.text(item+" .dialog"))
	assert.Equal(t, fix, b.text(item+" .fix-text"), "the fix from the adapter file")
	assert.Contains(t, b.text(item+" .screen"), "Do you trust the files in this folder? "+hostile, "the screen")
	assert.Equal(t, "needs-attention", b.text(laneSel("writer", ".lane-state")))
	assert.Equal(t, "source: pane_output", b.text(laneSel("writer", ".lane-source")))
	assert.Contains(t, b.text(laneSel("writer", ".lane-reason")), hostile)
	noMarkupRan(t, b)

	// The run list marks the run.
	b.value(`document.querySelector("header h1 a").click()`)
	row := fmt.Sprintf(`#runs tr[data-run=%q]`, st.RunID)
	b.waitFor("the run in the list", `document.querySelector('`+row+`')`, 20*time.Second)
	assert.Contains(t, b.text(row), "1 lane needs attention")
	assert.True(t, b.value(`document.querySelector('`+row+`').classList.contains("row-attention")`).(bool))
	assert.Empty(t, b.pageProblems(), "console errors, exceptions or CSP violations")
}
