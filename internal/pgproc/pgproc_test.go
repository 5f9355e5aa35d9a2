package pgproc

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// psql runs one query against dsn and returns its unaligned, tuples-only output.
func psql(t *testing.T, s *Server, dsn, query string) (string, error) {
	t.Helper()
	bin, err := s.Client("psql")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-X", "-w", "-d", dsn, "-Atc", query)
	cmd.Env = cleanEnv()
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func start(t *testing.T) *Server {
	t.Helper()
	began := time.Now()
	s, err := Start(context.Background(), Options{})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Logf("started postgres (%s) on %s in %v", s.BinDir, s.Addr, time.Since(began).Round(time.Millisecond))
	t.Cleanup(s.Stop)
	return s
}

func TestStartCreateDBStop(t *testing.T) {
	s := start(t)
	ctx := context.Background()
	for _, db := range []string{"alpha", "beta"} {
		if err := s.CreateDB(ctx, db); err != nil {
			t.Fatalf("CreateDB(%q): %v", db, err)
		}
		got, err := psql(t, s, s.DSN(db), "select current_database() || ' ' || 1")
		if want := db + " 1"; err != nil || got != want {
			t.Errorf("psql -d %s 'select …' = %q, %v; want %q", s.DSN(db), got, err, want)
		}
	}
	if err := s.CreateDB(ctx, "alpha"); err == nil {
		t.Errorf("CreateDB(alpha) twice = nil, want an error")
	}
	if got, err := psql(t, s, s.DSN("postgres"), "show listen_addresses"); err != nil || got != "127.0.0.1" {
		t.Errorf("listen_addresses = %q, %v; want 127.0.0.1", got, err)
	}
	if got, want := listeners(t, s.Port), []string{"127.0.0.1"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("listening addresses on port %d = %v, want %v", s.Port, got, want)
	}

	pid, dir := s.cmd.Process.Pid, s.dir
	s.Stop()
	if err := syscall.Kill(-pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("after Stop, kill(-%d, 0) = %v, want ESRCH (no process left)", pid, err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("after Stop, stat %s = %v, want not exist", dir, err)
	}
	if got, err := psql(t, s, s.DSN("alpha"), "select 1"); err == nil {
		t.Errorf("psql after Stop = %q, want a connection error", got)
	}
	s.Stop() // a second Stop is harmless
}

func TestTwoServers(t *testing.T) {
	var servers [2]*Server
	var errs [2]error
	var wg sync.WaitGroup
	for i := range servers {
		wg.Go(func() { servers[i], errs[i] = Start(context.Background(), Options{}) })
	}
	wg.Wait()
	for i, s := range servers {
		if errs[i] != nil {
			t.Fatalf("Start #%d: %v", i, errs[i])
		}
		t.Cleanup(s.Stop)
	}
	if servers[0].Port == servers[1].Port {
		t.Fatalf("both servers on port %d", servers[0].Port)
	}
	for i, s := range servers {
		if got, err := psql(t, s, s.DSN("postgres"), "show port"); err != nil || got != strconv.Itoa(s.Port) {
			t.Errorf("server #%d: show port = %q, %v; want %d", i, got, err, s.Port)
		}
	}
}

func TestStartFailureIsClear(t *testing.T) {
	_, err := Start(context.Background(), Options{BinDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "initdb") {
		t.Errorf("Start with an empty BinDir = %v, want an initdb error", err)
	}
}

func TestFind(t *testing.T) {
	t.Setenv("STAKEOUT_PG_BINDIR", t.TempDir())
	if _, err := Find(); !errors.Is(err, ErrNotInstalled) {
		t.Errorf("Find with STAKEOUT_PG_BINDIR empty dir = %v, want ErrNotInstalled", err)
	}
	if !strings.Contains(ErrNotInstalled.Error(), "Debian package postgresql") {
		t.Errorf("ErrNotInstalled = %q, want it to name the Debian package postgresql", ErrNotInstalled)
	}

	root := t.TempDir()
	for _, v := range []string{"9.6", "15", "100", "13"} {
		makeServer(t, filepath.Join(root, v, "bin"), v != "100")
	}
	if got, want := findDebian(root), filepath.Join(root, "15", "bin"); got != want {
		t.Errorf("findDebian = %q, want %q (100 has no postgres)", got, want)
	}
	t.Setenv("STAKEOUT_PG_BINDIR", filepath.Join(root, "13", "bin"))
	if got, err := Find(); err != nil || got != filepath.Join(root, "13", "bin") {
		t.Errorf("Find with STAKEOUT_PG_BINDIR = %q, %v; want the env dir", got, err)
	}
}

func makeServer(t *testing.T, dir string, withPostgres bool) {
	t.Helper()
	names := []string{"initdb"}
	if withPostgres {
		names = append(names, "postgres")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

func TestDSN(t *testing.T) {
	s := &Server{Addr: "127.0.0.1:5999", Port: 5999}
	if got, want := s.DSN("t1"), "postgres://postgres@127.0.0.1:5999/t1?sslmode=disable"; got != want {
		t.Errorf("DSN(t1) = %q, want %q", got, want)
	}
}

// listeners returns the local addresses in LISTEN state on port, from /proc/net/tcp{,6}.
func listeners(t *testing.T, port int) []string {
	t.Helper()
	var addrs []string
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		file, err := os.Open(f)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(file)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 4 || fields[3] != "0A" {
				continue
			}
			host, p, ok := strings.Cut(fields[1], ":")
			if n, _ := strconv.ParseInt(p, 16, 32); !ok || int(n) != port {
				continue
			}
			addrs = append(addrs, procAddr(host))
		}
		file.Close()
	}
	return addrs
}

// procAddr decodes /proc/net/tcp's little-endian hex IPv4 address; IPv6 stays hex.
func procAddr(h string) string {
	if len(h) != 8 {
		return "ipv6:" + h
	}
	v, _ := strconv.ParseUint(h, 16, 32)
	return fmt.Sprintf("%d.%d.%d.%d", v&0xff, v>>8&0xff, v>>16&0xff, v>>24)
}

func BenchmarkStartStop(b *testing.B) {
	for b.Loop() {
		s, err := Start(context.Background(), Options{})
		if err != nil {
			b.Fatal(err)
		}
		s.Stop()
	}
}
