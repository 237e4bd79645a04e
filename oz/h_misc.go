package oz

import (
	"context"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/internal/version"
	"github.com/cocoder/cocoder/run/adapter"
	"github.com/cocoder/cocoder/run/host"
	"github.com/cocoder/cocoder/secrets"
	"github.com/cocoder/cocoder/workspace"
)

// Health is the answer of GET /api/v1/health: no secrets, no paths.
type Health struct {
	// Status is "ok".
	Status string `json:"status"`
	// Version is the version of the server's build.
	Version string `json:"version"`
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) error {
	return s.writeJSON(w, http.StatusOK, Health{Status: "ok", Version: version.Get().Version})
}

// SettingsUpdate is the body of PATCH /api/v1/settings: one key of one
// configuration layer. Secrets are set as references (${env:NAME},
// ${file:PATH}, ${secret:NAME}); a value is never accepted for them.
type SettingsUpdate struct {
	// Layer is "home" (the home config.yaml) or "workspace" (the
	// workspace's cocoder/config.yaml).
	Layer string `json:"layer"`
	// Workspace is the workspace's id or name, for the workspace layer.
	Workspace string `json:"workspace,omitempty"`
	// Key is the dotted key, e.g. "oz.port" or "secrets.openai".
	Key string `json:"key"`
	// Value is read as `cocoder config set` reads it; "null" removes the
	// key.
	Value string `json:"value"`
}

// wsOfQuery returns the workspace named by the query parameter workspace,
// or nil when there is none.
func (s *Server) wsOfQuery(r *http.Request, id string) (*workspace.Workspace, error) {
	if id == "" {
		return nil, nil
	}
	e, err := s.entryByID(r, id)
	if err != nil {
		return nil, err
	}
	root, err := s.cfg.Home.Registry().AbsPath(e)
	if err != nil {
		return nil, err
	}
	return workspace.Find(root)
}

func (s *Server) getSettings(w http.ResponseWriter, r *http.Request) error {
	ws, err := s.wsOfQuery(r, r.URL.Query().Get("workspace"))
	if err != nil {
		return err
	}
	rc, err := workspace.LoadConfig(s.cfg.Home, ws)
	if err != nil {
		return err
	}
	return s.writeJSON(w, http.StatusOK, rc)
}

func (s *Server) updateSettings(w http.ResponseWriter, r *http.Request) error {
	var req SettingsUpdate
	if err := decodeBody(w, r, &req, false); err != nil {
		return err
	}
	var path string
	switch req.Layer {
	case workspace.LayerHome:
		if req.Workspace != "" {
			return &bodyError{[]ProblemItem{{Code: "invalid", Field: "workspace", Message: "workspace is only for the workspace layer"}}}
		}
		path = s.cfg.Home.ConfigPath()
	case workspace.LayerWorkspace:
		if req.Workspace == "" {
			return &bodyError{[]ProblemItem{{Code: "required", Field: "workspace", Message: "the workspace layer needs workspace (an id or name)"}}}
		}
		ws, err := s.wsOfQuery(r, req.Workspace)
		if err != nil {
			return err
		}
		path = ws.ConfigPath()
	default:
		return &bodyError{[]ProblemItem{{Code: "invalid", Field: "layer", Message: `layer must be "home" or "workspace"`}}}
	}
	if req.Key == "" || len(req.Key) > 256 {
		return &bodyError{[]ProblemItem{{Code: "required", Field: "key", Message: "key is required, a dotted path such as oz.port"}}}
	}
	if len(req.Key) > 8 && req.Key[:8] == "secrets." && req.Value != "null" && !secrets.IsRef(req.Value) {
		return &bodyError{[]ProblemItem{{Code: "secret-value", Field: "value", Message: "a secret is configured as a reference (${env:NAME}, ${file:PATH} or ${secret:NAME}), never as its value; store the value with `cocoder secrets set`"}}}
	}
	if err := s.dryRunSet(path, req.Key, req.Value); err != nil {
		return err
	}
	if err := s.audit.record(callerOf(r).actor(), "settings.update", req.Layer+":"+req.Key); err != nil {
		return err
	}
	if err := workspace.SetConfig(r.Context(), path, req.Key, req.Value); err != nil {
		return err
	}
	ws, _ := s.wsOfQuery(r, req.Workspace)
	rc, err := workspace.LoadConfig(s.cfg.Home, ws)
	if err != nil {
		return err
	}
	return s.writeJSON(w, http.StatusOK, rc)
}

// dryRunSet checks that SetConfig(path, key, value) would succeed by
// running it on a copy, so a refused change leaves no audit line.
func (s *Server) dryRunSet(path, key, value string) error {
	dir, err := os.MkdirTemp(s.cfg.Home.OzDir(), ".settings-")
	if err != nil {
		return errs.Wrap(errs.Unavailable, "oz.settings", err, "cannot check the change")
	}
	defer os.RemoveAll(dir)
	cp := filepath.Join(dir, filepath.Base(path))
	if b, err := contract.ReadFile(path); err == nil { // a regular file only: a FIFO would hang the daemon
		if err := os.WriteFile(cp, b, 0o600); err != nil {
			return errs.Wrap(errs.Unavailable, "oz.settings", err, "cannot check the change")
		}
	}
	if err := workspace.SetConfig(context.Background(), cp, key, value); err != nil {
		return relabel(err, cp, path)
	}
	return nil
}

// relabel makes an error about the dry run's copy name the real file.
func relabel(err error, from, to string) error {
	msg := err.Error()
	if !strings.Contains(msg, from) {
		return err
	}
	return errs.E(errs.CodeOf(err), "oz.settings", "%s", strings.ReplaceAll(msg, from, to))
}

// SchemaInfo names one contract schema.
type SchemaInfo struct {
	Kind string `json:"kind"`
	ID   string `json:"id"`
	File string `json:"file"`
}

func (s *Server) listSchemas(w http.ResponseWriter, r *http.Request) error {
	out := []SchemaInfo{}
	for _, k := range contract.Kinds() {
		out = append(out, SchemaInfo{Kind: string(k), ID: contract.SchemaID(k), File: contract.SchemaFile(k)})
	}
	return s.writeJSON(w, http.StatusOK, out)
}

func (s *Server) getSchema(w http.ResponseWriter, r *http.Request) error {
	kind := contract.Kind(r.PathValue("kind"))
	if !slices.Contains(contract.Kinds(), kind) {
		return errs.E(errs.NotFound, "oz", "no contract kind %q (GET /api/v1/schemas lists them)", kind)
	}
	b, err := contract.Schema(kind)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/schema+json")
	_, _ = w.Write(b)
	return nil
}

// AdapterView is an adapter declaration and whether it can run here.
type AdapterView struct {
	ID      string `json:"id"`
	Label   string `json:"label"`
	Kind    string `json:"kind"`
	Command string `json:"command"`
	// Env names the variables the adapter needs (references, never
	// values, are configured for them).
	Env []string `json:"env,omitempty"`
	// Ready says whether its command is installed (the built-in demo
	// agent always is).
	Ready bool `json:"ready"`
	// Reason says why it is not ready.
	Reason string `json:"reason,omitempty"`
}

func (s *Server) adapters(w http.ResponseWriter, r *http.Request) error {
	ws, err := s.wsOfQuery(r, r.URL.Query().Get("workspace"))
	if err != nil {
		return err
	}
	dirs := []string{filepath.Join(s.cfg.Home.Dir(), "adapters")}
	if ws != nil {
		dirs = append(dirs, ws.AdaptersDir())
	}
	decls, err := adapter.Load(dirs...)
	if err != nil {
		return err
	}
	if rc, err := workspace.LoadConfig(s.cfg.Home, ws); err == nil {
		adapter.ApplyConfig(decls, rc.Config.Adapters)
	}
	out := []AdapterView{}
	for _, id := range slices.Sorted(maps.Keys(decls)) {
		a := decls[id]
		v := AdapterView{ID: a.ID, Label: a.Label, Kind: string(a.Kind), Command: a.Command, Env: a.Env, Ready: true}
		if a.Command != adapter.SelfCommand {
			if _, err := s.lookPath(a.Command); err != nil {
				v.Ready, v.Reason = false, a.Command+" is not installed (not found in PATH)"
			}
		}
		out = append(out, v)
	}
	return s.writeJSON(w, http.StatusOK, out)
}

// lookPath finds a program the way the run engine does.
func (s *Server) lookPath(name string) (string, error) {
	if s.cfg.Run.LookPath != nil {
		return s.cfg.Run.LookPath(name)
	}
	getenv := s.cfg.Run.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	return host.LookPath(name, getenv("PATH"))
}

func (s *Server) auditTail(w http.ResponseWriter, r *http.Request) error {
	n, err := intParam(r, "limit", 100, 1, 1000)
	if err != nil {
		return err
	}
	entries, err := s.audit.tail(n)
	if err != nil {
		return err
	}
	return s.writeJSON(w, http.StatusOK, entries)
}

// LoginLink is a single-use dashboard login link.
type LoginLink struct {
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expiresAt"`
}

func (s *Server) loginLink(w http.ResponseWriter, r *http.Request) error {
	if err := decodeBody(w, r, &struct{}{}, true); err != nil {
		return err
	}
	if err := s.audit.record(callerOf(r).actor(), "login.link", "dashboard"); err != nil {
		return err
	}
	u, exp := s.LoginURL("http://" + r.Host)
	return s.writeJSON(w, http.StatusCreated, LoginLink{URL: u, ExpiresAt: exp.UTC()})
}

func (s *Server) rotateToken(w http.ResponseWriter, r *http.Request) error {
	if err := decodeBody(w, r, &struct{}{}, true); err != nil {
		return err
	}
	if err := s.RotateToken(callerOf(r).actor()); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// SessionInfo is what a dashboard page learns of its session.
type SessionInfo struct {
	// CSRFToken goes in the X-CSRF-Token header of every state-changing
	// request of this session.
	CSRFToken string    `json:"csrfToken"`
	ExpiresAt time.Time `json:"expiresAt"`
}

func (s *Server) getSession(w http.ResponseWriter, r *http.Request) error {
	sess := callerOf(r).session
	return s.writeJSON(w, http.StatusOK, SessionInfo{CSRFToken: sess.csrf, ExpiresAt: sess.expires.UTC()})
}

func (s *Server) endSession(w http.ResponseWriter, r *http.Request) error {
	s.sessions.end(callerOf(r).session)
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(r), Value: "", Path: s.cookiePath(), MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// login redeems a login link: a valid nonce becomes a session cookie and a
// redirect to the dashboard; anything else is 403. The redirect target is
// fixed (never taken from the request).
func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	sess := s.sessions.redeem(r.URL.Query().Get("nonce"))
	if sess == nil {
		refuse(w, http.StatusForbidden, errs.Unauthorized, "this login link is not valid: it was used already or expired; run `cocoder oz open` for a new one")
		return nil
	}
	http.SetCookie(w, &http.Cookie{
		Name: s.cookieName(r), Value: sess.id, Path: s.cookiePath(),
		HttpOnly: true, SameSite: http.SameSiteStrictMode, MaxAge: int(s.cfg.SessionTTL / time.Second),
	})
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, s.cfg.Prefix+"/", http.StatusSeeOther)
	return nil
}
