package sim

import (
	"fmt"
	"net"
	"regexp"
	"time"
)

// urlSafeID is what a chat company's id must look like: it is a URL path segment.
var urlSafeID = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// validateWeb checks that the widget host gets its own origin.
func validateWeb(w Web, add adder) {
	host, port, err := net.SplitHostPort(w.Addr)
	if err != nil || port == "0" {
		return
	}
	if h2, p2, err := net.SplitHostPort(w.WidgetAddr); err == nil && h2 == host && p2 == port {
		add("web.widget_addr", "%q is web.addr: the widget needs its own port (another origin)", w.WidgetAddr)
	}
}

// validateChat checks a company's chat section (defaults filled).
func validateChat(co Company, p string, add adder) {
	ch, cp := co.Chat, p+".chat"
	if co.ID != "" && !urlSafeID.MatchString(co.ID) {
		add(p+".id", "%q is part of the chat URLs: use only letters, digits, '.', '_' and '-'", co.ID)
	}
	switch ch.Style {
	case ChatIframe, ChatInline:
	default:
		add(cp+".style", "%q is not a chat style (want iframe or inline)", ch.Style)
	}
	for i, h := range ch.Hours {
		if _, field, err := h.parse(); err != nil {
			add(fmt.Sprintf("%s.hours[%d].%s", cp, i, field), "%v", err)
		}
	}
	if !(ch.NoReplyRate >= 0 && ch.NoReplyRate <= 1) {
		add(cp+".no_reply_rate", "must be between 0 and 1, got %v", ch.NoReplyRate)
	}
	if ch.Captcha && ch.Style == ChatInline {
		add(cp+".captcha", "only the iframe style has a captcha")
	}
	if !ch.answers() {
		return
	}
	if ch.Reply.Median <= 0 {
		add(cp+".reply.median", "must be > 0 (agents answer: no_reply_rate < 1, not offline)")
	} else if ch.FollowUp.Median <= 0 {
		add(cp+".follow_up.median", "must be > 0 when follow_up is given")
	}
	for _, r := range []struct {
		path string
		r    Reply
	}{{cp + ".reply.p90", ch.Reply}, {cp + ".follow_up.p90", ch.FollowUp}} {
		if r.r.P90 < r.r.Median {
			add(r.path, "%v is below the median %v", r.r.P90.D(), r.r.Median.D())
		}
	}
}

// loadZone loads an IANA time zone; "" is UTC. "Local" is refused: it depends
// on the machine.
func loadZone(name string) (*time.Location, error) {
	switch name {
	case "":
		return time.UTC, nil
	case "Local":
		return nil, fmt.Errorf(`"Local" depends on the machine: use an IANA time zone name such as Europe/Paris`)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q (want an IANA name such as Europe/Paris)", name)
	}
	return loc, nil
}
