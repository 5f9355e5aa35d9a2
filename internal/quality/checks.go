package quality

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
)

// greetingWindow is how many characters of the first answer may hold its greeting.
const greetingWindow = 120

// closingWindow is how many of an email's last non-empty lines may hold its sign-off.
const closingWindow = 6

var (
	reGreeting = regexp.MustCompile(`(?i)^(?:hi|hello|hey|dear|good\s+morning|good\s+afternoon|good\s+evening|` +
		`greetings|welcome|howdy|(?:thanks|thank\s+you)\s+for\s+(?:contacting|reaching\s+out|` +
		`your\s+(?:email|message|question|enquiry|inquiry|patience)))\b`)
	reSignOff = regexp.MustCompile(`(?i)^(?:regards|kind\s+regards|best\s+regards|warm\s+regards|` +
		`best\s+wishes|all\s+the\s+best|best|sincerely|yours\s+sincerely|yours\s+truly|` +
		`thanks|thank\s+you|many\s+thanks|cheers|respectfully|take\s+care)\b`)
)

// factChecks runs the expect checks, then the must_not checks, in Rules order.
func factChecks(r Rules, texts []answerText) []Check {
	checks := make([]Check, 0, len(r.Expect)+len(r.MustNot))
	for _, f := range r.Expect {
		checks = append(checks, expectCheck(f, texts))
	}
	for _, f := range r.MustNot {
		checks = append(checks, mustNotCheck(f, texts))
	}
	return checks
}

// firstMatch finds the earliest match of re: earliest answer, earliest position.
func firstMatch(re *regexp.Regexp, texts []answerText) (span string, answer int) {
	for i, t := range texts {
		if m := re.FindStringIndex(t.text); m != nil {
			return t.text[m[0]:m[1]], i
		}
	}
	return "", -1
}

// expectCheck passes when some answer states fact f.
func expectCheck(f Fact, texts []answerText) Check {
	name := expectPrefix + f.Name
	if f.Pattern == nil {
		return skipped(name, groupKnowledge, "fact has no pattern: not graded")
	}
	span, at := firstMatch(f.Pattern, texts)
	c := Check{Name: name, Group: groupKnowledge, Answer: at, Span: clipSpan(span)}
	if at < 0 {
		c.Detail = fmt.Sprintf("not stated in %s", anyOf(len(texts)))
		return c
	}
	c.Passed = true
	c.Detail = fmt.Sprintf("stated in answer %d", at+1)
	return c
}

// mustNotCheck passes when no answer makes claim f.
func mustNotCheck(f Fact, texts []answerText) Check {
	name := mustNotPrefix + f.Name
	if f.Pattern == nil {
		return skipped(name, groupKnowledge, "fact has no pattern: not graded")
	}
	span, at := firstMatch(f.Pattern, texts)
	c := Check{Name: name, Group: groupKnowledge, Answer: at, Span: clipSpan(span)}
	if at < 0 {
		c.Passed = true
		c.Detail = fmt.Sprintf("not claimed in %s", anyOf(len(texts)))
		return c
	}
	c.Detail = fmt.Sprintf("claimed in answer %d", at+1)
	return c
}

// anyOf names n answers: "the only answer", "any of the 3 answers".
func anyOf(n int) string {
	if n == 1 {
		return "the only answer"
	}
	return fmt.Sprintf("any of the %d answers", n)
}

// greetingCheck passes when the first answer opens with a greeting.
func greetingCheck(texts []answerText) Check {
	c := Check{Name: checkGreeting, Group: groupProfessionalism, Answer: -1}
	head := firstRunes(strings.TrimLeftFunc(texts[0].text, unicode.IsSpace), greetingWindow)
	m := reGreeting.FindString(head)
	if m == "" {
		c.Detail = "the first answer does not open with a greeting"
		return c
	}
	c.Passed, c.Span, c.Answer = true, m, 0
	c.Detail = "the first answer opens with a greeting"
	return c
}

// firstRunes is the first n runes of s.
func firstRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

// firstName is the first word of persona with surrounding punctuation trimmed.
func firstName(persona string) string {
	words := strings.Fields(persona)
	if len(words) == 0 {
		return ""
	}
	return strings.TrimFunc(words[0], func(r rune) bool { return !isWordRune(r) })
}

// isWordRune reports whether r is part of a whole word: a letter, mark or digit.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r)
}

// nameCheck passes when some answer uses the persona's first name as a whole word.
func nameCheck(persona string, texts []answerText) Check {
	first := firstName(persona)
	if first == "" {
		return skipped(checkName, groupProfessionalism, "no persona name given: not graded")
	}
	re := regexp.MustCompile(`(?i)(?:^|[^\pL\pM\pN])(` + regexp.QuoteMeta(first) + `)(?:[^\pL\pM\pN]|$)`)
	c := Check{Name: checkName, Group: groupProfessionalism, Answer: -1}
	for i, t := range texts {
		if m := re.FindStringSubmatchIndex(t.text); m != nil {
			c.Passed, c.Span, c.Answer = true, clipSpan(t.text[m[2]:m[3]]), i
			c.Detail = fmt.Sprintf("the shopper is called %q in answer %d", first, i+1)
			return c
		}
	}
	c.Detail = fmt.Sprintf("the shopper's first name %q is not used", first)
	return c
}

// closingCheck passes when an email answer ends with a sign-off or has a signature.
func closingCheck(channel string, texts []answerText) Check {
	if isChat(channel) {
		return skipped(checkClosing, groupProfessionalism, "closing is graded on email only")
	}
	c := Check{Name: checkClosing, Group: groupProfessionalism, Answer: -1}
	for i, t := range texts {
		if line := signOff(t.text); line != "" {
			c.Passed, c.Span, c.Answer = true, clipSpan(line), i
			c.Detail = fmt.Sprintf("answer %d signs off", i+1)
			return c
		}
		if t.delim != "" {
			c.Passed, c.Span, c.Answer = true, t.delim, i
			c.Detail = fmt.Sprintf("answer %d has a signature", i+1)
			return c
		}
	}
	c.Detail = "no answer ends with a sign-off or a signature"
	return c
}

// signOff is the lowest of the last closingWindow non-empty lines of text
// that starts with a sign-off, trimmed of spaces, or "".
func signOff(text string) string {
	lines := strings.Split(text, "\n")
	seen := 0
	for i := len(lines) - 1; i >= 0 && seen < closingWindow; i-- {
		l := strings.TrimSpace(lines[i])
		if l == "" {
			continue
		}
		if reSignOff.MatchString(l) {
			return l
		}
		seen++
	}
	return ""
}
