package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/internal/store"
	"github.com/stakeoutcx/stakeout/probes/chat"
	"github.com/stakeoutcx/stakeout/probes/email"
)

// ShowCmd is `stakeout results show PROBE`.
type ShowCmd struct {
	Probe string `arg:"" name:"probe" help:"Probe id (run/target/channel/seq), as in an export."`
	StoreFlags
	Screenshot string `name:"screenshot" help:"Save the probe's screenshot (a JPEG of the page at the end of a chat probe) to this file."`
}

// Run prints the probe's result and evidence.
func (c *ShowCmd) Run(ctx context.Context, g *Globals) error {
	st, err := c.openRead(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	r, ok, err := st.Get(ctx, c.Probe)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("no result of probe %q in %s (stakeout results export --run RUN lists a run's probes)", c.Probe, c.DB)
	}
	out := g.stdout
	printResult(out, r)
	switch r.Channel {
	case "chat":
		err = printChatEvidence(out, r)
	case "email":
		err = printEmailEvidence(out, r)
	}
	if err != nil {
		return fmt.Errorf("probe %s: evidence: %w", r.ProbeID, err)
	}
	return c.saveScreenshot(ctx, st, out, r)
}

// printResult prints the fields of r.
func printResult(out io.Writer, r result.Result) {
	fmt.Fprintf(out, "probe:           %s\n", r.ProbeID)
	fmt.Fprintf(out, "run:             %s (campaign %s)\n", r.Run, orDash(r.Campaign))
	fmt.Fprintf(out, "target:          %s (industry %s), channel %s, scenario %s\n", r.Target, orDash(r.Industry), r.Channel, r.Scenario)
	fmt.Fprintf(out, "planned:         %s\n", stampMillis(r.PlannedAt))
	fmt.Fprintf(out, "started:         %s\n", stampMillis(r.StartedAt))
	fmt.Fprintf(out, "finished:        %s (ran %.3fs)\n", stampMillis(r.FinishedAt), r.DurationS)
	outcome := string(r.Outcome)
	if r.Reason != "" {
		outcome += "/" + r.Reason
	}
	fmt.Fprintf(out, "outcome:         %s\n", outcome)
	fmt.Fprintf(out, "first response:  %s\n", secondsOr(r.FirstResponseS))
	fmt.Fprintf(out, "human response:  %s\n", secondsOr(r.HumanResponseS))
}

// printChatEvidence prints the steps, timings and transcript of a chat probe.
func printChatEvidence(out io.Writer, r result.Result) error {
	if len(r.Evidence) == 0 {
		return nil
	}
	var rep chat.Report
	if err := json.Unmarshal(r.Evidence, &rep); err != nil {
		return err
	}
	fmt.Fprintf(out, "\nchat: %s with profile %s\n", rep.URL, rep.Profile)
	for _, s := range rep.Steps {
		status := "ok"
		if s.Error != "" {
			status = "FAILED: " + s.Error
		}
		fmt.Fprintf(out, "  %s step %-12s %8s  %s\n", s.Start.UTC().Format("15:04:05.000"), s.Name, ms(s.Duration()), status)
	}
	if rep.Error != "" {
		fmt.Fprintf(out, "error:           %s\n", rep.Error)
	}
	if r.Outcome == result.NoResponse && r.Reason == result.ReasonOffline {
		printOffline(out, rep.OfflineNotice, r.FinishedAt)
	}
	printTimings(out, &rep)
	printTranscript(out, &rep)
	return nil
}

// emailEvidence is the evidence of an email probe.
type emailEvidence struct {
	MessageID string       `json:"message_id"`
	T0        time.Time    `json:"t0"`
	T0Source  string       `json:"t0_source"`
	Replies   []email.Seen `json:"replies"`
	Bounce    *email.Seen  `json:"bounce"`
}

// printEmailEvidence prints our message and the replies of an email probe.
func printEmailEvidence(out io.Writer, r result.Result) error {
	if len(r.Evidence) == 0 {
		return nil
	}
	var ev emailEvidence
	if err := json.Unmarshal(r.Evidence, &ev); err != nil {
		return err
	}
	fmt.Fprintf(out, "\nemail: message %s\n", orDash(ev.MessageID))
	if !ev.T0.IsZero() {
		fmt.Fprintf(out, "t0:              %s (%s)\n", stampMillis(ev.T0), orValue(ev.T0Source, "smtp DATA accepted"))
	}
	fmt.Fprintf(out, "\nreplies (time from t0, as the mail server received them):\n")
	if len(ev.Replies) == 0 {
		fmt.Fprintln(out, "  none")
	}
	for _, s := range ev.Replies {
		printSeen(out, ev.T0, s)
	}
	if ev.Bounce != nil {
		fmt.Fprintln(out, "bounce:")
		printSeen(out, ev.T0, *ev.Bounce)
	}
	return nil
}

// printSeen prints one reply.
func printSeen(out io.Writer, t0 time.Time, s email.Seen) {
	rel := stampMillis(s.At)
	if !t0.IsZero() {
		rel = fmt.Sprintf("%+9.3fs", s.At.Sub(t0).Seconds())
	}
	line := fmt.Sprintf("  %s %-13s %s", rel, s.Kind, s.ID)
	for _, x := range []struct {
		on   bool
		what string
	}{{s.Ticket != "", "ticket " + s.Ticket}, {s.DSN != "", "dsn " + s.DSN},
		{s.Late, "after the deadline"}, {s.ClockSkew, "stamped before our message: not used"}} {
		if x.on {
			line += " (" + x.what + ")"
		}
	}
	fmt.Fprintln(out, line)
	if s.Text != "" {
		fmt.Fprintf(out, "      %s\n", quoteLine(s.Text))
	}
}

// saveScreenshot writes the probe's screenshot to --screenshot, or says there is one.
func (c *ShowCmd) saveScreenshot(ctx context.Context, st store.Store, out io.Writer, r result.Result) error {
	jpg, err := screenshotOf(ctx, st, r)
	if err != nil {
		return fmt.Errorf("probe %s: screenshot: %w", r.ProbeID, err)
	}
	switch {
	case len(jpg) == 0 && c.Screenshot != "":
		return fmt.Errorf("probe %s has no screenshot (chat probes keep one when they fail)", r.ProbeID)
	case len(jpg) == 0:
		return nil
	case c.Screenshot == "":
		fmt.Fprintf(out, "\nscreenshot: %d KiB (save it with --screenshot FILE)\n", (len(jpg)+1023)/1024)
		return nil
	}
	if err := os.WriteFile(c.Screenshot, jpg, 0o644); err != nil {
		return fmt.Errorf("save the screenshot: %w", err)
	}
	fmt.Fprintf(out, "\nscreenshot: %s\n", c.Screenshot)
	return nil
}

// screenshotOf returns the JPEG screenshot kept with r, nil when it has none. Chat
// results carry a reference under "screenshot" in their evidence (sha256, size, media
// type); the content is in the store's evidence table, or inline (data) when the
// worker had no store.
func screenshotOf(ctx context.Context, st store.Store, r result.Result) ([]byte, error) {
	if r.Channel != "chat" || len(r.Evidence) == 0 {
		return nil, nil
	}
	var ev struct {
		Screenshot *struct {
			SHA256 string `json:"sha256"`
			Data   []byte `json:"data"`
			Error  string `json:"error"`
		} `json:"screenshot"`
	}
	if err := json.Unmarshal(r.Evidence, &ev); err != nil {
		return nil, err
	}
	switch {
	case ev.Screenshot == nil:
		return nil, nil
	case len(ev.Screenshot.Data) > 0:
		return ev.Screenshot.Data, nil
	case ev.Screenshot.SHA256 == "":
		return nil, fmt.Errorf("not kept: %s", ev.Screenshot.Error)
	}
	data, _, ok, err := st.GetEvidence(ctx, ev.Screenshot.SHA256)
	if err == nil && !ok {
		err = fmt.Errorf("evidence %s is not in the store", ev.Screenshot.SHA256)
	}
	return data, err
}

// stampMillis formats t in UTC to the millisecond, "-" for the zero time.
func stampMillis(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05.000Z")
}

// secondsOr formats seconds to the millisecond, "none" for nil.
func secondsOr(s *float64) string {
	if s == nil {
		return "none"
	}
	return fmt.Sprintf("%.3fs", *s)
}

func orValue(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
