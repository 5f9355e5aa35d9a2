package campaign

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Duration is a time.Duration written in YAML as a Go duration string ("90s", "2h30m")
// or with a day suffix ("3d").
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

// UnmarshalYAML implements yaml.Unmarshaler.
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

// maxWindowMonths is the longest window written in months.
const maxWindowMonths = 12

// ParseWindow parses a window length: a duration as ParseDuration accepts it
// ("90m", "720h", "3d") or a whole number of calendar months ("1mo").
// It does not check that the length is positive.
func ParseWindow(s string) (Window, error) {
	if digits, ok := strings.CutSuffix(s, "mo"); ok && digits != "" && strings.Trim(digits, "0123456789") == "" {
		n, err := strconv.Atoi(digits)
		if err != nil || n > maxWindowMonths {
			return Window{}, fmt.Errorf("%q is too long: at most %dmo", s, maxWindowMonths)
		}
		return Window{Months: n}, nil
	}
	d, err := ParseDuration(s)
	if err != nil {
		return Window{}, fmt.Errorf("%q is not a window length (want a duration such as 720h or 3d, or calendar months such as 1mo)", s)
	}
	return Window{Duration: d}, nil
}

// String returns w as written in a campaign file: "1mo", or a Go duration ("720h0m0s").
func (w Window) String() string {
	if w.Months > 0 {
		return strconv.Itoa(w.Months) + "mo"
	}
	return w.Duration.String()
}
