package cli

import (
	"context"
	"fmt"
	"os"

	"github.com/stakeoutcx/stakeout/internal/store"
)

// EvidenceCmd is `stakeout results evidence SHA256`.
type EvidenceCmd struct {
	StoreFlags
	SHA256 string `arg:"" name:"sha256" help:"The evidence's sha256, as in a result's evidence (e.g. screenshot.sha256)."`
	Output string `name:"output" short:"o" default:"-" help:"File to write ('-' is stdout)."`
}

// Run writes the evidence's content.
func (c *EvidenceCmd) Run(ctx context.Context, g *Globals) error {
	if !store.Exists(c.DB) {
		return fmt.Errorf("no result store at --db %s", c.DB)
	}
	st, err := c.openRead(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	data, mt, ok, err := st.GetEvidence(ctx, c.SHA256)
	if err != nil {
		return err
	}
	if !ok {
		return &exitError{code: 1, msg: fmt.Sprintf("stakeout: no evidence with sha256 %s in the store", c.SHA256)}
	}
	if c.Output == "-" {
		_, err = g.stdout.Write(data)
	} else {
		err = os.WriteFile(c.Output, data, 0o600)
	}
	if err != nil {
		return fmt.Errorf("write evidence: %w", err)
	}
	fmt.Fprintf(g.stderr, "%s: %d bytes\n", mt, len(data))
	return nil
}
