// Package secrets owns the local secret store, secret references, their
// resolution into a child process environment, and redaction.
//
// # Store
//
// A [Store] keeps one file per named secret in a private directory, normally
// $COCODER_HOME/secrets. The directory is 0700 and every file 0600, both owned
// by the current user. Writes are atomic (a crash leaves the old value or the
// new one, never a torn file). A symlink, a non-regular file, a file owned by
// someone else or one with group/other permission bits is refused, never
// followed and never silently repaired: the error names the file and the
// command that fixes it. [Store.List] reports names, sizes and times, never
// values.
//
// The store also keeps generated tokens, such as the one that protects the Oz
// control plane: [Store.Token] creates a 256-bit random token on first use and
// [Store.RotateToken] replaces it. Tokens live beside the other secrets under
// the reserved name prefix "token.".
//
// # Values
//
// A secret in memory is a [Value]. Printing it with fmt (any verb), encoding it
// as JSON, YAML or text, or logging it with log/slog yields "[redacted]".
// [Value.Reveal] is the only way to get the plain text out.
//
// # References
//
// Configuration never holds a secret itself but a reference to one:
//
//	${env:NAME}      the environment variable NAME of the CoCoder process
//	${file:PATH}     the file PATH, relative to the resolver's base directory
//	${secret:NAME}   the secret NAME in the store
//
// A configuration string is either exactly one whole reference or literal
// text; there is no interpolation inside longer strings. [ParseRef] and
// [IsRef] read references; a [Resolver] turns a map of environment variable
// names to references into an [Env] for a child process, and
// [Resolver.Check] verifies the same map without producing values.
//
// # Redaction
//
// A [Redactor] is an io.Writer that masks every known secret value in the
// stream passing through it, including values split across writes, before
// the text reaches a transcript or a ledger. [RedactString] does the same for
// one string.
//
// # Usage
//
//	store, err := secrets.Open(filepath.Join(home, "secrets"))
//	if err != nil {
//		return err
//	}
//	if err := store.Set("openai", []byte(key)); err != nil {
//		return err
//	}
//	r := secrets.Resolver{Store: store}
//	env, err := r.Resolve(ctx, map[string]string{"OPENAI_API_KEY": "${secret:openai}"})
//	if err != nil {
//		return err
//	}
//	cmd := exec.CommandContext(ctx, "agent")
//	cmd.Env = env.Environ() // with whatever base variables the agent needs
//	out := secrets.NewRedactor(transcript, env.Values()...)
//	cmd.Stdout, cmd.Stderr = out, out
//	err = cmd.Run()
//	if cerr := out.Close(); err == nil {
//		err = cerr
//	}
package secrets
