package campaign

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/stakeoutcx/stakeout/internal/yamlcheck"
)

// Pattern is an RE2 regular expression from a campaign file, compiled when parsed. It
// travels in run specs as its source text.
type Pattern struct {
	re *regexp.Regexp
}

// MustPattern compiles expr, panicking when it is not valid (tests, built-in campaigns).
func MustPattern(expr string) Pattern { return Pattern{re: regexp.MustCompile(expr)} }

// Regexp returns the compiled expression (nil for the zero Pattern).
func (p Pattern) Regexp() *regexp.Regexp { return p.re }

// String returns the expression as written.
func (p Pattern) String() string {
	if p.re == nil {
		return ""
	}
	return p.re.String()
}

// Equal reports whether two patterns have the same expression (go-cmp uses it).
func (p Pattern) Equal(q Pattern) bool { return p.String() == q.String() }

// MarshalText writes the expression.
func (p Pattern) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText compiles an expression.
func (p *Pattern) UnmarshalText(b []byte) error {
	re, err := regexp.Compile(string(b))
	if err != nil {
		return err
	}
	p.re = re
	return nil
}

// MaxPatternLen is the longest expect or must_not pattern, in bytes.
const MaxPatternLen = 1024

func parsePattern(s string) (any, string) {
	if strings.TrimSpace(s) == "" {
		return nil, "empty pattern: it would match every answer"
	}
	if len(s) > MaxPatternLen {
		return nil, fmt.Sprintf("pattern too long: %d bytes, at most %d", len(s), MaxPatternLen)
	}
	re, err := regexp.Compile(s)
	if err != nil {
		return nil, fmt.Sprintf("bad regular expression %s: %s", yamlcheck.Quote(s), strings.TrimPrefix(err.Error(), "error parsing regexp: "))
	}
	if re.MatchString("") {
		return nil, fmt.Sprintf("pattern %s matches an empty answer: it would pass without the fact", yamlcheck.Quote(s))
	}
	return Pattern{re: re}, ""
}

// Facts returns the names of a scenario's expect or must_not map, sorted: the order
// the grader checks and reports them in.
func Facts(m map[string]Pattern) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Scoring overrides how a campaign's targets are scored (docs/scoring.md). Fields left
// out take the defaults.
type Scoring struct {
	// Weights of the score's parts.
	Weights ScoringWeights `yaml:"weights"`
	// MinSample is the fewest reached probes that publish a score (default 10).
	MinSample int `yaml:"min_sample"`
	// MaxMisspellings is the most misspelled words an answer may have and still pass
	// the spelling check (default 0).
	MaxMisspellings int `yaml:"max_misspellings"`
}

// ScoringWeights weigh the score's parts; only their ratios matter.
type ScoringWeights struct {
	ResponseRate float64 `yaml:"response_rate"`
	Speed        float64 `yaml:"speed"`
	Consistency  float64 `yaml:"consistency"`
	Quality      float64 `yaml:"quality"`
}

// Defaults of the scoring block and of SLAs.
var (
	// DefaultScoringWeights: response rate 35, speed 30, consistency 10, quality 25.
	DefaultScoringWeights = ScoringWeights{ResponseRate: 35, Speed: 30, Consistency: 10, Quality: 25}
	// DefaultMinSample is the fewest reached probes that publish a score.
	DefaultMinSample = 10
	// DefaultSLA is the SLA of a channel the campaign gives none for.
	DefaultSLA = map[Channel]SLA{
		ChannelChat:  {FirstResponse: Duration(time.Minute), HumanResponse: Duration(5 * time.Minute), ResponseRate: 0.9},
		ChannelEmail: {FirstResponse: Duration(time.Hour), HumanResponse: Duration(24 * time.Hour), ResponseRate: 0.8},
	}
	// DefaultLanguage is the language answers are spell-checked in.
	DefaultLanguage = "en_US"
)

var language = regexp.MustCompile(`^[a-z]{2,3}(_[A-Z]{2})?$`)

// scoring checks the scoring block and fills its defaults.
func (k *checker) scoring() {
	s := &k.c.Scoring
	w := &s.Weights
	total := 0.0
	for _, f := range []struct {
		name string
		v    *float64
		def  float64
	}{{"response_rate", &w.ResponseRate, DefaultScoringWeights.ResponseRate}, {"speed", &w.Speed, DefaultScoringWeights.Speed},
		{"consistency", &w.Consistency, DefaultScoringWeights.Consistency}, {"quality", &w.Quality, DefaultScoringWeights.Quality}} {
		path := "scoring.weights." + f.name
		switch {
		case !k.p.Present(path):
			*f.v = f.def
		case *f.v < 0 || *f.v > 100 || *f.v != *f.v:
			k.p.Add(path, "must be between 0 and 100, got %v", *f.v)
		}
		total += *f.v
	}
	if total <= 0 && k.p.Present("scoring.weights") && !k.p.BadUnder("scoring.weights") {
		k.p.Add("scoring.weights", "at least one weight must be above 0")
	}
	switch {
	case !k.p.Present("scoring.min_sample"):
		s.MinSample = DefaultMinSample
	case s.MinSample < 1 || s.MinSample > MaxProbesPerRun:
		k.p.Add("scoring.min_sample", "must be between 1 and %d, got %d", MaxProbesPerRun, s.MinSample)
	}
	if s.MaxMisspellings < 0 {
		k.p.Add("scoring.max_misspellings", "must not be negative, got %d", s.MaxMisspellings)
	}
}

// quality checks a scenario's grading fields and fills the language default.
func (k *checker) quality(path string, s *Scenario) {
	for _, f := range []struct {
		field string
		m     map[string]Pattern
	}{{"expect", s.Expect}, {"must_not", s.MustNot}} {
		for _, name := range Facts(f.m) {
			if !slug.MatchString(name) || len(name) > MaxIDLen {
				k.p.Add(yamlcheck.Join(yamlcheck.Join(path, f.field), name), `%s is not a valid name: use a-z, 0-9, "-" and "_", at most %d characters`, yamlcheck.Quote(name), MaxIDLen)
			}
		}
	}
	for _, name := range Facts(s.Expect) {
		if _, dup := s.MustNot[name]; dup {
			k.p.Add(yamlcheck.Join(yamlcheck.Join(path, "must_not"), name), "%s is also an expect fact: give the two checks different names", yamlcheck.Quote(name))
		}
	}
	lp := yamlcheck.Join(path, "language")
	switch {
	case !k.p.Present(lp):
		s.Language = DefaultLanguage
	case !language.MatchString(s.Language):
		k.p.Add(lp, `%s is not a language: want a dictionary name such as "en_US", "en_GB", "fr_FR" or a code such as "de"`, yamlcheck.Quote(s.Language))
	}
}
