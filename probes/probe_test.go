package probes

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stakeoutcx/stakeout/internal/campaign"
	"github.com/stakeoutcx/stakeout/internal/result"
)

func TestRegistry(t *testing.T) {
	r := NewRegistry()
	p := Func(func(ctx context.Context, t Target) (Result, error) {
		return Result{Outcome: result.Answered}, nil
	})
	if err := r.Register(campaign.ChannelEmail, p); err != nil {
		t.Fatalf("Register(email) = %v", err)
	}
	if err := r.Register(campaign.ChannelChat, p); err != nil {
		t.Fatalf("Register(chat) = %v", err)
	}
	if err := r.Register(campaign.ChannelChat, p); err == nil {
		t.Errorf("Register(chat) twice = nil, want an error")
	}
	if diff := cmp.Diff([]campaign.Channel{"chat", "email"}, r.Channels()); diff != "" {
		t.Errorf("Channels() (-want +got):\n%s", diff)
	}
	got, ok := r.Lookup(campaign.ChannelEmail)
	if !ok {
		t.Fatalf("Lookup(email) not found")
	}
	res, err := got.Probe(context.Background(), Target{})
	if err != nil || res.Outcome != result.Answered {
		t.Errorf("Probe() = %v, %v; want answered, nil", res, err)
	}
	if _, ok := r.Lookup("phone"); ok {
		t.Errorf("Lookup(phone) found a probe, want none")
	}
}
