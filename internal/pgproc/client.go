package pgproc

import (
	"context"
	"fmt"
	"net/url"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// DSN returns a postgres:// URL for database db as the superuser over TCP, without TLS.
func (s *Server) DSN(db string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.User(Superuser),
		Host:     s.Addr,
		Path:     "/" + db,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// CreateDB creates the database name, owned by the superuser, with createdb.
func (s *Server) CreateDB(ctx context.Context, name string) error {
	bin, err := s.Client("createdb")
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, bin, "-h", "127.0.0.1", "-p", strconv.Itoa(s.Port),
		"-U", Superuser, "-w", "--", name)
	cmd.Env = cleanEnv()
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("createdb %q: %w: %s", name, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// Client returns the path of a PostgreSQL client program (psql, createdb, pg_isready):
// the one in BinDir, else Debian's /usr/bin wrapper, else the one on PATH.
func (s *Server) Client(name string) (string, error) {
	for _, p := range []string{filepath.Join(s.BinDir, name), filepath.Join("/usr/bin", name)} {
		if isExec(p) {
			return p, nil
		}
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("postgresql client %s not found (Debian package postgresql-client): %w", name, err)
	}
	return p, nil
}
