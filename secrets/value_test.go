package secrets_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"gopkg.in/yaml.v3"

	"github.com/cocoder/cocoder/secrets"
)

const canary = "canary-sk-7f3a9c21e8d4"

type exported struct {
	Name  string
	Key   secrets.Value
	Ptr   *secrets.Value
	Keys  []secrets.Value
	ByVar map[string]secrets.Value
}

type xmlDoc struct {
	Key secrets.Value `xml:"key"`
}

type unexported struct {
	name string
	key  secrets.Value
}

// TestValueNeverPrints renders a Value every way a program might by accident
// and checks the canary text never shows.
func TestValueNeverPrints(t *testing.T) {
	v := secrets.NewValue(canary)
	ex := exported{Name: "n", Key: v, Ptr: &v, Keys: []secrets.Value{v}, ByVar: map[string]secrets.Value{"K": v}}
	un := unexported{name: "n", key: v}
	renders := map[string]func() (string, error){
		"String":   func() (string, error) { return v.String(), nil },
		"GoString": func() (string, error) { return v.GoString(), nil },
		"Error wrap": func() (string, error) {
			return fmt.Errorf("failed with %v: %w", v, errors.New("x")).Error(), nil
		},
		"Env": func() (string, error) {
			return fmt.Sprintf("%v %+v %#v", secrets.Env{"K": v}, secrets.Env{"K": v}, secrets.Env{"K": v}), nil
		},
		"json": func() (string, error) {
			b, err := json.Marshal(ex)
			return string(b), err
		},
		"MarshalText": func() (string, error) {
			b, err := v.MarshalText()
			return string(b), err
		},
		"yaml": func() (string, error) {
			b, err := yaml.Marshal(ex)
			return string(b), err
		},
		"xml": func() (string, error) {
			b, err := xml.Marshal(xmlDoc{Key: v})
			return string(b), err
		},
		"slog text": func() (string, error) {
			var b bytes.Buffer
			slog.New(slog.NewTextHandler(&b, nil)).Info("msg", "key", v, "s", ex, "u", un)
			return b.String(), nil
		},
		"slog json": func() (string, error) {
			var b bytes.Buffer
			slog.New(slog.NewJSONHandler(&b, nil)).Info("msg", "key", v, slog.Any("s", ex))
			return b.String(), nil
		},
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10.3s", "%-20v", "%T"} {
		for name, x := range map[string]any{"value": v, "pointer": &v, "exported": ex, "unexported": un, "pointer to unexported": &un} {
			renders[verb+" "+name] = func() (string, error) { return fmt.Sprintf(verb, x), nil }
		}
	}
	for name, render := range renders {
		t.Run(name, func(t *testing.T) {
			out, err := render()
			assert.NoError(t, err)
			assert.NotContains(t, out, canary)
			assert.NotContains(t, out, fmt.Sprintf("%x", canary), "hex of the canary")
			assert.NotContains(t, strings.ToLower(out), "canary")
		})
	}
}

func TestValue(t *testing.T) {
	v := secrets.NewValue(canary)
	assert.Equal(t, canary, v.Reveal())
	assert.False(t, v.IsZero())
	assert.Equal(t, secrets.Redacted, fmt.Sprint(v))
	assert.True(t, v.Equal(canary))
	assert.False(t, v.Equal(canary+"\n"), "trailing newline")
	assert.False(t, v.Equal(canary[:len(canary)-1]), "prefix")
	assert.False(t, v.Equal(""))

	var zero secrets.Value
	assert.True(t, zero.IsZero())
	assert.Equal(t, "", zero.Reveal())
	assert.True(t, secrets.NewValue("").IsZero())
	assert.True(t, zero.Equal(""))
}
