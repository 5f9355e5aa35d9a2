package cli_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/stakeoutcx/stakeout/internal/store"
)

func TestAlertsCommands(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "results.db")
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	a, _, err := st.OpenAlert(ctx, store.Alert{Client: "acme-corp", Target: "acme", Channel: "email", Kind: "latency", Severity: "warning",
		Run: "nov-2026-11", OpenedAt: at, Since: at.Add(-6 * time.Hour), Summary: "median human reply 2h10m against 58m",
		Evidence: []byte(`{"kind":"latency","statistic":6.1}`)})
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := st.OpenAlert(ctx, store.Alert{Target: "globex", Channel: "chat", Kind: "stopped_answering", Severity: "critical", OpenedAt: at.Add(time.Hour), Summary: "3 probes in a row unanswered"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.ResolveAlert(ctx, b.ID, at.Add(2*time.Hour), "answered again", nil); err != nil {
		t.Fatal(err)
	}
	st.Close()

	got := stakeout(t, "alerts", "--db", db)
	if got.Code != 0 {
		t.Fatalf("alerts = exit %d, stderr %q", got.Code, got.Stderr)
	}
	for _, want := range []string{
		`(?m)^ID +STATE +OPENED +RESOLVED +CLIENT +TARGET +CHANNEL +KIND +SEVERITY +DELIVERED +SUMMARY$`,
		`(?m)^` + b.ID + ` +resolved +2026-12-03 11:00:00Z +2026-12-03 12:00:00Z +globex +globex +chat +stopped_answering +critical +no +3 probes in a row unanswered\n` + a.ID + ` +firing`,
	} {
		if !regexp.MustCompile(want).MatchString(got.Stdout) {
			t.Errorf("alerts output does not match %s:\n%s", want, got.Stdout)
		}
	}
	if got := stakeout(t, "alerts", "list", "--db", db, "--state", "firing", "--format", "json"); got.Code != 0 {
		t.Errorf("alerts --format json: exit %d, %s", got.Code, got.Stderr)
	} else {
		var list []map[string]any
		if err := json.Unmarshal([]byte(got.Stdout), &list); err != nil || len(list) != 1 || list[0]["id"] != a.ID ||
			list[0]["evidence"].(map[string]any)["statistic"] != 6.1 {
			t.Errorf("alerts --state firing --format json = %s, %v", got.Stdout, err)
		}
	}
	got = stakeout(t, "alerts", "show", a.ID[:5], "--db", db)
	for _, want := range []string{`(?m)^id: +` + a.ID + `$`, `(?m)^client: +acme-corp$`, `(?m)^degraded since: +2026-12-03 04:00:00Z$`,
		`why it opened:\n  median human reply 2h10m against 58m`, `"statistic": 6.1`} {
		if !regexp.MustCompile(want).MatchString(got.Stdout) {
			t.Errorf("alerts show does not match %s:\n%s", want, got.Stdout)
		}
	}
	if got := stakeout(t, "alerts", "show", "ffffffffff", "--db", db); got.Code == 0 || !regexp.MustCompile(`no alert "ffffffffff"`).MatchString(got.Stderr) {
		t.Errorf("alerts show unknown = exit %d, stderr %q", got.Code, got.Stderr)
	}
}
