package chat

import (
	"html"
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// Markup a widget's payload may carry while the page shows only its text:
// markdown (rendered by the widget's script) and HTML (set as innerHTML).
var (
	mdFence   = regexp.MustCompile("^\\s{0,3}(```|~~~)")
	mdHeading = regexp.MustCompile(`^\s{0,3}#{1,6}\s+|\s+#+\s*$`)
	mdQuote   = regexp.MustCompile(`^\s{0,3}(>\s?)+`)
	mdList    = regexp.MustCompile(`^\s*([-*+]|\d{1,9}[.)])\s+(\[[ xX]\]\s+)?`)
	mdRule    = regexp.MustCompile(`^\s{0,3}((-\s*){3,}|(\*\s*){3,}|(_\s*){3,})$`)
	mdCode    = regexp.MustCompile("`+([^`]+?)`+")
	mdImage   = regexp.MustCompile(`!\[([^\]]*)\]\([^)]*\)`)
	mdLink    = regexp.MustCompile(`\[([^\]]+)\](\([^)]*\)|\[[^\]]*\])`)
	mdEscape  = regexp.MustCompile("\\\\([!-/:-@\\[-`{-~])")
	// htmlBlock are the elements whose tags leave a line break in the text.
	htmlBlock = map[string]bool{
		"p": true, "div": true, "br": true, "hr": true, "li": true, "ul": true, "ol": true, "dl": true, "dt": true, "dd": true,
		"h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "tr": true, "td": true, "th": true,
		"table": true, "thead": true, "tbody": true, "blockquote": true, "pre": true, "section": true, "article": true,
		"header": true, "footer": true, "aside": true, "nav": true, "figure": true, "figcaption": true,
	}
	// htmlHidden are the elements whose content shows no text.
	htmlHidden = map[string]bool{"script": true, "style": true, "template": true}
)

// placeholder marks protected text (a code span's, an escaped character) while the rest of a text
// is reduced: characters of Unicode's private use area, which no payload
// we compare needs.
const (
	phOpen  = "\ue000"
	phClose = "\ue001"
)

// plainText reduces markup to the text a browser shows of it, white space
// folded: HTML tags dropped (block elements leave a space), comments,
// scripts and styles dropped, entities decoded; markdown code, emphasis,
// links, images, headings, quotes, rules and list markers reduced to their
// text. It is no full markdown or HTML parser: it reduces what chat widgets
// send, so that a rendered answer can be told in its network payload.
func plainText(s string) string {
	if !strings.ContainsAny(s, "<>&*_~`[]#\\-+.)") {
		return normalize(s)
	}
	var code []string
	protect := func(t string) string {
		code = append(code, t)
		return phOpen + strconv.Itoa(len(code)-1) + phClose
	}
	keep := func(m string) string { return protect(mdCode.FindStringSubmatch(m)[1]) }
	unescape := func(m string) string { return protect(m[1:]) }
	var lines []string
	fenced := false
	for _, l := range strings.Split(strings.NewReplacer(phOpen, "", phClose, "").Replace(s), "\n") {
		if mdFence.MatchString(l) {
			fenced = !fenced
			continue
		}
		if fenced {
			lines = append(lines, protect(l))
			continue
		}
		lines = append(lines, plainLine(l, keep, unescape))
	}
	t := strings.Join(lines, "\n")
	if strings.Contains(t, "](") || strings.Contains(t, "][") {
		t = mdImage.ReplaceAllString(t, "$1")
		t = mdLink.ReplaceAllString(t, "$1")
	}
	t = stripTags(t)
	t = stripEmphasis(t)
	t = html.UnescapeString(t)
	t = restore(t, code)
	return normalize(t)
}

// stripTags drops HTML tags and comments from t, and the content of
// scripts, styles and templates; a block element's tag leaves a space. An
// autolink (<https://...>, <name@host>) leaves its address. A "<" that opens
// no tag is text.
func stripTags(t string) string {
	if !strings.Contains(t, "<") {
		return t
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(t, '<')
		if i < 0 {
			break
		}
		b.WriteString(t[:i])
		t = t[i:]
		if strings.HasPrefix(t, "<!--") {
			end := strings.Index(t, "-->")
			if end < 0 {
				return b.String()
			}
			t = t[end+3:]
			continue
		}
		end := strings.IndexAny(t[1:], "<>")
		if end < 0 || t[1+end] != '>' {
			b.WriteByte('<')
			t = t[1:]
			continue
		}
		inner := t[1 : 1+end]
		t = t[end+2:]
		name, closing, ok := tagName(inner)
		switch {
		case !ok && autolink(inner):
			b.WriteString(inner)
		case !ok:
			b.WriteString("<" + inner + ">")
		case htmlHidden[name] && !closing:
			if j := strings.Index(strings.ToLower(t), "</"+name); j >= 0 {
				t = t[j:]
			} else {
				t = ""
			}
			b.WriteByte(' ')
		case htmlBlock[name]:
			b.WriteByte(' ')
		}
	}
	b.WriteString(t)
	return b.String()
}

// tagName returns the lower-case element name of a tag's inside ("b",
// "/p", "a href=..."), and whether it closes an element; ok is false when
// inner is no tag.
func tagName(inner string) (name string, closing, ok bool) {
	if strings.HasPrefix(inner, "/") {
		closing, inner = true, inner[1:]
	}
	n := 0
	for n < len(inner) && (isASCIILetter(inner[n]) || n > 0 && (inner[n] == '-' || inner[n] >= '0' && inner[n] <= '9')) {
		n++
	}
	if n == 0 || n < len(inner) && !strings.ContainsRune(" \t\n\r/", rune(inner[n])) {
		return "", false, false
	}
	return strings.ToLower(inner[:n]), closing, true
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// autolink reports whether the inside of <...> is a markdown autolink.
func autolink(inner string) bool {
	if strings.ContainsAny(inner, " \t\n") {
		return false
	}
	for _, scheme := range []string{"http://", "https://", "mailto:", "ftp://"} {
		if strings.HasPrefix(strings.ToLower(inner), scheme) {
			return true
		}
	}
	at := strings.IndexByte(inner, '@')
	return at > 0 && strings.Contains(inner[at:], ".")
}

// stripEmphasis drops markdown's emphasis marks: runs of "*" and "_", and
// "~~", that open or close a span (a non-space on one side; for "_" not
// inside a word). A mark with space on both sides ("5 * 3") is text.
func stripEmphasis(t string) string {
	if !strings.ContainsAny(t, "*_~") {
		return t
	}
	r := []rune(t)
	out := make([]rune, 0, len(r))
	for i := 0; i < len(r); {
		c := r[i]
		if c != '*' && c != '_' && c != '~' {
			out = append(out, c)
			i++
			continue
		}
		j := i
		for j < len(r) && r[j] == c {
			j++
		}
		prev, next := ' ', ' '
		if i > 0 {
			prev = r[i-1]
		}
		if j < len(r) {
			next = r[j]
		}
		left, right := !unicode.IsSpace(next), !unicode.IsSpace(prev)
		var mark bool
		switch c {
		case '*':
			mark = left || right
		case '_':
			mark = left && !wordRune(prev) || right && !wordRune(next)
		case '~':
			mark = j-i == 2 && (left || right)
		}
		if !mark {
			out = append(out, r[i:j]...)
		}
		i = j
	}
	return string(out)
}

// wordRune reports whether c is part of a word, for "_" inside one.
func wordRune(c rune) bool { return unicode.IsLetter(c) || unicode.IsDigit(c) || c == '_' }

// plainLine reduces the markdown of one line outside code blocks: rules
// go, quote and list markers and heading marks are dropped, code spans and
// escaped characters protected (keep and unescape). Each regexp runs only
// when the line has a character it needs.
func plainLine(l string, keep, unescape func(string) string) string {
	lead := strings.TrimLeft(l, " \t")
	if lead == "" {
		return l
	}
	switch lead[0] {
	case '-', '*', '_':
		if mdRule.MatchString(l) {
			return ""
		}
	}
	if lead[0] == '>' {
		l = mdQuote.ReplaceAllString(l, "")
		lead = strings.TrimLeft(l, " \t")
	}
	if lead != "" && (strings.IndexByte("-*+", lead[0]) >= 0 || lead[0] >= '0' && lead[0] <= '9') {
		l = mdList.ReplaceAllString(l, "")
	}
	if strings.IndexByte(l, '#') >= 0 {
		l = mdHeading.ReplaceAllString(l, "")
	}
	if strings.IndexByte(l, '`') >= 0 {
		l = mdCode.ReplaceAllStringFunc(l, keep)
	}
	if strings.IndexByte(l, '\\') >= 0 {
		l = mdEscape.ReplaceAllStringFunc(l, unescape)
	}
	return l
}

// restore puts the protected texts back in the place of their placeholders.
func restore(t string, code []string) string {
	if len(code) == 0 {
		return t
	}
	var b strings.Builder
	for {
		i := strings.Index(t, phOpen)
		if i < 0 {
			break
		}
		j := strings.Index(t[i:], phClose)
		if j < 0 {
			break
		}
		b.WriteString(t[:i])
		if n, err := strconv.Atoi(t[i+len(phOpen) : i+j]); err == nil && n >= 0 && n < len(code) {
			b.WriteString(code[n])
		}
		t = t[i+j+len(phClose):]
	}
	b.WriteString(t)
	return b.String()
}
