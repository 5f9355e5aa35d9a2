package scorer

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/stakeoutcx/stakeout/internal/campaign"
	"github.com/stakeoutcx/stakeout/internal/quality"
	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/internal/store"
	"github.com/stakeoutcx/stakeout/internal/tasks"
)

// GradeVersion is the version of the grading rules (docs/quality.md). A stored grade of
// an older version is made again.
const GradeVersion = 1

// Graded is a probe's stored grade as the store keeps its checks.
type Graded struct {
	Checks     []quality.Check `json:"checks"`
	Words      int             `json:"words"`
	Misspelled []string        `json:"misspelled,omitempty"`
	Resolved   bool            `json:"resolved"`
	// Answers counts the human answers graded.
	Answers int `json:"answers"`
}

// stale reports whether sc needs grading: a human answered and there is no grade of
// its current revision by the current rules.
func stale(sc store.Scored) bool {
	if sc.Outcome != result.Answered {
		return false
	}
	return sc.Grade == nil || sc.Grade.Revision != sc.Revision || sc.Grade.Version != GradeVersion
}

// grade grades the answers of r under its run's spec.
func (s *Scorer) grade(ctx context.Context, r result.Result, spec *tasks.RunSpec) (store.Grade, error) {
	answers, err := Answers(r)
	if err != nil {
		s.log().Warn("answers unreadable, graded as none", "probe", r.ProbeID, "err", err)
	}
	g, err := s.Grader.Grade(ctx, rules(r, spec), answers)
	if err != nil {
		return store.Grade{}, fmt.Errorf("grade probe %s: %w", r.ProbeID, err)
	}
	b, err := json.Marshal(Graded{Checks: g.Checks, Words: g.Words, Misspelled: g.Misspelled, Resolved: g.Resolved, Answers: len(answers)})
	if err != nil {
		return store.Grade{}, fmt.Errorf("grade probe %s: %w", r.ProbeID, err)
	}
	out := store.Grade{ProbeID: r.ProbeID, GradeHead: store.GradeHead{Revision: r.Revision, Version: GradeVersion}, Checks: b, GradedAt: s.now()}
	if !math.IsNaN(g.Score) {
		q := g.Score
		out.Quality = &q
	}
	return out, nil
}

// rules are the grading rules of a probe: its scenario's facts, persona and language,
// its target's name as a word never misspelled, and the campaign's misspelling allowance.
func rules(r result.Result, spec *tasks.RunSpec) quality.Rules {
	rl := quality.Rules{Channel: r.Channel, Language: campaign.DefaultLanguage}
	if spec == nil {
		return rl
	}
	if sc, ok := spec.Scenarios[r.Scenario]; ok {
		rl.Expect, rl.MustNot = facts(sc.Expect), facts(sc.MustNot)
		rl.Persona = sc.Persona.Name
		if sc.Language != "" {
			rl.Language = sc.Language
		}
	}
	if t, ok := spec.Targets[r.Target]; ok {
		rl.Ignore = strings.Fields(t.Name)
	}
	if spec.Scoring != nil {
		rl.MaxMisspellings = spec.Scoring.MaxMisspellings
	}
	return rl
}

func facts(m map[string]campaign.Pattern) []quality.Fact {
	var out []quality.Fact
	for _, name := range campaign.Facts(m) {
		out = append(out, quality.Fact{Name: name, Pattern: m[name].Regexp()})
	}
	return out
}

// Answers returns the human answers a result's evidence holds, in order: for email the
// bodies of the human replies that came in time, for chat the agent's messages.
func Answers(r result.Result) ([]string, error) {
	if len(r.Evidence) == 0 {
		return nil, nil
	}
	switch r.Channel {
	case string(campaign.ChannelEmail):
		var ev struct {
			Replies []struct {
				Kind      string `json:"kind"`
				Text      string `json:"text"`
				Late      bool   `json:"late"`
				ClockSkew bool   `json:"clock_skew"`
			} `json:"replies"`
		}
		if err := json.Unmarshal(r.Evidence, &ev); err != nil {
			return nil, fmt.Errorf("email evidence: %w", err)
		}
		var out []string
		for _, rep := range ev.Replies {
			if rep.Kind == "human" && !rep.Late && !rep.ClockSkew && rep.Text != "" {
				out = append(out, rep.Text)
			}
		}
		return out, nil
	case string(campaign.ChannelChat):
		var ev struct {
			Messages []struct {
				Author  string `json:"author"`
				Text    string `json:"text"`
				Initial bool   `json:"initial"`
			} `json:"messages"`
		}
		if err := json.Unmarshal(r.Evidence, &ev); err != nil {
			return nil, fmt.Errorf("chat evidence: %w", err)
		}
		var out []string
		for _, m := range ev.Messages {
			if m.Author == "agent" && !m.Initial && m.Text != "" {
				out = append(out, m.Text)
			}
		}
		return out, nil
	}
	return nil, nil
}
