package campaign

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/stakeoutcx/stakeout/internal/yamlcheck"
)

// Duration is a time.Duration written in YAML as a Go duration string ("90s", "2h30m")
// or with a day suffix ("3d"): the one duration type of stakeout's formats.
type Duration = yamlcheck.Duration

// ParseDuration parses a Go duration string, also accepting a whole number of days ("3d").
func ParseDuration(s string) (time.Duration, error) { return yamlcheck.ParseDuration(s) }

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
