package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// SchemaVersion is the version of the results schema this code writes. SQLite keeps
// it in PRAGMA user_version, PostgreSQL in the table stakeout_schema; each step of
// migrations raises it by one. Both backends run the same migrations (see
// dialect.ddl for the type names that differ).
const SchemaVersion = 5

// migrations[i] takes the schema from version i to version i+1. Statements stay close
// to portable SQL so the PostgreSQL store can share them where cheap.
//
// Column conventions:
//   - times (planned_at, started_at, finished_at, created_at, updated_at) are INTEGER
//     nanoseconds since the Unix epoch, UTC; NULL stands for the zero time.Time.
//     Integers sort and compare correctly in SQL, which RFC3339Nano text (variable
//     width) does not.
//   - first_response_s and human_response_s are NULL when there was no such answer.
//   - evidence is a BLOB of JSON, NULL when empty.
//   - revision is the result's revision; an upsert with the same or a lower one changes
//     nothing (the first result of a probe wins over a re-delivered duplicate).
//   - writes counts how many times the row was written: 1 after the insert, +1 per
//     later upsert. Upsert reports created exactly when it reads back 1.
var migrations = [][]string{
	{
		`CREATE TABLE IF NOT EXISTS results (
			probe_id         TEXT PRIMARY KEY,
			run              TEXT NOT NULL,
			campaign         TEXT NOT NULL DEFAULT '',
			target           TEXT NOT NULL,
			industry         TEXT NOT NULL DEFAULT '',
			channel          TEXT NOT NULL,
			scenario         TEXT NOT NULL,
			planned_at       BIGINT,
			started_at       BIGINT,
			finished_at      BIGINT,
			outcome          TEXT NOT NULL,
			reason           TEXT NOT NULL DEFAULT '',
			first_response_s DOUBLE PRECISION,
			human_response_s DOUBLE PRECISION,
			duration_s       DOUBLE PRECISION NOT NULL DEFAULT 0,
			evidence         BLOB,
			writes           BIGINT NOT NULL DEFAULT 1,
			created_at       BIGINT NOT NULL,
			updated_at       BIGINT NOT NULL
		)`,
		`CREATE INDEX IF NOT EXISTS results_run_probe ON results (run, probe_id)`,
	},
	{
		// revision orders the results of one probe (email results are corrected when
		// an earlier reply is read later); the upsert keeps the highest.
		`ALTER TABLE results ADD COLUMN revision BIGINT NOT NULL DEFAULT 0`,
	},
	{
		// Version 3 keeps, next to the results, what Redis alone knew: the runs that
		// were launched, the messages probes sent (written before the message goes
		// out) and large evidence by content hash. A Redis that loses its data then
		// loses no record of what a company was sent.
		`CREATE TABLE IF NOT EXISTS runs (
			run          TEXT PRIMARY KEY,
			campaign     TEXT NOT NULL,
			spec         BLOB,
			total        BIGINT NOT NULL DEFAULT 0,
			window_start BIGINT,
			window_end   BIGINT,
			launched_at  BIGINT NOT NULL
		)`,
		`CREATE TABLE IF NOT EXISTS sends (
			probe_id   TEXT PRIMARY KEY,
			run        TEXT NOT NULL,
			target     TEXT NOT NULL,
			channel    TEXT NOT NULL,
			mailbox    TEXT NOT NULL DEFAULT '',
			token      TEXT NOT NULL DEFAULT '',
			message_id TEXT NOT NULL DEFAULT '',
			sent_at    BIGINT NOT NULL,
			t0         BIGINT,
			deadline   BIGINT,
			record     BLOB,
			created_at BIGINT NOT NULL
		)`,
		`CREATE INDEX IF NOT EXISTS sends_run_probe ON sends (run, probe_id)`,
		`CREATE TABLE IF NOT EXISTS evidence (
			hash       TEXT PRIMARY KEY,
			media_type TEXT NOT NULL,
			size       BIGINT NOT NULL,
			data       BLOB NOT NULL,
			created_at BIGINT NOT NULL
		)`,
	},
	{
		// Version 4 keeps what scoring makes of the results: each probe's answer grade
		// (grades) and each scorecard (scores), per window: a run (run set) or the
		// trailing 7 or 30 days (run ''). Scorecards are JSON (scoring.Card) next to the
		// columns they are listed and ranked by. basis is the sum of the write counts
		// of the results a card was made from: it only grows as results are added or
		// corrected, so a card made from older reads never replaces a newer one. The indexes serve scoring's reads: the
		// results of one target and channel in a run or between two planned times.
		`CREATE INDEX IF NOT EXISTS results_run_target_channel ON results (run, target, channel)`,
		`CREATE INDEX IF NOT EXISTS results_target_channel_planned ON results (target, channel, planned_at)`,
		`CREATE INDEX IF NOT EXISTS results_planned ON results (planned_at)`,
		`CREATE TABLE IF NOT EXISTS grades (
			probe_id  TEXT PRIMARY KEY,
			revision  BIGINT NOT NULL,
			version   BIGINT NOT NULL,
			quality   DOUBLE PRECISION,
			checks    BLOB NOT NULL,
			graded_at BIGINT NOT NULL
		)`,
		`CREATE TABLE IF NOT EXISTS scores (
			win          TEXT NOT NULL,
			run          TEXT NOT NULL,
			target       TEXT NOT NULL,
			channel      TEXT NOT NULL,
			industry     TEXT NOT NULL DEFAULT '',
			score        DOUBLE PRECISION,
			tier         BIGINT NOT NULL,
			insufficient BIGINT NOT NULL,
			win_from     BIGINT,
			win_to       BIGINT,
			basis        BIGINT NOT NULL DEFAULT 0,
			card         BLOB NOT NULL,
			computed_at  BIGINT NOT NULL,
			PRIMARY KEY (win, run, target, channel)
		)`,
	},
	{
		// Version 5 keeps the degradation alerts: their state (firing until resolved)
		// and history. The partial unique index allows one firing alert per target,
		// channel and kind. evidence and resolution are JSON (detect.Finding) of the
		// evaluation that opened and that resolved the alert. version counts the changes
		// Alertmanager must hear of (1 opened, 2 resolved); delivered is the highest
		// version an Alertmanager accepted.
		`CREATE TABLE IF NOT EXISTS alerts (
			id           TEXT PRIMARY KEY,
			client       TEXT NOT NULL,
			target       TEXT NOT NULL,
			channel      TEXT NOT NULL,
			kind         TEXT NOT NULL,
			severity     TEXT NOT NULL,
			run          TEXT NOT NULL DEFAULT '',
			campaign     TEXT NOT NULL DEFAULT '',
			state        TEXT NOT NULL,
			opened_at    BIGINT NOT NULL,
			since        BIGINT,
			resolved_at  BIGINT,
			summary      TEXT NOT NULL DEFAULT '',
			resolution   TEXT NOT NULL DEFAULT '',
			evidence     BLOB,
			resolved_evidence BLOB,
			version      BIGINT NOT NULL DEFAULT 1,
			delivered    BIGINT NOT NULL DEFAULT 0,
			delivered_at BIGINT
		)`,
		`CREATE UNIQUE INDEX IF NOT EXISTS alerts_one_firing ON alerts (target, channel, kind) WHERE state = 'firing'`,
		`CREATE INDEX IF NOT EXISTS alerts_target_channel ON alerts (target, channel, kind, resolved_at)`,
		`CREATE INDEX IF NOT EXISTS alerts_opened ON alerts (opened_at)`,
	},
}

// pgSchemaTable is the table in which a PostgreSQL database keeps its schema version
// (one row); SQLite keeps it in PRAGMA user_version.
const pgSchemaTable = "stakeout_schema"

// pgMigrateLock is the PostgreSQL advisory lock key that serialises migrations of one
// database ("stakeout" in ASCII): processes starting at once migrate it exactly once.
const pgMigrateLock = 0x7374616b656f7574

// querier is what reading the schema version needs of a pool or a transaction.
type querier interface {
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

// readVersion returns the schema version of the database (0 when it has none).
func readVersion(ctx context.Context, q querier, d dialect) (int, error) {
	var version int
	if d.name != "postgres" {
		if err := q.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
			return 0, fmt.Errorf("read schema version: %w", err)
		}
		return version, nil
	}
	var exists bool
	if err := q.QueryRowContext(ctx, "SELECT to_regclass(?) IS NOT NULL", pgSchemaTable).Scan(&exists); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	if !exists {
		return 0, nil
	}
	err := q.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM "+pgSchemaTable).Scan(&version)
	if err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return version, nil
}

// migrate brings the schema of db up to SchemaVersion in one transaction (DDL is
// transactional on both backends), so that processes opening the same new database at
// once create it exactly once: on SQLite the transaction takes the write lock up front
// (BEGIN IMMEDIATE), on PostgreSQL an advisory lock. It is a no-op on an up-to-date
// database and refuses one written by a newer version. It returns the version the
// database had.
func migrate(ctx context.Context, db sqlDB) (from int, err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("migrate: begin: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	pg := db.d.name == "postgres"
	if pg {
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?)", int64(pgMigrateLock)); err != nil {
			return 0, fmt.Errorf("migrate: lock: %w", err)
		}
	}
	version, err := readVersion(ctx, tx, db.d)
	if err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	if version > SchemaVersion {
		return version, fmt.Errorf("migrate: database schema version %d is newer than this program's %d (run a stakeout of that version or newer)", version, SchemaVersion)
	}
	if version == SchemaVersion {
		return version, tx.Rollback()
	}
	for v := version; v < SchemaVersion; v++ {
		for _, stmt := range migrations[v] {
			if _, err := tx.ExecContext(ctx, db.d.ddl(stmt)); err != nil {
				return version, fmt.Errorf("migrate: to version %d: %w", v+1, err)
			}
		}
	}
	if pg {
		_, err = tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+pgSchemaTable+` (version BIGINT NOT NULL, migrated_at BIGINT NOT NULL)`)
		if err == nil {
			_, err = tx.ExecContext(ctx, `DELETE FROM `+pgSchemaTable)
		}
		if err == nil {
			_, err = tx.ExecContext(ctx, `INSERT INTO `+pgSchemaTable+` (version, migrated_at) VALUES (?, ?)`, SchemaVersion, time.Now().UnixNano())
		}
	} else {
		// PRAGMA takes no bound parameters; SchemaVersion is a constant.
		_, err = tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", SchemaVersion))
	}
	if err != nil {
		return version, fmt.Errorf("migrate: write schema version: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return version, fmt.Errorf("migrate: commit: %w", err)
	}
	return version, nil
}
