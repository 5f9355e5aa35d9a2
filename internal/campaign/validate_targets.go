package campaign

import (
	"net/url"
	"strings"
	"time"

	_ "time/tzdata" // time zones load the same on every machine, even without /usr/share/zoneinfo
)

func (k *checker) targets() {
	ts := k.c.Targets
	if len(ts) == 0 {
		k.p.add("targets", "required: at least one target")
		return
	}
	ids := make([]string, len(ts))
	for i := range ts {
		k.target(index("targets", i), &ts[i])
		ids[i] = ts[i].ID
	}
	k.unique("targets", ids)
}

func (k *checker) target(path string, t *Target) {
	k.id(join(path, "id"), t.ID)
	k.required(join(path, "name"), t.Name)
	k.required(join(path, "industry"), t.Industry)
	k.timezone(join(path, "timezone"), t)
	for j := range t.BusinessHours {
		k.hours(index(join(path, "business_hours"), j), &t.BusinessHours[j])
	}
	k.channels(join(path, "channels"), t)
}

func (k *checker) timezone(path string, t *Target) {
	switch t.Timezone {
	case "":
		k.p.add(path, "required: an IANA time zone name such as Europe/Paris")
		return
	case "Local":
		k.p.add(path, `"Local" depends on the machine: use an IANA time zone name such as Europe/Paris`)
		return
	}
	loc, err := time.LoadLocation(t.Timezone)
	if err != nil {
		k.p.add(path, "unknown time zone %s (want an IANA name such as Europe/Paris)", quote(t.Timezone))
		return
	}
	t.Location = loc
}

func (k *checker) hours(path string, h *Hours) {
	if strings.TrimSpace(h.Days) == "" {
		k.p.add(join(path, "days"), "required: e.g. mon-fri, sat, mon,wed,fri or daily")
	} else if days, err := ParseDays(h.Days); err != nil {
		k.p.add(join(path, "days"), "%v", err)
	} else {
		h.Weekdays = days
	}
	open, okOpen := k.clock(join(path, "open"), h.Open, false)
	closing, okClose := k.clock(join(path, "close"), h.Close, true)
	if okOpen && okClose && closing <= open {
		k.p.add(join(path, "close"), "close (%s) must be after open (%s)", h.Close, h.Open)
	}
	h.OpenMin, h.CloseMin = open, closing
}

// clock parses one HH:MM field, reporting a problem when it is missing or wrong.
func (k *checker) clock(path, s string, isClose bool) (int, bool) {
	if s == "" {
		k.p.add(path, "required: a time of day as HH:MM")
		return 0, false
	}
	m, err := ParseClock(s, isClose)
	if err != nil {
		k.p.add(path, "%v", err)
		return 0, false
	}
	return m, true
}

func (k *checker) channels(path string, t *Target) {
	enabled := t.Channels.Enabled()
	if len(enabled) == 0 {
		k.p.add(path, "required: at least one of chat, email")
		return
	}
	if ch := t.Channels.Chat; ch != nil {
		k.chat(join(path, "chat"), ch)
	}
	if em := t.Channels.Email; em != nil {
		k.email(join(path, "email"), em)
	}
	if k.p.badUnder("schedule.probes_per_target") || !k.anyProbes() {
		return
	}
	for _, ch := range enabled {
		if k.c.Schedule.ProbesPerTarget[ch] > 0 {
			return
		}
	}
	k.p.add(path, "none of this target's channels (%s) has probes in schedule.probes_per_target", channelList(enabled))
}

// anyProbes reports whether probes_per_target asks for at least one probe.
func (k *checker) anyProbes() bool {
	for _, n := range k.c.Schedule.ProbesPerTarget {
		if n > 0 {
			return true
		}
	}
	return false
}

func (k *checker) chat(path string, ch *ChatChannel) {
	if ch.URL == "" {
		k.p.add(join(path, "url"), "required: the page that carries the chat widget")
	} else if u, err := url.Parse(ch.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		k.p.add(join(path, "url"), "%s is not an http or https URL", quote(ch.URL))
	}
	k.required(join(path, "profile"), ch.Profile)
}

func (k *checker) email(path string, em *EmailChannel) {
	k.address(join(path, "address"), em.Address)
	switch {
	case em.Mailbox == "":
		k.p.add(join(path, "mailbox"), "required: the id of a mailbox in mailboxes")
	case !k.hasMailbox(em.Mailbox):
		k.p.add(join(path, "mailbox"), "no mailbox with id %s", quote(em.Mailbox))
	}
}

func (k *checker) hasMailbox(id string) bool {
	for _, m := range k.c.Mailboxes {
		if m.ID == id {
			return true
		}
	}
	return false
}

// channelList joins channel names with commas.
func channelList(chs []Channel) string {
	names := make([]string, len(chs))
	for i, ch := range chs {
		names[i] = string(ch)
	}
	return strings.Join(names, ", ")
}

// probedChannels lists the channels at least one probe of a run uses.
func (c *Campaign) probedChannels() []Channel {
	var out []Channel
	per := c.ProbesPerRun()
	for _, ch := range Channels {
		if per[ch] > 0 {
			out = append(out, ch)
		}
	}
	return out
}
