package quality

import (
	"context"
	"math"
	"regexp"
)

// Check names and groups, as they appear in Check.Name and Check.Group.
const (
	// expectPrefix starts the name of the check of an expected fact: "expect:<fact name>".
	expectPrefix = "expect:"
	// mustNotPrefix starts the name of the check of a forbidden claim: "must_not:<fact name>".
	mustNotPrefix = "must_not:"
	// checkGreeting is the name of the check that the first answer opens with a greeting.
	checkGreeting = "greeting"
	// checkName is the name of the check that an answer uses the shopper's first name.
	checkName = "name"
	// checkClosing is the name of the check that an email answer ends with a sign-off.
	checkClosing = "closing"
	// checkSpelling is the name of the spelling check.
	checkSpelling = "spelling"

	// groupKnowledge holds the expect and must_not checks.
	groupKnowledge = "knowledge"
	// groupProfessionalism holds the greeting, name and closing checks.
	groupProfessionalism = "professionalism"
	// groupAttention holds the spelling check.
	groupAttention = "attention"
)

// Channels a probe is graded for (Rules.Channel).
const (
	// channelEmail grades decoded plain-text email replies: quoted text is removed first.
	channelEmail = "email"
	// channelChat grades live-chat agent messages as they are.
	channelChat = "chat"
)

// maxSpanBytes bounds Check.Span; a longer span is cut on a rune boundary.
const maxSpanBytes = 200

// maxMisspelledWords bounds Grade.Misspelled.
const maxMisspelledWords = 50

// noAnswerDetail is the Detail of every check of a probe without any human answer.
const noAnswerDetail = "no human answer"

// Fact is a named RE2 pattern: what a correct answer contains, or must not claim.
type Fact struct {
	// Name names the fact in the check's name ("expect:<Name>", "must_not:<Name>").
	Name string
	// Pattern is matched as given: case sensitivity is the author's "(?i)".
	// A nil Pattern gives a Skipped check.
	Pattern *regexp.Regexp
}

// Rules say how one probe's answers are graded.
type Rules struct {
	// Channel is "email" or "chat"; any value other than "chat" is graded as email.
	Channel string
	// Expect lists the facts a correct answer states (any answer may state each).
	Expect []Fact
	// MustNot lists the claims a correct answer never makes.
	MustNot []Fact
	// Persona is the shopper's name as given to the company, e.g. "Jane Doe";
	// "" skips the name check.
	Persona string
	// Language is a hunspell dictionary name such as "en_US", or a 2-letter
	// language code; "" means "en_US" (see Hunspell.Dictionary).
	Language string
	// Ignore lists words never counted as misspellings (the company's name,
	// product names), compared ignoring case.
	Ignore []string
	// MaxMisspellings is how many misspelled words the spelling check allows (default 0).
	MaxMisspellings int
}

// Check is the result of one check.
type Check struct {
	// Name is "expect:<fact name>", "must_not:<fact name>", "greeting", "name",
	// "closing" or "spelling".
	Name string
	// Group is "knowledge" (expect, must_not), "professionalism" (greeting,
	// name, closing) or "attention" (spelling).
	Group string
	// Passed reports whether the check passed; false when Skipped.
	Passed bool
	// Skipped reports that the check did not apply or could not run (Detail
	// says why); a skipped check counts neither way.
	Skipped bool
	// Span is the text that satisfied the check (expect, greeting, name,
	// closing) or broke it (must_not: the claim; spelling: the misspelled words
	// joined by ", "), at most maxSpanBytes bytes, cut on a rune boundary.
	Span string
	// Answer is the index of the answer holding Span (for spelling: the first
	// misspelled word), -1 when there is no Span.
	Answer int
	// Detail is a short human sentence; it counts answers from 1.
	Detail string
}

// Grade is the grading of one probe's human answers.
type Grade struct {
	// Checks are in a fixed order: expect (in Rules order), must_not (in
	// order), greeting, name, closing, spelling.
	Checks []Check
	// Words is the number of words spell-checked.
	Words int
	// Misspelled lists the distinct misspelled words in order of first
	// appearance, at most maxMisspelledWords.
	Misspelled []string
	// Score is the mean, over the groups with at least one applied check, of
	// the share of that group's applied checks that passed: 0..1, NaN when no
	// check applied.
	Score float64
	// Resolved reports that every expect check passed and no must_not claim
	// was made; false when there are no expect facts.
	Resolved bool
}

// Grader grades answers. Safe for concurrent use when its Speller is.
type Grader struct {
	// Speller checks spelling; nil skips the spelling check.
	Speller Speller
}

// Grade grades the human answers of one probe, in order: for email each is the
// decoded plain-text body of one human reply, for chat one agent message.
//
// It returns an error only when ctx ends or the Speller fails (the caller
// retries later); a missing spell checker or dictionary gives a Skipped
// spelling check instead.
func (g *Grader) Grade(ctx context.Context, r Rules, answers []string) (Grade, error) {
	if err := ctx.Err(); err != nil {
		return Grade{}, err
	}
	if len(answers) == 0 {
		return noAnswer(r), nil
	}
	texts := prepareAll(r.Channel, answers)
	var gr Grade
	gr.Checks = append(gr.Checks, factChecks(r, texts)...)
	gr.Checks = append(gr.Checks, greetingCheck(texts), nameCheck(r.Persona, texts), closingCheck(r.Channel, texts))
	var sp Speller
	if g != nil {
		sp = g.Speller
	}
	s, err := spellingCheck(ctx, sp, r, texts)
	if err != nil {
		return Grade{}, err
	}
	gr.Checks = append(gr.Checks, s.check)
	gr.Words, gr.Misspelled = s.words, s.distinct
	gr.Score = score(gr.Checks)
	gr.Resolved = resolved(r, gr.Checks)
	return gr, nil
}

// noAnswer is the grade of a probe without any human answer: every check skipped.
func noAnswer(r Rules) Grade {
	var gr Grade
	add := func(name, group string) {
		gr.Checks = append(gr.Checks, skipped(name, group, noAnswerDetail))
	}
	for _, f := range r.Expect {
		add(expectPrefix+f.Name, groupKnowledge)
	}
	for _, f := range r.MustNot {
		add(mustNotPrefix+f.Name, groupKnowledge)
	}
	add(checkGreeting, groupProfessionalism)
	add(checkName, groupProfessionalism)
	add(checkClosing, groupProfessionalism)
	add(checkSpelling, groupAttention)
	gr.Score = math.NaN()
	return gr
}

// skipped is a check that did not apply.
func skipped(name, group, detail string) Check {
	return Check{Name: name, Group: group, Skipped: true, Answer: -1, Detail: detail}
}

// score is the mean over groups with an applied check of the share of passes.
func score(checks []Check) float64 {
	type tally struct{ applied, passed int }
	groups := map[string]*tally{}
	for _, c := range checks {
		if c.Skipped {
			continue
		}
		t := groups[c.Group]
		if t == nil {
			t = &tally{}
			groups[c.Group] = t
		}
		t.applied++
		if c.Passed {
			t.passed++
		}
	}
	if len(groups) == 0 {
		return math.NaN()
	}
	sum := 0.0
	// Fixed order, so that the float sum is the same on every run.
	for _, name := range []string{groupKnowledge, groupProfessionalism, groupAttention} {
		if t := groups[name]; t != nil {
			sum += float64(t.passed) / float64(t.applied)
		}
	}
	return sum / float64(len(groups))
}

// resolved reports that every expect check passed and no must_not check failed.
func resolved(r Rules, checks []Check) bool {
	if len(r.Expect) == 0 {
		return false
	}
	for _, c := range checks[:len(r.Expect)] {
		if !c.Passed {
			return false
		}
	}
	for _, c := range checks[len(r.Expect) : len(r.Expect)+len(r.MustNot)] {
		if !c.Skipped && !c.Passed {
			return false
		}
	}
	return true
}
