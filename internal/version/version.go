// Package version reports the version of the running CoCoder binary from
// the build information the Go toolchain embeds; no linker flags needed.
package version

import (
	"runtime"
	"runtime/debug"
)

// Info describes a build.
type Info struct {
	// Version is the module version ("(devel)" for a source build).
	Version string `json:"version"`
	// Commit is the VCS revision, when the build recorded one.
	Commit string `json:"commit,omitempty"`
	// Modified reports uncommitted changes at build time.
	Modified bool `json:"modified,omitempty"`
	// Go is the toolchain version.
	Go string `json:"go"`
}

// Get returns the build information of the running binary.
func Get() Info {
	info := Info{Version: "(devel)", Go: runtime.Version()}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return info
	}
	if v := bi.Main.Version; v != "" {
		info.Version = v
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			info.Commit = s.Value
		case "vcs.modified":
			info.Modified = s.Value == "true"
		}
	}
	return info
}
