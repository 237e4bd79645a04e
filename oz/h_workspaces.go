package oz

import (
	"net/http"

	"github.com/cocoder/cocoder/contract"
	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/workspace"
)

// WorkspaceView is a registered workspace as the API shows it: the
// registry entry and its root on this machine.
type WorkspaceView struct {
	contract.RegistryEntry
	// Root is the stored path expanded on this machine; empty when it
	// cannot be expanded (a root name this machine does not define).
	Root string `json:"root,omitempty"`
}

// RegisterRequest is the body of POST /api/v1/workspaces.
type RegisterRequest struct {
	// Path is the absolute path of the workspace root (or a directory
	// inside it). Required.
	Path string `json:"path"`
	// Name is the display name; empty derives it from the directory.
	Name string `json:"name,omitempty"`
}

// UpdateWorkspaceRequest is the body of PATCH /api/v1/workspaces/{id}.
type UpdateWorkspaceRequest struct {
	// Name is the new display name.
	Name string `json:"name"`
}

func (s *Server) view(e contract.RegistryEntry) WorkspaceView {
	v := WorkspaceView{RegistryEntry: e}
	v.Root, _ = s.cfg.Home.Registry().AbsPath(e)
	return v
}

func (s *Server) listWorkspaces(w http.ResponseWriter, r *http.Request) error {
	entries, err := s.cfg.Home.Registry().List(r.Context())
	if err != nil {
		return err
	}
	out := make([]WorkspaceView, 0, len(entries))
	for _, e := range entries {
		out = append(out, s.view(e))
	}
	return s.writeJSON(w, http.StatusOK, out)
}

// workspaceOf returns the registered workspace the {workspace} path value
// names (its id or name).
func (s *Server) workspaceOf(r *http.Request, key string) (contract.RegistryEntry, error) {
	return s.entryByID(r, r.PathValue(key))
}

func (s *Server) entryByID(r *http.Request, id string) (contract.RegistryEntry, error) {
	if id == "" || len(id) > 128 || !printableName(id) {
		return contract.RegistryEntry{}, errs.E(errs.Invalid, "oz", "workspace %q is not a workspace id or name", id)
	}
	return s.cfg.Home.Registry().Get(r.Context(), id)
}

// printableName refuses control characters, path separators and NUL in a
// name taken from a URL.
func printableName(s string) bool {
	for _, c := range s {
		if c < 0x20 || c == 0x7f || c == '/' || c == '\\' {
			return false
		}
	}
	return s != "." && s != ".."
}

func (s *Server) getWorkspace(w http.ResponseWriter, r *http.Request) error {
	e, err := s.workspaceOf(r, "workspace")
	if err != nil {
		return err
	}
	return s.writeJSON(w, http.StatusOK, s.view(e))
}

func (s *Server) registerWorkspace(w http.ResponseWriter, r *http.Request) error {
	var req RegisterRequest
	if err := decodeBody(w, r, &req, false); err != nil {
		return err
	}
	reg := s.cfg.Home.Registry()
	if req.Path == "" {
		return &bodyError{[]ProblemItem{{Code: "required", Field: "path", Message: "path is required: the absolute path of the workspace root"}}}
	}
	root, err := reg.CheckAdd(r.Context(), req.Path, req.Name)
	if err != nil {
		return asInput(err)
	}
	if err := s.audit.record(callerOf(r).actor(), "workspace.register", root); err != nil {
		return err
	}
	e, err := reg.Add(r.Context(), root, req.Name)
	if err != nil {
		return asInput(err)
	}
	w.Header().Set("Location", s.cfg.Prefix+"/api/v1/workspaces/"+e.ID)
	return s.writeJSON(w, http.StatusCreated, s.view(e))
}

// asInput reports a path that does not exist, given in a request body, as
// invalid input (400) rather than a missing resource.
func asInput(err error) error {
	if errs.CodeOf(err) == errs.NotFound {
		return errs.Wrap(errs.Invalid, "oz", err, "path")
	}
	return err
}

func (s *Server) updateWorkspace(w http.ResponseWriter, r *http.Request) error {
	e, err := s.workspaceOf(r, "workspace")
	if err != nil {
		return err
	}
	var req UpdateWorkspaceRequest
	if err := decodeBody(w, r, &req, false); err != nil {
		return err
	}
	if req.Name == "" {
		return &bodyError{[]ProblemItem{{Code: "required", Field: "name", Message: "name is required"}}}
	}
	reg := s.cfg.Home.Registry()
	root, err := reg.AbsPath(e)
	if err != nil {
		return err
	}
	if _, err := reg.CheckAdd(r.Context(), root, req.Name); err != nil {
		return err
	}
	if err := s.audit.record(callerOf(r).actor(), "workspace.update", e.ID); err != nil {
		return err
	}
	e, err = reg.Add(r.Context(), root, req.Name)
	if err != nil {
		return err
	}
	return s.writeJSON(w, http.StatusOK, s.view(e))
}

func (s *Server) unregisterWorkspace(w http.ResponseWriter, r *http.Request) error {
	e, err := s.workspaceOf(r, "workspace")
	if err != nil {
		return err
	}
	if err := s.audit.record(callerOf(r).actor(), "workspace.unregister", e.ID); err != nil {
		return err
	}
	if err := s.cfg.Home.Registry().Remove(r.Context(), e.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) priorities(w http.ResponseWriter, r *http.Request) error {
	e, err := s.workspaceOf(r, "workspace")
	if err != nil {
		return err
	}
	root, err := s.cfg.Home.Registry().AbsPath(e)
	if err != nil {
		return err
	}
	ws, err := workspace.Find(root)
	if err != nil {
		return err
	}
	ps, err := ws.Priorities() // confined to the workspace: a linked PRIORITIES.md is refused
	if err != nil {
		return err
	}
	if ps == nil {
		ps = []workspace.Priority{}
	}
	return s.writeJSON(w, http.StatusOK, ps)
}
