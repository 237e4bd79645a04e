package secrets

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/cocoder/cocoder/internal/errs"
)

// Env is a resolved set of environment variables for a child process, keyed
// by variable name. Its values stay redacted until [Env.Environ].
type Env map[string]Value

// Environ returns the variables as "NAME=value" strings sorted by name, ready
// for exec.Cmd.Env. It is the one place where resolved values become plain
// strings; hand the result to the child and nowhere else.
func (e Env) Environ() []string {
	out := make([]string, 0, len(e))
	for _, k := range e.names() {
		out = append(out, k+"="+e[k].Reveal())
	}
	return out
}

// Values returns the values sorted by variable name, for [NewRedactor].
func (e Env) Values() []Value {
	out := make([]Value, 0, len(e))
	for _, k := range e.names() {
		out = append(out, e[k])
	}
	return out
}

func (e Env) names() []string {
	names := make([]string, 0, len(e))
	for k := range e {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

// Resolver turns references into values. The zero Resolver reads the
// process environment and nothing else.
//
// Rules:
//   - ${env:NAME} reads Getenv (os.LookupEnv when nil); an unset or empty
//     variable is errs.NotFound.
//   - ${secret:NAME} reads Store; a missing secret is errs.NotFound, and a
//     Resolver without a Store refuses secret references (errs.Invalid). A
//     generated token's name ("token." in any case, see [IsTokenName]) is
//     refused: no reference reads Oz's token.
//   - ${file:PATH} reads BaseDir/PATH through an os.Root, so the path cannot
//     leave BaseDir, even through a symlinked directory. The file itself must
//     be a regular file (not a symlink) owned by the current user with no
//     group or other permissions, like a stored secret, and is read with
//     [ReadValue] (one trailing newline removed). A file inside one of
//     DenyDirs, by any path, is refused. A Resolver without a BaseDir
//     refuses file references.
//   - Any other string is literal text, used as it is, except that a literal
//     containing "${" is refused: there is no interpolation, and refusing
//     catches a reference mistyped inside longer text.
//
// Errors name the variable and the reference, never a value.
type Resolver struct {
	// Store holds the secrets that ${secret:NAME} refers to.
	Store *Store
	// Getenv looks up ${env:NAME}; nil means os.LookupEnv.
	Getenv func(string) (string, bool)
	// BaseDir is the directory ${file:PATH} paths are relative to.
	BaseDir string
	// DenyDirs are directories no ${file:PATH} may reach (the CoCoder home
	// zone, with its secret store and Oz's token): a file inside one, by
	// any path or symlinked directory, is refused.
	DenyDirs []string
}

// Resolve resolves refs, a map from environment variable name to a reference
// or literal, into an [Env]. Every entry is tried; when some fail, the error
// lists all of them (sorted by variable name) and carries the code of the
// first. Variable names must be letters, digits and '_', not starting with a
// digit.
func (r Resolver) Resolve(ctx context.Context, refs map[string]string) (Env, error) {
	const op = "secrets.Resolve"
	names := make([]string, 0, len(refs))
	for k := range refs {
		names = append(names, k)
	}
	slices.Sort(names)
	env := make(Env, len(refs))
	var problems []error
	var first errs.Code
	for _, name := range names {
		if err := ctx.Err(); err != nil {
			return nil, errs.Wrap(errs.Internal, op, err, "resolution stopped")
		}
		var v Value
		var err error
		if !validEnvName(name) {
			err = errs.E(errs.Invalid, "", "%q is not an environment variable name (letters, digits and '_', not starting with a digit)", name)
		} else {
			v, err = r.Lookup(ctx, refs[name])
		}
		if err != nil {
			if first == "" {
				first = errs.CodeOf(err)
			}
			problems = append(problems, errs.Wrap(errs.CodeOf(err), "", err, "%s", describeEntry(name, refs[name])))
			continue
		}
		env[name] = v
	}
	switch len(problems) {
	case 0:
		return env, nil
	case 1:
		return nil, &errs.Error{Code: first, Op: op, Err: problems[0]}
	}
	return nil, &errs.Error{Code: first, Op: op, Message: strconv.Itoa(len(problems)) + " variables do not resolve", Err: errors.Join(problems...)}
}

// Check verifies that every entry of refs resolves, as [Resolver.Resolve]
// does, and returns the same error, but keeps no value. Use it for
// preflight checks.
func (r Resolver) Check(ctx context.Context, refs map[string]string) error {
	_, err := r.Resolve(ctx, refs)
	return err
}

// Lookup resolves one string: a reference per the [Resolver] rules, or
// literal text.
func (r Resolver) Lookup(ctx context.Context, s string) (Value, error) {
	const op = "secrets.Lookup"
	if !IsRef(s) {
		if strings.Contains(s, "${") {
			return Value{}, errs.E(errs.Invalid, op, "the value contains \"${\" but is not one whole reference; references cannot be embedded in longer text")
		}
		return NewValue(s), nil
	}
	ref, err := ParseRef(s)
	if err != nil {
		return Value{}, err
	}
	if err := ctx.Err(); err != nil {
		return Value{}, errs.Wrap(errs.Internal, op, err, "resolution stopped")
	}
	switch ref.Kind {
	case KindEnv:
		getenv := r.Getenv
		if getenv == nil {
			getenv = os.LookupEnv
		}
		v, ok := getenv(ref.Target)
		if !ok || v == "" {
			return Value{}, errs.E(errs.NotFound, op, "environment variable %s is not set or empty", ref.Target)
		}
		return NewValue(v), nil
	case KindSecret:
		if IsTokenName(ref.Target) {
			return Value{}, errs.E(errs.Invalid, op, "%s names a generated token, which no reference may read; refer to another secret", ref)
		}
		if r.Store == nil {
			return Value{}, errs.E(errs.Invalid, op, "no secret store is configured, so %s cannot be read", ref)
		}
		return r.Store.Get(ref.Target)
	default: // KindFile; ParseRef admits nothing else.
		return r.readFile(op, ref)
	}
}

// readFile reads a ${file:PATH} reference inside BaseDir with the checks of
// a stored secret.
func (r Resolver) readFile(op string, ref Ref) (Value, error) {
	if r.BaseDir == "" {
		return Value{}, errs.E(errs.Invalid, op, "no base directory is configured for file references, so %s cannot be read", ref)
	}
	root, err := os.OpenRoot(r.BaseDir)
	if err != nil {
		return Value{}, errs.Wrap(errs.NotFound, op, err, "cannot open the base directory for %s", ref)
	}
	defer func() { _ = root.Close() }()
	path := root.Name() + string(os.PathSeparator) + ref.Target
	lfi, err := root.Lstat(ref.Target)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return Value{}, errs.E(errs.NotFound, op, "%s: %s does not exist", ref, path)
	case err != nil:
		return Value{}, errs.Wrap(errs.Invalid, op, err, "%s: cannot use %s (file references must stay inside %s, through symlinks too)", ref, path, root.Name())
	}
	if err := checkFile(op, path, lfi); err != nil {
		return Value{}, err
	}
	if dir := r.deniedDir(root, ref.Target); dir != "" {
		return Value{}, errs.E(errs.Invalid, op, "%s: %s lies inside %s, which no file reference may reach; keep the value in the secret store and refer to it as ${secret:NAME}", ref, path, dir)
	}
	f, err := root.OpenFile(ref.Target, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return Value{}, errs.Wrap(errs.Invalid, op, err, "%s: cannot open %s", ref, path)
	}
	defer func() { _ = f.Close() }()
	fi, err := f.Stat()
	if err != nil || !os.SameFile(lfi, fi) {
		return Value{}, errs.E(errs.Conflict, op, "%s: %s changed while it was being opened; try again", ref, path)
	}
	b, err := ReadValue(f)
	if err != nil {
		return Value{}, errs.Wrap(errs.CodeOf(err), op, err, "%s", ref)
	}
	if err := checkValue(op, ref.String(), b); err != nil {
		return Value{}, err
	}
	return NewValue(string(b)), nil
}

// deniedDir returns the entry of DenyDirs that target (relative to root)
// lies in, or "". Each directory on target's way is compared by identity
// (device and inode) with each denied one, so a symlinked directory or
// another spelling of the name (case on a case-insensitive file system)
// does not get past.
func (r Resolver) deniedDir(root *os.Root, target string) string {
	var denied []os.FileInfo
	var names []string
	for _, d := range r.DenyDirs {
		if fi, err := os.Stat(d); err == nil {
			denied, names = append(denied, fi), append(names, d)
		}
	}
	if len(denied) == 0 {
		return ""
	}
	for dir := target; ; {
		dir = filepath.Dir(dir)
		fi, err := root.Stat(dir)
		if err == nil {
			for i, d := range denied {
				if os.SameFile(fi, d) {
					return names[i]
				}
			}
		}
		if dir == "." {
			break
		}
	}
	// The base directory's parents: a denied directory that holds it.
	base, _ := filepath.Abs(r.BaseDir)
	for dir := base; ; dir = filepath.Dir(dir) {
		if fi, err := os.Stat(dir); err == nil {
			for i, d := range denied {
				if os.SameFile(fi, d) {
					return names[i]
				}
			}
		}
		if filepath.Dir(dir) == dir {
			return ""
		}
	}
}

// ReadValue reads a secret value from r: at most [MaxValueSize] bytes (more
// is an errs.Invalid error), with one trailing newline ("\n" or "\r\n")
// removed, since files and piped input usually end with one and an API key
// never does. Only one is removed, so a value that really ends in a newline
// can be written with two.
func ReadValue(r io.Reader) ([]byte, error) {
	const op = "secrets.ReadValue"
	b, err := io.ReadAll(io.LimitReader(r, MaxValueSize+3))
	if err != nil {
		return nil, errs.Wrap(errs.Internal, op, err, "cannot read the value")
	}
	b, _ = trimNewline(b)
	if len(b) > MaxValueSize {
		return nil, errs.E(errs.Invalid, op, "the value is larger than %d bytes", MaxValueSize)
	}
	return b, nil
}

// trimNewline removes one trailing "\n" or "\r\n" from b and reports whether
// it did.
func trimNewline(b []byte) ([]byte, bool) {
	if t, ok := bytes.CutSuffix(b, []byte("\n")); ok {
		t, _ = bytes.CutSuffix(t, []byte("\r"))
		return t, true
	}
	return b, false
}

// describeEntry renders one entry of a Resolve map for an error message:
// the reference text for a reference, never the text of a literal.
func describeEntry(name, s string) string {
	if IsRef(s) && len(s) <= maxRefLen {
		return name + "=" + s
	}
	return name + " (literal value)"
}
