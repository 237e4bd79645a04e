package workspace

// Registry is the workspace registry kept in a home's workspaces.yaml.
type Registry struct {
	home *Home
}
