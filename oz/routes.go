package oz

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/cocoder/cocoder/internal/errs"
)

// access is who may call a route.
type access int

const (
	// unclassified is the zero value: a route left unclassified makes New
	// fail (and a test name it).
	unclassified access = iota
	// accessPublic routes need no credential: health, the dashboard's static
	// files and the login link. They still pass the Host and Origin checks.
	accessPublic
	// accessToken routes need the bearer token, or a dashboard session (with its
	// CSRF token on state-changing methods).
	accessToken
	// accessSession routes need a dashboard session.
	accessSession
)

// String names the access class as the OpenAPI document does.
func (a access) String() string {
	switch a {
	case accessPublic:
		return "public"
	case accessToken:
		return "token"
	case accessSession:
		return "session"
	}
	return "unclassified"
}

// healthPath is the one /api route that answers without a token.
const healthPath = "/api/v1/health"

// handlerFunc is a route's handler. A returned error becomes the problem
// response of its code.
type handlerFunc func(s *Server, w http.ResponseWriter, r *http.Request) error

// route is one entry of the route table.
type route struct {
	method string
	// path is a net/http pattern path relative to Config.Prefix.
	path   string
	access access
	// stream marks an event stream (no write timeout).
	stream bool
	h      handlerFunc
}

// routeTable is every route Oz serves, in one place. The OpenAPI document
// (openapi.json) must list exactly the /api routes of this table.
func routeTable() []route {
	return []route{
		{method: "GET", path: healthPath, access: accessPublic, h: (*Server).health},
		{method: "GET", path: "/api/v1/openapi.json", access: accessToken, h: (*Server).openAPI},

		{method: "GET", path: "/api/v1/workspaces", access: accessToken, h: (*Server).listWorkspaces},
		{method: "POST", path: "/api/v1/workspaces", access: accessToken, h: (*Server).registerWorkspace},
		{method: "GET", path: "/api/v1/workspaces/{workspace}", access: accessToken, h: (*Server).getWorkspace},
		{method: "PATCH", path: "/api/v1/workspaces/{workspace}", access: accessToken, h: (*Server).updateWorkspace},
		{method: "DELETE", path: "/api/v1/workspaces/{workspace}", access: accessToken, h: (*Server).unregisterWorkspace},
		{method: "GET", path: "/api/v1/workspaces/{workspace}/priorities", access: accessToken, h: (*Server).priorities},

		{method: "GET", path: "/api/v1/runs", access: accessToken, h: (*Server).listRuns},
		{method: "POST", path: "/api/v1/runs", access: accessToken, h: (*Server).launchRun},
		{method: "POST", path: "/api/v1/runs/plan", access: accessToken, h: (*Server).planRun},
		{method: "GET", path: "/api/v1/runs/{run}", access: accessToken, h: (*Server).getRun},
		{method: "POST", path: "/api/v1/runs/{run}/stop", access: accessToken, h: (*Server).stopRun},
		{method: "POST", path: "/api/v1/runs/{run}/resume", access: accessToken, h: (*Server).resumeRun},
		{method: "GET", path: "/api/v1/runs/{run}/lanes", access: accessToken, h: (*Server).lanes},
		{method: "POST", path: "/api/v1/runs/{run}/lanes/{lane}/send", access: accessToken, h: (*Server).send},
		{method: "GET", path: "/api/v1/runs/{run}/lanes/{lane}/output", access: accessToken, h: (*Server).output},
		{method: "GET", path: "/api/v1/runs/{run}/results", access: accessToken, h: (*Server).results},
		{method: "GET", path: "/api/v1/runs/{run}/evidence", access: accessToken, h: (*Server).evidence},
		{method: "GET", path: "/api/v1/runs/{run}/receipts", access: accessToken, h: (*Server).receipts},
		{method: "GET", path: "/api/v1/runs/{run}/receipts/{name}", access: accessToken, h: (*Server).receipt},
		{method: "GET", path: "/api/v1/runs/{run}/diff", access: accessToken, h: (*Server).diff},
		{method: "GET", path: "/api/v1/runs/{run}/events", access: accessToken, h: (*Server).events},
		{method: "GET", path: "/api/v1/runs/{run}/stream", access: accessToken, stream: true, h: (*Server).stream},

		{method: "GET", path: "/api/v1/settings", access: accessToken, h: (*Server).getSettings},
		{method: "PATCH", path: "/api/v1/settings", access: accessToken, h: (*Server).updateSettings},
		{method: "GET", path: "/api/v1/schemas", access: accessToken, h: (*Server).listSchemas},
		{method: "GET", path: "/api/v1/schemas/{kind}", access: accessToken, h: (*Server).getSchema},
		{method: "GET", path: "/api/v1/adapters", access: accessToken, h: (*Server).adapters},
		{method: "GET", path: "/api/v1/audit", access: accessToken, h: (*Server).auditTail},
		{method: "POST", path: "/api/v1/login-links", access: accessToken, h: (*Server).loginLink},
		{method: "POST", path: "/api/v1/token/rotate", access: accessToken, h: (*Server).rotateToken},

		{method: "GET", path: "/api/v1/session", access: accessSession, h: (*Server).getSession},
		{method: "DELETE", path: "/api/v1/session", access: accessSession, h: (*Server).endSession},

		{method: "GET", path: "/login", access: accessPublic, h: (*Server).login},
		{method: "GET", path: "/{$}", access: accessPublic, h: (*Server).dashboardIndex},
		{method: "GET", path: "/assets/{file}", access: accessPublic, h: (*Server).dashboardAsset},
	}
}

// wrap applies a route's access class and turns its error into a problem.
func (s *Server) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rt.access != accessPublic {
			c := callerOf(r)
			switch {
			case c.kind == "":
				// Only /api routes are authenticated before the mux.
				refuse(w, http.StatusUnauthorized, errs.Unauthorized, "authentication required")
				return
			case rt.access == accessSession && c.session == nil:
				refuse(w, http.StatusForbidden, errs.Unauthorized, "this route is for dashboard sessions")
				return
			case c.session != nil && !safeMethod(r.Method):
				// A dashboard's state change: same origin, with the
				// session's own CSRF token.
				if r.Header.Get("Origin") == "" || !c.session.csrfOK(r) {
					refuse(w, http.StatusForbidden, errs.Unauthorized, "missing or wrong CSRF token")
					return
				}
			}
		}
		if err := rt.h(s, w, r); err != nil {
			s.fail(w, r, err)
		}
	})
}

func safeMethod(m string) bool { return m == http.MethodGet || m == http.MethodHead }

// fail writes the problem of err: 413 for a body over the limit, else the
// status of its code. Internal errors are logged with their detail.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, errTooLarge) {
		w.Header().Set("Connection", "close")
		refuse(w, http.StatusRequestEntityTooLarge, errs.Invalid, "the request body is larger than "+strconv.Itoa(MaxBodyBytes)+" bytes")
		return
	}
	if errs.CodeOf(err) == errs.Internal {
		s.log.Error("oz: request failed", "method", r.Method, "path", r.URL.Path, "err", s.red.string(errorDetail(err)))
	}
	writeProblem(w, problemOf(err, s.red.bytes))
}

// errorDetail is err with its operation names, for the log.
func errorDetail(err error) string {
	if e, ok := errors.AsType[*errs.Error](err); ok {
		return e.Op + ": " + e.Error()
	}
	return err.Error()
}

// writeJSON writes v as JSON with status, masking known secrets.
func (s *Server) writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return errs.Wrap(errs.Internal, "oz.writeJSON", err, "encoding the response")
	}
	b = s.red.bytes(b)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
	return nil
}
