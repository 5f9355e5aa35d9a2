package sim

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/stakeoutcx/stakeout/probes/email"
)

func TestCloseStopsEverything(t *testing.T) {
	before := runtime.NumGoroutine()
	co := company("acme")
	co.Reply = Reply{Median: Duration(time.Hour), P90: Duration(2 * time.Hour)}
	s, err := New(testConfig(t, co), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		mustSend(t, s, newProbe(co.Address, email.Token("close-"+string(rune('a'+i%26))+string(rune('a'+i/26)))))
	}
	if got := s.Pending(); got != 50 {
		t.Errorf("Pending() = %d, want 50 human replies an hour away", got)
	}
	cancel() // ctx ending closes the simulator
	if err := s.Close(); err != nil {
		t.Errorf("Close = %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
	if err := send(s, testUser, testPassword, newProbe(co.Address, email.Token("late"))); err == nil {
		t.Errorf("send after Close succeeded")
	}
	checkGoroutinesEnd(t, before)
	if err := s.Start(context.Background()); err == nil {
		t.Errorf("Start after Close succeeded")
	}
}

func TestMailboxFor(t *testing.T) {
	s, err := New(testConfig(t, company("acme")), nil)
	if err != nil {
		t.Fatal(err)
	}
	for addr, want := range map[string]bool{
		"shopper@probe.test":         true,
		"Shopper+stk-abc@PROBE.test": true,
		"shopper+a+b@probe.test":     true,
		"shopperx@probe.test":        false,
		"shopper@other.test":         false,
		"not an address":             false,
	} {
		if got := s.mailboxFor(addr) != nil; got != want {
			t.Errorf("mailboxFor(%q) found = %v, want %v", addr, got, want)
		}
	}
}
