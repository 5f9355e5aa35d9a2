package sim

import (
	netmail "net/mail"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"
)

// A company's own answers are what its human email replies and first chat answers say;
// without them the built-in generic answers are used.
func TestCompanyAnswers(t *testing.T) {
	own := Company{ID: "acme", Name: "Acme", AgentName: "Maria", AnswerTexts: []string{"Refunds take 5 to 7 business days.", "Returns are free."},
		Chat: &Chat{AgentName: "Maria"}}
	generic := Company{ID: "zed", Name: "Zed", AgentName: "Sam", Chat: &Chat{AgentName: "Sam"}}
	p := &probe{subject: "Refund", from: &netmail.Address{Name: "Jane Doe", Address: "jane@example.com"}, text: "How long?", acceptedAt: time.Unix(1e9, 0)}
	for variant, want := range []string{"Refunds take 5 to 7 business days.", "Returns are free."} {
		j := &job{kind: KindHuman, co: &own, p: p, plan: plan{variant: uint64(variant)}}
		_, body := content(j, &mail.Header{})
		if !strings.Contains(body, "\n\n"+want+"\n\n") || !strings.HasPrefix(body, "Hi Jane,") {
			t.Errorf("variant %d: body %q does not hold the answer %q", variant, body, want)
		}
	}
	j := &job{kind: KindHuman, co: &generic, p: p, plan: plan{variant: 2}}
	if _, body := content(j, &mail.Header{}); !strings.Contains(body, answers[2]) {
		t.Errorf("generic body %q, want the built-in answer %q", body, answers[2])
	}
	if got := agentText(&own, "c-1", "Jane", 1); !strings.HasSuffix(got, "Refunds take 5 to 7 business days.") && !strings.HasSuffix(got, "Returns are free.") {
		t.Errorf("first chat answer %q does not end with one of the company's answers", got)
	}
	if got := agentText(&generic, "c-1", "Jane", 1); !strings.HasSuffix(got, "Happy to help with that!") {
		t.Errorf("generic first chat answer %q", got)
	}
}
