// Package cocoder is the facade of the CoCoder SDK: a local-first
// orchestration library for AI coding-agent CLIs.
//
// CoCoder runs several agent CLIs (Claude Code, Codex, Gemini, Cursor agent,
// Grok, Kimi, aider, opencode or any command) on a developer's machine, each
// in its own lane, under explicit contracts. The engine, not the agent,
// checks what each lane changed, runs the verification gate and commits
// exactly the accepted files. Every step is appended to a ledger on disk.
//
// # Packages
//
//   - [github.com/cocoder/cocoder/contract]: the contract types, strict
//     loading, validation and JSON Schemas.
//   - [github.com/cocoder/cocoder/secrets]: the secret store, references and
//     redaction.
//   - [github.com/cocoder/cocoder/workspace]: the home zone, workspaces,
//     registry, configuration and priorities.
//   - [github.com/cocoder/cocoder/run]: the run engine.
//   - [github.com/cocoder/cocoder/oz]: the local control plane.
//
// This package re-exports the shared error vocabulary ([Error], [Code],
// [ErrInvalid], ...) so callers need one import to classify any error.
package cocoder
