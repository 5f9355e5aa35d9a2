package yamlcheck

import (
	"fmt"
	"math"
	"time"

	"go.yaml.in/yaml/v3"
)

// Duration is a time.Duration written in YAML as a Go duration string ("300ms",
// "90s", "2h30m") or a whole number of days ("3d"). It is the one duration type of
// every strict format (campaign files, widget profiles, simulator configs); each
// format's decoder says in its own words what is wrong with a bad one and whether
// zero or negative durations are allowed.
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// ParseDuration parses a Go duration string, also accepting a whole number of days ("3d").
func ParseDuration(s string) (time.Duration, error) {
	var days int
	if n, err := fmt.Sscanf(s, "%dd", &days); err == nil && n == 1 && fmt.Sprintf("%dd", days) == s {
		if days > math.MaxInt64/int(24*time.Hour) || days < math.MinInt64/int(24*time.Hour) {
			return 0, fmt.Errorf("%q is too long", s)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration (want e.g. 90s, 15m, 2h30m or 3d)", s)
	}
	return d, nil
}

// UnmarshalYAML implements yaml.Unmarshaler, for callers outside the strict
// decoders; a negative duration is refused.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseDuration(n.Value)
	if err != nil {
		return err
	}
	if v < 0 {
		return fmt.Errorf("%q is negative", n.Value)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML implements yaml.Marshaler.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }
