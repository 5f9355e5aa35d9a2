package scoring

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/stakeoutcx/stakeout/internal/result"
)

// Probe is what scoring needs of one stored result.
type Probe struct {
	ID      string         `json:"probe_id"`
	Outcome result.Outcome `json:"outcome"`
	Reason  string         `json:"reason,omitempty"`
	// Start is when the probe contacted the target (its planned time when it never started).
	Start time.Time `json:"start"`
	// First and Human are the response times in seconds (NaN when none).
	First Num `json:"first_response_s"`
	Human Num `json:"human_response_s"`
	// Quality is the answer's quality, 0..1 (NaN when not graded or nothing applied).
	Quality Num `json:"quality"`
}

// answered reports whether a human answered the probe.
func (p Probe) answered() bool { return p.Outcome == result.Answered }

// Key identifies a card: what it is of and the span it covers.
type Key struct {
	Target   string    `json:"target"`
	Channel  string    `json:"channel"`
	Industry string    `json:"industry,omitempty"`
	Window   Window    `json:"window"`
	Run      string    `json:"run,omitempty"`
	From     time.Time `json:"from,omitzero"`
	To       time.Time `json:"to,omitzero"`
}

// Card is the scorecard of one target on one channel over one window. When
// Insufficient, only the counts are published: every estimate, the score, tier, stars
// and ranks are absent.
type Card struct {
	Key
	// Probes counts every result; Reached those that made contact (all but failed).
	Probes     int `json:"probes"`
	Reached    int `json:"reached"`
	Answered   int `json:"answered"`
	AutoOnly   int `json:"auto_only"`
	NoResponse int `json:"no_response"`
	// Offline counts the no_response probes whose channel said it was closed.
	Offline int `json:"offline"`
	Failed  int `json:"failed"`
	// Insufficient is set when Reached is below the minimum sample.
	Insufficient bool `json:"insufficient"`
	MinSample    int  `json:"min_sample"`

	ResponseRate Interval `json:"response_rate"`
	// HumanMedian and HumanP90 are seconds.
	HumanMedian Interval `json:"human_median_s"`
	HumanP90    Interval `json:"human_p90_s"`
	// FirstMedian is the median time to the first (possibly automated) response, seconds,
	// over the FirstCount reached probes that had one.
	FirstMedian Num `json:"first_median_s"`
	FirstCount  int `json:"first_count"`
	SLA         SLA `json:"sla"`
	// WithinSLA counts reached probes a human answered within SLA.HumanS.
	WithinSLA     int `json:"within_sla"`
	SLACompliance Num `json:"sla_compliance"`
	// Speed, Consistency and Quality are the score's parts, 0..1; Graded counts the
	// answered probes whose quality was graded.
	Speed       Num     `json:"speed"`
	Consistency Num     `json:"consistency"`
	Quality     Num     `json:"quality"`
	Graded      int     `json:"graded"`
	Weights     Weights `json:"weights"`

	Score       Interval `json:"score"`
	Tier        Tier     `json:"tier"`
	Provisional bool     `json:"provisional"`
	Stars       Num      `json:"stars"`
	Ranks
}

// Contribution is what one probe brought to a card, for explaining it.
type Contribution struct {
	Probe
	// Counted: the probe reached the target (every outcome but failed).
	Counted bool `json:"counted"`
	// WithinSLA: a human answered within the SLA.
	WithinSLA bool `json:"within_sla"`
	// Credit is the probe's speed credit, 0..1 (NaN when no human answered).
	Credit Num `json:"credit"`
}

// Credit is the speed credit of a human answer after t seconds against an SLA of sla
// seconds: 1 up to the SLA, then falling linearly to 0 at twice the SLA.
func Credit(t, sla float64) float64 {
	if sla <= 0 || t <= sla {
		return 1
	}
	return max(0, 2-t/sla)
}

// Explain lists each probe's contribution, in the card's order: human answers by time,
// then the other reached probes, then the failed ones, ties by probe id.
func Explain(probes []Probe, s Settings) []Contribution {
	sorted := order(probes)
	out := make([]Contribution, len(sorted))
	for i, p := range sorted {
		c := Contribution{Probe: p, Counted: p.Outcome != result.Failed, Credit: NaN}
		if p.answered() && p.Human.Valid() {
			c.Credit = Num(Credit(p.Human.F(), s.SLA.HumanS))
			c.WithinSLA = s.SLA.HumanS <= 0 || p.Human.F() <= s.SLA.HumanS
		}
		out[i] = c
	}
	return out
}

// rank orders probes: 0 timed human answers, 1 answers without a time, 2 other reached, 3 failed.
func rankOf(p Probe) int {
	switch {
	case p.answered() && p.Human.Valid():
		return 0
	case p.answered():
		return 1
	case p.Outcome != result.Failed:
		return 2
	}
	return 3
}

// order sorts a copy of probes as Explain documents, so results read in any order give
// the same card.
func order(probes []Probe) []Probe {
	out := slices.Clone(probes)
	slices.SortFunc(out, func(a, b Probe) int {
		if c := cmp.Compare(rankOf(a), rankOf(b)); c != 0 {
			return c
		}
		if rankOf(a) == 0 {
			if c := cmp.Compare(a.Human.F(), b.Human.F()); c != 0 {
				return c
			}
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out
}

// Compute makes the card of key from its probes.
func Compute(key Key, probes []Probe, s Settings) Card {
	s = s.withDefaults()
	c := Card{Key: key, SLA: s.SLA, Weights: s.Weights, MinSample: s.MinSample}
	sorted := order(probes)
	var humans, firsts []float64
	for _, p := range sorted {
		c.count(p)
		if p.Outcome == result.Failed {
			continue
		}
		if p.First.Valid() {
			firsts = append(firsts, p.First.F())
		}
		if p.answered() && p.Human.Valid() {
			humans = append(humans, p.Human.F())
			if s.SLA.HumanS <= 0 || p.Human.F() <= s.SLA.HumanS {
				c.WithinSLA++
			}
		}
	}
	c.Insufficient = c.Reached < s.MinSample
	if c.Insufficient {
		c.blank()
		return c
	}
	slices.Sort(firsts)
	c.FirstCount, c.FirstMedian = len(firsts), Quantile(firsts, 0.5)
	c.ResponseRate = Wilson(c.Answered, c.Reached)
	c.SLACompliance = Num(float64(c.WithinSLA) / float64(c.Reached))
	c.HumanMedian = BootstrapQuantile(humans, 0.5, s.Resamples, s.Seed)
	c.HumanP90 = BootstrapQuantile(humans, 0.9, s.Resamples, s.Seed)
	items := newItems(sorted[:c.Reached], s.SLA.HumanS)
	parts := items.parts(nil)
	c.Speed, c.Consistency, c.Quality, c.Graded = Num(parts.speed), Num(parts.consistency), Num(parts.quality), parts.graded
	c.Score = Interval{Value: Num(round1(parts.score(s.Weights))), Lo: NaN, Hi: NaN}
	c.Score.Lo, c.Score.Hi = items.scoreInterval(s)
	c.Tier = TierOf(c.Score.Value.F())
	c.Provisional = Straddles(c.Score)
	c.Stars = Num(StarsOf(c.Score.Value.F()))
	c.Ranks = noRanks
	return c
}

// count adds p to the card's counts.
func (c *Card) count(p Probe) {
	c.Probes++
	switch p.Outcome {
	case result.Failed:
		c.Failed++
		return
	case result.Answered:
		c.Answered++
	case result.AutoOnly:
		c.AutoOnly++
	case result.NoResponse:
		c.NoResponse++
		if p.Reason == result.ReasonOffline {
			c.Offline++
		}
	}
	c.Reached++
}

// blank clears every published estimate of an insufficient card.
func (c *Card) blank() {
	c.ResponseRate, c.HumanMedian, c.HumanP90, c.Score = none, none, none, none
	c.FirstMedian, c.SLACompliance, c.Speed, c.Consistency, c.Quality, c.Stars = NaN, NaN, NaN, NaN, NaN, NaN
	c.Tier = TierNone
	c.Ranks = noRanks
}

// round1 rounds to one decimal.
func round1(x float64) float64 { return math.Round(x*10) / 10 }
