package scheduler

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/stakeoutcx/stakeout/internal/campaign"
	"github.com/stakeoutcx/stakeout/internal/redistest"
)

// One campaign whose launch panics (a makeslice panic in planning crashed the
// scheduler, left the run's lock behind, and the other campaigns were not launched)
// is logged and skipped; its lock is released and the others are launched. A FIFO
// among the files does not block the scan.
func TestRecurringSurvivesABadCampaign(t *testing.T) {
	srv := redistest.Start(t)
	rdb := redistest.Client(t, srv)
	ctx := context.Background()
	dir := t.TempDir()
	writeCampaign(t, dir, "a-bad.yaml", campaignYAML("bad", "2030-01-01T00:00:00Z", "24h", "none", 1, 1))
	writeCampaign(t, dir, "b-good.yaml", campaignYAML("good", "2030-01-01T00:00:00Z", "24h", "none", 1, 1))
	if err := syscall.Mkfifo(filepath.Join(dir, "c-fifo.yaml"), 0o600); err != nil {
		t.Fatal(err)
	}
	// 10^8 probes per target ran the scheduler out of memory; validation refuses it.
	huge := campaignYAML("huge", "2030-01-01T00:00:00Z", "24h", "none", 1, 100_000_000)
	if err := os.WriteFile(filepath.Join(dir, "a-huge.yaml"), []byte(huge), 0o600); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	r := newRecurring(rdb, dir, fixedNow("2030-01-01T06:00:00Z"), slog.New(slog.NewTextHandler(&logs, nil)))
	r.plan = func(c *campaign.Campaign, run Run) ([]Probe, error) {
		if c.ID == "bad" {
			_ = make([]Probe, 0, -len(c.ID)) // panics: makeslice: cap out of range
		}
		return Plan(c, run)
	}
	if got := r.Tick(ctx); !slices.Equal(got, []string{"good-20300101T0000Z"}) {
		t.Errorf("Tick = %q, want [good-20300101T0000Z]", got)
	}
	if n := rdb.Exists(ctx, lockKey("bad-20300101T0000Z"), launchedKey("bad-20300101T0000Z")).Val(); n != 0 {
		t.Errorf("lock and launched mark of the crashed run: %d keys exist, want none", n)
	}
	for _, want := range []string{"campaign launch crashed", "a-bad.yaml", "makeslice", "c-fifo.yaml", "not a regular file", "a-huge.yaml", "too many: 100000000"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs.String())
		}
	}
}
