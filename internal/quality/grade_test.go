package quality

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// returnsRules grade an answer to "can I return my jacket without a receipt?".
var returnsRules = Rules{
	Channel: "email",
	Expect: []Fact{
		{Name: "window", Pattern: re(`(?i)\b30 days\b`)},
		{Name: "receipt", Pattern: re(`(?i)\breceipt\b`)},
	},
	MustNot: []Fact{{Name: "restocking_fee", Pattern: re(`(?i)restocking fee`)}},
	Persona: "Jane Doe",
	Ignore:  []string{"Zorblax"},
}

// groupOf is the group of a check name.
func groupOf(name string) string {
	switch {
	case strings.HasPrefix(name, expectPrefix), strings.HasPrefix(name, mustNotPrefix):
		return groupKnowledge
	case name == checkSpelling:
		return groupAttention
	}
	return groupProfessionalism
}

func pass(name, span string, answer int, detail string) Check {
	return Check{Name: name, Group: groupOf(name), Passed: true, Span: span, Answer: answer, Detail: detail}
}

func fail(name, span string, answer int, detail string) Check {
	return Check{Name: name, Group: groupOf(name), Span: span, Answer: answer, Detail: detail}
}

func skip(name, detail string) Check {
	return Check{Name: name, Group: groupOf(name), Skipped: true, Answer: -1, Detail: detail}
}

// sameScore compares scores: equal within 1e-9, or both NaN.
func sameScore(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) < 1e-9
}

type gradeCase struct {
	name       string
	rules      Rules
	answers    []string
	want       []Check
	words      int
	misspelled []string
	score      float64
	resolved   bool
}

// checkGrade grades c with g and reports every difference from what c wants.
func checkGrade(t *testing.T, g *Grader, c gradeCase) {
	t.Helper()
	got, err := g.Grade(context.Background(), c.rules, c.answers)
	if err != nil {
		t.Fatalf("Grade(%q) error = %v", c.answers, err)
	}
	if diff := cmp.Diff(c.want, got.Checks); diff != "" {
		t.Errorf("Grade(%q).Checks (-want +got):\n%s", c.answers, diff)
	}
	if got.Words != c.words {
		t.Errorf("Grade(%q).Words = %d, want %d", c.answers, got.Words, c.words)
	}
	if diff := cmp.Diff(c.misspelled, got.Misspelled); diff != "" {
		t.Errorf("Grade(%q).Misspelled (-want +got):\n%s", c.answers, diff)
	}
	if !sameScore(got.Score, c.score) {
		t.Errorf("Grade(%q).Score = %.4f, want %.4f", c.answers, got.Score, c.score)
	}
	if got.Resolved != c.resolved {
		t.Errorf("Grade(%q).Resolved = %v, want %v", c.answers, got.Resolved, c.resolved)
	}
}

func TestGradeEmail(t *testing.T) {
	g := &Grader{Speller: realHunspell(t)}
	for _, c := range emailCases {
		t.Run(c.name, func(t *testing.T) { checkGrade(t, g, c) })
	}
}

func TestGradeChat(t *testing.T) {
	g := &Grader{Speller: realHunspell(t)}
	for _, c := range chatCases {
		t.Run(c.name, func(t *testing.T) { checkGrade(t, g, c) })
	}
}

func TestGradeWorkedExample(t *testing.T) {
	rules := Rules{
		Channel: "email",
		Expect: []Fact{
			{Name: "window", Pattern: re(`(?i)\b30 days\b`)},
			{Name: "refund_shipping", Pattern: re(`(?i)refund the shipping`)},
			{Name: "receipt", Pattern: re(`(?i)\breceipt\b`)},
		},
		MustNot: []Fact{{Name: "restocking_fee", Pattern: re(`(?i)restocking fee`)}},
		Persona: "Jane Doe",
	}
	c := gradeCase{
		rules: rules,
		// The reply of docs/quality.md, "Worked example".
		answers: []string{"Hello Jane,\n\nYou can return the jacket within 30 days and we refund the shipping cost.\nSam\n\n" +
			"On Mon, 1 Dec 2026 at 10:00, Jane Doe <jane@example.com> wrote:\n" +
			"> Can I return my jacket without a receipt? Is there a restocking fee?\n"},
		want: []Check{
			pass("expect:window", "30 days", 0, "stated in answer 1"),
			pass("expect:refund_shipping", "refund the shipping", 0, "stated in answer 1"),
			fail("expect:receipt", "", -1, "not stated in the only answer"),
			pass("must_not:restocking_fee", "", -1, "not claimed in the only answer"),
			pass("greeting", "Hello", 0, "the first answer opens with a greeting"),
			pass("name", "Jane", 0, `the shopper is called "Jane" in answer 1`),
			fail("closing", "", -1, "no answer ends with a sign-off or a signature"),
			pass("spelling", "", -1, "no misspelled word in 15 checked"),
		},
		words: 15,
		score: (0.75 + 2.0/3 + 1) / 3,
	}
	checkGrade(t, &Grader{Speller: realHunspell(t)}, c)
	got, _ := (&Grader{Speller: realHunspell(t)}).Grade(context.Background(), rules, c.answers)
	if s := math.Round(got.Score*10000) / 10000; s != 0.8056 {
		t.Errorf("Score rounded to 4 places = %v, want 0.8056", s)
	}
}

func TestGradeNoAnswer(t *testing.T) {
	c := gradeCase{
		rules: returnsRules,
		want: []Check{
			skip("expect:window", "no human answer"),
			skip("expect:receipt", "no human answer"),
			skip("must_not:restocking_fee", "no human answer"),
			skip("greeting", "no human answer"),
			skip("name", "no human answer"),
			skip("closing", "no human answer"),
			skip("spelling", "no human answer"),
		},
		score: math.NaN(),
	}
	checkGrade(t, &Grader{Speller: realHunspell(t)}, c)
}

func TestGradeSpellingSkipped(t *testing.T) {
	answers := []string{"Hello Jane, you can return it within 30 days.\n\nRegards"}
	tests := []struct {
		name   string
		g      *Grader
		lang   string
		detail string
	}{
		{"no speller", &Grader{}, "", "no spell checker: spelling not graded"},
		{"nil grader", nil, "", "no spell checker: spelling not graded"},
		{"missing program", &Grader{Speller: &Hunspell{Path: "/nonexistent/hunspell"}}, "",
			`hunspell not found at "/nonexistent/hunspell": install Debian packages hunspell hunspell-en-us: spelling not graded`},
		{"missing dictionary", &Grader{Speller: realHunspell(t)}, "xx_XX",
			`no hunspell dictionary for "xx_XX" (looked in /usr/share/hunspell, /usr/share/myspell/dicts): spelling not graded`},
		{"missing language", &Grader{Speller: realHunspell(t)}, "fr",
			`no hunspell dictionary for "fr" (looked in /usr/share/hunspell, /usr/share/myspell/dicts): spelling not graded`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := returnsRules
			r.Language = tt.lang
			got, err := tt.g.Grade(context.Background(), r, answers)
			if err != nil {
				t.Fatalf("Grade() error = %v", err)
			}
			want := skip("spelling", tt.detail)
			if diff := cmp.Diff(want, got.Checks[len(got.Checks)-1]); diff != "" {
				t.Errorf("Grade(%q) spelling check (-want +got):\n%s", answers, diff)
			}
			// knowledge 2/3, professionalism 3/3, attention skipped
			if want := (2.0/3 + 1) / 2; !sameScore(got.Score, want) || got.Words != 0 {
				t.Errorf("Grade(%q) = Score %.4f, Words %d, want %.4f, 0", answers, got.Score, got.Words, want)
			}
		})
	}
}

func TestGradeSpellerBroken(t *testing.T) {
	_, err := (&Grader{Speller: &Hunspell{Path: "/bin/false"}}).Grade(context.Background(), returnsRules,
		[]string{"Hello there."})
	if err == nil || !strings.Contains(err.Error(), "hunspell en_US: exited (exit status 1)") {
		t.Errorf("Grade() with /bin/false as hunspell: error = %v, want one saying it exited", err)
	}
}

func TestGradeContextEnded(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := (&Grader{Speller: realHunspell(t)}).Grade(ctx, returnsRules, []string{"Hello there."})
	if err != context.Canceled {
		t.Errorf("Grade(canceled ctx) error = %v, want context.Canceled", err)
	}
}

func TestGradeNilPattern(t *testing.T) {
	r := Rules{Channel: "chat", Expect: []Fact{{Name: "x"}}, MustNot: []Fact{{Name: "y"}}}
	got, err := (&Grader{}).Grade(context.Background(), r, []string{"Hello."})
	if err != nil {
		t.Fatal(err)
	}
	want := []Check{
		skip("expect:x", "fact has no pattern: not graded"),
		skip("must_not:y", "fact has no pattern: not graded"),
	}
	if diff := cmp.Diff(want, got.Checks[:2]); diff != "" || got.Resolved {
		t.Errorf("Grade() with nil patterns: Resolved %v, checks (-want +got):\n%s", got.Resolved, diff)
	}
}
