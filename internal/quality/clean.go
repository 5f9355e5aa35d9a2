package quality

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxAnswerBytes bounds one answer after sanitizing.
const maxAnswerBytes = 64 << 10

// answerText is one answer made ready for the checks.
type answerText struct {
	// text is what every check but spelling reads: for email, the body
	// without quoted text, signature included.
	text string
	// body is what the spelling check reads: text without the signature
	// (for chat, text itself).
	body string
	// delim is the signature delimiter line ("-- " or "--"), "" when none.
	delim string
}

// prepareAll sanitizes every answer and, for email, removes quoted text.
func prepareAll(channel string, answers []string) []answerText {
	out := make([]answerText, len(answers))
	for i, a := range answers {
		out[i] = prepare(channel, a)
	}
	return out
}

// prepare sanitizes one answer and, for email, removes quoted text.
func prepare(channel, answer string) answerText {
	s := sanitize(answer)
	if isChat(channel) {
		return answerText{text: s, body: s}
	}
	return cleanEmail(s)
}

// isChat reports whether a channel is graded as chat; any other is email.
func isChat(channel string) bool {
	return channel == channelChat
}

// sanitize clips s to maxAnswerBytes on a rune boundary, replaces each invalid
// UTF-8 byte with U+FFFD, turns CRLF and lone CR into LF, and turns control
// characters other than LF and TAB into spaces.
func sanitize(s string) string {
	var b strings.Builder
	b.Grow(min(len(s), maxAnswerBytes))
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch {
		case r == '\r':
			if i < len(s) && s[i] == '\n' {
				i++
			}
			r = '\n'
		case r == '\n' || r == '\t':
		case unicode.IsControl(r):
			r = ' '
		}
		if b.Len()+utf8.RuneLen(r) > maxAnswerBytes {
			break
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Reply attributions: the first line matching one starts the quoted original.
var (
	reOnWrote     = regexp.MustCompile(`(?i)^\s*on\s(.*\s)?wrote:\s*$`)
	reOnStart     = regexp.MustCompile(`(?i)^\s*on\s`)
	reWroteEnd    = regexp.MustCompile(`(?i)(^|\s)wrote:\s*$`)
	reOriginal    = regexp.MustCompile(`(?i)^\s*-+\s*original message\s*-+\s*$`)
	reUnderscores = regexp.MustCompile(`^\s*_{30,}\s*$`)
	reHeaderFrom  = regexp.MustCompile(`(?i)^\s*\*?from:`)
	reHeaderSent  = regexp.MustCompile(`(?i)^\s*\*?(sent|date):`)
	reHeaderSubj  = regexp.MustCompile(`(?i)^\s*\*?subject:`)
)

// headerBlockLen is how many lines after a From: line may hold Sent:/Date: and Subject:.
const headerBlockLen = 4

// cleanEmail removes quoted text from an email body and finds its signature.
func cleanEmail(s string) answerText {
	lines := strings.Split(s, "\n")
	lines = lines[:quoteStart(lines)]
	kept := lines[:0:0]
	for _, l := range lines {
		if !isQuoted(l) {
			kept = append(kept, l)
		}
	}
	t := answerText{text: strings.Join(kept, "\n")}
	t.body = t.text
	for i, l := range kept {
		if l == "-- " || l == "--" {
			t.body = strings.Join(kept[:i], "\n")
			t.delim = l
			break
		}
	}
	return t
}

// isQuoted reports whether a line's first non-space character is '>'.
func isQuoted(line string) bool {
	return strings.HasPrefix(strings.TrimLeftFunc(line, unicode.IsSpace), ">")
}

// quoteStart is the index of the first line that is a reply attribution, or
// len(lines). Quoted lines are never attributions.
func quoteStart(lines []string) int {
	for i, l := range lines {
		if !isQuoted(l) && isAttribution(lines, i) {
			return i
		}
	}
	return len(lines)
}

// isAttribution reports whether lines[i] starts a quoted original.
func isAttribution(lines []string, i int) bool {
	l := lines[i]
	switch {
	case reOnWrote.MatchString(l), reOriginal.MatchString(l), reUnderscores.MatchString(l):
		return true
	case reOnStart.MatchString(l):
		return i+1 < len(lines) && reWroteEnd.MatchString(lines[i+1])
	case reHeaderFrom.MatchString(l):
		return isHeaderBlock(lines[i+1 : min(len(lines), i+1+headerBlockLen)])
	}
	return false
}

// isHeaderBlock reports whether the lines after a From: line hold a Sent: or
// Date: line and a Subject: line (an Outlook header block).
func isHeaderBlock(after []string) bool {
	sent, subject := false, false
	for _, l := range after {
		sent = sent || reHeaderSent.MatchString(l)
		subject = subject || reHeaderSubj.MatchString(l)
	}
	return sent && subject
}

// clipSpan cuts s to at most maxSpanBytes bytes on a rune boundary.
func clipSpan(s string) string {
	if len(s) <= maxSpanBytes {
		return s
	}
	i := maxSpanBytes
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i]
}
