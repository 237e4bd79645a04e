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

// dashboardFS holds the dashboard's static files. Today it is one page
// that points to the API; the pages for workspaces, runs and the run
// inspector come later. No inline script or style: the
// Content-Security-Policy forbids them.
//
//go:embed dashboard
var dashboardFS embed.FS

func (s *Server) dashboardIndex(w http.ResponseWriter, r *http.Request) error {
	return s.serveAsset(w, "index.html")
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
