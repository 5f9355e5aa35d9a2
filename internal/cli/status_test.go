package cli_test

import (
	"bufio"
	"encoding/json"
	"io"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stakeoutcx/stakeout/internal/cli"
	"github.com/stakeoutcx/stakeout/internal/redistest"
)

// statusJSON is campaign status --format json.
type statusJSON struct {
	Run      string         `json:"run"`
	Campaign string         `json:"campaign"`
	Start    time.Time      `json:"start"`
	End      time.Time      `json:"end"`
	Planned  int            `json:"planned"`
	Counts   map[string]int `json:"counts"`
	Ended    bool           `json:"ended"`
}

// TestStatusWatchJSON watches a run in JSON: one object per refresh, until every probe
// has ended (here: the run is cancelled while it is watched).
func TestStatusWatchJSON(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	start := time.Now().UTC().Add(time.Hour).Truncate(time.Second)
	launch := stakeout(t, "campaign", "launch", smallCampaign, "--start", start.Format(time.RFC3339), "--no-progress", "--redis-url", srv.URL(0))
	if launch.Code != 0 {
		t.Fatalf("launch = exit %d, stderr %q", launch.Code, launch.Stderr)
	}
	run := "small-" + start.Format("20060102T1504Z")

	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		code := cli.Run([]string{"campaign", "status", run, "--format", "json", "--watch", "50ms", "--redis-url", srv.URL(0)}, pw, io.Discard)
		pw.Close()
		done <- code
	}()
	sc := bufio.NewScanner(pr)
	var lines []statusJSON
	for sc.Scan() {
		var st statusJSON
		if err := json.Unmarshal(sc.Bytes(), &st); err != nil {
			t.Fatalf("status line %q: %v", sc.Text(), err)
		}
		if len(lines) == 0 { // the first refresh is out: end the run
			if got := stakeout(t, "campaign", "cancel", run, "--redis-url", srv.URL(0)); got.Code != 0 {
				t.Fatalf("cancel = exit %d, stderr %q", got.Code, got.Stderr)
			}
		}
		lines = append(lines, st)
	}
	if code := <-done; code != 0 {
		t.Fatalf("status --watch = exit %d", code)
	}
	first := statusJSON{Run: run, Campaign: "small", Start: start, End: start.Add(10 * time.Minute), Planned: smallTotal,
		Counts: map[string]int{"scheduled": smallTotal, "running": 0, "answered": 0, "auto_only": 0, "no_response": 0, "failed": 0, "cancelled": 0}}
	if diff := cmp.Diff(first, lines[0]); diff != "" {
		t.Errorf("first status (-want +got):\n%s", diff)
	}
	last := first
	last.Counts = map[string]int{"scheduled": 0, "running": 0, "answered": 0, "auto_only": 0, "no_response": 0, "failed": 0, "cancelled": smallTotal}
	last.Ended = true
	if diff := cmp.Diff(last, lines[len(lines)-1]); diff != "" {
		t.Errorf("last status (-want +got):\n%s", diff)
	}
	for _, st := range lines[:len(lines)-1] {
		if st.Ended {
			t.Errorf("status --watch went on after a status that says the run ended: %+v", lines)
		}
	}
}
