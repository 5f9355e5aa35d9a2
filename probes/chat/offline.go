package chat

import "github.com/stakeoutcx/stakeout/probes/chat/profile"

// maxNoticeText is how many characters of the offline notice a report keeps.
const maxNoticeText = 300

// offlineNotice returns the text of the offline notice n that showed, "" when
// none: the notice element's text, or, for a notice told by the widget's text
// alone, that text from where n's pattern matches. It says why the widget is
// offline as the company put it (its hours, when it opens again).
func (o *observer) offlineNotice(n *profile.Notice) string {
	if n == nil {
		return ""
	}
	o.mu.Lock()
	texts := o.notices["offline"]
	o.mu.Unlock()
	for _, t := range texts {
		if !n.Text.MatchString(t) {
			continue
		}
		if n.Selector == "" && !n.Text.IsZero() {
			if loc := n.Text.Regexp().FindStringIndex(t); loc != nil {
				t = t[loc[0]:]
			}
		}
		return clip(t, maxNoticeText)
	}
	return ""
}
