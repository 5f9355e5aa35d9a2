package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/stakeoutcx/stakeout/internal/sim"
)

// SimCmd is `stakeout sim`.
type SimCmd struct {
	Config string `arg:"" name:"config" help:"Simulator config (YAML, see docs/sim.md)."`
}

// Run serves the simulated companies until SIGINT or SIGTERM.
func (c *SimCmd) Run(ctx context.Context, g *Globals) error {
	cfg, err := sim.Load(c.Config)
	var cerr *sim.ConfigError
	if errors.As(err, &cerr) {
		return &exitError{code: 1, msg: cerr.Error()}
	}
	if err != nil {
		return err
	}
	s, err := sim.New(cfg, g.logger)
	if err != nil {
		return err
	}
	if err := s.Start(ctx); err != nil {
		return err
	}
	defer s.Close()
	fmt.Fprintf(g.stdout, "simulator: %d companies; SMTP on %s, IMAP on %s; truth log %s\n",
		len(cfg.Companies), s.SMTPAddr(), s.IMAPAddr(), orNone(cfg.TruthLog))
	printChatURLs(g, s)
	<-ctx.Done()
	return nil
}

// printChatURLs prints the web page of each company with chat.
func printChatURLs(g *Globals, s *sim.Sim) {
	if s.WebAddr() == nil {
		return
	}
	fmt.Fprintf(g.stdout, "chat: sites on %s, widgets on %s\n", s.WebAddr(), s.WidgetAddr())
	for _, co := range s.Config().Companies {
		if u, ok := s.ChatURL(co.ID); ok {
			fmt.Fprintf(g.stdout, "  %s (%s): %s\n", co.ID, co.Chat.Style, u)
		}
	}
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
