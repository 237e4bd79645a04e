// Package secrets owns the local secret store, secret references, their
// resolution into a child process environment, and redaction.
package secrets
