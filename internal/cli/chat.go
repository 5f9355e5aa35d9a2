package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/probes/chat"
	"github.com/stakeoutcx/stakeout/probes/chat/browser"
	"github.com/stakeoutcx/stakeout/probes/chat/profile"
	"github.com/stakeoutcx/stakeout/workers"
)

// ChatCmd is `stakeout chat`.
type ChatCmd struct {
	Try ChatTryCmd `cmd:"" help:"Hold one conversation with a chat widget and show every step, message and timing: the tool to write and fix a widget profile."`
}

// ChatTryCmd is `stakeout chat try`.
type ChatTryCmd struct {
	URL        string        `name:"url" required:"" help:"Page carrying the chat widget."`
	Profile    string        `name:"profile" required:"" help:"Widget profile: a YAML file (docs/widget-profiles.md) or the name of a built-in profile."`
	Message    string        `name:"message" default:"Hello, I have a question about delivery times to Norway. Is anyone there?" help:"Opening message."`
	FollowUps  []string      `name:"follow-up" help:"A follow-up, sent after a person answered (repeatable)."`
	Name       string        `name:"name" default:"Alex Morgan" help:"Persona name, for the pre-chat form."`
	Email      string        `name:"email" default:"alex.morgan@example.com" help:"Persona email, for the pre-chat form."`
	Phone      string        `name:"phone" help:"Persona phone, for the pre-chat form."`
	Wait       time.Duration `name:"wait" default:"2m" help:"How long to wait for a person to answer (a campaign's abandon timeout is 20m)."`
	Screenshot string        `name:"screenshot" default:"chat-try.jpg" help:"Where to save a screenshot of the page at the end (an empty value saves none)."`
	Chromium   string        `name:"chromium" env:"STAKEOUT_CHROMIUM" help:"Chromium binary (default: the headless shell of Debian's chromium-headless-shell, else chromium)."`
	Verbose    bool          `name:"verbose" short:"v" help:"Also print the debug logs of the conversation and the browser (text lines on stderr). Without it only their warnings and errors show; --log-level does not apply to chat try, and it writes no JSON."`
}

// Run holds the conversation and prints what happened; it exits 1 when a
// step failed.
func (c *ChatTryCmd) Run(ctx context.Context, g *Globals) error {
	prof, err := loadProfile(c.Profile)
	if err != nil {
		return &exitError{code: 1, msg: err.Error()}
	}
	logger := tryLogger(g.stderr, c.Verbose)
	pool, err := browser.New(browser.Options{ExecPath: c.Chromium, MaxConcurrent: 1, Logger: logger})
	if err != nil {
		return err
	}
	defer pool.Close()
	tab, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer tab.Close()
	out := g.stdout
	start := time.Now()
	fmt.Fprintf(out, "chat try: %s with profile %s, waiting up to %s for a person\n", c.URL, prof.Name, c.Wait)
	conv := &chat.Conversation{URL: c.URL, Profile: prof, Message: c.Message, FollowUps: c.FollowUps,
		Vars:    profile.Vars{PersonaName: c.Name, PersonaEmail: c.Email, PersonaPhone: c.Phone, Message: c.Message},
		Abandon: c.Wait, Screenshot: c.Screenshot != "", Log: logger,
		Progress: func(ev chat.Event) { printEvent(out, start, ev) }}
	rep := conv.Run(ctx, tab)
	printReport(out, rep, time.Time{})
	if c.Screenshot != "" && len(rep.Screenshot) > 0 {
		if err := os.WriteFile(c.Screenshot, rep.Screenshot, 0o644); err != nil {
			return fmt.Errorf("save the screenshot: %w", err)
		}
		fmt.Fprintf(out, "screenshot: %s\n", c.Screenshot)
	}
	if rep.Outcome == result.Failed {
		return &exitError{code: 1, msg: fmt.Sprintf("chat try: failed/%s: %s", rep.Reason, rep.Error)}
	}
	return nil
}

// tryLogger is the logger of chat try's browser and conversation: text lines
// on w, not JSON, so that a terminal shows only lines a person reads; their
// warnings and errors only, unless verbose.
func tryLogger(w io.Writer, verbose bool) *slog.Logger {
	level := slog.LevelWarn
	if verbose {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.TimeKey {
				return slog.Attr{} // the step lines carry the times
			}
			return workers.LogReplaceAttr(groups, a)
		}}))
}

// loadProfile reads a profile file, or finds a built-in profile by name.
func loadProfile(ref string) (*profile.Profile, error) {
	if profile.IsPath(ref) {
		return profile.Load(ref)
	}
	if _, err := os.Stat(ref); err == nil {
		return profile.Load(ref)
	}
	return (&chat.Profiles{}).Lookup(ref)
}

// printEvent prints a step or a message as it happens.
func printEvent(out io.Writer, start time.Time, ev chat.Event) {
	at := func(t time.Time) string { return fmt.Sprintf("%7.3fs", t.Sub(start).Seconds()) }
	switch {
	case ev.Step != nil && ev.Step.Error != "":
		fmt.Fprintf(out, "%s  step %-12s FAILED after %s: %s\n", at(ev.Step.End), ev.Step.Name, ms(ev.Step.Duration()), ev.Step.Error)
	case ev.Step != nil:
		fmt.Fprintf(out, "%s  step %-12s ok (%s)\n", at(ev.Step.End), ev.Step.Name, ms(ev.Step.Duration()))
	case ev.Message != nil:
		fmt.Fprintf(out, "%s  message %-8s %s\n", at(ev.Message.DOMAt), ev.Message.Author, quoteLine(ev.Message.Text))
	case ev.Typing != nil && ev.Typing.End.IsZero():
		fmt.Fprintf(out, "%s  typing indicator shown\n", at(ev.Typing.Start))
	case ev.Typing != nil:
		fmt.Fprintf(out, "%s  typing indicator gone after %s\n", at(ev.Typing.End), ms(ev.Typing.End.Sub(ev.Typing.Start)))
	}
}

// printReport prints the outcome, the timings and the transcript; ended is when the
// conversation ended, to read an offline notice against (zero: it just did).
func printReport(out io.Writer, rep *chat.Report, ended time.Time) {
	fmt.Fprintf(out, "\noutcome: %s", rep.Outcome)
	if rep.Reason != "" {
		fmt.Fprintf(out, "/%s", rep.Reason)
	}
	if rep.Error != "" {
		fmt.Fprintf(out, " (%s)", rep.Error)
	}
	fmt.Fprintln(out)
	if rep.Outcome == result.NoResponse && rep.Reason == result.ReasonOffline {
		printOffline(out, rep.OfflineNotice, ended)
	}
	printTimings(out, rep)
	printTranscript(out, rep)
}

// printTimings prints the widget's readiness, t0, the responses and the follow-ups'.
func printTimings(out io.Writer, rep *chat.Report) {
	if rep.WidgetReady != nil {
		fmt.Fprintf(out, "widget ready:    %s after opening the page\n", ms(*rep.WidgetReady))
	}
	if !rep.T0.IsZero() {
		fmt.Fprintf(out, "t0:              %s (%s)\n", rep.T0.Format("15:04:05.000"), rep.T0Source)
	}
	fmt.Fprintf(out, "first response:  %s\n", durationOr(rep.FirstResponse, rep.FirstSource))
	fmt.Fprintf(out, "human response:  %s\n", durationOr(rep.HumanResponse, rep.HumanSource))
	for _, s := range rep.Sent[min(1, len(rep.Sent)):] {
		fmt.Fprintf(out, "follow-up:       %s -> %s\n", quoteLine(s.Text), durationOr(s.Response, ""))
	}
}

// printTranscript prints the messages timed from t0, the typing indicator and what
// the observer could not tell.
func printTranscript(out io.Writer, rep *chat.Report) {
	fmt.Fprintln(out, "\ntranscript (time from t0; source of the time):")
	unknown := 0
	for _, m := range rep.Messages {
		rel, src := "", "dom"
		if !m.WireAt.IsZero() {
			src = "network"
		}
		if !rep.T0.IsZero() {
			rel = fmt.Sprintf("%+8.3fs", m.At().Sub(rep.T0).Seconds())
		}
		fmt.Fprintf(out, "  %s %-7s %-8s %s\n", rel, src, m.Author, quoteLine(m.Text))
		if m.Author == chat.AuthorUnknown {
			unknown++
		}
	}
	printTyping(out, rep)
	if unknown > 0 {
		fmt.Fprintf(out, "%d message(s) matched no author: fix messages.ours/agent/bot/system in the profile\n", unknown)
	}
	for _, e := range rep.ObserverErrors {
		fmt.Fprintf(out, "observer error: %s\n", e)
	}
}

// printOffline says why the widget was offline: its notice, as the company
// wrote it (a simulator's says its hours, its time zone and the time there),
// and the local time now (or when the conversation ended, if not zero).
func printOffline(out io.Writer, notice string, ended time.Time) {
	if notice == "" {
		notice = "(the notice has no text)"
	} else {
		notice = fmt.Sprintf("%q", strings.Join(strings.Fields(notice), " "))
	}
	fmt.Fprintf(out, "offline notice:  %s\n", notice)
	if ended.IsZero() {
		fmt.Fprintf(out, "local time now:  %s\n", time.Now().Format("Mon 2006-01-02 15:04 MST"))
		return
	}
	fmt.Fprintf(out, "ended at:        %s\n", ended.Local().Format("Mon 2006-01-02 15:04 MST"))
}

// printTyping prints when the typing indicator showed, from t0, and for how
// long.
func printTyping(out io.Writer, rep *chat.Report) {
	if len(rep.Typing) > 0 {
		fmt.Fprintln(out, "\ntyping indicator (time from t0):")
	}
	for _, ty := range rep.Typing {
		when, long := ty.Start.Format("15:04:05.000"), "until the end"
		if !rep.T0.IsZero() {
			when = fmt.Sprintf("%+8.3fs", ty.Start.Sub(rep.T0).Seconds())
		}
		if !ty.End.IsZero() {
			long = "for " + ms(ty.End.Sub(ty.Start))
		}
		fmt.Fprintf(out, "  %s shown %s\n", when, long)
	}
	if rep.TypingDropped > 0 {
		fmt.Fprintf(out, "  (%d more showings of the typing indicator)\n", rep.TypingDropped)
	}
}

// durationOr formats d with its source, or "none".
func durationOr(d *time.Duration, source string) string {
	if d == nil {
		return "none"
	}
	if source == "" {
		return ms(*d)
	}
	return ms(*d) + " (" + source + ")"
}

// ms formats d in seconds with milliseconds.
func ms(d time.Duration) string { return fmt.Sprintf("%.3fs", d.Seconds()) }

// quoteLine quotes a message on one line, shortened.
func quoteLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 100 {
		s = string(r[:100]) + "…"
	}
	return fmt.Sprintf("%q", s)
}
