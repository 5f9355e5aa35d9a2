package tasks

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hibiken/asynq"
	"github.com/stakeoutcx/stakeout/internal/campaign"
	"github.com/stakeoutcx/stakeout/internal/result"
)

var planned = time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)

func testProbe() Probe {
	return Probe{ProbeID: "r1-acme-chat-0001", Run: "r1", Channel: campaign.ChannelChat, TargetID: "acme",
		ScenarioID: "order-status", Seq: 1, PlannedAt: planned}
}

func testResult() result.Result {
	first, human := 4.5, 120.25
	return result.Result{ProbeID: "r1-acme-chat-0001", Run: "r1", Campaign: "c", Target: "acme", Channel: "chat",
		Scenario: "order-status", PlannedAt: planned, StartedAt: planned.Add(time.Second), FinishedAt: planned.Add(3 * time.Minute),
		Outcome: result.Answered, FirstResponseS: &first, HumanResponseS: &human, DurationS: 179, Evidence: []byte("transcript")}
}

func TestProbeRoundTrip(t *testing.T) {
	p := testProbe()
	task, err := NewProbeTask(p, time.Minute)
	if err != nil {
		t.Fatalf("NewProbeTask: %v", err)
	}
	if task.Type() != TypeProbeChat {
		t.Errorf("NewProbeTask type = %q, want %q", task.Type(), TypeProbeChat)
	}
	got, err := ParseProbe(task)
	if err != nil {
		t.Fatalf("ParseProbe: %v", err)
	}
	if diff := cmp.Diff(p, got); diff != "" {
		t.Errorf("ParseProbe(NewProbeTask(p)) (-want +got):\n%s", diff)
	}
}

func TestResultRoundTrip(t *testing.T) {
	r := testResult()
	task, err := NewResultTask(r)
	if err != nil {
		t.Fatalf("NewResultTask: %v", err)
	}
	got, err := ParseResult(task)
	if err != nil {
		t.Fatalf("ParseResult: %v", err)
	}
	if diff := cmp.Diff(r, got); diff != "" {
		t.Errorf("ParseResult(NewResultTask(r)) (-want +got):\n%s", diff)
	}
}

func TestDeadlineRoundTrip(t *testing.T) {
	d := Deadline{ProbeID: "r1-acme-email-0001", Token: "stk-abcdefghijkl"}
	task, err := NewDeadlineTask(d, planned)
	if err != nil {
		t.Fatalf("NewDeadlineTask: %v", err)
	}
	got, err := ParseDeadline(task)
	if err != nil || got != d {
		t.Errorf("ParseDeadline(NewDeadlineTask(d)) = %+v, %v; want %+v", got, err, d)
	}
}

// A result batch keeps the results that decode and lists the others as bad.
func TestResultBatch(t *testing.T) {
	r := testResult()
	good, err := NewResultTask(r)
	if err != nil {
		t.Fatalf("NewResultTask: %v", err)
	}
	parts := []*asynq.Task{good, asynq.NewTask(TypeResult, []byte(`{"probe_id":"x","outcome":"maybe"}`)),
		asynq.NewTask(TypeResult, []byte("not json"))}
	batch := AggregateResults(ResultGroup, parts)
	if batch.Type() != TypeResultBatch {
		t.Errorf("AggregateResults type = %q, want %q", batch.Type(), TypeResultBatch)
	}
	rs, bad, err := ParseResultBatch(batch)
	if err != nil {
		t.Fatalf("ParseResultBatch: %v", err)
	}
	if diff := cmp.Diff([]result.Result{r}, rs); diff != "" {
		t.Errorf("ParseResultBatch results (-want +got):\n%s", diff)
	}
	// "not json" is dropped by the aggregator; the bad outcome is reported.
	if len(bad) != 1 || !errors.Is(bad[0], asynq.SkipRetry) || !strings.Contains(bad[0].Error(), `"maybe"`) {
		t.Errorf("ParseResultBatch bad = %v, want one SkipRetry error naming the outcome", bad)
	}
}

// Every bad payload is wrapped with asynq.SkipRetry: retrying cannot help.
func TestBadPayloadsSkipRetry(t *testing.T) {
	probe := func(b string) error { _, err := ParseProbe(asynq.NewTask(TypeProbeChat, []byte(b))); return err }
	res := func(b string) error { _, err := ParseResult(asynq.NewTask(TypeResult, []byte(b))); return err }
	deadline := func(b string) error { _, err := ParseDeadline(asynq.NewTask(TypeEmailDeadline, []byte(b))); return err }
	batch := func(b string) error {
		_, _, err := ParseResultBatch(asynq.NewTask(TypeResultBatch, []byte(b)))
		return err
	}
	for _, tt := range []struct {
		name    string
		parse   func(string) error
		payload string
		want    string
	}{
		{"probe not json", probe, "{", "decode probe:chat payload: "},
		{"probe wrong type", probe, `{"probe_id": 7}`, "decode probe:chat payload: "},
		{"probe no ids", probe, `{"probe_id": "p"}`, "decode probe:chat payload: missing probe or target id"},
		{"result not json", res, "[", "decode result payload: "},
		{"result no probe id", res, `{"outcome": "answered"}`, "decode result payload: missing probe id or bad outcome"},
		{"result bad outcome", res, `{"probe_id": "p", "outcome": "late"}`, `bad outcome "late"`},
		{"deadline not json", deadline, "x", "decode deadline payload: "},
		{"deadline no token", deadline, `{"probe_id": "p"}`, "decode deadline payload: "},
		{"batch not a list", batch, `{"probe_id": "p"}`, "decode result batch: "},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.parse(tt.payload)
			if !errors.Is(err, asynq.SkipRetry) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("parse(%q) = %v, want an error with %q wrapping asynq.SkipRetry", tt.payload, err, tt.want)
			}
		})
	}
}

func TestProbeTypeAndQueue(t *testing.T) {
	for ch, want := range map[campaign.Channel][2]string{
		campaign.ChannelChat:  {TypeProbeChat, QueueChat},
		campaign.ChannelEmail: {TypeProbeEmail, QueueEmail},
	} {
		if got := [2]string{ProbeType(ch), ProbeQueue(ch)}; got != want {
			t.Errorf("ProbeType, ProbeQueue(%s) = %v, want %v", ch, got, want)
		}
	}
}
