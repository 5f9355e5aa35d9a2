package detect

import "time"

// Transition is one change to a kind's alert.
type Transition struct {
	Kind Kind `json:"kind"`
	// Open: true opens a new alert (store Finding.Opened(now) as its Open), false
	// resolves the open one.
	Open    bool    `json:"open"`
	Finding Finding `json:"finding"`
}

// Decide turns findings into transitions, in the findings' order, at most one per kind:
//
//   - open when the finding fires, no alert of its kind is open, and the kind is not in
//     its cooldown (now is less than Cooldown after lastResolved[kind]);
//   - resolve an open alert whose finding no longer fires.
//
// One cause gives one alert: response_rate does not open while stopped_answering is
// open or opens in the same call (the newest probes all unanswered is the sharper
// statement of the same fall); it may open once stopped_answering resolves and the rate
// is still low.
//
// An open alert whose kind has no finding (its data fell away: no timed answer left in
// the window, say) stays open: missing evidence is not recovery. Only a finding that
// judged the kind and found it cleared resolves it. Decide uses p with zero fields
// taking the chat defaults: pass p.WithDefaults(channel) for the channel's cooldown.
func Decide(open map[Kind]Open, lastResolved map[Kind]time.Time, findings []Finding, now time.Time, p Params) []Transition {
	p = p.sane()
	_, covered := open[KindStopped]
	for _, f := range findings {
		if f.Kind == KindStopped {
			covered = covered || f.Firing && !cooling(lastResolved, KindStopped, now, p)
			break
		}
	}
	var out []Transition
	seen := make(map[Kind]bool, len(findings))
	for _, f := range findings {
		if seen[f.Kind] {
			continue
		}
		seen[f.Kind] = true
		_, isOpen := open[f.Kind]
		switch {
		case isOpen && !f.Firing:
			out = append(out, Transition{Kind: f.Kind, Open: false, Finding: f})
		case !isOpen && f.Firing && !cooling(lastResolved, f.Kind, now, p) && !(f.Kind == KindResponseRate && covered):
			out = append(out, Transition{Kind: f.Kind, Open: true, Finding: f})
		}
	}
	return out
}

// cooling reports whether kind resolved less than the cooldown before now.
func cooling(lastResolved map[Kind]time.Time, kind Kind, now time.Time, p Params) bool {
	t, ok := lastResolved[kind]
	return ok && now.Sub(t) < time.Duration(p.Cooldown)
}
