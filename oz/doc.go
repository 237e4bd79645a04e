// Package oz is CoCoder's local control plane: an embeddable HTTP server,
// loopback only and protected by a token, that registers workspaces,
// plans, launches, follows and stops runs through the same run.Runner as
// the CLI, and its Go client.
//
// # Server
//
// New checks a Config and returns a Server; Handler is its http.Handler
// (mount it under Config.Prefix in your own mux), Serve runs it on a
// loopback listener (see Listen), Shutdown stops it. The library installs
// no signal handler and writes only to Config.Logger. Every route is in
// one table under /api/v1/, each classified public (health, the dashboard's
// static files, the login link), token (the bearer token, or a dashboard
// session with its CSRF token) or session; openapi.json describes the
// same routes (OpenAPI returns it).
//
// # Dashboard
//
// GET / serves the dashboard, plain HTML, CSS and JavaScript embedded from
// oz/dashboard: the workspaces and runs, a run's lanes (state with its
// source, reason, result), what a lane waiting at a dialog needs, and its
// events, live from the run's event stream; it can stop a run and send a
// lane a message, with its session's CSRF token. Run text reaches the page
// only as text. Its tests drive it in a headless Chromium.
//
// # Security
//
// Every request passes, in order: loopback connection, an exact Host
// allow-list with the port, cross-origin refusal (Origin, Sec-Fetch-Site),
// then for /api the token (Authorization: Bearer, compared in constant
// time, never from a query string) or a session from a single-use login
// link. Bodies are JSON objects of at most MaxBodyBytes, decoded strictly;
// errors are application/problem+json (Problem) with the CoCoder error
// code; every state change is written to the audit log (AuditFile) and
// fsynced before it is carried out; responses mask every known secret.
// docs/security.md lists each defence and its test.
//
// # Client and daemon
//
// Client calls the API with typed errors (errs.CodeOf of an error is the
// code the server met); Dial finds the daemon of a home (DaemonFile,
// ClaimDaemon) and its token. Package oztest starts a server for tests.
// docs/http-api.md documents every endpoint.
package oz
