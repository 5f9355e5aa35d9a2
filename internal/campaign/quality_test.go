package campaign

import (
	"encoding/json"
	"testing"
)

// qualityCases break the rules of the scoring block and of scenarios' grading fields.
var qualityCases = []badCase{
	{
		name: "weights out of range, unknown weight",
		src:  okID + okSchedule + okScenario + okTargets + "scoring:\n  weights: {speed: -1, quality: 101, rate: 3}\n  min_sample: 0\n  max_misspellings: -2\n",
		want: []string{
			`f.yaml:7: scoring.weights.rate: unknown field "rate"`,
			"f.yaml:7: scoring.weights.speed: must be between 0 and 100, got -1",
			"f.yaml:7: scoring.weights.quality: must be between 0 and 100, got 101",
			"f.yaml:8: scoring.min_sample: must be between 1 and 1000000, got 0",
			"f.yaml:9: scoring.max_misspellings: must not be negative, got -2",
		},
	},
	{
		name: "all weights zero",
		src:  okID + okSchedule + okScenario + okTargets + "scoring:\n  weights: {response_rate: 0, speed: 0, consistency: 0, quality: 0}\n",
		want: []string{"f.yaml:7: scoring.weights: at least one weight must be above 0"},
	},
	{
		name: "bad patterns and names",
		src: okID + okSchedule + "scenarios:\n  - id: s\n    message: hi\n    persona: {name: Jo}\n    expect:\n      free_returns: '(?i)free returns('\n" +
			"      Bad Name: 'x'\n      empty: ''\n      anything: 'a*'\n    must_not:\n      free_returns: 'fee'\n    language: english\n" + okTargets,
		want: []string{
			`f.yaml:8: scenarios[0].expect.free_returns: bad regular expression "(?i)free returns(": missing closing ): ` + "`(?i)free returns(`",
			`f.yaml:9: scenarios[0].expect.Bad Name: "Bad Name" is not a valid name: use a-z, 0-9, "-" and "_", at most 64 characters`,
			"f.yaml:10: scenarios[0].expect.empty: empty pattern: it would match every answer",
			`f.yaml:11: scenarios[0].expect.anything: pattern "a*" matches an empty answer: it would pass without the fact`,
			`f.yaml:13: scenarios[0].must_not.free_returns: "free_returns" is also an expect fact: give the two checks different names`,
			`f.yaml:14: scenarios[0].language: "english" is not a language: want a dictionary name such as "en_US", "en_GB", "fr_FR" or a code such as "de"`,
		},
	},
	{
		name: "a fact both expected and forbidden",
		src: okID + okSchedule + "scenarios:\n  - id: s\n    message: hi\n    persona: {name: Jo}\n    expect: {free_returns: 'free'}\n" +
			"    must_not: {free_returns: 'fee'}\n" + okTargets,
		want: []string{`f.yaml:8: scenarios[0].must_not.free_returns: "free_returns" is also an expect fact: give the two checks different names`},
	},
}

func TestParseBadQuality(t *testing.T) { runBadCases(t, qualityCases) }

func TestParseQualityAndScoring(t *testing.T) {
	src := okID + okSchedule + "scenarios:\n  - id: s\n    message: hi\n    persona: {name: Jo}\n    expect: {free_returns: '(?i)free returns', within_30_days: '30 days'}\n" +
		"    must_not: {restocking_fee: '(?i)restocking fee'}\n    language: en_GB\n" + okTargets +
		"sla:\n  chat: {human_response: 2m}\nscoring:\n  weights: {quality: 50}\n  min_sample: 5\n"
	c, err := Parse("f.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	sc := c.Scenarios[0]
	if got := Facts(sc.Expect); len(got) != 2 || got[0] != "free_returns" || got[1] != "within_30_days" {
		t.Errorf("Facts(expect) = %v", got)
	}
	if !sc.Expect["free_returns"].Regexp().MatchString("Free Returns for all") || sc.Language != "en_GB" {
		t.Errorf("expect free_returns = %v, language %q", sc.Expect["free_returns"], sc.Language)
	}
	w := c.Scoring.Weights
	if w.Quality != 50 || w.ResponseRate != DefaultScoringWeights.ResponseRate || c.Scoring.MinSample != 5 {
		t.Errorf("scoring = %+v, want quality 50, the other weights default, min_sample 5", c.Scoring)
	}
	chat := c.SLA[ChannelChat]
	if chat.HumanResponse.D() != 120e9 || chat.FirstResponse != DefaultSLA[ChannelChat].FirstResponse || chat.ResponseRate != DefaultSLA[ChannelChat].ResponseRate {
		t.Errorf("chat SLA = %+v, want human 2m and the other fields default", chat)
	}
	if c.SLA[ChannelEmail] != DefaultSLA[ChannelEmail] {
		t.Errorf("email SLA = %+v, want the default %+v", c.SLA[ChannelEmail], DefaultSLA[ChannelEmail])
	}
	// Patterns travel in run specs as their text.
	b, err := json.Marshal(sc)
	if err != nil {
		t.Fatal(err)
	}
	var back Scenario
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("Unmarshal(%s): %v", b, err)
	}
	if back.MustNot["restocking_fee"].String() != "(?i)restocking fee" {
		t.Errorf("round trip: must_not = %v", back.MustNot)
	}
}
