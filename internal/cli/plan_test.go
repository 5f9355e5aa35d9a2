package cli_test

import (
	"encoding/csv"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The example campaign's first run: 90 probes in December 2026.
const (
	exampleRun   = "retail-telecom-2026-20261201T0000Z"
	exampleTotal = 90
)

// planRow is one probe of a plan, as every format gives it.
type planRow struct {
	ID       string    `json:"id"`
	Run      string    `json:"run"`
	Target   string    `json:"target"`
	Channel  string    `json:"channel"`
	Scenario string    `json:"scenario"`
	Seq      int       `json:"seq"`
	At       time.Time `json:"at"`
	Local    time.Time `json:"local"`
}

// plan runs campaign plan on the example with args and wants exit 0 and no stderr.
func plan(t *testing.T, args ...string) string {
	t.Helper()
	args = append([]string{"campaign", "plan", exampleCampaign}, args...)
	got := stakeout(t, args...)
	if got.Code != 0 || got.Stderr != "" {
		t.Fatalf("stakeout %s = exit %d, stderr %q; want exit 0, no stderr", strings.Join(args, " "), got.Code, got.Stderr)
	}
	return got.Stdout
}

// parsePlanCSV parses the csv format and checks its header.
func parsePlanCSV(t *testing.T, out string) []planRow {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("plan --format csv is not CSV: %v", err)
	}
	wantHeader := []string{"id", "run", "target", "channel", "scenario", "seq", "at", "local"}
	if len(recs) == 0 {
		t.Fatal("plan --format csv printed nothing")
	}
	if diff := cmp.Diff(wantHeader, recs[0]); diff != "" {
		t.Fatalf("plan --format csv header (-want +got):\n%s", diff)
	}
	rows := make([]planRow, 0, len(recs)-1)
	for _, r := range recs[1:] {
		seq, err1 := strconv.Atoi(r[5])
		at, err2 := time.Parse(time.RFC3339Nano, r[6])
		local, err3 := time.Parse(time.RFC3339Nano, r[7])
		if err1 != nil || err2 != nil || err3 != nil {
			t.Fatalf("plan --format csv row %q: seq %v, at %v, local %v", r, err1, err2, err3)
		}
		rows = append(rows, planRow{ID: r[0], Run: r[1], Target: r[2], Channel: r[3], Scenario: r[4], Seq: seq, At: at, Local: local})
	}
	return rows
}

// checkPlan checks rows against what every plan of run must be.
func checkPlan(t *testing.T, rows []planRow, run string, start, end time.Time) {
	t.Helper()
	if len(rows) != exampleTotal {
		t.Errorf("plan has %d probes, want %d", len(rows), exampleTotal)
	}
	perChannel := map[string]int{}
	for i, r := range rows {
		perChannel[r.Channel]++
		if r.Run != run || !strings.HasPrefix(r.ID, run+"/"+r.Target+"/"+r.Channel+"/") {
			t.Errorf("probe %d: id %q, run %q; want run %q", i, r.ID, r.Run, run)
		}
		if r.At.Before(start) || !r.At.Before(end) {
			t.Errorf("probe %s at %s, want within [%s, %s)", r.ID, r.At, start, end)
		}
		if !r.Local.Equal(r.At) {
			t.Errorf("probe %s: local %s is not the same instant as at %s", r.ID, r.Local, r.At)
		}
		if i > 0 && r.At.Before(rows[i-1].At) {
			t.Errorf("probe %s at %s comes before the previous one at %s: want sorted by time", r.ID, r.At, rows[i-1].At)
		}
	}
	if diff := cmp.Diff(map[string]int{"chat": 60, "email": 30}, perChannel); diff != "" {
		t.Errorf("probes per channel (-want +got):\n%s", diff)
	}
}

func TestPlanFormats(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	end := start.AddDate(0, 1, 0)
	csvRows := parsePlanCSV(t, plan(t, "--run", exampleRun, "--format", "csv"))
	checkPlan(t, csvRows, exampleRun, start, end)

	var jsonRows []planRow
	if err := json.Unmarshal([]byte(plan(t, "--run", exampleRun, "--format", "json")), &jsonRows); err != nil {
		t.Fatalf("plan --format json is not a JSON array of probes: %v", err)
	}
	checkPlan(t, jsonRows, exampleRun, start, end)
	if diff := cmp.Diff(csvRows, jsonRows); diff != "" {
		t.Errorf("csv and json plans differ (-csv +json):\n%s", diff)
	}

	table := strings.Split(strings.TrimSuffix(plan(t, "--run", exampleRun), "\n"), "\n")
	if len(table) != exampleTotal+1 {
		t.Errorf("plan (table) has %d lines, want a header and %d probes", len(table), exampleTotal)
	}
	header := regexp.MustCompile(`^AT \(UTC\) +LOCAL +TARGET +CHANNEL +SCENARIO +SEQ +ID$`)
	if !header.MatchString(table[0]) {
		t.Errorf("plan (table) header = %q", table[0])
	}
	for i, line := range table[1:] {
		if r := csvRows[i]; !strings.HasPrefix(line, r.At.UTC().Format(time.RFC3339)+"  ") || !strings.HasSuffix(line, "  "+r.ID) {
			t.Errorf("plan (table) line %d = %q, want probe %s at %s", i+1, line, r.ID, r.At.UTC().Format(time.RFC3339))
		}
	}
}

func TestPlanDeterministic(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"table", "csv", "json"} {
		a1 := plan(t, "--run", "X", "--format", format)
		a2 := plan(t, "--run", "X", "--format", format)
		if diff := diffLines(a1, a2); diff != "" {
			t.Errorf("two plans of run X (--format %s) differ (-first +second):\n%s", format, diff)
		}
		b := plan(t, "--run", "Y", "--format", format)
		if a1 == b {
			t.Errorf("plans of runs X and Y (--format %s) are the same, want different times", format)
		}
	}
	// Runs X and Y are the same window (the id does not name one) planned with
	// different seeds: same probes, different times.
	x := parsePlanCSV(t, plan(t, "--run", "X", "--format", "csv"))
	y := parsePlanCSV(t, plan(t, "--run", "Y", "--format", "csv"))
	if len(x) != exampleTotal || len(y) != exampleTotal {
		t.Fatalf("runs X and Y have %d and %d probes, want %d", len(x), len(y), exampleTotal)
	}
	same := 0
	for i := range x {
		if !strings.HasPrefix(x[i].ID, "X/") || !strings.HasPrefix(y[i].ID, "Y/") {
			t.Errorf("probe ids %q and %q, want them prefixed by their run", x[i].ID, y[i].ID)
		}
		if x[i].At.Equal(y[i].At) {
			same++
		}
	}
	if same > exampleTotal/10 {
		t.Errorf("%d of %d probes of runs X and Y start at the same time, want the runs to differ", same, exampleTotal)
	}
}

func TestPlanStart(t *testing.T) {
	t.Parallel()
	t.Run("RFC 3339", func(t *testing.T) {
		t.Parallel()
		start := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
		rows := parsePlanCSV(t, plan(t, "--start", "2027-03-01T00:00:00Z", "--format", "csv"))
		checkPlan(t, rows, "retail-telecom-2026-20270301T0000Z", start, start.AddDate(0, 1, 0))
	})
	t.Run("now", func(t *testing.T) {
		t.Parallel()
		before := time.Now().UTC().Truncate(time.Second)
		rows := parsePlanCSV(t, plan(t, "--start", "now", "--format", "csv"))
		after := time.Now().UTC()
		if len(rows) == 0 {
			t.Fatal("plan --start now planned nothing")
		}
		run := rows[0].Run
		stamp, ok := strings.CutPrefix(run, "retail-telecom-2026-")
		at, err := time.Parse("20060102T1504Z", stamp)
		if !ok || err != nil || at.Before(before.Truncate(time.Minute)) || at.After(after) {
			t.Fatalf("plan --start now: run %q, want retail-telecom-2026- and the minute of now (%s)", run, before.Format("20060102T1504Z"))
		}
		// The window opens at the second the command ran and lasts one month.
		checkPlan(t, rows, run, before, after.AddDate(0, 1, 0))
	})
	t.Run("--run wins", func(t *testing.T) {
		t.Parallel()
		rows := parsePlanCSV(t, plan(t, "--start", "2027-03-01T00:00:00Z", "--run", "march", "--format", "csv"))
		start := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
		checkPlan(t, rows, "march", start, start.AddDate(0, 1, 0))
	})
}

func TestPlanDefaultRun(t *testing.T) {
	t.Parallel()
	// Without --run or --start: the run whose window contains now, else the first.
	rows := parsePlanCSV(t, plan(t, "--format", "csv"))
	if len(rows) != exampleTotal {
		t.Fatalf("plan has %d probes, want %d", len(rows), exampleTotal)
	}
	if !regexp.MustCompile(`^retail-telecom-2026-20[0-9]{2}[01][0-9]01T0000Z$`).MatchString(rows[0].Run) {
		t.Errorf("default run = %q, want the first-of-a-month run of the monthly campaign", rows[0].Run)
	}
}

func TestPlanErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want outcome
	}{
		{
			args: []string{"--format", "xml"},
			want: outcome{Code: 2, Stderr: `stakeout: --format must be one of "table","csv","json" but got "xml"` + "\n"},
		},
		{
			args: []string{"--start", "yesterday"},
			want: outcome{Code: 1, Stderr: `stakeout: --start "yesterday": want an RFC 3339 time or 'now'` + "\n"},
		},
		{
			args: []string{"--start", "2027-03-01"},
			want: outcome{Code: 1, Stderr: `stakeout: --start "2027-03-01": want an RFC 3339 time or 'now'` + "\n"},
		},
	}
	for _, tc := range tests {
		args := append([]string{"campaign", "plan", exampleCampaign}, tc.args...)
		got := stakeout(t, args...)
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("stakeout %s (-want +got):\n%s", strings.Join(args, " "), diff)
		}
	}
	// A bad file gives its problems, as validate does.
	got := stakeout(t, "campaign", "plan", "testdata/bad/timezone.yaml")
	want := outcome{Code: 1, Stderr: `testdata/bad/timezone.yaml:16: targets[0].timezone: unknown time zone "Europe/Atlantis" (want an IANA name such as Europe/Paris)` + "\n"}
	got.Stderr = relPaths(t, got.Stderr)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stakeout campaign plan testdata/bad/timezone.yaml (-want +got):\n%s", diff)
	}
}
