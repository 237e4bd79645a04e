package workspace

import "context"

// Registry is the workspace registry kept in a home's workspaces.yaml.
type Registry struct {
	home *Home
}

func (r *Registry) registeredUnder(ctx context.Context, root string) (string, error) { return "", nil }
