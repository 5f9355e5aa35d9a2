package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/stakeoutcx/stakeout/internal/store"
)

// DBCmd groups the result store's maintenance commands.
type DBCmd struct {
	Migrate DBMigrateCmd `cmd:"" help:"Bring the result store's schema up to this version's (workers also do it when they start); --check only reports."`
	Copy    DBCopyCmd    `cmd:"" help:"Copy every table of one result store into another, e.g. an embedded SQLite file into PostgreSQL (re-runnable)."`
}

// DBMigrateCmd is `stakeout db migrate`.
type DBMigrateCmd struct {
	StoreFlags
	Check bool `name:"check" help:"Only report the store's schema version and whether it needs migrating (exit status 1 when it does); change nothing."`
}

// Run migrates the store, or reports its version.
func (c *DBMigrateCmd) Run(ctx context.Context, g *Globals) error {
	if c.Check {
		v, err := store.Version(ctx, c.DB)
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("%w (--db / STAKEOUT_DB names the store)", err)
		}
		if err != nil {
			return err
		}
		switch {
		case v == store.SchemaVersion:
			fmt.Fprintf(g.stdout, "schema version %d: up to date\n", v)
			return nil
		case v > store.SchemaVersion:
			return fmt.Errorf("schema version %d is newer than this program's %d: run a stakeout of that version or newer", v, store.SchemaVersion)
		default:
			fmt.Fprintf(g.stdout, "schema version %d: stakeout db migrate brings it to %d\n", v, store.SchemaVersion)
			return &exitError{code: 1}
		}
	}
	from, to, err := store.Migrate(ctx, c.DB)
	if err != nil {
		return err
	}
	if from == to {
		fmt.Fprintf(g.stdout, "schema version %d: up to date, nothing to do\n", to)
	} else {
		fmt.Fprintf(g.stdout, "migrated the schema from version %d to %d\n", from, to)
	}
	return nil
}

// DBCopyCmd is `stakeout db copy`.
type DBCopyCmd struct {
	From string `name:"from" required:"" placeholder:"DSN" help:"The store to copy from (opened read-only; a SQLite path or postgres:// DSN; it must have this version's schema: stakeout db migrate --db it first)."`
	To   string `name:"to" required:"" placeholder:"DSN" help:"The store to copy into (created or migrated first; a SQLite path or postgres:// DSN; the PostgreSQL database must exist)."`
}

// Run copies the store, with progress on stderr and a summary on stdout.
func (c *DBCopyCmd) Run(ctx context.Context, g *Globals) error {
	start := time.Now()
	last := map[string]time.Time{}
	progress := func(table string, done, total int64) {
		now := time.Now()
		if done != 0 && done != total && now.Sub(last[table]) < 2*time.Second {
			return
		}
		last[table] = now
		switch {
		case total == 0:
			fmt.Fprintf(g.stderr, "%-8s nothing to copy\n", table)
		case done == 0:
			fmt.Fprintf(g.stderr, "%-8s copying %d rows\n", table, total)
		default:
			fmt.Fprintf(g.stderr, "%-8s %d/%d rows (%.0f%%)\n", table, done, total, 100*float64(done)/float64(total))
		}
	}
	copied, err := store.Copy(ctx, c.From, c.To, progress)
	if err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "%-8s %10s %12s\n", "TABLE", "COPIED", "DESTINATION")
	for _, t := range copied {
		fmt.Fprintf(g.stdout, "%-8s %10d %12d\n", t.Table, t.Read, t.After)
	}
	fmt.Fprintf(g.stdout, "copied in %s; run it again to bring over what was written to the source since\n", time.Since(start).Round(time.Millisecond))
	return nil
}
