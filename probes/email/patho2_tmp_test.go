package email

import (
	"strings"
	"testing"
	"time"
)

func TestPatho2Tmp(t *testing.T) {
	s := strings.Repeat("<script <!-- <style <blockquote <div ", 8000)[:maxHTML]
	for i, f := range []func(string) string{
		func(s string) string { return htmlDropRE.ReplaceAllString(s, " ") },
		func(s string) string { return htmlQuoteRE.ReplaceAllString(s, "\n> $0") },
		func(s string) string { return htmlBreakRE.ReplaceAllString(s, "\n") },
		func(s string) string { return htmlTagRE.ReplaceAllString(s, "") },
	} {
		start := time.Now()
		f(s)
		t.Logf("%d: %v", i, time.Since(start))
	}
	s2 := strings.Repeat("a ", 4000)
	for i, re := range []interface{ MatchString(string) bool }{ackWeakRE, ackStrongRE, humanRE, oofBodyRE, ticketREs[2], bareTicketRE} {
		start := time.Now()
		re.MatchString(s2)
		t.Logf("re %d: %v", i, time.Since(start))
	}
}
