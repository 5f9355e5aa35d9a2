package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/internal/runstate"
	"github.com/stakeoutcx/stakeout/internal/store"
)

// lost is what the result store knows of a run whose state Redis no longer has.
type lost struct {
	run      store.Run
	outcomes map[result.Outcome]int
	// open counts the probes sent whose result has not come.
	open int
}

// lostStatus reads what the store at dsn knows of run; ok is false when the store
// does not exist or has no such run.
func lostStatus(ctx context.Context, dsn, run string) (l lost, ok bool, err error) {
	if !store.Exists(dsn) {
		return l, false, nil
	}
	st, err := store.Open(ctx, dsn)
	if err != nil {
		return l, false, err
	}
	defer st.Close()
	if l.run, ok, err = st.GetRun(ctx, run); err != nil || !ok {
		return l, false, err
	}
	if l.outcomes, err = st.Counts(ctx, run); err != nil {
		return l, false, err
	}
	done, err := st.Done(ctx, run)
	if err != nil {
		return l, false, err
	}
	for _, o := range done {
		if o == "" {
			l.open++
		}
	}
	return l, true, nil
}

// goneWhy says why Redis has no state of run, which the store knows: its keys expired
// (long after its window) or Redis lost them.
func goneWhy(run store.Run) (why string, expired bool) {
	if time.Now().After(run.End.Add(runstate.Retention)) {
		return fmt.Sprintf("its state has expired from Redis (a run's state is kept there %d days after its last deadline)", int(runstate.Retention.Hours()/24)), true
	}
	return "its state is gone from Redis (Redis restarted without persistence?)", false
}

// printLost says that the run's state is gone from Redis, what the store knows, and
// that launching again sends only what was never sent.
func printLost(g *Globals, l lost) {
	w := g.stdout
	why, expired := goneWhy(l.run)
	fmt.Fprintf(w, "run %s (campaign %s, window %s to %s): %s\n",
		l.run.ID, l.run.Campaign, l.run.Start.Format(time.RFC3339), l.run.End.Format(time.RFC3339), why)
	fmt.Fprintf(w, "the result store knows (launched %s, %d planned):\n", l.run.LaunchedAt.Format(time.RFC3339), l.run.Total)
	total := 0
	for _, o := range result.Outcomes {
		fmt.Fprintf(w, "  %-22s %8d\n", o, l.outcomes[o])
		total += l.outcomes[o]
	}
	fmt.Fprintf(w, "  %-22s %8d\n", "sent, no result yet", l.open)
	fmt.Fprintf(w, "  %-22s %8d of %d planned\n", "never sent", max(0, l.run.Total-total-l.open), l.run.Total)
	if !expired {
		fmt.Fprintf(w, "launching the campaign again (stakeout campaign launch FILE --run %s) sends only what was never sent\n", l.run.ID)
	}
}
