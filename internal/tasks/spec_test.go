package tasks

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/stakeoutcx/stakeout/internal/campaign"
)

func testSpec(t *testing.T) (*campaign.Campaign, *RunSpec) {
	t.Helper()
	c, err := campaign.Load("../../examples/campaign.yaml")
	if err != nil {
		t.Fatalf("load example campaign: %v", err)
	}
	return c, NewRunSpec(c, "r1")
}

func TestRunSpecRoundTrip(t *testing.T) {
	_, s := testSpec(t)
	b, err := s.Marshal()
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	got, err := ParseRunSpec(b)
	if err != nil {
		t.Fatalf("ParseRunSpec: %v", err)
	}
	if diff := cmp.Diff(s, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("ParseRunSpec(Marshal(s)) (-want +got):\n%s", diff)
	}
	if _, err := ParseRunSpec([]byte("{")); err == nil || !strings.HasPrefix(err.Error(), "decode run spec: ") {
		t.Errorf("ParseRunSpec({) = %v, want a decode run spec error", err)
	}
}

func TestAssign(t *testing.T) {
	c, s := testSpec(t)
	p := testProbe()
	p.TargetID, p.Channel = "acme-shoes", campaign.ChannelEmail
	a, err := s.Assign(p)
	if err != nil {
		t.Fatalf("Assign: %v", err)
	}
	acme := c.Targets[0]
	if a.Target.ID != acme.ID || a.Target.Timezone != acme.Timezone || a.Campaign != c.ID ||
		a.Deadline != c.Deadlines.For(campaign.ChannelEmail) || a.Scenario.ID != p.ScenarioID {
		t.Errorf("Assign = target %+v, campaign %q, deadline %v, scenario %q", a.Target, a.Campaign, a.Deadline, a.Scenario.ID)
	}
	if a.Chat != nil || a.Email == nil || a.Mailbox == nil || a.Mailbox.ID != "shopper-1" {
		t.Errorf("Assign(email) = chat %v, email %v, mailbox %v; want only email with mailbox shopper-1", a.Chat, a.Email, a.Mailbox)
	}
	p.Channel = campaign.ChannelChat
	if a, err = s.Assign(p); err != nil || a.Chat == nil || a.Email != nil || a.Mailbox != nil {
		t.Errorf("Assign(chat) = chat %v, email %v, mailbox %v, %v; want only chat", a.Chat, a.Email, a.Mailbox, err)
	}
	for _, tt := range []struct{ target, scenario, want string }{
		{"nobody", "order-status", `run r1 has no target "nobody"`},
		{"acme-shoes", "nothing", `run r1 has no scenario "nothing"`},
	} {
		p.TargetID, p.ScenarioID = tt.target, tt.scenario
		if _, err := s.Assign(p); err == nil || err.Error() != tt.want {
			t.Errorf("Assign(%s, %s) = %v, want %q", tt.target, tt.scenario, err, tt.want)
		}
	}
}
