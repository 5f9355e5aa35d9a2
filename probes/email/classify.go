package email

import (
	"bytes"
	"html"
	"maps"
	"net/textproto"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// Kind says who or what wrote a reply.
type Kind string

// The kinds of reply. Only KindHuman counts as an answer; the others are automated.
const (
	KindHuman       Kind = "human"
	KindAutoReply   Kind = "auto_reply"
	KindOutOfOffice Kind = "out_of_office"
	KindTicketAck   Kind = "ticket_ack"
	KindBounce      Kind = "bounce"
)

// Classification is the verdict on one reply.
type Classification struct {
	Kind      Kind
	Automated bool   // every Kind but KindHuman
	Ticket    string // helpdesk ticket number ("48213", "00123456", "SUP-42") when the reply carries one
	Why       string // the rule that decided, e.g. "Auto-Submitted: auto-replied"
}

// subjectPrefix skips reply/forward prefixes and bracketed tags at the start of a subject.
const subjectPrefix = `(?i)^\s*(?:(?:re|aw|wg|fw|fwd|sv|vs|antw|r|rif|tr|enc)\s*:\s*|\[[^\]]{0,60}\]\s*)*`

var (
	oofSubjectRE  = regexp.MustCompile(subjectPrefix + `(out of (the )?office|ooo\b|automatic reply|auto(matic)?[- ]?reply|auto[- ]?response|auto:|abwesenheit|automatische antwort|absence|absent\b|r[ée]ponse automatique|respuesta autom[áa]tica|fuori (sede|ufficio)|risposta automatica|automatisch antwoord|afwezig|resposta autom[áa]tica|aus[êe]ncia|fr[åa]nvaro|autosvar|automatisk svar|poza biurem|vacation|on (leave|holiday)|away from (the )?office|i('m| am) (currently )?(out of|away|on (vacation|holiday|leave)))`)
	oofBodyRE     = regexp.MustCompile(`(?i)\b(out of (the )?office|on (annual |parental )?(leave|vacation|holiday)|away from (the |my )?(office|desk)|limited access to (my )?e-?mail|abwesend|nicht im (büro|hause)|absente? du bureau|en cong[ée]s?|fuera de la oficina|fuori (sede|ufficio)|ich bin (bis|vom)|je suis absente?)`)
	ackSubjectRE  = regexp.MustCompile(`(?i)(request received|(e-?mail|message|request|ticket|case|inquiry|enquiry) (was |has been |is )?(received|created|logged|opened)\b|we('ve| have)( successfully)? received your|ticket (#?\S+ )?(created|received|opened)|auto(matic)?[- ]?acknowledge?ment|thank(s| you) for (contacting|your (e-?mail|message|request|inquiry|enquiry))|eingangsbest[äa]tigung|ihre anfrage (ist )?eingegangen|nous avons bien re[çc]u|accus[ée] de r[ée]ception|hemos recibido)`)
	ackStrongRE   = regexp.MustCompile(`(?i)(this is an? (automated|automatic|auto-generated|computer-generated) (response|reply|message|e-?mail|acknowledge?ment|notification)|(request|ticket|case|e-?mail|message|inquiry|enquiry|query)( \(?#?[a-z]*-?\d+\)?)? (has|have) been (received|created|logged|opened|submitted)|(a|new) (support )?(ticket|case|request) (number )?(#?[a-z]*-?\d+ )?(has been|was) (created|opened|logged))`)
	ackWeakRE     = regexp.MustCompile(`(?i)(we('ve| have)( successfully)? received your (e-?mail|message|request|inquiry|enquiry|ticket|query|note)|(will|shall|'ll) (get back to you|respond|reply|be in touch|contact you)|within \d+(-\d+)? (business |working )?(hours|days)|one of our (agents|team members|representatives|specialists|advisors)|(ticket|reference|case) (number|id)\b|as soon as (possible|we can))`)
	humanRE       = regexp.MustCompile(`(?i)\bI(['’]ve| have| had| just)? (checked|looked|reviewed|processed|refunded|confirmed|spoke|updated|cancell?ed|issued|investigated|can see|see that|found|sent|arranged)\b`)
	quoteRE       = regexp.MustCompile(`(?i)^(>|-{2,}\s*(original message|ursprüngliche nachricht|message d'origine|mensaje original|messaggio originale|forwarded message)|_{10,}\s*$)`)
	wroteRE       = regexp.MustCompile(`(?i)^(on|am|le|el|il|op|den|em)\s.{0,300}(wrote|schrieb|a écrit|escribió|ha scritto|schreef|skrev|escreveu)(\s.{0,200})?:\s*$`)
	outlookFrom   = regexp.MustCompile(`(?i)^\*?(from|von|de|da|van)\*?:\s`)
	outlookSent   = regexp.MustCompile(`(?i)^\*?(sent|gesendet|envoyé|enviado|inviato|date|datum)\*?:\s`)
	bounceSubjRE  = regexp.MustCompile(`(?i)(undeliver|undelivered|delivery (status|failure|has failed)|returned mail|failure notice|mail delivery (failed|failure|subsystem)|unzustellbar|non remis|non distribuable|no se puede entregar)`)
	replyPrefixRE = regexp.MustCompile(`(?i)^\s*(re|aw|sv|antw|r|rif|vs)\s*:`)
	vacationRE    = regexp.MustCompile(`(?i)\bvacation\b`)
	noReplyRE     = regexp.MustCompile(`(?i)^(no-?reply|do-?not-?reply|donotreply)`)
	helpdeskRE    = regexp.MustCompile(`(?i)(zendesk|freshdesk|freshworks|help ?scout|jira|atlassian|kayako|zammad|osticket|otrs|znuny|gorgias|intercom|hubspot|salesforce|servicenow|happyfox|liveagent|kustomer|gladly|groove|dixa|trengo)`)
	ticketREs     = []*regexp.Regexp{
		regexp.MustCompile(`\[#?([A-Z][A-Z0-9]{1,9}-[0-9]{1,7})\]`),
		regexp.MustCompile(`(?i)\[(?:ticket|case|request)?\s*#\s*([0-9]{2,12})\]`),
		regexp.MustCompile(`(?i)\b(?:ticket|case|request|incident|ticketnummer|anfrage|vorgang|demande|caso|solicitud|richiesta)(?:\s*(?:number|nr|no|id|num[eé]ro))?\.?\s*[:#(-]?\s*#?\s*([0-9]{3,12})\b`),
		regexp.MustCompile(`\(\s*#([0-9]{3,12})\s*\)`),
	}
	// bareTicketRE finds "#12345" alone, trusted only in an acknowledgement: in
	// a person's reply it is as likely an order number.
	bareTicketRE = regexp.MustCompile(`(?:^|[\s(\[:])#([0-9]{3,12})\b`)
)

// Classify tells a human reply from automated mail. Standards come first: a
// delivery status notification is a bounce; RFC 3834 Auto-Submitted, the
// X-Autoreply family, Precedence and Exchange's X-Auto-Response-Suppress mark
// automated mail. Helpdesks (Zendesk...) mark every outgoing message, their
// agents' answers included, as auto-generated, so from a helpdesk that mark only
// supports other evidence. Out-of-office subjects (in several languages) and
// acknowledgement phrases (in the subject, or in the body before any quoted
// text) name the kind; a ticket number alone never makes an acknowledgement.
func Classify(r Reply) Classification {
	body := unquoted(r.Text)
	c := decide(r, body)
	c.Automated = c.Kind != KindHuman
	c.Ticket = ticketNumber(ticketREs, r.Subject, body, r.Text)
	if c.Ticket == "" && c.Kind == KindTicketAck {
		c.Ticket = ticketNumber([]*regexp.Regexp{bareTicketRE}, r.Subject, body)
	}
	return c
}

// decide applies the rules in order.
func decide(r Reply, body string) Classification {
	if why := bounceRule(r); why != "" {
		return Classification{Kind: KindBounce, Why: why}
	}
	desk := helpdesk(r.Header)
	marker, weak := headerMarker(r.Header, desk)
	oofBody := oofBodyRE.FindString(body)
	ack := ackRule(r.Subject, body, weak != "" || desk != "" || noReplyRE.MatchString(r.From))
	if m := oofSubjectRE.FindString(r.Subject); m != "" && (oofBody != "" || ack == "") {
		return Classification{Kind: KindOutOfOffice, Why: "subject: " + strings.TrimSpace(m)}
	}
	if ack != "" {
		return Classification{Kind: KindTicketAck, Why: ack}
	}
	if marker != "" {
		if oofBody != "" || vacationRE.MatchString(r.Header.Get("Auto-Submitted")) {
			return Classification{Kind: KindOutOfOffice, Why: marker}
		}
		return Classification{Kind: KindAutoReply, Why: marker}
	}
	if weak != "" {
		return Classification{Kind: KindHuman, Why: "not conclusive alone: " + weak}
	}
	return Classification{Kind: KindHuman, Why: "no automated marker"}
}

// bounceRule recognises delivery status notifications and read receipts.
func bounceRule(r Reply) string {
	ct := strings.ToLower(r.Header.Get("Content-Type"))
	if strings.HasPrefix(ct, "multipart/report") {
		if strings.Contains(ct, "disposition-notification") {
			return "" // a read receipt: headerMarker decides
		}
		if strings.Contains(ct, "delivery-status") {
			return "Content-Type: multipart/report; report-type=delivery-status"
		}
	}
	local, _, _ := strings.Cut(strings.ToLower(r.From), "@")
	switch {
	case local == "mailer-daemon":
		return "From: MAILER-DAEMON"
	case r.Header.Get("X-Failed-Recipients") != "":
		return "X-Failed-Recipients"
	case local == "postmaster" && bounceSubjRE.MatchString(r.Subject):
		return "From: postmaster, subject: " + bounceSubjRE.FindString(r.Subject)
	}
	return ""
}

// helpdesk names the helpdesk software that sent the message, "" if none is known.
func helpdesk(h textproto.MIMEHeader) string {
	for _, k := range []string{"X-Mailer", "User-Agent"} {
		if m := helpdeskRE.FindString(h.Get(k)); m != "" {
			return m
		}
	}
	for _, k := range slices.Sorted(maps.Keys(h)) {
		if m := helpdeskRE.FindString(k); m != "" && strings.HasPrefix(k, "X-") {
			return m
		}
	}
	return ""
}

// headerMarker returns the header rule that makes the message automated
// (marker), or one that only supports other evidence (weak).
func headerMarker(h textproto.MIMEHeader, desk string) (marker, weak string) {
	if v := keyword(h.Get("Auto-Submitted")); v != "" && v != "no" {
		why := "Auto-Submitted: " + v
		if v != "auto-generated" || desk == "" {
			return why, ""
		}
		weak = why + " (" + desk + " marks every message)"
	}
	for _, k := range []string{"X-Autoreply", "X-Autorespond", "X-Autoresponse", "X-Autoresponder"} {
		if v, ok := h[k]; ok && len(v) > 0 && !isNo(keyword(v[0])) {
			return k + ": " + v[0], weak
		}
	}
	if v := keyword(h.Get("Precedence")); v == "auto_reply" || (desk == "" && (v == "bulk" || v == "junk" || v == "list")) {
		return "Precedence: " + v, weak
	} else if v == "bulk" || v == "junk" || v == "list" {
		weak = "Precedence: " + v + " (" + desk + ")"
	}
	if v := strings.ToLower(h.Get("X-Auto-Response-Suppress")); strings.Contains(v, "all") ||
		strings.Contains(v, "oof") || strings.Contains(v, "autoreply") {
		why := "X-Auto-Response-Suppress: " + h.Get("X-Auto-Response-Suppress")
		if h.Get("X-Ms-Exchange-Inbox-Rules-Loop") != "" {
			return why + " from an Exchange inbox rule", weak
		}
		if weak == "" {
			weak = why
		}
	}
	if strings.HasPrefix(strings.ToLower(h.Get("Content-Type")), "multipart/report") {
		return "Content-Type: multipart/report (read receipt)", weak
	}
	if weak == "" && h.Get("X-Loop") != "" {
		weak = "X-Loop: " + h.Get("X-Loop")
	}
	return "", weak
}

// keyword returns the first word of a structured header value, lowercased.
func keyword(v string) string {
	v = strings.ToLower(strings.TrimSpace(v))
	if i := strings.IndexAny(v, " \t;(,"); i >= 0 {
		v = v[:i]
	}
	return v
}

func isNo(v string) bool { return v == "no" || v == "false" || v == "0" || v == "off" }

// ackRule recognises a helpdesk acknowledgement by its subject (unless the subject
// is a reply's, "Re: Request received: ..."), or by the body
// before any quote: one strong phrase, or two weak ones (one when other
// evidence supports it), unless the body reads as a person's own work.
func ackRule(subject, body string, supported bool) string {
	if m := ackSubjectRE.FindString(subject); m != "" && !replyPrefixRE.MatchString(subject) {
		return "subject: " + m
	}
	head := body[:min(len(body), 2000)]
	if m := ackStrongRE.FindString(head); m != "" {
		return "body: " + m
	}
	if humanRE.MatchString(head) {
		return ""
	}
	weak := ackWeakRE.FindAllString(head, 4)
	distinct := map[string]bool{}
	for _, w := range weak {
		distinct[strings.ToLower(w)] = true
	}
	if len(distinct) >= 2 || (len(distinct) == 1 && supported) {
		return "body: " + weak[0]
	}
	return ""
}

// unquoted returns text up to the first quote marker: a line starting with ">",
// "On ... wrote:" (wrapped over two lines too, several languages), an
// "-----Original Message-----" line or an Outlook "From:"/"Sent:" block.
func unquoted(text string) string {
	lines := strings.Split(text, "\n")
	pos := 0
	for i, line := range lines {
		l := strings.TrimSpace(line)
		next := ""
		if i+1 < len(lines) {
			next = strings.TrimSpace(lines[i+1])
		}
		if quoteRE.MatchString(l) || wroteRE.MatchString(l) || wroteRE.MatchString(l+" "+next) && !wroteRE.MatchString(next) ||
			outlookFrom.MatchString(l) && outlookSent.MatchString(next) {
			return text[:pos]
		}
		pos += len(line) + 1
	}
	return text
}

// ticketNumber returns the first ticket number res find in the subject, else
// in the unquoted body, else anywhere in the text.
func ticketNumber(res []*regexp.Regexp, texts ...string) string {
	for _, s := range texts {
		for _, re := range res {
			if m := re.FindStringSubmatch(s); m != nil {
				return m[1]
			}
		}
	}
	return ""
}

// The text helpers below clean what ParseReply keeps (header values, body text,
// HTML-only bodies) into the bounded UTF-8 that unquoted and the rules read.

// clipText cuts s to at most n bytes on a rune boundary and reports whether it cut.
func clipText(s string, n int) (string, bool) {
	if len(s) <= n {
		return s, false
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n], true
}

// clip cuts s to at most n bytes on a rune boundary.
func clip(s string, n int) string {
	s, _ = clipText(s, n)
	return s
}

// cleanText makes body text valid UTF-8 without NULs, with \n line ends.
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.NewReplacer("\r\n", "\n", "\r", "\n", "\x00", "").Replace(s)
	return strings.TrimSpace(s)
}

// cleanHeader makes a header value valid UTF-8: raw 8-bit values are read as
// Windows-1252, the usual charset of mail that did not declare one.
func cleanHeader(s string) string {
	if !utf8.ValidString(s) {
		if d, err := charmap.Windows1252.NewDecoder().String(s); err == nil {
			s = d
		}
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return strings.TrimSpace(strings.ReplaceAll(s, "\x00", ""))
}

var (
	htmlQuoteRE = regexp.MustCompile(`(?i)<blockquote\b|<div[^>]{0,200}(gmail_quote|divRplyFwdMsg|moz-cite-prefix)`)
	htmlBreakRE = regexp.MustCompile(`(?i)<(br|p|/p|div|/div|tr|/tr|li|h\d|/h\d|hr)\b[^>]*>`)
	htmlTagRE   = regexp.MustCompile(`<[^>]*>`)
	spacesRE    = regexp.MustCompile(`[ \t\x{a0}]+`)
	blankRE     = regexp.MustCompile(`\n[ \n]*\n`)
)

// stripHTML turns an HTML body into text: scripts, styles and comments dropped,
// blocks and breaks as line ends, quoted blocks marked with a leading ">".
// Every step is linear in the input.
func stripHTML(s string) string {
	s = dropBlocks(strings.ReplaceAll(s, "\r\n", "\n"))
	s = htmlQuoteRE.ReplaceAllString(s, "\n> $0")
	s = htmlBreakRE.ReplaceAllString(s, "\n")
	s = html.UnescapeString(htmlTagRE.ReplaceAllString(s, ""))
	s = spacesRE.ReplaceAllString(s, " ")
	s = strings.ReplaceAll(s, "\n ", "\n")
	return blankRE.ReplaceAllString(s, "\n\n")
}

// dropBlocks removes comments and script, style, head and title elements,
// up to the end of s when one is not closed.
func dropBlocks(s string) string {
	lower := []byte(s)
	for i, c := range lower {
		if 'A' <= c && c <= 'Z' {
			lower[i] = c + 'a' - 'A'
		}
	}
	var b strings.Builder
	i := 0
	for {
		j := bytes.IndexByte(lower[i:], '<')
		if j < 0 {
			return b.String() + s[i:]
		}
		j += i
		b.WriteString(s[i:j])
		end := ""
		for _, tag := range []string{"script", "style", "head", "title"} {
			if rest := lower[j+1:]; bytes.HasPrefix(rest, []byte(tag)) && (len(rest) == len(tag) || !isWordByte(rest[len(tag)])) {
				end = "</" + tag
			}
		}
		if bytes.HasPrefix(lower[j:], []byte("<!--")) {
			end = "-->"
		}
		if end == "" {
			b.WriteByte('<')
			i = j + 1
			continue
		}
		k := bytes.Index(lower[j+1:], []byte(end))
		if k < 0 {
			return b.String()
		}
		i = j + 1 + k + len(end)
		if g := bytes.IndexByte(lower[i:], '>'); end != "-->" && g >= 0 {
			i += g + 1
		}
		b.WriteByte(' ')
	}
}

func isWordByte(c byte) bool {
	return c == '-' || c == '_' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9'
}
