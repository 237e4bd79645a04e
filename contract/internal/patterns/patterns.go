// Package patterns holds the regular expressions behind the contract
// package's pattern rules. The contract package registers each one as a
// custom validation under its tag name, and the schema generator writes the
// same expression into the JSON Schema, so that a validate tag and the
// schema's pattern cannot drift apart.
package patterns

const (
	// ID is the shape of contract, persona, adapter, route, profile and
	// boundary ids.
	ID = `^[A-Za-z0-9][A-Za-z0-9._-]*$`
	// Lane is the shape of a lane id: dotted segments, so that nested
	// profile groups flatten to ids such as "verifiers.primary".
	Lane = `^[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9][A-Za-z0-9_-]*)*$`
	// Slug is the shape of a priority slug.
	Slug = `^[a-z0-9][a-z0-9._-]*$`
	// Env is the shape of an environment variable name.
	Env = `^[A-Za-z_][A-Za-z0-9_]*$`
	// Program is a command without arguments.
	Program = `^[^\s]+$`
	// SHA256 is a lowercase hex SHA-256 digest.
	SHA256 = `^[0-9a-f]{64}$`
	// Owner is a canonical lowercase owner token.
	Owner = `^[a-z0-9][a-z0-9_-]*$`
	// WorkspaceID is a registered workspace's id.
	WorkspaceID = `^[a-z0-9][a-z0-9-]*$`
	// HookEvent is the name of an agent CLI's hook event, such as
	// "UserPromptSubmit".
	HookEvent = `^[A-Za-z][A-Za-z0-9_]*$`
	// RootName is the name of a ${root:NAME} path token.
	RootName = `^[A-Za-z0-9_-]+$`
)

// Tags lists each validate tag that is a plain regular expression with
// that expression, in a fixed order.
var Tags = []struct{ Tag, Pattern string }{
	{"id", ID},
	{"laneid", Lane},
	{"slug", Slug},
	{"envname", Env},
	{"program", Program},
	{"sha256", SHA256},
	{"owner", Owner},
	{"wsid", WorkspaceID},
	{"rootname", RootName},
	{"hookevent", HookEvent},
}

// Of returns the regular expression behind a pattern tag (id, laneid,
// slug, envname, ...), or false for any other tag.
func Of(tag string) (string, bool) {
	for _, t := range Tags {
		if t.Tag == tag {
			return t.Pattern, true
		}
	}
	return "", false
}
