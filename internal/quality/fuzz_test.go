package quality

import (
	"context"
	"math"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// fuzzRules have every kind of check.
var fuzzRules = Rules{
	Expect:  []Fact{{Name: "window", Pattern: re(`(?i)\b30 days\b`)}, {Name: "any", Pattern: re(`.`)}},
	MustNot: []Fact{{Name: "fee", Pattern: re(`(?i)fee`)}},
	Persona: "Jane Doe",
	Ignore:  []string{"Zorblax"},
}

// FuzzGrade grades two answers, as email or chat, with the real hunspell and
// checks the invariants: no error or panic, spans short and valid, Answer in
// range, Score in [0, 1] or NaN, the same grade twice, hunspell still in step,
// and email cleanup leaving no quoted line.
func FuzzGrade(f *testing.F) {
	f.Add("Hi Jane,\n\nWithin 30 days.\n\nThanks,\nSam", "", false)
	f.Add("Hello,\nYes.\nOn Mon, 1 Dec 2026 at 10:00, Jane Doe <jane@example.com> wrote:\n> 30 days?\n", "teh", false)
	f.Add("Hello! You will recieve it.", "> quoted in chat, Jane", true)
	h := realHunspell(f)
	g := &Grader{Speller: h}
	f.Fuzz(func(t *testing.T, a, b string, chat bool) {
		r := fuzzRules
		r.Channel = "email"
		if chat {
			r.Channel = "chat"
		}
		answers := []string{a, b}
		ctx := context.Background()
		got, err := g.Grade(ctx, r, answers)
		if err != nil {
			t.Fatalf("Grade(%q) error = %v", answers, err)
		}
		checkInvariants(t, got, answers)
		again, err := g.Grade(ctx, r, answers)
		if err != nil {
			t.Fatalf("Grade(%q) again: error = %v", answers, err)
		}
		if diff := cmp.Diff(got, again, cmpopts.EquateNaNs()); diff != "" {
			t.Fatalf("Grade(%q) twice differs (-first +second):\n%s", answers, diff)
		}
		if mis, err := h.Misspelled(ctx, "en_US", []string{"teh", "the"}); err != nil || len(mis) != 1 || mis[0] != "teh" {
			t.Fatalf("after Grade(%q), Misspelled([teh the]) = %q, %v; want [teh]", answers, mis, err)
		}
		for _, s := range answers {
			checkCleanup(t, s)
		}
	})
}

// checkInvariants checks what holds of any grade.
func checkInvariants(t *testing.T, g Grade, answers []string) {
	t.Helper()
	if n := len(fuzzRules.Expect) + len(fuzzRules.MustNot) + 4; len(g.Checks) != n {
		t.Fatalf("Grade(%q) has %d checks, want %d", answers, len(g.Checks), n)
	}
	for _, c := range g.Checks {
		if len(c.Span) > maxSpanBytes || !utf8.ValidString(c.Span) {
			t.Errorf("Grade(%q) %s.Span = %q: longer than %d bytes or invalid UTF-8", answers, c.Name, c.Span, maxSpanBytes)
		}
		if c.Answer < -1 || c.Answer >= len(answers) || (c.Span != "" && c.Answer < 0) {
			t.Errorf("Grade(%q) %s.Answer = %d with span %q", answers, c.Name, c.Answer, c.Span)
		}
		if c.Skipped && c.Passed {
			t.Errorf("Grade(%q) %s is both skipped and passed", answers, c.Name)
		}
	}
	if !math.IsNaN(g.Score) && (g.Score < 0 || g.Score > 1) {
		t.Errorf("Grade(%q).Score = %v, want 0..1 or NaN", answers, g.Score)
	}
	if len(g.Misspelled) > maxMisspelledWords || g.Words < 0 {
		t.Errorf("Grade(%q) has %d misspelled words listed, %d checked", answers, len(g.Misspelled), g.Words)
	}
}

// checkCleanup checks email cleanup: no quoted line left, valid and bounded
// text, the spell-checked body a prefix of the text.
func checkCleanup(t *testing.T, answer string) {
	t.Helper()
	c := prepare("email", answer)
	for _, l := range strings.Split(c.text, "\n") {
		if strings.HasPrefix(strings.TrimLeftFunc(l, unicode.IsSpace), ">") {
			t.Errorf("cleanup(%q) kept the quoted line %q", answer, l)
		}
	}
	if !utf8.ValidString(c.text) || len(c.text) > maxAnswerBytes || !strings.HasPrefix(c.text, c.body) {
		t.Errorf("cleanup(%q) = text %q, body %q: invalid, too long, or body not a prefix", answer, c.text, c.body)
	}
}
