package email

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"mime"
	"net/mail"
	"net/textproto"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // charsets beyond UTF-8 and US-ASCII
	gomail "github.com/emersion/go-message/mail"
	mtextproto "github.com/emersion/go-message/textproto"
)

// DefaultMaxReplyBytes is how much of a reply ParseReply reads when maxBytes is 0.
const DefaultMaxReplyBytes = 256 << 10

// MaxText is the most bytes of body text a Reply keeps: 64 KiB, the body a human
// reply keeps as evidence for grading its answer.
const MaxText = 64 << 10

// MaxTokens is the most tokens Reply.Tokens returns.
const MaxTokens = 16

const (
	maxIDs    = 64          // message ids kept from one header (first and last halves)
	maxValue  = 1024        // bytes kept of one header value
	maxValues = 8           // values kept of one header key
	maxAddrs  = 32          // addresses kept in To
	maxParts  = 64          // MIME parts visited
	maxDepth  = 8           // multipart nesting followed
	maxHTML   = 4 * MaxText // raw HTML read before stripping
	maxInner  = 64 << 10    // bytes read of a returned message's header in a report
)

// ErrNoHeader is returned by ParseReply when the input has no header field at all.
var ErrNoHeader = errors.New("reply has no header block")

// Reply is what the mail watcher and the classifier need of one received message.
// Every field is bounded; missing or broken headers leave their field empty.
type Reply struct {
	MessageID  string   // Message-ID without angle brackets
	InReplyTo  []string // In-Reply-To ids without angle brackets
	References []string // References ids without angle brackets, at most 64 (first and last 32)
	From       string   // address of the first From mailbox
	FromName   string   // display name of the first From mailbox, decoded
	To         []string // addresses in To
	Subject    string   // RFC 2047 decoded to UTF-8
	Date       time.Time
	ReceivedAt time.Time // date of the topmost Received header, zero if none
	// ReportedMessageID is the Message-ID of the message returned inside a
	// multipart/report (a bounce or a read receipt), without angle brackets.
	ReportedMessageID string
	// DSNAction is the action of a delivery status notification: "failed" when any
	// recipient failed, else the first action given (delayed, delivered, relayed,
	// expanded); "delayed" for a report without one whose subject says it is a delay
	// warning; "" otherwise.
	DSNAction string
	// Header holds the header fields classification and correlation need
	// (auto-reply markers, helpdesk marks, Content-Type, Cc, Delivered-To...),
	// raw (not RFC 2047 decoded), with canonical keys.
	Header textproto.MIMEHeader
	// Text is the start of the first text/plain part, decoded to UTF-8, or of
	// the first text/html part stripped to text when there is no plain part;
	// at most MaxText bytes.
	Text string
	// Truncated reports that the input reached maxBytes or that Text was cut.
	Truncated bool
}

// keptHeaders are the fields Reply.Header keeps; keptPrefixes adds helpdesk marks.
var (
	keptHeaders = []string{
		"Auto-Submitted", "X-Autoreply", "X-Autorespond", "X-Autoresponse", "X-Autoresponder",
		"Precedence", "X-Precedence", "X-Auto-Response-Suppress", "X-Ms-Exchange-Inbox-Rules-Loop",
		"X-Mailer", "User-Agent", "X-Loop", "Content-Type", "Return-Path", "X-Failed-Recipients",
		"List-Id", "List-Unsubscribe", "Cc", "Delivered-To", "X-Original-To", "Envelope-To",
		"Reply-To", "Sender",
	}
	keptPrefixes = []string{
		"X-Zendesk-", "X-Freshdesk-", "X-Helpscout-", "X-Jira-", "X-Kayako-", "X-Zammad-",
		"X-Otrs-", "X-Hubspot-", "X-Sfdc-", "X-Gorgias-",
	}
)

var (
	msgIDRE    = regexp.MustCompile(`<([^<>\s]+)>`)
	addrRE     = regexp.MustCompile(`[^\s<>"',;:()\[\]@]+@[^\s<>"',;:()\[\]@]+`)
	boundaryRE = regexp.MustCompile(`(?i)boundary\s*=\s*"?([^";\s]+)`)
	commentRE  = regexp.MustCompile(`\([^()]*\)`)
	actionRE   = regexp.MustCompile(`(?im)^action:\s*([a-z]+)`)
	// delaySubjRE: delay warnings, which say delivery is still being tried.
	delaySubjRE = regexp.MustCompile(`(?i)(\(delay\)|delayed mail|delivery delayed|message delayed|warning: (message|could not send)|still being retried|verzögert|retardé)`)
)

var dateLayouts = []string{
	"Mon, 2 Jan 2006 15:04:05 -0700", "2 Jan 2006 15:04:05 -0700", "Mon, 2 Jan 2006 15:04 -0700",
	"Mon, 2 Jan 2006 15:04:05 MST", "Mon, 2 Jan 06 15:04:05 -0700", "Mon Jan 2 15:04:05 2006",
	"Mon Jan 2 15:04:05 -0700 2006", "2006-01-02 15:04:05 -0700", time.RFC3339,
}

// ParseReply reads a raw message (RFC 5322, MIME) from r: at most maxBytes
// (DefaultMaxReplyBytes when 0) and never more; it may stop earlier once it has
// the header and the text it keeps, so a caller that must drain r does it itself.
// It tolerates broken MIME, missing headers, bad dates, unknown charsets (kept as
// raw bytes, made valid UTF-8) and input that holds only the header and the start
// of the body. It fails only when there is no header field at all.
func ParseReply(r io.Reader, maxBytes int64) (Reply, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxReplyBytes
	}
	lr := &io.LimitedReader{R: r, N: maxBytes}
	br := bufio.NewReader(lr)
	h, err := readHeader(br)
	if err != nil {
		return Reply{}, err
	}
	rep := fromHeader(h)
	ent, _ := message.New(message.Header{Header: h}, br) // unknown encodings read raw
	w := walker{}
	w.walk(ent, 0)
	rep.ReportedMessageID = w.reported
	rep.DSNAction = w.action
	if rep.DSNAction == "" && delaySubjRE.MatchString(rep.Subject) {
		rep.DSNAction = "delayed"
	}
	text := w.plain
	if !w.plainSet && w.htmlSet {
		text = stripHTML(w.html)
	}
	text, cut := clipText(cleanText(text), MaxText)
	rep.Text = text
	rep.Truncated = w.cut || cut || lr.N == 0
	return rep, nil
}

// readHeader reads the header block, dropping lines that are not fields (an mbox
// "From " line, garbage) instead of giving up, and parses what is left.
func readHeader(br *bufio.Reader) (mtextproto.Header, error) {
	var block bytes.Buffer
	kept, fields := false, 0
	for {
		line, err := br.ReadBytes('\n')
		trimmed := bytes.TrimRight(line, "\r\n")
		if len(line) > 0 && len(trimmed) == 0 {
			if fields > 0 || err != nil {
				break
			}
			continue // leading blank lines
		}
		switch {
		case len(trimmed) == 0:
		case trimmed[0] == ' ' || trimmed[0] == '\t':
			if kept {
				block.Write(trimmed)
				block.WriteString("\r\n")
			}
		case isField(trimmed):
			block.Write(trimmed)
			block.WriteString("\r\n")
			kept = true
			fields++
		default:
			kept = false
		}
		if err != nil {
			break
		}
	}
	if fields == 0 {
		return mtextproto.Header{}, ErrNoHeader
	}
	block.WriteString("\r\n")
	h, _ := mtextproto.ReadHeader(bufio.NewReader(&block)) // every line was checked
	if h.Len() == 0 {
		return h, ErrNoHeader
	}
	return h, nil
}

// isField reports whether line starts with a valid field name and a colon.
func isField(line []byte) bool {
	i := bytes.IndexByte(line, ':')
	key := bytes.TrimRight(line[:max(i, 0)], " \t")
	if i <= 0 || len(key) == 0 {
		return false
	}
	for _, c := range key {
		if c < 33 || c > 126 {
			return false
		}
	}
	return true
}

// fromHeader fills the header fields of a Reply.
func fromHeader(h mtextproto.Header) Reply {
	mh := gomail.Header{Header: message.Header{Header: h}}
	r := Reply{Header: keptHeader(h)}
	if ids := msgIDs(h.Get("Message-Id")); len(ids) > 0 {
		r.MessageID = ids[0]
	}
	r.InReplyTo = msgIDs(h.Get("In-Reply-To"))
	r.References = msgIDs(h.Get("References"))
	if list, err := mh.AddressList("From"); err == nil && len(list) > 0 {
		r.From, r.FromName = clip(list[0].Address, maxValue), clip(cleanHeader(list[0].Name), maxValue)
	} else if v := h.Get("From"); v != "" {
		r.From = clip(addrRE.FindString(v), maxValue)
		name, _, _ := strings.Cut(v, "<")
		r.FromName = clip(cleanHeader(strings.Trim(name, "\"' \t")), maxValue)
	}
	r.To = addresses(mh, "To")
	subject, _ := mh.Subject() // the raw value when a charset is unknown
	r.Subject = clip(cleanHeader(subject), maxValue)
	r.Date = parseDate(h.Get("Date"))
	if rec := h.Values("Received"); len(rec) > 0 {
		if i := strings.LastIndexByte(rec[0], ';'); i >= 0 {
			r.ReceivedAt = parseDate(rec[0][i+1:])
		}
	}
	return r
}

// keptHeader copies the fields listed in keptHeaders and keptPrefixes, bounded.
func keptHeader(h mtextproto.Header) textproto.MIMEHeader {
	out := textproto.MIMEHeader{}
	for f := h.Fields(); f.Next(); {
		k := f.Key()
		keep := slices.Contains(keptHeaders, k) || slices.ContainsFunc(keptPrefixes, func(p string) bool {
			return strings.HasPrefix(k, p)
		})
		if keep && len(out[k]) < maxValues {
			out[k] = append(out[k], clip(cleanHeader(f.Value()), maxValue))
		}
	}
	return out
}

// msgIDs returns the message ids in v without angle brackets; ids written without
// brackets are split on white space and commas.
func msgIDs(v string) []string {
	var ids []string
	if ms := msgIDRE.FindAllStringSubmatch(v, -1); len(ms) > 0 {
		for _, m := range ms {
			ids = append(ids, m[1])
		}
	} else {
		ids = strings.FieldsFunc(v, func(c rune) bool { return c == ',' || c == ' ' || c == '\t' })
	}
	if len(ids) > maxIDs {
		ids = append(ids[:maxIDs/2:maxIDs/2], ids[len(ids)-maxIDs/2:]...)
	}
	for i := range ids {
		ids[i] = clip(cleanHeader(ids[i]), maxValue)
	}
	return ids
}

// addresses returns the addresses of a header field, falling back to anything
// that looks like an address when the field does not parse.
func addresses(mh gomail.Header, key string) []string {
	var out []string
	if list, err := mh.AddressList(key); err == nil {
		for _, a := range list {
			out = append(out, a.Address)
		}
	} else {
		out = addrRE.FindAllString(mh.Get(key), maxAddrs)
	}
	out = out[:min(len(out), maxAddrs)]
	for i := range out {
		out[i] = clip(cleanHeader(out[i]), maxValue)
	}
	return out
}

// parseDate parses an RFC 5322 date, then a few layouts seen in the wild; zero if none fits.
func parseDate(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	if t, err := mail.ParseDate(s); err == nil {
		return t
	}
	s = strings.Join(strings.Fields(commentRE.ReplaceAllString(s, "")), " ")
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

// walker finds the first text parts of a message and the Message-ID of a
// message returned in a report, reading no further than it needs.
type walker struct {
	plain, html       string
	plainSet, htmlSet bool
	cut               bool
	parts             int
	report            bool
	reported          string
	reportedSet       bool
	action            string
	actionSet         bool
}

func (w *walker) done() bool {
	return w.parts >= maxParts || w.plainSet && (!w.report || w.reportedSet && w.actionSet)
}

// walk visits e and its parts, depth first.
func (w *walker) walk(e *message.Entity, depth int) {
	w.parts++
	mt, params := mediaType(e.Header)
	disp, _, _ := e.Header.ContentDisposition()
	inline := !strings.EqualFold(disp, "attachment")
	switch {
	case strings.HasPrefix(mt, "multipart/"):
		if depth >= maxDepth || params["boundary"] == "" {
			return
		}
		w.report = w.report || mt == "multipart/report"
		mr := mtextproto.NewMultipartReader(e.Body, params["boundary"])
		for !w.done() {
			p, err := mr.NextPart()
			if err != nil {
				return // the end, or broken MIME: keep what was found
			}
			child, _ := message.New(message.Header{Header: p.Header}, p)
			w.walk(child, depth+1)
		}
	case mt == "text/plain" && inline && !w.plainSet:
		w.plain, w.cut = readBounded(e.Body, MaxText)
		w.plainSet = true
	case mt == "text/html" && inline && !w.htmlSet && !w.plainSet:
		w.html, _ = readBounded(e.Body, maxHTML)
		w.htmlSet = true
	case w.report && !w.actionSet && (mt == "message/delivery-status" || mt == "message/global-delivery-status"):
		w.actionSet = true
		body, _ := readBounded(e.Body, maxInner)
		for _, m := range actionRE.FindAllStringSubmatch(body, maxAddrs) {
			a := strings.ToLower(m[1])
			if w.action == "" || a == "failed" {
				w.action = a
			}
		}
	case w.report && !w.reportedSet && (mt == "message/rfc822" || strings.HasSuffix(mt, "rfc822-headers")):
		w.reportedSet = true
		if h, err := readHeader(bufio.NewReader(io.LimitReader(e.Body, maxInner))); err == nil {
			if ids := msgIDs(h.Get("Message-Id")); len(ids) > 0 {
				w.reported = ids[0]
			}
		}
	}
}

// mediaType returns the lowercased media type and parameters of a part, text/plain
// when it has none, and a best effort (type and boundary) when it does not parse.
func mediaType(h message.Header) (string, map[string]string) {
	v := h.Get("Content-Type")
	if strings.TrimSpace(v) == "" {
		return "text/plain", nil
	}
	mt, params, err := mime.ParseMediaType(v)
	if err != nil && mt == "" {
		mt, _, _ = strings.Cut(v, ";")
		mt = strings.ToLower(strings.TrimSpace(mt))
	}
	if params["boundary"] == "" {
		if m := boundaryRE.FindStringSubmatch(v); m != nil {
			params = map[string]string{"boundary": m[1]}
		}
	}
	return mt, params
}

// readBounded reads at most limit bytes of r, keeping what it got on an error,
// and reports whether there was more.
func readBounded(r io.Reader, limit int) (string, bool) {
	buf, _ := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if len(buf) > limit {
		return string(buf[:limit]), true
	}
	return string(buf), false
}

// Tokens returns the correlation tokens the reply carries, at most MaxTokens:
// first those of the threading headers (In-Reply-To, References, the returned
// message of a report), then of the recipients (To, Cc, Delivered-To,
// X-Original-To, Envelope-To), then of the subject.
func (r Reply) Tokens() []string {
	var out []string
	add := func(vals ...string) {
		for _, v := range vals {
			for _, t := range FindTokens(v) {
				if len(out) < MaxTokens && !slices.Contains(out, t) {
					out = append(out, t)
				}
			}
		}
	}
	add(r.InReplyTo...)
	add(r.References...)
	add(r.ReportedMessageID)
	add(r.To...)
	for _, k := range []string{"Cc", "Delivered-To", "X-Original-To", "Envelope-To"} {
		add(r.Header[k]...)
	}
	add(r.Subject)
	return out
}
