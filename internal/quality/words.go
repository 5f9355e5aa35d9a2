package quality

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// reLink matches what is removed before spell-checking: URLs with a scheme,
// www. addresses, mailto: links, email addresses and bare host names with a
// common top-level domain (each with an optional path).
var reLink = regexp.MustCompile(`(?i)(?:\b[a-z][a-z0-9+.-]*://|\bwww\.|\bmailto:)\S+` +
	`|[\pL\pN._%+-]+@[\pL\pN-]+(?:\.[\pL\pN-]+)+` +
	`|\b[\pL\pN-]+(?:\.[\pL\pN-]+)*\.(?:com|net|org|edu|gov|info|biz|io|co|app|dev|shop|store|us|uk|ca|au|de|fr|eu)\b(?:/\S*)?`)

// linkTrail is punctuation left in the text when it ends a link, so that a
// sentence still ends after "see https://example.com."
const linkTrail = `.,;:!?)]}>'"’”»`

// word is one word to spell-check and the answer it comes from.
type word struct {
	text   string
	answer int
}

// collectWords lists the words of the answers' bodies that are spell-checked.
func collectWords(r Rules, texts []answerText) []word {
	skip := skipSet(r)
	var words []word
	for i, t := range texts {
		tokens(stripLinks(t.body), func(tok string, start bool) {
			for _, w := range checkable(tok, start, skip) {
				words = append(words, word{text: w, answer: i})
			}
		})
	}
	return words
}

// skipSet holds the folded words of Rules.Ignore and Rules.Persona.
func skipSet(r Rules) map[string]bool {
	skip := map[string]bool{}
	add := func(s string) {
		tokens(s, func(tok string, _ bool) {
			tok = normalizeApostrophes(tok)
			skip[fold(tok)] = true
			for _, p := range splitHyphens(tok) {
				skip[fold(p)] = true
			}
		})
	}
	for _, s := range r.Ignore {
		add(s)
	}
	add(r.Persona)
	return skip
}

// stripLinks replaces every link and email address by a space.
func stripLinks(s string) string {
	ms := reLink.FindAllStringIndex(s, -1)
	if ms == nil {
		return s
	}
	var b strings.Builder
	last := 0
	for _, m := range ms {
		end := m[0] + len(strings.TrimRight(s[m[0]:m[1]], linkTrail))
		b.WriteString(s[last:m[0]])
		b.WriteByte(' ')
		last = end
	}
	b.WriteString(s[last:])
	return b.String()
}

// tokens calls fn for each token of s: a maximal run of letters, marks,
// numbers and underscores, with single apostrophes or hyphens between them.
// start reports whether the token begins a sentence: no token stands between
// it and the start of s, a line break, '.', '!' or '?'.
func tokens(s string, fn func(tok string, start bool)) {
	start := true
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if isTokenRune(r) {
			j := tokenEnd(s, i)
			fn(s[i:j], start)
			start = false
			i = j
			continue
		}
		switch r {
		case '\n', '.', '!', '?':
			start = true
		}
		i += n
	}
}

// tokenEnd is the end of the token that starts at s[i].
func tokenEnd(s string, i int) int {
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if isTokenRune(r) {
			i += n
			continue
		}
		if !isJoiner(r) || i+n >= len(s) {
			return i
		}
		if next, _ := utf8.DecodeRuneInString(s[i+n:]); !isTokenRune(next) {
			return i
		}
		i += n
	}
	return i
}

// isTokenRune reports whether r makes up tokens.
func isTokenRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsNumber(r) || r == '_'
}

// isJoiner reports whether r may stand inside a token: an apostrophe or a hyphen.
func isJoiner(r rune) bool {
	return isApostrophe(r) || isHyphen(r)
}

func isApostrophe(r rune) bool { return r == '\'' || r == '’' || r == 'ʼ' }

func isHyphen(r rune) bool { return r == '-' || r == '‐' || r == '‑' }

// checkable lists the words of a token that are spell-checked.
func checkable(tok string, start bool, skip map[string]bool) []string {
	if strings.ContainsFunc(tok, func(r rune) bool { return unicode.IsNumber(r) || r == '_' }) {
		return nil
	}
	tok = normalizeApostrophes(tok)
	if skip[fold(tok)] {
		return nil
	}
	var out []string
	for k, p := range splitHyphens(tok) {
		if !skipWord(p, start && k == 0, skip) {
			out = append(out, p)
		}
	}
	return out
}

// skipWord reports whether word w (no hyphen) is left unchecked: one letter,
// all capitals, capitalised without beginning a sentence, or in skip.
func skipWord(w string, start bool, skip map[string]bool) bool {
	if utf8.RuneCountInString(w) == 1 || isAllCaps(w) {
		return true
	}
	if first, _ := utf8.DecodeRuneInString(w); !start && (unicode.IsUpper(first) || unicode.IsTitle(first)) {
		return true
	}
	return skip[fold(w)]
}

// isAllCaps reports whether w has a capital letter and no small one.
func isAllCaps(w string) bool {
	return strings.IndexFunc(w, unicode.IsUpper) >= 0 && strings.IndexFunc(w, unicode.IsLower) < 0
}

// splitHyphens splits a token into its hyphen-separated parts.
func splitHyphens(tok string) []string {
	return strings.FieldsFunc(tok, isHyphen)
}

// normalizeApostrophes writes every apostrophe as "'".
func normalizeApostrophes(s string) string {
	return strings.Map(func(r rune) rune {
		if isApostrophe(r) {
			return '\''
		}
		return r
	}, s)
}

// fold is the form words are compared in when case does not matter.
func fold(s string) string {
	return strings.ToLower(s)
}
