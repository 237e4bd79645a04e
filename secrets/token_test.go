package secrets_test

import (
	"encoding/hex"
	"io/fs"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/secrets"
)

func TestToken(t *testing.T) {
	s := openStore(t)
	tok, err := s.Token("oz")
	require.NoError(t, err)
	raw, err := hex.DecodeString(tok.Reveal())
	require.NoError(t, err)
	assert.Len(t, raw, secrets.TokenBytes, "256 bits")
	assert.Equal(t, fs.FileMode(0o600), perm(t, s.Path("token.oz")))

	again, err := s.Token("oz")
	require.NoError(t, err)
	assert.Equal(t, tok.Reveal(), again.Reveal(), "created once, then read")

	other, err := s.Token("other")
	require.NoError(t, err)
	assert.NotEqual(t, tok.Reveal(), other.Reveal(), "tokens are independent")

	rotated, err := s.RotateToken("oz")
	require.NoError(t, err)
	assert.NotEqual(t, tok.Reveal(), rotated.Reveal())
	now, err := s.Token("oz")
	require.NoError(t, err)
	assert.Equal(t, rotated.Reveal(), now.Reveal())

	list, err := s.List()
	require.NoError(t, err)
	var names []string
	for _, i := range list {
		names = append(names, i.Name)
	}
	assert.Equal(t, []string{"token.other", "token.oz"}, names, "listed, lock file hidden")

	require.NoError(t, s.Remove("token.oz"))
	fresh, err := s.Token("oz")
	require.NoError(t, err)
	assert.NotEqual(t, rotated.Reveal(), fresh.Reveal(), "a removed token is created anew")
}

func TestTokenRefusals(t *testing.T) {
	t.Run("ErrName", func(t *testing.T) {
		s := openStore(t)
		_, err := s.Token("../oz")
		requireCode(t, err, errs.Invalid)
		_, err = s.RotateToken("")
		requireCode(t, err, errs.Invalid)
	})
	t.Run("ErrWeakToken", func(t *testing.T) {
		s := openStore(t)
		require.NoError(t, os.WriteFile(s.Path("token.oz"), []byte("short"), 0o600))
		_, err := s.Token("oz")
		requireCode(t, err, errs.Invalid)
		assert.NotContains(t, err.Error(), "short")
		tok, err := s.RotateToken("oz")
		require.NoError(t, err, "rotation replaces it")
		assert.Len(t, tok.Reveal(), 2*secrets.TokenBytes)
	})
	t.Run("ErrLooseTokenFile", func(t *testing.T) {
		s := openStore(t)
		_, err := s.Token("oz")
		require.NoError(t, err)
		require.NoError(t, os.Chmod(s.Path("token.oz"), 0o644))
		_, err = s.Token("oz")
		requireCode(t, err, errs.Invalid)
		assert.Contains(t, err.Error(), "chmod 600")
	})
	t.Run("ErrSymlinkedTokenFile", func(t *testing.T) {
		s := openStore(t)
		target := s.Path("elsewhere")
		require.NoError(t, os.WriteFile(target, []byte("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"), 0o600))
		require.NoError(t, os.Symlink(target, s.Path("token.oz")))
		_, err := s.Token("oz")
		requireCode(t, err, errs.Invalid)
		_, err = s.RotateToken("oz")
		requireCode(t, err, errs.Invalid)
	})
}
