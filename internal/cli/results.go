package cli

import (
	"bufio"
	"context"
	"fmt"
	"os"

	"github.com/stakeoutcx/stakeout/internal/store"
)

// ResultsCmd groups the results subcommands.
type ResultsCmd struct {
	Runs     RunsCmd     `cmd:"" help:"List the runs that have results: campaign, first and last result, counts by outcome."`
	Show     ShowCmd     `cmd:"" help:"Print one probe's result and evidence (steps, transcript, replies); save its screenshot."`
	Export   ExportCmd   `cmd:"" help:"Write one line per probe: probe_id, run, campaign, target, industry, channel, scenario, planned_at, started_at, finished_at, outcome, reason, first_response_s, human_response_s, duration_s, quality."`
	Evidence EvidenceCmd `cmd:"" help:"Write a stored piece of large evidence (a failure screenshot) named by its sha256 in a result's evidence."`
}

// ExportCmd is `stakeout results export`.
type ExportCmd struct {
	StoreFlags
	RunID  string `name:"run" help:"Only this run (default: every run)."`
	Format string `name:"format" default:"jsonl" enum:"jsonl,csv" help:"Output format: jsonl or csv (with a header row)."`
	Output string `name:"output" short:"o" default:"-" help:"File to write ('-' is stdout)."`
}

// Run writes the export.
func (c *ExportCmd) Run(ctx context.Context, g *Globals) error {
	st, err := c.openRead(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := knownRun(ctx, st, c.RunID, c.DB); err != nil {
		return err
	}
	out := g.stdout
	var f *os.File
	if c.Output != "-" {
		if f, err = os.Create(c.Output); err != nil {
			return err
		}
		defer f.Close()
		out = f
	}
	w := bufio.NewWriter(out)
	n, err := store.Export(ctx, st, c.RunID, c.Format, w)
	if err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", c.Output, err)
	}
	if f != nil {
		if err := f.Close(); err != nil {
			return fmt.Errorf("write %s: %w", c.Output, err)
		}
	}
	fmt.Fprintf(g.stderr, "exported %d %s\n", n, plural(n, "result", "results"))
	return nil
}

// knownRun fails when run is set and has no result in st.
func knownRun(ctx context.Context, st store.Store, run, db string) error {
	if run == "" {
		return nil
	}
	counts, err := st.Counts(ctx, run)
	if err != nil {
		return err
	}
	if len(counts) == 0 {
		return fmt.Errorf("no results of run %q in %s (stakeout results runs lists the runs it has)", run, db)
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
