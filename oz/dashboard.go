package oz

import (
	"embed"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/cocoder/cocoder/internal/errs"
)

// dashboardFS holds the dashboard's static files: one page (index.html),
// its script (app.js), style sheet and icon. The script lists workspaces
// and runs, and shows a run's lanes and events live from the run's event
// stream, with the session's CSRF token on its two actions (stop a run,
// send a lane a message). No inline script or style: the
// Content-Security-Policy forbids them; the script puts every text from a
// run into the page as text, never as HTML.
//
//go:embed dashboard
var dashboardFS embed.FS

func (s *Server) dashboardIndex(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.Prefix != "" && !strings.HasSuffix(requestPath(r), "/") {
		// The page's links are relative ("assets/app.js", "api/v1/..."):
		// under /cocoder they must resolve inside /cocoder/.
		http.Redirect(w, r, s.cfg.Prefix+"/", http.StatusMovedPermanently)
		return nil
	}
	return s.serveAsset(w, "index.html")
}

// requestPath is the path the client asked for, before the prefix was
// taken off.
func requestPath(r *http.Request) string {
	p, _, _ := strings.Cut(r.RequestURI, "?")
	return p
}

func (s *Server) dashboardAsset(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("file")
	if name == "index.html" || strings.ContainsAny(name, "/\\") || strings.HasPrefix(name, ".") {
		return errs.E(errs.NotFound, "oz", "no such file")
	}
	return s.serveAsset(w, name)
}

func (s *Server) serveAsset(w http.ResponseWriter, name string) error {
	b, err := fs.ReadFile(dashboardFS, "dashboard/"+name)
	if err != nil {
		return errs.E(errs.NotFound, "oz", "no such file")
	}
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	_, _ = w.Write(b)
	return nil
}
