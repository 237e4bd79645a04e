package secrets_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cocoder/cocoder/internal/errs"
	"github.com/cocoder/cocoder/secrets"
)

func TestParseRef(t *testing.T) {
	valid := []struct {
		in   string
		want secrets.Ref
	}{
		{"${env:OPENAI_API_KEY}", secrets.Ref{Kind: secrets.KindEnv, Target: "OPENAI_API_KEY"}},
		{"${env:_x1}", secrets.Ref{Kind: secrets.KindEnv, Target: "_x1"}},
		{"${secret:openai}", secrets.Ref{Kind: secrets.KindSecret, Target: "openai"}},
		{"${secret:token.oz}", secrets.Ref{Kind: secrets.KindSecret, Target: "token.oz"}},
		{"${file:keys/openai.txt}", secrets.Ref{Kind: secrets.KindFile, Target: "keys/openai.txt"}},
		{"${file:a:b}", secrets.Ref{Kind: secrets.KindFile, Target: "a:b"}},
	}
	for _, tt := range valid {
		t.Run("OK "+tt.in, func(t *testing.T) {
			assert.True(t, secrets.IsRef(tt.in))
			got, err := secrets.ParseRef(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.in, got.String())
		})
	}
	invalid := []struct{ name, in string }{
		{"ErrLiteral", "sk-12345"},
		{"ErrEmpty", ""},
		{"ErrUnclosed", "${env:X"},
		{"ErrEmbedded", "Bearer ${env:X}"},
		{"ErrNoColon", "${envX}"},
		{"ErrEmptyTarget", "${env:}"},
		{"ErrEmptyKind", "${:X}"},
		{"ErrUnknownKind", "${keychain:svc/acct}"},
		{"ErrUpperKind", "${ENV:X}"},
		{"ErrEnvDigit", "${env:1X}"},
		{"ErrEnvDash", "${env:A-B}"},
		{"ErrEnvSpace", "${env: X}"},
		{"ErrSecretSlash", "${secret:a/b}"},
		{"ErrSecretDotDot", "${secret:..}"},
		{"ErrFileAbsolute", "${file:/etc/passwd}"},
		{"ErrFileParent", "${file:../x}"},
		{"ErrFileParentInside", "${file:a/../../x}"},
		{"ErrFileNUL", "${file:a\x00b}"},
		{"ErrFileNewline", "${file:a\nb}"},
		{"ErrFileBrace", "${file:a}b}"},
		{"ErrTwoRefs", "${env:A}${env:B}"},
		{"ErrTooLong", "${file:" + strings.Repeat("a", 5000) + "}"},
	}
	for _, tt := range invalid {
		t.Run(tt.name, func(t *testing.T) {
			_, err := secrets.ParseRef(tt.in)
			require.Error(t, err)
			assert.Equal(t, errs.Invalid, errs.CodeOf(err))
		})
	}
	t.Run("LiteralNotEchoed", func(t *testing.T) {
		_, err := secrets.ParseRef(canary)
		require.Error(t, err)
		assert.NotContains(t, err.Error(), canary)
	})
}

func TestIsRef(t *testing.T) {
	for in, want := range map[string]bool{
		"${env:X}": true, "${x}": true, "${}": true, "${": false, "$}": false, "{env:X}": false,
		"": false, "text": false, " ${env:X}": false, "${env:X} ": false,
	} {
		assert.Equal(t, want, secrets.IsRef(in), "%q", in)
	}
}

func FuzzParseRef(f *testing.F) {
	for _, s := range []string{"${env:X}", "${file:a/b}", "${secret:k}", "${file:../x}", "${}", "${:}", "plain", "${env:A}${env:B}"} {
		f.Add(s)
	}
	_, literalErr := secrets.ParseRef("literal")
	f.Fuzz(func(t *testing.T, s string) {
		ref, err := secrets.ParseRef(s)
		if err != nil {
			if errs.CodeOf(err) != errs.Invalid {
				t.Fatalf("code %s for %q", errs.CodeOf(err), s)
			}
			if !secrets.IsRef(s) && err.Error() != literalErr.Error() {
				t.Fatalf("the error for a literal depends on the literal: %v", err)
			}
			return
		}
		if !secrets.IsRef(s) {
			t.Fatalf("parsed %q, which IsRef rejects", s)
		}
		if ref.String() != s {
			t.Fatalf("String() = %q, input %q", ref.String(), s)
		}
		again, err := secrets.ParseRef(ref.String())
		if err != nil || again != ref {
			t.Fatalf("round trip of %q: %v, %v", s, again, err)
		}
		if ref.Kind == secrets.KindFile && (strings.HasPrefix(ref.Target, "/") || strings.Contains("/"+ref.Target+"/", "/../")) {
			t.Fatalf("file target %q escapes the base directory", ref.Target)
		}
	})
}

func TestValidName(t *testing.T) {
	for _, ok := range []string{"a", "openai", "OPENAI_API_KEY", "gh-token", "a.b.c", "_x", "9lives", strings.Repeat("x", secrets.MaxNameLen)} {
		assert.NoError(t, secrets.ValidName(ok), "%q", ok)
	}
}

func FuzzValidName(f *testing.F) {
	for _, s := range []string{"openai", "a/b", "..", ".x", "a..b", "token.oz", "-x", "a\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if secrets.ValidName(name) != nil {
			return
		}
		// An accepted name must be a single, visible, local file name.
		if strings.ContainsAny(name, "/\\\x00 ") || strings.Contains(name, "..") ||
			strings.HasPrefix(name, ".") || strings.HasPrefix(name, "-") || len(name) > secrets.MaxNameLen {
			t.Fatalf("accepted %q", name)
		}
		for _, c := range []byte(name) {
			if c < 0x21 || c > 0x7e {
				t.Fatalf("accepted %q with byte %#x", name, c)
			}
		}
		if _, err := secrets.ParseRef("${secret:" + name + "}"); err != nil {
			t.Fatalf("valid name %q is not a valid reference target: %v", name, err)
		}
	})
}
