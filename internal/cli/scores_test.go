package cli_test

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// scoredDB is resultsDB with its scorecards made by `stakeout scores rebuild`; its runs
// have one reached probe per target and channel, below the minimum sample.
func scoredDB(t *testing.T) string {
	t.Helper()
	db := resultsDB(t)
	got := stakeout(t, "scores", "rebuild", "--db", db)
	if got.Code != 0 || !regexp.MustCompile(`^rebuilt 7 scorecards from the stored results in \S+\n$`).MatchString(got.Stdout) {
		t.Fatalf("scores rebuild = exit %d, stdout %q, stderr %q", got.Code, got.Stdout, got.Stderr)
	}
	return db
}

func TestScoresCommands(t *testing.T) {
	t.Parallel()
	db := scoredDB(t)
	got := stakeout(t, "scores", "--db", db, "--run", "r1")
	if got.Code != 0 {
		t.Fatalf("scores = exit %d, stderr %q", got.Code, got.Stderr)
	}
	for _, want := range []string{
		`(?m)^CHANNEL +INDUSTRY +RANK +TARGET +SCORE \[95% CI\] +TIER +STARS +RESPONSE RATE \[95% CI\]`,
		`(?m)^chat +retail +- +acme +insufficient sample \(1 reached, 10 needed\) +1/1$`,
		`(?m)^email +retail +- +globex +insufficient sample \(0 reached, 10 needed\) +0/1$`,
	} {
		if !regexp.MustCompile(want).MatchString(got.Stdout) {
			t.Errorf("scores output does not match %s:\n%s", want, got.Stdout)
		}
	}

	got = stakeout(t, "scores", "--db", db, "--run", "r1", "--format", "csv")
	rows, err := csv.NewReader(strings.NewReader(got.Stdout)).ReadAll()
	if err != nil || len(rows) != 3 || rows[0][0] != "window" || rows[1][4] != "acme" || rows[1][14] != "true" || rows[1][32] != "" {
		t.Errorf("scores --format csv = %v, %v", rows, err)
	}

	got = stakeout(t, "scores", "--db", db, "--run", "r1", "--format", "json", "--channel", "chat")
	var cards []map[string]any
	if err := json.Unmarshal([]byte(got.Stdout), &cards); err != nil || len(cards) != 1 || cards[0]["insufficient"] != true || cards[0]["score"].(map[string]any)["value"] != nil {
		t.Errorf("scores --format json = %s, %v", got.Stdout, err)
	}

	got = stakeout(t, "scores", "--db", db, "--window", "30d")
	if got.Code != 0 || !strings.Contains(got.Stdout, "acme") {
		t.Errorf("scores --window 30d = exit %d, %q, %q", got.Code, got.Stdout, got.Stderr)
	}

	got = stakeout(t, "scores", "explain", "--db", db, "--run", "r1", "--target", "acme", "--channel", "chat")
	for _, want := range []string{
		"scorecard of acme on chat, run r1",
		"insufficient sample: 1 reached probes, 10 needed: no score, tier or rank is published",
		"r1/acme/chat/0001  answered  2.3s",
	} {
		if got.Code != 0 || !strings.Contains(got.Stdout, want) {
			t.Errorf("scores explain (exit %d) lacks %q:\n%s%s", got.Code, want, got.Stdout, got.Stderr)
		}
	}
}

func TestScoresErrors(t *testing.T) {
	t.Parallel()
	db := scoredDB(t)
	missing := filepath.Join(t.TempDir(), "none.db")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"scores", "--db", db}, "--run is required with --window run (stakeout results runs lists the runs)"},
		{[]string{"scores", "--db", db, "--run", "nope"}, `no results of run "nope" in ` + db},
		{[]string{"scores", "--db", missing, "--run", "r1"}, "no result store at " + missing},
		{[]string{"scores", "explain", "--db", db, "--run", "r1", "--target", "zed", "--channel", "chat"}, "no run scorecard of zed on chat in run r1"},
		{[]string{"scores", "rebuild", "--db", missing}, "no result store at " + missing},
		{[]string{"report", "--db", db, "--run", "r1", "--out", "x.docx"}, "--out x.docx: the name must end in .html, .pdf or .csv"},
		{[]string{"report", "--db", db, "--run", "r1", "--target", "zed", "--out", filepath.Join(t.TempDir(), "r.html")}, `run r1 has no scorecard of target "zed"`},
	} {
		got := stakeout(t, tt.args...)
		if got.Code != 1 || !strings.Contains(got.Stderr, tt.want) {
			t.Errorf("stakeout %v = exit %d, stderr %q; want exit 1 and %q", tt.args, got.Code, got.Stderr, tt.want)
		}
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("a read of a missing store created %s", missing)
	}
}

func TestReportCommand(t *testing.T) {
	t.Parallel()
	db := scoredDB(t)
	dir := t.TempDir()
	for _, name := range []string{"r.html", "r.csv"} {
		out := filepath.Join(dir, name)
		got := stakeout(t, "report", "--db", db, "--run", "r1", "--out", out, "--anonymise")
		if got.Code != 0 || !strings.HasPrefix(got.Stdout, "wrote "+out+": 2 targets of run r1, ") {
			t.Fatalf("report --out %s = exit %d, stdout %q, stderr %q", name, got.Code, got.Stdout, got.Stderr)
		}
		b, err := os.ReadFile(out)
		if err != nil || len(b) == 0 {
			t.Fatalf("read %s: %v", out, err)
		}
		if name == "r.html" && (!strings.Contains(string(b), "<h2>acme</h2>") || !strings.Contains(string(b), "Insufficient sample")) {
			t.Errorf("the HTML report lacks the acme section or its insufficient sample")
		}
		if name == "r.csv" && !strings.HasPrefix(string(b), "run,target,target_name,industry,channel,probe_id,") {
			t.Errorf("the CSV report starts %q", b[:min(len(b), 80)])
		}
	}
}
