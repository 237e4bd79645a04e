package secrets

import (
	"crypto/rand"
	"encoding/hex"
	"path/filepath"

	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/internal/flock"
)

// TokenBytes is the number of random bytes in a generated token (256 bits).
// The stored text is their lowercase hex encoding, 64 characters.
const TokenBytes = 32

// lockName is the store's lock file, used only to serialize token creation
// and rotation between processes. Its leading dot keeps it out of List.
const lockName = ".lock"

// Token returns the generated token called name (for example "oz", the
// token of the Oz control plane), creating it on first use from crypto/rand.
// Tokens are stored like every other secret, as the entry "token.NAME", so
// they obey the same permission rules and show up in [Store.List]. Creation
// holds a file lock, so two processes asking at once get the same token.
//
// The name must pass [ValidName]. A stored token that is not at least 64 hex
// characters is refused with errs.Invalid (call [Store.RotateToken] to
// replace it); other errors are those of [Store.Get].
func (s *Store) Token(name string) (Value, error) {
	const op = "secrets.Token"
	if err := ValidName(name); err != nil {
		return Value{}, err
	}
	entry := tokenPrefix + name
	v, err := s.readToken(op, entry)
	if errs.CodeOf(err) != errs.NotFound {
		return v, err
	}
	unlock, err := s.lock(op)
	if err != nil {
		return Value{}, err
	}
	defer unlock()
	// Another process may have created it while we waited for the lock.
	v, err = s.readToken(op, entry)
	if errs.CodeOf(err) != errs.NotFound {
		return v, err
	}
	return s.newToken(op, entry)
}

// RotateToken replaces the token called name with a fresh random one and
// returns it. The old token stops being valid for anyone who reads the store
// afterwards; a server holding the old value in memory must reload it.
func (s *Store) RotateToken(name string) (Value, error) {
	const op = "secrets.RotateToken"
	if err := ValidName(name); err != nil {
		return Value{}, err
	}
	unlock, err := s.lock(op)
	if err != nil {
		return Value{}, err
	}
	defer unlock()
	return s.newToken(op, tokenPrefix+name)
}

func (s *Store) readToken(op, entry string) (Value, error) {
	b, err := s.read(op, entry)
	if err != nil {
		return Value{}, err
	}
	if len(b) < 2*TokenBytes || !isHex(b) {
		return Value{}, errs.E(errs.Invalid, op, "%s is not a token CoCoder generated (it must be at least %d hex characters); replace it by rotating the token",
			s.Path(entry), 2*TokenBytes)
	}
	return NewValue(string(b)), nil
}

func (s *Store) newToken(op, entry string) (Value, error) {
	raw := make([]byte, TokenBytes)
	_, _ = rand.Read(raw) // crypto/rand.Read never fails; it crashes the program instead.
	text := hex.EncodeToString(raw)
	if err := s.write(op, entry, []byte(text)); err != nil {
		return Value{}, err
	}
	return NewValue(text), nil
}

// lock takes the store's file lock and returns its release function.
func (s *Store) lock(op string) (func(), error) {
	if err := s.checkDir(op); err != nil {
		return nil, err
	}
	l, err := flock.Acquire(filepath.Join(s.dir, lockName))
	if err != nil {
		return nil, errs.Wrap(errs.Internal, op, err, "cannot lock the secret store %s", s.dir)
	}
	return func() { _ = l.Release() }, nil
}

func isHex(b []byte) bool {
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
