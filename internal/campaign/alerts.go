package campaign

import (
	"strings"

	"github.com/stakeoutcx/stakeout/internal/detect"
)

// Alerts configures the degradation detector for a campaign's targets
// (docs/alerts.md, docs/detector.md). Its parameters sit in the block itself; a
// parameter left out takes its default, which may differ by channel (the cooldown).
type Alerts struct {
	// Enabled turns the detector on (default true); false records no alert for the
	// campaign's targets.
	Enabled       *bool `yaml:"enabled" json:"enabled,omitempty"`
	detect.Params `yaml:",inline"`
}

// On reports whether the detector runs (the default).
func (a Alerts) On() bool { return a.Enabled == nil || *a.Enabled }

// alerts checks the alerts block: each parameter against its range.
func (k *checker) alerts() {
	for _, pr := range k.c.Alerts.Params.Problems() {
		field, what, _ := strings.Cut(pr, ": ")
		k.p.Add("alerts."+field, "%s", what)
	}
}
