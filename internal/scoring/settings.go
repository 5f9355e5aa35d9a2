package scoring

import "time"

// SLA is the service level a target is scored against on one channel.
type SLA struct {
	// FirstS is the longest acceptable time to a first (possibly automated) answer, seconds.
	FirstS float64 `json:"first_response_s"`
	// HumanS is the longest acceptable time to a first human answer, seconds.
	HumanS float64 `json:"human_response_s"`
	// ResponseRate is the least acceptable share of reached probes a human answered.
	ResponseRate float64 `json:"response_rate"`
}

// Weights weigh the four parts of the score. Only their ratios matter: the score
// divides by their sum.
type Weights struct {
	ResponseRate float64 `json:"response_rate"`
	Speed        float64 `json:"speed"`
	Consistency  float64 `json:"consistency"`
	Quality      float64 `json:"quality"`
}

// Defaults of Settings (docs/scoring.md).
var (
	// DefaultWeights: response rate 35, speed 30, consistency 10, quality 25.
	DefaultWeights = Weights{ResponseRate: 0.35, Speed: 0.30, Consistency: 0.10, Quality: 0.25}
	// DefaultMinSample is the fewest reached probes that publish a score.
	DefaultMinSample = 10
	// DefaultResamples is the number of bootstrap resamples of an interval.
	DefaultResamples = 2000
	// DefaultSeed seeds the bootstrap generator.
	DefaultSeed uint64 = 1
)

// Settings say how a card is computed. Zero fields take the defaults above.
type Settings struct {
	SLA SLA `json:"sla"`
	// Weights of the score's parts (default DefaultWeights).
	Weights Weights `json:"weights"`
	// MinSample is the fewest reached probes that publish a score (default 10).
	MinSample int `json:"min_sample"`
	// Resamples is the number of bootstrap resamples (default 2000).
	Resamples int `json:"resamples"`
	// Seed seeds the bootstrap generator (default 1).
	Seed uint64 `json:"seed"`
}

// withDefaults fills zero fields.
func (s Settings) withDefaults() Settings {
	if s.Weights == (Weights{}) {
		s.Weights = DefaultWeights
	}
	if s.MinSample <= 0 {
		s.MinSample = DefaultMinSample
	}
	if s.Resamples <= 0 {
		s.Resamples = DefaultResamples
	}
	if s.Seed == 0 {
		s.Seed = DefaultSeed
	}
	return s
}

// Window names the span a card covers: one run, or the trailing 7 or 30 days across runs.
type Window string

// The windows a card covers.
const (
	WindowRun Window = "run"
	Window7d  Window = "7d"
	Window30d Window = "30d"
)

// Windows lists every window in a fixed order.
var Windows = []Window{WindowRun, Window7d, Window30d}

// Valid reports whether w is a known window.
func (w Window) Valid() bool { return w == WindowRun || w == Window7d || w == Window30d }

// Days is the length of a trailing window (0 for WindowRun).
func (w Window) Days() int {
	switch w {
	case Window7d:
		return 7
	case Window30d:
		return 30
	}
	return 0
}

// Trailing returns the span of trailing window w anchored at anchor (the start of the
// newest probe in the store): it ends at the end of anchor's UTC day and covers the w.Days()
// whole UTC days up to it.
func Trailing(w Window, anchor time.Time) (from, to time.Time) {
	d := anchor.UTC()
	to = time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, time.UTC)
	return to.AddDate(0, 0, -w.Days()), to
}
