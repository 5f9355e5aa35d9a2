// Package widgets holds the widget profiles that ship with stakeout (the
// simulator's widgets and a generic hosted widget), built into the binary so
// that a campaign can name them without a file: `profile: sim-iframe`.
package widgets

import "embed"

// FS holds the profile files, *.yaml, at its root.
//
//go:embed *.yaml
var FS embed.FS
