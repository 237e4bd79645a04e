package conformance_test

import (
	"testing"

	"github.com/cocoder/cocoder/conformance"
)

func TestMain(m *testing.M) { conformance.Main(m) }

// TestShippedMatrix runs every shipped adapter whose CLI is on the npm
// registry, read-only and writing, with the real CLI against the scripted
// model, to an accepted result with confirmed delivery.
func TestShippedMatrix(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real agent CLIs")
	}
	for _, c := range []struct {
		name string
		cli  func(string) conformance.CLI
	}{{"claude", conformance.Claude}, {"codex", conformance.Codex}, {"gemini", conformance.Gemini}} {
		t.Run(c.name, func(t *testing.T) {
			cli := c.cli(conformance.FindCLI(t, c.name))
			for _, m := range []struct {
				name string
				m    conformance.Matrix
			}{{"read-only", conformance.Matrix{}}, {"writing", conformance.Matrix{Writing: true}}} {
				t.Run(m.name, func(t *testing.T) {
					o := conformance.Run(t, cli, m.m)
					conformance.Check(t, o, m.m)
				})
			}
		})
	}
}
