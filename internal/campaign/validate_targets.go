package campaign

import (
	"errors"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/stakeoutcx/stakeout/probes/chat/profile"

	_ "time/tzdata" // time zones load the same on every machine, even without /usr/share/zoneinfo

	"github.com/stakeoutcx/stakeout/internal/safefile"
	"github.com/stakeoutcx/stakeout/internal/yamlcheck"
)

func (k *checker) targets() {
	ts := k.c.Targets
	if len(ts) == 0 {
		k.p.Add("targets", "required: at least one target")
		return
	}
	ids := make([]string, len(ts))
	for i := range ts {
		k.target(yamlcheck.Index("targets", i), &ts[i])
		ids[i] = ts[i].ID
	}
	k.unique("targets", ids)
}

func (k *checker) target(path string, t *Target) {
	k.id(yamlcheck.Join(path, "id"), t.ID)
	k.required(yamlcheck.Join(path, "name"), t.Name)
	k.required(yamlcheck.Join(path, "industry"), t.Industry)
	if t.Client == "" {
		t.Client = t.ID
	} else {
		k.id(yamlcheck.Join(path, "client"), t.Client)
	}
	k.timezone(yamlcheck.Join(path, "timezone"), t)
	for j := range t.BusinessHours {
		k.hours(yamlcheck.Index(yamlcheck.Join(path, "business_hours"), j), &t.BusinessHours[j])
	}
	k.channels(yamlcheck.Join(path, "channels"), t)
}

func (k *checker) timezone(path string, t *Target) {
	switch t.Timezone {
	case "":
		k.p.Add(path, "required: an IANA time zone name such as Europe/Paris")
		return
	case "Local":
		k.p.Add(path, `"Local" depends on the machine: use an IANA time zone name such as Europe/Paris`)
		return
	}
	loc, err := time.LoadLocation(t.Timezone)
	if err != nil {
		k.p.Add(path, "unknown time zone %s (want an IANA name such as Europe/Paris)", yamlcheck.Quote(t.Timezone))
		return
	}
	t.Location = loc
}

func (k *checker) hours(path string, h *Hours) {
	if strings.TrimSpace(h.Days) == "" {
		k.p.Add(yamlcheck.Join(path, "days"), "required: e.g. mon-fri, sat, mon,wed,fri or daily")
	} else if days, err := ParseDays(h.Days); err != nil {
		k.p.Add(yamlcheck.Join(path, "days"), "%v", err)
	} else {
		h.Weekdays = days
	}
	open, okOpen := k.clock(yamlcheck.Join(path, "open"), h.Open, false)
	closing, okClose := k.clock(yamlcheck.Join(path, "close"), h.Close, true)
	if okOpen && okClose && closing <= open {
		k.p.Add(yamlcheck.Join(path, "close"), "close (%s) must be after open (%s)", h.Close, h.Open)
	}
	h.OpenMin, h.CloseMin = open, closing
}

// clock parses one HH:MM field, reporting a problem when it is missing or wrong.
func (k *checker) clock(path, s string, isClose bool) (int, bool) {
	if s == "" {
		k.p.Add(path, "required: a time of day as HH:MM")
		return 0, false
	}
	m, err := ParseClock(s, isClose)
	if err != nil {
		k.p.Add(path, "%v", err)
		return 0, false
	}
	return m, true
}

func (k *checker) channels(path string, t *Target) {
	enabled := t.Channels.Enabled()
	if len(enabled) == 0 {
		k.p.Add(path, "required: at least one of chat, email")
		return
	}
	if ch := t.Channels.Chat; ch != nil {
		k.chat(yamlcheck.Join(path, "chat"), ch)
	}
	if em := t.Channels.Email; em != nil {
		k.email(yamlcheck.Join(path, "email"), em)
	}
	if k.p.BadUnder("schedule.probes_per_target") || !k.anyProbes() {
		return
	}
	for _, ch := range enabled {
		if k.c.Schedule.ProbesPerTarget[ch] > 0 {
			return
		}
	}
	k.p.Add(path, "none of this target's channels (%s) has probes in schedule.probes_per_target", channelList(enabled))
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
		k.p.Add(yamlcheck.Join(path, "url"), "required: the page that carries the chat widget")
	} else if u, err := url.Parse(ch.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		k.p.Add(yamlcheck.Join(path, "url"), "%s is not an http or https URL", yamlcheck.Quote(ch.URL))
	}
	k.required(yamlcheck.Join(path, "profile"), ch.Profile)
	if profile.IsPath(ch.Profile) && !k.o.NoProfiles {
		k.profileFile(yamlcheck.Join(path, "profile"), ch)
	}
}

// profileFile reads and checks a target's own widget profile, relative to the
// campaign file and inside the profile directory, and keeps its contents for the
// workers.
func (k *checker) profileFile(path string, ch *ChatChannel) {
	shown, dir, name := k.profileLocation(ch.Profile)
	data, err := safefile.ReadIn(k.ctx, dir, name, profile.MaxFileBytes)
	switch {
	case errors.Is(err, safefile.ErrOutside):
		k.p.Add(path, "%s is outside the directory widget profiles are read from (%s): move it there, or choose the directory with --profile-dir", yamlcheck.Quote(ch.Profile), dir)
		return
	case err != nil:
		k.p.Add(path, "cannot read the widget profile: %v", err)
		return
	}
	if _, err := profile.Parse(shown, data); err != nil {
		k.p.Add(path, "the widget profile has problems:\n%v", err)
		return
	}
	ch.ProfileSource = string(data)
}

// profileLocation returns the profile file ref as shown in messages, the directory
// it must lie in (Options.ProfileDir, else the campaign file's directory) and its
// path with the symbolic links resolved (ReadIn checks them again as it opens it).
func (k *checker) profileLocation(ref string) (shown, dir, name string) {
	base := "."
	if k.c.File != "" {
		base = filepath.Dir(k.c.File)
	}
	shown = ref
	if !filepath.IsAbs(ref) {
		shown = filepath.Join(base, ref)
	}
	dir = k.o.ProfileDir
	if dir == "" {
		dir = base
	}
	dir = realPath(dir)
	name = realPath(shown)
	return shown, dir, name
}

// realPath returns p absolute with its symbolic links resolved, or as absolute as
// it can be made when it does not exist.
func realPath(p string) string {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		p = r
	}
	if a, err := filepath.Abs(p); err == nil {
		p = a
	}
	return p
}

func (k *checker) email(path string, em *EmailChannel) {
	k.address(yamlcheck.Join(path, "address"), em.Address)
	switch {
	case em.Mailbox == "":
		k.p.Add(yamlcheck.Join(path, "mailbox"), "required: the id of a mailbox in mailboxes")
	case !k.hasMailbox(em.Mailbox):
		k.p.Add(yamlcheck.Join(path, "mailbox"), "no mailbox with id %s", yamlcheck.Quote(em.Mailbox))
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
