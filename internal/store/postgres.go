package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/internal/secrets"
)

// DefaultPostgresConns is the size of a PostgreSQL store's connection pool unless the
// DSN says otherwise with pool_max_conns.
const DefaultPostgresConns = 8

// pgConfig parses a postgres:// DSN. The store's own parameter pool_max_conns (the
// pool size) is taken out; every other parameter is libpq's, as pgx reads them
// (sslmode, connect_timeout, search_path, application_name...). Errors never hold the
// password.
func pgConfig(dsn string) (cfg *pgx.ConnConfig, conns int, err error) {
	conns = DefaultPostgresConns
	password := ""
	if u, perr := url.Parse(dsn); perr == nil {
		if u.User != nil {
			password, _ = u.User.Password()
		}
		q := u.Query()
		if v := q.Get("pool_max_conns"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return nil, 0, fmt.Errorf("open store: pool_max_conns=%q in the postgres dsn is not a positive number", v)
			}
			conns = n
			q.Del("pool_max_conns")
			u.RawQuery = q.Encode()
			dsn = u.String()
		}
	}
	cfg, err = pgx.ParseConfig(dsn)
	if err != nil {
		return nil, 0, fmt.Errorf("open store: invalid postgres dsn: %w", secrets.Redact(err, password))
	}
	if cfg.RuntimeParams["application_name"] == "" {
		cfg.RuntimeParams["application_name"] = "stakeout"
	}
	return cfg, conns, nil
}

// pgName names a PostgreSQL store in messages: host, port and database, never the
// user's password.
func pgName(cfg *pgx.ConnConfig) string {
	host := cfg.Host
	if strings.HasPrefix(host, "/") {
		return fmt.Sprintf("postgres store %s (socket)/%s", host, cfg.Database)
	}
	return fmt.Sprintf("postgres store %s:%d/%s", host, cfg.Port, cfg.Database)
}

// openPostgres opens the PostgreSQL database of dsn. A writable store is migrated to
// SchemaVersion; a read-only one (every transaction READ ONLY, on the server) must
// already have exactly this program's schema. Readers and writers share one pool:
// PostgreSQL's MVCC lets them run side by side.
func openPostgres(ctx context.Context, dsn string, readOnly bool) (_ *sqlStore, err error) {
	cfg, conns, err := pgConfig(dsn)
	if err != nil {
		return nil, err
	}
	password := cfg.Password
	name := pgName(cfg)
	fail := func(err error) (*sqlStore, error) {
		return nil, fmt.Errorf("open %s: %w", name, secrets.Redact(err, password))
	}
	if readOnly {
		cfg.RuntimeParams["default_transaction_read_only"] = "on"
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	pool := sqlDB{db, postgresDialect}
	st := &sqlStore{name: name, d: postgresDialect, reader: pool, pgBatch: true}
	defer func() {
		if err != nil {
			_ = pool.Close()
		}
	}()
	if err := pool.PingContext(ctx); err != nil {
		return fail(err)
	}
	if readOnly {
		version, err := readVersion(ctx, pool, postgresDialect)
		if err != nil {
			return fail(err)
		}
		if err := checkVersionNumber(version, name); err != nil {
			return nil, err
		}
		return st, nil
	}
	st.writer = pool
	if st.migratedFrom, err = migrate(ctx, pool); err != nil {
		return fail(err)
	}
	if st.upsert, err = pool.PrepareContext(ctx, upsertSQL); err != nil {
		return fail(fmt.Errorf("prepare upsert: %w", err))
	}
	return st, nil
}

// pgBatchSQL upserts a whole batch in one statement: the columns travel as arrays
// (one parameter each, whatever the batch size) and unnest turns them back into rows,
// which meet the same ON CONFLICT rule as upsertSQL. It returns the write count of
// every row it inserted or replaced.
var pgBatchSQL = `INSERT INTO results (
	probe_id, run, campaign, target, industry, channel, scenario,
	planned_at, started_at, finished_at, outcome, reason,
	first_response_s, human_response_s, duration_s, evidence,
	writes, created_at, updated_at, revision
) SELECT probe_id, run, campaign, target, industry, channel, scenario,
	planned_at, started_at, finished_at, outcome, reason,
	first_response_s, human_response_s, duration_s, evidence,
	1, created_at, updated_at, revision
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
	$8::bigint[], $9::bigint[], $10::bigint[], $11::text[], $12::text[],
	$13::float8[], $14::float8[], $15::float8[], $16::bytea[],
	$17::bigint[], $18::bigint[], $19::bigint[])
AS t(probe_id, run, campaign, target, industry, channel, scenario,
	planned_at, started_at, finished_at, outcome, reason,
	first_response_s, human_response_s, duration_s, evidence,
	created_at, updated_at, revision)
` + strings.Replace(upsertSQL[strings.Index(upsertSQL, "ON CONFLICT"):], "RETURNING writes", "RETURNING probe_id, writes", 1)

// upsertBatchPG implements UpsertBatch on PostgreSQL with pgBatchSQL; all holds the
// validated upsertArgs of rs. A probe id that comes more than once in the batch is
// written once, with its highest revision (the first of equals), as a sequence of
// upserts would leave it; created is reported on its first occurrence. Rows go in
// probe id order, so that concurrent batches lock the rows they share in the same
// order and never deadlock.
func (s *sqlStore) upsertBatchPG(ctx context.Context, rs []result.Result, all [][]any) ([]bool, error) {
	first := make(map[string]int, len(rs)) // probe id → index of its first occurrence
	pick := make(map[string]int, len(rs))  // probe id → index of the row written
	for i, r := range rs {
		j, seen := pick[r.ProbeID]
		if !seen {
			first[r.ProbeID], pick[r.ProbeID] = i, i
		} else if r.Revision > rs[j].Revision {
			pick[r.ProbeID] = i
		}
	}
	rows := make([]int, 0, len(pick))
	for _, i := range pick {
		rows = append(rows, i)
	}
	sort.Slice(rows, func(a, b int) bool { return rs[rows[a]].ProbeID < rs[rows[b]].ProbeID })

	cols := make([]any, 19)
	for c := range cols {
		switch {
		case c <= 6 || c == 10 || c == 11:
			cols[c] = make([]string, 0, len(rows))
		case c <= 9 || c >= 16:
			cols[c] = make([]*int64, 0, len(rows))
		case c <= 14:
			cols[c] = make([]*float64, 0, len(rows))
		default:
			cols[c] = make([][]byte, 0, len(rows))
		}
	}
	for _, i := range rows {
		for c, v := range all[i] {
			switch col := cols[c].(type) {
			case []string:
				cols[c] = append(col, cleanString(v.(string)))
			case []*int64:
				cols[c] = append(col, int64Ptr(v))
			case []*float64:
				cols[c] = append(col, float64Ptr(v))
			case [][]byte:
				b, _ := v.([]byte)
				cols[c] = append(col, b)
			}
		}
	}
	res, err := s.writer.db.QueryContext(ctx, pgBatchSQL, cols...)
	if err != nil {
		return nil, fmt.Errorf("upsert batch of %d: %w", len(rs), err)
	}
	defer res.Close()
	created := make([]bool, len(rs))
	for res.Next() {
		var id string
		var writes int64
		if err := res.Scan(&id, &writes); err != nil {
			return nil, fmt.Errorf("upsert batch of %d: %w", len(rs), err)
		}
		if i, ok := first[id]; ok && writes == 1 {
			created[i] = true
		}
	}
	if err := res.Err(); err != nil {
		return nil, fmt.Errorf("upsert batch of %d: %w", len(rs), err)
	}
	return created, nil
}

// int64Ptr converts an upsert argument (sql.NullInt64, int64 or int) for an array.
func int64Ptr(v any) *int64 {
	var n int64
	switch x := v.(type) {
	case sql.NullInt64:
		if !x.Valid {
			return nil
		}
		n = x.Int64
	case int64:
		n = x
	case int:
		n = int64(x)
	default:
		panic(fmt.Sprintf("store: unexpected integer argument %T", v))
	}
	return &n
}

// float64Ptr converts an upsert argument (sql.NullFloat64 or float64) for an array.
func float64Ptr(v any) *float64 {
	var f float64
	switch x := v.(type) {
	case sql.NullFloat64:
		if !x.Valid {
			return nil
		}
		f = x.Float64
	case float64:
		f = x
	default:
		panic(fmt.Sprintf("store: unexpected float argument %T", v))
	}
	return &f
}
