package contract

import (
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Version is the format version a document declares in its optional
// `version` field. Files may write it as text ("0.1") or as a number (1).
// An empty Version means the current format.
type Version string

// CurrentVersion is the format version this build writes.
const CurrentVersion Version = "1"

// supportedVersions are the versions this build reads: the current one and
// the original CoCoder's "0.1".
var supportedVersions = []Version{"0.1", "1", "1.0"}

// Supported reports whether this build understands documents of version v.
// The empty version is supported.
func (v Version) Supported() bool {
	return v == "" || slices.Contains(supportedVersions, v)
}

func (v *Version) decodeNode(d *decoder, n *yaml.Node, path string) {
	if n.Kind != yaml.ScalarNode || !slices.Contains([]string{"!!str", "!!int", "!!float"}, n.ShortTag()) {
		d.mismatch(n, path, "a version such as 1 or \"0.1\"", "")
		return
	}
	*v = Version(n.Value)
}

// versionProblem explains an unsupported version.
func versionProblem(v Version) string {
	list := make([]string, len(supportedVersions))
	for i, s := range supportedVersions {
		list[i] = string(s)
	}
	return fmt.Sprintf("version %q is not understood by this cocoder (it reads %s); upgrade cocoder, or set version: %s if the file is in the current format",
		string(v), strings.Join(list, ", "), CurrentVersion)
}

// checkVersionNode looks at the top-level version field before anything
// else is decoded.
func checkVersionNode(n *yaml.Node) *Problem {
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.Value != "version" || val.Kind != yaml.ScalarNode || isNull(val) {
			continue
		}
		if v := Version(val.Value); !v.Supported() {
			return &Problem{Path: "version", Rule: "version", Message: versionProblem(v), Line: k.Line}
		}
	}
	return nil
}
