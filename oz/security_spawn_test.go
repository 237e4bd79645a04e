package oz_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/oz"
	"github.com/cocoder/cocoder/run"
)

// Case 28: names and slugs with shell syntax are data: a workspace name
// with `;`, `$(...)`, backticks or a newline is stored as written, a
// priority slug or document id with them is refused, and no command
// runs.
func TestCase28ShellSyntaxIsData(t *testing.T) {
	e := newEnv(t)
	marker := filepath.Join(t.TempDir(), "pwned")
	for _, name := range []string{"a; touch " + marker, "$(touch " + marker + ")", "`touch " + marker + "`"} {
		v, err := e.srv.Client.RegisterWorkspace(t.Context(), e.root, name)
		require.NoError(t, err, name)
		assert.Equal(t, name, v.Name)
	}
	_, err := e.srv.Client.RegisterWorkspace(t.Context(), e.root, "x\ntouch "+marker)
	assert.ErrorIs(t, err, errs.ErrInvalid, "a newline in a name")
	ws, err := e.srv.Client.Workspaces(t.Context())
	require.NoError(t, err)
	require.Len(t, ws, 1)
	for _, req := range []oz.LaunchRequest{
		{Workspace: ws[0].ID, Priority: "$(touch " + marker + ")"},
		{Workspace: ws[0].ID, Priority: "try-cocoder; touch " + marker},
		{Workspace: ws[0].ID, Priority: "`touch " + marker + "`"},
		{Workspace: ws[0].ID, Priority: "try-cocoder", Profile: "default;touch " + marker},
		{Workspace: ws[0].ID, Priority: "try-cocoder", Route: "../../etc/passwd"},
	} {
		before := e.effects()
		_, err := e.srv.Client.Launch(t.Context(), req)
		require.Error(t, err, "%+v", req)
		assert.ErrorIs(t, err, errs.ErrInvalid, "%+v", req)
		e.noEffects(before, "a launch with shell syntax")
	}
	_, err = os.Stat(marker)
	assert.True(t, os.IsNotExist(err), "a command ran")
}

// Case 29: a lane gets only the secrets its adapter declares (see
// TestCanaryNeverLeaves, which dumps a lane's environment), and a plan
// that would hand a lane Oz's token is blocked.
func TestCase29TokenNeverInLaneEnv(t *testing.T) {
	e := newEnv(t)
	e.link("sleep", "env")
	e.canaryWorkspace("sleep 60", "${secret:token."+oz.TokenName+"}")
	wsID := e.register()
	before := e.effects()
	plan, err := e.srv.Client.Plan(t.Context(), oz.LaunchRequest{Workspace: wsID, Priority: "try-cocoder", Profile: "canary", Route: "solo"})
	require.NoError(t, err)
	require.True(t, plan.Blocking())
	codes := []string{}
	for _, is := range plan.Issues {
		codes = append(codes, is.Code)
	}
	assert.Contains(t, codes, run.IssueSecretForbidden)
	_, err = e.srv.Client.Launch(t.Context(), oz.LaunchRequest{Workspace: wsID, Priority: "try-cocoder", Profile: "canary", Route: "solo"})
	require.Error(t, err)
	apiErr, ok := err.(*oz.APIError)
	require.True(t, ok, "%T", err)
	assert.NotEmpty(t, apiErr.Problem.Problems)
	assert.Contains(t, err.Error(), "token")
	assert.NotContains(t, err.Error(), e.srv.Token.Reveal())
	e.noEffects(before, "a blocked launch")
}

// Case 30: settings and workspace responses show secret references, never
// values, and a secret's value is refused where a reference belongs.
func TestCase30SettingsShowReferences(t *testing.T) {
	e := newEnv(t)
	store, err := e.home.Secrets()
	require.NoError(t, err)
	require.NoError(t, store.Set("api", []byte("sk-live-0123456789abcdef")))
	wsID := e.register()
	require.NoError(t, e.srv.Client.SetSetting(t.Context(), oz.SettingsUpdate{Layer: "home", Key: "secrets.API_KEY", Value: "${secret:api}"}))
	r := e.call("GET", "/api/v1/settings?workspace="+wsID, nil, true)
	require.Equal(t, http.StatusOK, r.status)
	assert.Contains(t, r.body, "${secret:api}")
	assert.NotContains(t, r.body, "sk-live-0123456789abcdef")
	for _, p := range []string{"/api/v1/workspaces", "/api/v1/workspaces/" + wsID, "/api/v1/adapters"} {
		assert.NotContains(t, e.call("GET", p, nil, true).body, "sk-live-0123456789abcdef", p)
	}

	before := e.effects()
	for _, u := range []oz.SettingsUpdate{
		{Layer: "home", Key: "secrets.API_KEY", Value: "sk-live-raw-value"},
		{Layer: "home", Key: "secrets.API_KEY", Value: "prefix ${secret:api}"},
		{Layer: "home", Key: "oz.port", Value: "80"},
		{Layer: "home", Key: "no.such.key", Value: "1"},
		{Layer: "nowhere", Key: "oz.port", Value: "9000"},
		{Layer: "workspace", Key: "oz.port", Value: "9000"},
	} {
		err := e.srv.Client.SetSetting(t.Context(), u)
		require.Error(t, err, "%+v", u)
		assert.ErrorIs(t, err, errs.ErrInvalid, "%+v", u)
		assert.NotContains(t, err.Error(), "sk-live-raw-value")
	}
	e.noEffects(before, "refused settings changes")
}

// Case 31: error messages and logs never include a secret value or the
// token, also after a failing run.
func TestCase31NoSecretsInErrorsOrLogs(t *testing.T) {
	e := newEnv(t)
	e.link("sleep")
	store, err := e.home.Secrets()
	require.NoError(t, err)
	require.NoError(t, store.Set("canary", []byte(canary)))
	// The lane prints the secret and fails at once.
	e.canaryWorkspace(`echo "leak $CANARY_TOKEN" >&2; exit 3`, "${secret:canary}")
	wsID := e.register()
	st, err := e.srv.Client.Launch(t.Context(), oz.LaunchRequest{Workspace: wsID, Priority: "try-cocoder", Profile: "canary", Route: "solo"})
	require.NoError(t, err)
	var bodies strings.Builder
	for range 50 {
		r := e.call("GET", "/api/v1/runs/"+st.RunID, nil, true)
		bodies.WriteString(r.body)
		if strings.Contains(r.body, `"exited"`) {
			break
		}
		e.wait()
	}
	for _, p := range []string{"/lanes/writer/output", "/lanes", "/events", "/results"} {
		bodies.WriteString(e.call("GET", "/api/v1/runs/"+st.RunID+p, nil, true).body)
	}
	bodies.WriteString(e.call("POST", "/api/v1/runs/"+st.RunID+"/lanes/writer/send", jsonBody(t, map[string]string{"text": canary}), true).body)
	bodies.WriteString(e.call("POST", "/api/v1/workspaces", jsonBody(t, map[string]string{"path": "/" + canary}), true).body)
	bodies.WriteString(e.call("PATCH", "/api/v1/settings", jsonBody(t, map[string]string{"layer": "home", "key": "secrets.X", "value": canary}), true).body)
	bodies.WriteString(e.call("GET", "/api/v1/runs?workspace="+canary, nil, true).body)
	assert.Contains(t, bodies.String(), "leak [redacted]")
	assert.NotContains(t, bodies.String(), canary)
	assert.NotContains(t, bodies.String(), e.srv.Token.Reveal())
	assert.NotContains(t, e.logs.String(), canary)
	assert.NotContains(t, e.logs.String(), e.srv.Token.Reveal())
}

// Case 32: what a lane prints reaches ledgers and transcripts masked (the
// ledger scan of TestCanaryNeverLeaves); here through the output route
// and the saved transcript after a stop.
func TestCase32LedgersAndTranscriptsRedacted(t *testing.T) {
	e := newEnv(t)
	e.link("sleep")
	store, err := e.home.Secrets()
	require.NoError(t, err)
	require.NoError(t, store.Set("canary", []byte(canary)))
	e.canaryWorkspace(`echo "token=$CANARY_TOKEN"; sleep 60`, "${secret:canary}")
	wsID := e.register()
	st, err := e.srv.Client.Launch(t.Context(), oz.LaunchRequest{Workspace: wsID, Priority: "try-cocoder", Profile: "canary", Route: "solo"})
	require.NoError(t, err)
	var out oz.LaneOutput
	for range 100 {
		out, err = e.srv.Client.Output(t.Context(), st.RunID, "writer", 50)
		if err == nil && strings.Contains(out.Text, "token=") {
			break
		}
		e.wait()
	}
	assert.Contains(t, out.Text, "token=[redacted]")
	_, err = e.srv.Client.Stop(t.Context(), st.RunID)
	require.NoError(t, err)
	dir := filepath.Join(e.home.RunsDir(), wsID, st.RunID)
	require.NoError(t, filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := os.ReadFile(p)
		assert.NotContains(t, string(b), canary, p)
		return nil
	}))
}
