package chat

import (
	"testing"
	"time"

	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/probes/chat/browser"
)

// hold runs c in a new tab of the test pool.
func hold(t *testing.T, c *Conversation) *Report {
	t.Helper()
	return holdIn(t, pool, c)
}

func TestLongPollTiming(t *testing.T) {
	f := newFixture(t)
	rep := hold(t, &Conversation{
		URL: f.srv.URL + "/longpoll?bot=200&agent=900", Profile: mustProfile(t, fixtureProfile),
		Message: "Do you ship to Norway?", Abandon: 20 * time.Second,
	})
	if rep.Outcome != result.Answered {
		t.Fatalf("outcome %s/%s (%s), want answered", rep.Outcome, rep.Reason, rep.Error)
	}
	received, first := f.truth(t)
	if rep.T0Source != SourceNetwork || rep.FirstSource != SourceNetwork || rep.HumanSource != SourceNetwork {
		t.Errorf("sources t0=%s first=%s human=%s, want network for all", rep.T0Source, rep.FirstSource, rep.HumanSource)
	}
	check := func(name string, got *time.Duration, want time.Duration) {
		t.Helper()
		if got == nil {
			t.Fatalf("%s response missing", name)
		}
		if diff := (*got - want).Abs(); diff > 50*time.Millisecond {
			t.Errorf("%s response = %v, truth %v (off by %v)", name, *got, want, diff)
		} else {
			t.Logf("%s response = %v, truth %v (off by %v)", name, *got, want, diff)
		}
	}
	check("first", rep.FirstResponse, first["bot"].Sub(received))
	check("human", rep.HumanResponse, first["agent"].Sub(received))
}

// TestViewportDefault checks that a profile's default window is the
// browser's, and that a profile's own size is used.
func TestViewportDefault(t *testing.T) {
	if got := viewport(mustProfile(t, fixtureProfile)); got != browser.DefaultViewport {
		t.Errorf("viewport of a profile without one = %v, want the browser's default %v", got, browser.DefaultViewport)
	}
	if got, want := viewport(mustProfile(t, fixtureProfile+"viewport: {width: 1024}\n")), (browser.Viewport{Width: 1024, Height: 768}); got != want {
		t.Errorf("viewport of a profile with width 1024 = %v, want %v", got, want)
	}
}
