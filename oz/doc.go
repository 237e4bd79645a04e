// Package oz will own the local control plane: an embeddable, loopback-only,
// token-protected HTTP server with a browser dashboard, and its Go client.
// It has no code yet.
package oz
