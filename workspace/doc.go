// Package workspace owns the home zone, workspace detection and scaffolding,
// the workspace registry with portable path tokens, layered configuration and
// the priorities reader.
//
// # Zones
//
// CoCoder keeps two kinds of state apart:
//
//   - the home zone ([Home], $COCODER_HOME, by default ~/.cocoder) is
//     machine-local and never in git: config.yaml, secrets/ (0700),
//     oz/ (0700), workspaces.yaml and runs/<workspace-id>/<run-id>/;
//   - a workspace ([Workspace]) is a repository whose cocoder/ directory
//     holds its governance files (AGENTS.md, PRIORITIES.md, personas,
//     profiles, routes, boundaries, prompts, ...), tracked in git.
//
// [OpenHome] refuses a home inside a git work tree that does not ignore it;
// [Init] refuses a workspace inside the home or inside another workspace.
//
// # Usage
//
//	home, err := workspace.OpenHome(ctx, dir)      // creates what is missing
//	rep, err := workspace.Init(ctx, repo, workspace.InitOptions{Home: home})
//	ws, err := workspace.Find(".")                  // walk up to the workspace root
//	entry, err := home.Registry().Add(ctx, ws.Root, "")
//	cfg, err := workspace.LoadConfig(home, ws)      // defaults < home < workspace
//	p, err := ws.Priority("search-speed")
//
// # Registry and path tokens
//
// [Registry] keeps workspaces.yaml: one entry per workspace with a stable id,
// a name, a path and added/last-seen times. Paths are stored with tokens
// ([Tokens]): ${root:NAME} for a directory named in the roots map of the
// home config.yaml, ${COCODER_HOME}, or ~, so a home synced between machines
// resolves each path to where the repository lives on that machine. Every
// change holds an OS file lock and replaces the file atomically.
//
// # Configuration
//
// [LoadConfig] merges built-in defaults, the home config.yaml and the
// workspace's cocoder/config.yaml, validates each file and the result with
// the contract package, and records which layer set each key. [SetConfig]
// edits one file, validating before an atomic write. Secret references
// (${env:NAME}, ${file:PATH}, ${secret:NAME}) are kept as written; nothing
// here resolves them.
//
// # Priorities
//
// [ReadPriorities] and [FindPriority] stream PRIORITIES.md and return each
// "## Title [slug]" section with its status, a bounded excerpt and a state
// (active, review-required or missing).
package workspace
