package store

import (
	"context"
	"database/sql"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// dialect is what differs between the SQL of the two backends. The store's queries are
// written once, for SQLite, with ? placeholders; the PostgreSQL dialect numbers them
// ($1, $2, ...), maps the column types of the schema and cleans the text it is given.
type dialect struct {
	name string
	// numbered placeholders ($n) instead of ?.
	numbered bool
	// cleanText replaces what a PostgreSQL text value cannot hold (invalid UTF-8, NUL)
	// by U+FFFD, where SQLite stores any bytes.
	cleanText bool
}

var (
	sqliteDialect   = dialect{name: "sqlite"}
	postgresDialect = dialect{name: "postgres", numbered: true, cleanText: true}
)

// query rewrites a query written with ? placeholders for d. A ? inside a quoted string
// or identifier is left alone.
func (d dialect) query(q string) string {
	if !d.numbered || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	var quote byte
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// textType matches the TEXT and BLOB column types of the schema's DDL.
var textType = regexp.MustCompile(`\b(TEXT|BLOB)\b`)

// ddl rewrites a schema statement for d: on PostgreSQL, BLOB is BYTEA and TEXT sorts
// and compares by bytes (COLLATE "C"), as SQLite does, so that results listed "by
// probe id" come in the same order from both backends whatever the server's locale.
func (d dialect) ddl(stmt string) string {
	if d.name != "postgres" {
		return stmt
	}
	return textType.ReplaceAllStringFunc(stmt, func(t string) string {
		if t == "BLOB" {
			return "BYTEA"
		}
		return `TEXT COLLATE "C"`
	})
}

// args cleans the text arguments of a statement for d (see cleanText).
func (d dialect) args(args []any) []any {
	if !d.cleanText {
		return args
	}
	var out []any
	for i, a := range args {
		s, ok := a.(string)
		if !ok || cleanString(s) == s {
			continue
		}
		if out == nil {
			out = append([]any(nil), args...)
		}
		out[i] = cleanString(s)
	}
	if out == nil {
		return args
	}
	return out
}

// cleanString replaces invalid UTF-8 and NUL bytes by U+FFFD.
func cleanString(s string) string {
	if utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

// sqlDB is a database/sql pool that speaks the store's dialect.
type sqlDB struct {
	db *sql.DB
	d  dialect
}

func (x sqlDB) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return x.db.ExecContext(ctx, x.d.query(q), x.d.args(args)...)
}

func (x sqlDB) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return x.db.QueryContext(ctx, x.d.query(q), x.d.args(args)...)
}

func (x sqlDB) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return x.db.QueryRowContext(ctx, x.d.query(q), x.d.args(args)...)
}

func (x sqlDB) PrepareContext(ctx context.Context, q string) (sqlStmt, error) {
	st, err := x.db.PrepareContext(ctx, x.d.query(q))
	return sqlStmt{st, x.d}, err
}

func (x sqlDB) BeginTx(ctx context.Context, opts *sql.TxOptions) (sqlTx, error) {
	tx, err := x.db.BeginTx(ctx, opts)
	return sqlTx{tx, x.d}, err
}

func (x sqlDB) PingContext(ctx context.Context) error { return x.db.PingContext(ctx) }

func (x sqlDB) Close() error { return x.db.Close() }

// sqlTx is a transaction that speaks the store's dialect.
type sqlTx struct {
	tx *sql.Tx
	d  dialect
}

func (x sqlTx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return x.tx.ExecContext(ctx, x.d.query(q), x.d.args(args)...)
}

func (x sqlTx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return x.tx.QueryContext(ctx, x.d.query(q), x.d.args(args)...)
}

func (x sqlTx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return x.tx.QueryRowContext(ctx, x.d.query(q), x.d.args(args)...)
}

func (x sqlTx) PrepareContext(ctx context.Context, q string) (sqlStmt, error) {
	st, err := x.tx.PrepareContext(ctx, x.d.query(q))
	return sqlStmt{st, x.d}, err
}

// StmtContext returns st bound to the transaction.
func (x sqlTx) StmtContext(ctx context.Context, st sqlStmt) sqlStmt {
	return sqlStmt{x.tx.StmtContext(ctx, st.st), x.d}
}

func (x sqlTx) Commit() error   { return x.tx.Commit() }
func (x sqlTx) Rollback() error { return x.tx.Rollback() }

// sqlStmt is a prepared statement that cleans its arguments for the store's dialect.
type sqlStmt struct {
	st *sql.Stmt
	d  dialect
}

func (x sqlStmt) ExecContext(ctx context.Context, args ...any) (sql.Result, error) {
	return x.st.ExecContext(ctx, x.d.args(args)...)
}

func (x sqlStmt) QueryRowContext(ctx context.Context, args ...any) *sql.Row {
	return x.st.QueryRowContext(ctx, x.d.args(args)...)
}

func (x sqlStmt) Close() error {
	if x.st == nil {
		return nil
	}
	return x.st.Close()
}
