// Package conformance is the kit that proves an adapter works with its real
// agent CLI: a scripted model server on the loopback interface that speaks
// the Anthropic Messages, OpenAI Responses and Gemini streaming APIs, and
// the helpers that run a lane of an adapter, read-only and writing, on the
// real tmux host against it, to an accepted result with confirmed
// delivery. The shipped adapters are proven with it; the author of a custom
// adapter runs the same matrix on theirs (see docs/adapters.md).
package conformance
