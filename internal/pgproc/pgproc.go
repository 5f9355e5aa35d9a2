package pgproc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/stakeoutcx/stakeout/internal/childproc"
)

// Superuser is the superuser role initdb creates (-U postgres).
const Superuser = "postgres"

// Options configures a child PostgreSQL. The zero value is ready to use.
type Options struct {
	// BinDir holds initdb and postgres (default: Find).
	BinDir string
	// TempDir is where the server's private directory is created (default os.TempDir()).
	// When running as root it must be traversable by User.
	TempDir string
	// User runs initdb and postgres when this process is root (default "postgres", the
	// system user of the Debian package). Ignored when not root: the current user runs them.
	User string
	// StartTimeout bounds initdb plus the wait for connections (default 60s).
	StartTimeout time.Duration
	// StopTimeout bounds the fast shutdown before Stop kills the server (default 10s).
	StopTimeout time.Duration
}

// Server is a running PostgreSQL child with its own data directory and socket.
type Server struct {
	// Addr is 127.0.0.1:Port.
	Addr string
	// Port is the TCP port on 127.0.0.1.
	Port int
	// BinDir holds the server and client binaries used.
	BinDir string

	dir, dataDir, logPath string
	user                  *runAs
	stopTimeout           time.Duration
	cmd                   *exec.Cmd
	done                  chan struct{}
	stopOnce              sync.Once
}

// errPortTaken marks a start that lost the race for its port; Start retries it.
var errPortTaken = errors.New("port taken")

// Start creates a cluster with initdb in a new temporary directory and runs postgres on
// a free 127.0.0.1 port until it accepts connections. ctx bounds only the start; the
// server runs until Stop, and dies with this process (Linux parent-death signal).
func Start(ctx context.Context, o Options) (*Server, error) {
	var err error
	s := &Server{BinDir: o.BinDir, stopTimeout: o.StopTimeout}
	if s.BinDir == "" {
		if s.BinDir, err = Find(); err != nil {
			return nil, err
		}
	}
	if s.stopTimeout == 0 {
		s.stopTimeout = 10 * time.Second
	}
	if o.User == "" {
		o.User = Superuser
	}
	if o.StartTimeout == 0 {
		o.StartTimeout = 60 * time.Second
	}
	if s.user, err = serverUser(o.User); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, o.StartTimeout)
	defer cancel()
	if s.dir, err = os.MkdirTemp(o.TempDir, "stakeout-pg-"); err != nil {
		return nil, fmt.Errorf("postgres temp dir: %w", err)
	}
	s.dataDir = filepath.Join(s.dir, "data")
	s.logPath = filepath.Join(s.dir, "postgres.log")
	if err = s.user.chown(s.dir); err == nil {
		err = s.initdb(ctx)
	}
	for attempt := 0; err == nil && attempt < 5; attempt++ {
		if err = s.start(ctx); err == nil {
			return s, nil
		}
		if errors.Is(err, errPortTaken) {
			err = nil
		}
	}
	if err == nil {
		err = errors.New("postgres: no free port after 5 attempts")
	}
	_ = os.RemoveAll(s.dir)
	return nil, err
}

// start runs postgres once on a fresh free port and waits for it.
func (s *Server) start(ctx context.Context) error {
	port, err := childproc.FreePort()
	if err != nil {
		return err
	}
	s.Port = port
	s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	logFile, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("postgres log: %w", err)
	}
	defer logFile.Close() // the child keeps its own copy
	s.cmd = exec.Command(filepath.Join(s.BinDir, "postgres"), s.serverArgs()...)
	s.cmd.Env = cleanEnv()
	s.cmd.Dir = s.dir
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	s.cmd.SysProcAttr = s.user.sysProcAttr()
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	done := make(chan struct{})
	s.done = done
	go func() { _ = s.cmd.Wait(); close(done) }()
	if err := s.waitReady(ctx); err != nil {
		s.kill()
		log := s.Log()
		if strings.Contains(log, "could not bind") || strings.Contains(log, "Address already in use") {
			return fmt.Errorf("%w: %s", errPortTaken, s.Addr)
		}
		return fmt.Errorf("postgres on %s did not start: %w: %s", s.Addr, err, errorLines(log))
	}
	return nil
}

// waitReady polls until postmaster.pid says "ready" and the TCP port accepts a dial.
func (s *Server) waitReady(ctx context.Context) error {
	pidFile := filepath.Join(s.dataDir, "postmaster.pid")
	for {
		if b, err := os.ReadFile(pidFile); err == nil && pmStatus(string(b)) == "ready" {
			c, err := net.DialTimeout("tcp", s.Addr, time.Second)
			if err == nil {
				c.Close()
				return nil
			}
		}
		select {
		case <-s.done:
			return errors.New("process exited")
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// pmStatus returns line 8 of postmaster.pid: starting, stopping, ready or standby.
func pmStatus(pidFile string) string {
	lines := strings.Split(pidFile, "\n")
	if len(lines) < 8 {
		return ""
	}
	return strings.TrimSpace(lines[7])
}

// Log returns what the server has logged so far (warnings and errors only).
func (s *Server) Log() string {
	b, _ := os.ReadFile(s.logPath)
	return string(b)
}

// Stop shuts the server down (fast shutdown, SIGINT; SIGKILL to its process group after
// StopTimeout) and removes its directory. It is safe to call more than once.
func (s *Server) Stop() {
	if s == nil || s.cmd == nil {
		return
	}
	s.stopOnce.Do(func() {
		_ = s.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-s.done:
		case <-time.After(s.stopTimeout):
			s.kill()
		}
		_ = os.RemoveAll(s.dir)
	})
}

// kill sends SIGKILL to the server's whole process group and waits for the postmaster.
func (s *Server) kill() {
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	<-s.done
}

// errorLines picks the FATAL/ERROR/PANIC lines of a server log, or its last lines.
func errorLines(log string) string {
	var keep []string
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, "FATAL") || strings.Contains(l, "ERROR") || strings.Contains(l, "PANIC") {
			keep = append(keep, strings.TrimSpace(l))
		}
	}
	if len(keep) == 0 {
		return lastLines(log, 3)
	}
	return strings.Join(keep, " | ")
}
