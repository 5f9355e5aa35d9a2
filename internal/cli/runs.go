package cli

import (
	"context"
	"fmt"
	"io"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/internal/store"
)

// RunsCmd is `stakeout results runs` (and `stakeout runs`).
type RunsCmd struct {
	StoreFlags
}

// runSummary is what the store holds of one run.
type runSummary struct {
	Run, Campaign string
	First, Last   time.Time
	Counts        map[result.Outcome]int
	Total         int
}

// Run lists the runs, oldest first.
func (c *RunsCmd) Run(ctx context.Context, g *Globals) error {
	st, err := c.openRead(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	runs, err := summarise(ctx, st)
	if err != nil {
		return err
	}
	if len(runs) == 0 {
		fmt.Fprintf(g.stderr, "no results in %s yet\n", c.DB)
		return nil
	}
	return writeRuns(g.stdout, runs)
}

// summarise reads every result of st into one summary per run, ordered by first result.
func summarise(ctx context.Context, st store.Store) ([]*runSummary, error) {
	byRun := map[string]*runSummary{}
	err := st.Each(ctx, "", func(r result.Result) error {
		s := byRun[r.Run]
		if s == nil {
			s = &runSummary{Run: r.Run, Campaign: r.Campaign, Counts: map[result.Outcome]int{}}
			byRun[r.Run] = s
		}
		s.Counts[r.Outcome]++
		s.Total++
		if t := r.FinishedAt; !t.IsZero() {
			if s.First.IsZero() || t.Before(s.First) {
				s.First = t
			}
			if t.After(s.Last) {
				s.Last = t
			}
		}
		return nil
	})
	runs := make([]*runSummary, 0, len(byRun))
	for _, s := range byRun {
		runs = append(runs, s)
	}
	sort.Slice(runs, func(i, j int) bool {
		if !runs[i].First.Equal(runs[j].First) {
			return runs[i].First.Before(runs[j].First)
		}
		return runs[i].Run < runs[j].Run
	})
	return runs, err
}

// writeRuns prints the runs as a table.
func writeRuns(out io.Writer, runs []*runSummary) error {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprint(tw, "RUN\tCAMPAIGN\tFIRST RESULT\tLAST RESULT\tRESULTS")
	for _, o := range result.Outcomes {
		fmt.Fprintf(tw, "\t%s", o)
	}
	fmt.Fprintln(tw)
	for _, s := range runs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d", s.Run, orDash(s.Campaign), stamp(s.First), stamp(s.Last), s.Total)
		for _, o := range result.Outcomes {
			fmt.Fprintf(tw, "\t%d", s.Counts[o])
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}

// stamp formats t to the second in UTC, "-" for the zero time.
func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
