package pgproc

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// hbaConf allows trust logins on the private unix socket and on 127.0.0.1 only.
const hbaConf = `# written by stakeout's pgproc: a private test server
local all all trust
host  all all 127.0.0.1/32 trust
`

// runAs is the unix identity the server runs under; nil means the current user.
type runAs struct {
	uid, gid int
}

// serverUser returns who runs initdb and postgres: the current user, or name when root.
func serverUser(name string) (*runAs, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("postgresql refuses to run as root and there is no %q user to run it as (the Debian package postgresql creates it): %w", name, err)
	}
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return nil, fmt.Errorf("user %s: uid %q: %w", name, u.Uid, err)
	}
	gid, err := strconv.Atoi(u.Gid)
	if err != nil {
		return nil, fmt.Errorf("user %s: gid %q: %w", name, u.Gid, err)
	}
	return &runAs{uid: uid, gid: gid}, nil
}

// sysProcAttr makes the child die with this process and, when r is set, run as r.
func (r *runAs) sysProcAttr() *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if r != nil {
		a.Credential = &syscall.Credential{Uid: uint32(r.uid), Gid: uint32(r.gid)}
	}
	return a
}

// chown gives path to r, so the server can write there.
func (r *runAs) chown(path string) error {
	if r == nil {
		return nil
	}
	if err := os.Chown(path, r.uid, r.gid); err != nil {
		return fmt.Errorf("chown %s for the postgres user: %w", path, err)
	}
	return nil
}

// initdb creates a cluster in s.dataDir with the superuser postgres and trust auth.
func (s *Server) initdb(ctx context.Context) error {
	cmd := exec.CommandContext(ctx, filepath.Join(s.BinDir, "initdb"),
		"-D", s.dataDir, "-U", Superuser, "-A", "trust", "-E", "UTF8", "--locale=C",
		"--no-sync", "--no-instructions")
	cmd.Env = cleanEnv()
	cmd.Dir = s.dir
	cmd.SysProcAttr = s.user.sysProcAttr()
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("initdb %s: %w: %s", s.dataDir, err, lastLines(string(out), 3))
	}
	hba := filepath.Join(s.dataDir, "pg_hba.conf")
	if err := os.WriteFile(hba, []byte(hbaConf), 0o600); err != nil {
		return fmt.Errorf("write pg_hba.conf: %w", err)
	}
	return s.user.chown(hba)
}

// serverArgs are the postgres flags: private socket, loopback only, tuned for tests.
func (s *Server) serverArgs() []string {
	args := []string{"-D", s.dataDir, "-p", strconv.Itoa(s.Port)}
	for _, kv := range [][2]string{
		{"listen_addresses", "127.0.0.1"},
		{"unix_socket_directories", s.dir},
		{"fsync", "off"},
		{"synchronous_commit", "off"},
		{"full_page_writes", "off"},
		{"wal_level", "minimal"},
		{"max_wal_senders", "0"},
		{"checkpoint_timeout", "1h"},
		{"autovacuum", "off"},
		{"shared_buffers", "32MB"},
		{"max_connections", "100"},
		{"logging_collector", "off"},
		{"log_destination", "stderr"},
		{"log_min_messages", "warning"},
		{"ssl", "off"},
	} {
		args = append(args, "-c", kv[0]+"="+kv[1])
	}
	return args
}

// cleanEnv is this process's environment without PG* variables, so that neither server
// nor clients pick up a PGHOST, PGDATA or PGPASSWORD meant for another server.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") {
			env = append(env, kv)
		}
	}
	return append(env, "LC_ALL=C")
}

// lastLines returns the last n non-empty lines of s, joined by " | ".
func lastLines(s string, n int) string {
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
