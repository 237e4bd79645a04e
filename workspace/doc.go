// Package workspace owns the home zone, workspace detection and scaffolding,
// the workspace registry with portable path tokens, layered configuration and
// the priorities reader.
package workspace
