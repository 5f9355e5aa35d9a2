// Package result defines what a probe measured: its outcome, reason and timings, as carried
// from a probe to the results worker and kept in the store.
package result

import "time"

// Outcome is how a probe ended.
type Outcome string

// The outcomes of a probe (see the measurement contract in docs).
const (
	// Answered: a human answered before the deadline.
	Answered Outcome = "answered"
	// AutoOnly: only automated answers came before the deadline.
	AutoOnly Outcome = "auto_only"
	// NoResponse: nothing, or the channel said it was closed; counts against the target.
	NoResponse Outcome = "no_response"
	// Failed: the probe could not make contact; never counts against the target.
	Failed Outcome = "failed"
)

// Outcomes lists every outcome in a fixed order.
var Outcomes = []Outcome{Answered, AutoOnly, NoResponse, Failed}

// Valid reports whether o is a known outcome.
func (o Outcome) Valid() bool {
	for _, k := range Outcomes {
		if o == k {
			return true
		}
	}
	return false
}

// Reasons qualify an outcome. The list is bounded: it is a metric label.
const (
	ReasonNone               = ""
	ReasonDeadline           = "deadline"
	ReasonOffline            = "offline"
	ReasonPageLoad           = "page_load"
	ReasonWidgetNotFound     = "widget_not_found"
	ReasonFormRejected       = "form_rejected"
	ReasonSendFailed         = "send_failed"
	ReasonCaptcha            = "captcha"
	ReasonBrowser            = "browser"
	ReasonProfile            = "profile"
	ReasonSMTPRejected       = "smtp_rejected"
	ReasonMailboxUnreachable = "mailbox_unreachable"
	ReasonProbeError         = "probe_error"
	ReasonNoProbe            = "no_probe"
	// ReasonBounced: the company's mail system returned our message (a delivery status
	// notification): the address could not be reached.
	ReasonBounced = "bounced"
	// ReasonSendUnconfirmed: the attempt sending the message stopped before the server
	// answered, no later attempt sent it again, and nothing came back by the deadline.
	ReasonSendUnconfirmed = "send_unconfirmed"
	// ReasonOutOfWindow: the probe could not start before its run's window ended (its
	// target was closed, or its retries ran out of time): it never contacted the target.
	ReasonOutOfWindow = "out_of_window"
)

// Result is what one probe measured.
type Result struct {
	ProbeID   string    `json:"probe_id"`
	Run       string    `json:"run"`
	Campaign  string    `json:"campaign"`
	Target    string    `json:"target"`
	Industry  string    `json:"industry,omitempty"`
	Channel   string    `json:"channel"`
	Scenario  string    `json:"scenario"`
	PlannedAt time.Time `json:"planned_at"`
	StartedAt time.Time `json:"started_at"`
	// FinishedAt is when the outcome was decided.
	FinishedAt time.Time `json:"finished_at"`
	Outcome    Outcome   `json:"outcome"`
	Reason     string    `json:"reason,omitempty"`
	// FirstResponseS is seconds from t0 to the first answer of any kind; nil if none.
	FirstResponseS *float64 `json:"first_response_s,omitempty"`
	// HumanResponseS is seconds from t0 to the first human answer; nil if none.
	HumanResponseS *float64 `json:"human_response_s,omitempty"`
	// DurationS is how long the probe ran, seconds.
	DurationS float64 `json:"duration_s"`
	// Evidence is a bounded, channel-specific record (transcript, message ids), JSON.
	Evidence []byte `json:"evidence,omitempty"`
	// Revision orders the results of one probe: the store keeps the highest. An email
	// probe's result may be corrected after it was first decided (an earlier reply read
	// later, late evidence); other results have revision 0.
	Revision int64 `json:"revision,omitempty"`
}

// Seconds returns d in seconds as a pointer, for the optional latency fields.
func Seconds(d time.Duration) *float64 {
	s := d.Seconds()
	return &s
}
