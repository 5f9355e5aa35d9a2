package tasks

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/stakeoutcx/stakeout/internal/campaign"
)

// RunSpec is the part of a campaign that workers need to run its probes, saved once per
// run at launch. Probe tasks carry only ids and refer to it, so a run of 100,000 probes
// keeps one copy of its scenarios and targets in Redis, not 100,000; and a launched run
// keeps the campaign as it was at launch.
type RunSpec struct {
	Run       string                             `json:"run"`
	Campaign  string                             `json:"campaign"`
	Deadlines map[campaign.Channel]time.Duration `json:"deadlines"`
	Pacing    Pacing                             `json:"pacing"`
	Targets   map[string]SpecTarget              `json:"targets"`
	Scenarios map[string]campaign.Scenario       `json:"scenarios"`
	Mailboxes map[string]campaign.Mailbox        `json:"mailboxes"`
	// WindowEnd is the end of the run's window (zero in specs saved before it was
	// kept): no probe of the run starts at or after it.
	WindowEnd time.Time `json:"window_end,omitzero"`
	// SLA and Scoring say how the run's results are scored (absent in specs saved
	// before scoring: the defaults apply).
	SLA     map[campaign.Channel]campaign.SLA `json:"sla,omitempty"`
	Scoring *campaign.Scoring                 `json:"scoring,omitempty"`
	// Alerts configures the degradation detector (absent before alerts: the defaults).
	Alerts *campaign.Alerts `json:"alerts,omitempty"`
}

// SpecTarget is a target with its channel settings.
type SpecTarget struct {
	Target
	Chat  *campaign.ChatChannel  `json:"chat,omitempty"`
	Email *campaign.EmailChannel `json:"email,omitempty"`
}

// NewRunSpec extracts the spec of run from campaign c.
func NewRunSpec(c *campaign.Campaign, run string) *RunSpec {
	s := &RunSpec{
		Run: run, Campaign: c.ID,
		Deadlines: map[campaign.Channel]time.Duration{},
		Pacing:    Pacing{MaxInFlight: c.Pacing.MaxInFlight, MinGap: c.Pacing.MinGap.D()},
		Targets:   map[string]SpecTarget{}, Scenarios: map[string]campaign.Scenario{}, Mailboxes: map[string]campaign.Mailbox{},
		SLA: c.SLA,
	}
	if c.Alerts != (campaign.Alerts{}) {
		a := c.Alerts
		s.Alerts = &a
	}
	if c.Scoring != (campaign.Scoring{}) {
		sc := c.Scoring
		s.Scoring = &sc
	}
	for _, ch := range campaign.Channels {
		s.Deadlines[ch] = c.Deadlines.For(ch)
	}
	for _, t := range c.Targets {
		s.Targets[t.ID] = SpecTarget{
			Target: Target{ID: t.ID, Name: t.Name, Industry: t.Industry, Client: t.Client, Timezone: t.Timezone, BusinessHours: t.BusinessHours},
			Chat:   t.Channels.Chat, Email: t.Channels.Email,
		}
	}
	for _, sc := range c.Scenarios {
		s.Scenarios[sc.ID] = sc
	}
	for _, m := range c.Mailboxes {
		s.Mailboxes[m.ID] = m
	}
	return s
}

// Marshal encodes the spec as JSON.
func (s *RunSpec) Marshal() ([]byte, error) { return json.Marshal(s) }

// ParseRunSpec decodes a spec saved by Marshal.
func ParseRunSpec(b []byte) (*RunSpec, error) {
	var s RunSpec
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("decode run spec: %w", err)
	}
	return &s, nil
}

// Assignment is everything a probe needs: its task plus the target, channel settings
// and scenario from the run's spec.
type Assignment struct {
	Probe
	// Campaign is the id of the run's campaign.
	Campaign string
	// Deadline is how long the probe waits for a human answer.
	Deadline time.Duration
	Pacing   Pacing
	Target   Target
	Scenario campaign.Scenario
	Chat     *campaign.ChatChannel
	Email    *campaign.EmailChannel
	Mailbox  *campaign.Mailbox
}

// Assign resolves probe p against the spec.
func (s *RunSpec) Assign(p Probe) (Assignment, error) {
	t, ok := s.Targets[p.TargetID]
	if !ok {
		return Assignment{}, fmt.Errorf("run %s has no target %q", s.Run, p.TargetID)
	}
	sc, ok := s.Scenarios[p.ScenarioID]
	if !ok {
		return Assignment{}, fmt.Errorf("run %s has no scenario %q", s.Run, p.ScenarioID)
	}
	a := Assignment{Probe: p, Campaign: s.Campaign, Deadline: s.Deadlines[p.Channel], Pacing: s.Pacing, Target: t.Target, Scenario: sc}
	if a.WindowEnd.IsZero() {
		a.WindowEnd = s.WindowEnd
	}
	switch p.Channel {
	case campaign.ChannelChat:
		a.Chat = t.Chat
	case campaign.ChannelEmail:
		a.Email = t.Email
		if t.Email != nil {
			if m, ok := s.Mailboxes[t.Email.Mailbox]; ok {
				a.Mailbox = &m
			}
		}
	}
	return a, nil
}
