package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/stakeoutcx/stakeout/internal/report"
)

// ReportCmd is `stakeout report`.
type ReportCmd struct {
	StoreFlags
	RunID     string `name:"run" required:"" help:"The run reported on."`
	Target    string `name:"target" help:"Only this target (default: every target of the run, one section each)."`
	Out       string `name:"out" short:"o" required:"" help:"File to write: .html (one self-contained page), .pdf (that page printed by Chromium) or .csv (the raw figures, one row per probe)."`
	Anonymise bool   `name:"anonymise" aliases:"anonymize" help:"Withhold competitors' names in the rankings (Competitor A, B, ...)."`
	Chromium  string `name:"chromium" env:"STAKEOUT_CHROMIUM" help:"Chromium binary that prints .pdf reports (default: as the chat probe finds it)."`
}

// Run writes the report.
func (c *ReportCmd) Run(ctx context.Context, g *Globals) error {
	ext := strings.ToLower(filepath.Ext(c.Out))
	if ext != ".html" && ext != ".htm" && ext != ".pdf" && ext != ".csv" {
		return fmt.Errorf("--out %s: the name must end in .html, .pdf or .csv (it says what to write)", c.Out)
	}
	st, err := c.openRead(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := knownRun(ctx, st, c.RunID, c.DB); err != nil {
		return err
	}
	rep, err := report.Build(ctx, st, report.Options{Run: c.RunID, Target: c.Target, Anonymise: c.Anonymise})
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	switch ext {
	case ".pdf":
		pdf, err := report.WritePDF(ctx, rep, c.Chromium)
		if err != nil {
			return err
		}
		buf.Write(pdf)
	case ".csv":
		err = report.WriteCSV(&buf, rep)
	default:
		err = report.WriteHTML(&buf, rep)
	}
	if err != nil {
		return err
	}
	if err := writeFileAtomic(c.Out, buf.Bytes()); err != nil {
		return fmt.Errorf("write %s: %w", c.Out, err)
	}
	fmt.Fprintf(g.stdout, "wrote %s: %d %s of run %s, %d bytes\n", c.Out, len(rep.Targets), plural(len(rep.Targets), "target", "targets"), c.RunID, buf.Len())
	return nil
}

// writeFileAtomic writes data to a new file next to path and renames it over path, so
// a reader never sees half a report and a failure leaves the old file whole.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // a no-op after the rename
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
