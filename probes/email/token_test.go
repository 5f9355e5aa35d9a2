package email

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestToken(t *testing.T) {
	a, b := Token("run/acme/email/0001"), Token("run/acme/email/0002")
	if a == b || len(a) != len(TokenPrefix)+tokenLen || a != Token("run/acme/email/0001") {
		t.Errorf("Token = %q, %q: want distinct, deterministic, %d characters", a, b, len(TokenPrefix)+tokenLen)
	}
	plus, err := PlusAddress("shopper+old@probes.example", a)
	if err != nil || plus != "shopper+"+a+"@probes.example" {
		t.Errorf("PlusAddress = %q, %v", plus, err)
	}
	if _, err := PlusAddress("nope", a); err == nil {
		t.Errorf("PlusAddress(nope) = nil error")
	}
	s := "Re: Where is my order? " + SubjectTag(a) + " <" + a + "@probes.example> " + "STK-" + b[4:]
	if diff := cmp.Diff([]string{a, b}, FindTokens(s)); diff != "" {
		t.Errorf("FindTokens (-want +got):\n%s", diff)
	}
	if got := FindTokens("stk-short and stk-0123456789ab"); len(got) != 0 {
		t.Errorf("FindTokens(no valid token) = %v", got)
	}
}
