// Package amproc starts a private Alertmanager child process on a free loopback port,
// with clustering off, for `stakeout demo` and for tests, and runs webhook receivers
// that record what Alertmanager notifies. It never touches an Alertmanager the user runs.
package amproc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/stakeoutcx/stakeout/internal/childproc"
)

// ErrNotInstalled is returned when no Alertmanager binary is found.
var ErrNotInstalled = errors.New("alertmanager not found: install the Debian package prometheus-alertmanager (apt-get install prometheus-alertmanager) or set STAKEOUT_ALERTMANAGER to its path")

// Options configures a child Alertmanager.
type Options struct {
	// Config is the alertmanager.yml to run with (required).
	Config string
	// Binary is the program (default: $STAKEOUT_ALERTMANAGER, then prometheus-alertmanager
	// (Debian's name) or alertmanager on PATH).
	Binary string
	// StartTimeout bounds the wait for /-/ready (default 15s).
	StartTimeout time.Duration
}

// Server is a running Alertmanager child.
type Server struct {
	// URL is its base URL, http://127.0.0.1:PORT.
	URL  string
	cmd  *exec.Cmd
	dir  string
	done chan struct{}
}

// Find returns the path of the Alertmanager binary to use.
func Find(bin string) (string, error) {
	if bin == "" {
		bin = os.Getenv("STAKEOUT_ALERTMANAGER")
	}
	if bin != "" {
		return exec.LookPath(bin)
	}
	for _, name := range []string{"prometheus-alertmanager", "alertmanager"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", ErrNotInstalled
}

// Start runs Alertmanager with o.Config on a free 127.0.0.1 port and waits until it is
// ready. Its data lives in a temporary directory that Stop removes; the child dies
// with this process (Linux parent-death signal).
func Start(ctx context.Context, o Options) (*Server, error) {
	bin, err := Find(o.Binary)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "stakeout-alertmanager-")
	if err != nil {
		return nil, fmt.Errorf("alertmanager temp dir: %w", err)
	}
	cfg := filepath.Join(dir, "alertmanager.yml")
	if err := os.WriteFile(cfg, []byte(o.Config), 0o600); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("write alertmanager config: %w", err)
	}
	s := &Server{dir: dir}
	for range 5 {
		if err = s.start(ctx, bin, cfg, o.StartTimeout); err == nil {
			return s, nil
		}
	}
	os.RemoveAll(dir)
	return nil, err
}

func (s *Server) start(ctx context.Context, bin, cfg string, timeout time.Duration) error {
	port, err := childproc.FreePort()
	if err != nil {
		return err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	s.URL = "http://" + addr
	logPath := filepath.Join(s.dir, "alertmanager.log")
	logf, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logf.Close()
	s.cmd = exec.Command(bin, "--config.file="+cfg, "--storage.path="+filepath.Join(s.dir, "data"),
		"--web.listen-address="+addr, "--cluster.listen-address=", "--log.level=info")
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", bin, err)
	}
	s.done = make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	if timeout <= 0 {
		timeout = 15 * time.Second
	}
	if err := s.waitReady(ctx, timeout); err != nil {
		_ = s.cmd.Process.Kill()
		<-s.done
		tail, _ := os.ReadFile(logPath)
		return fmt.Errorf("alertmanager on %s did not start: %w: %s", addr, err, childproc.LastLine(string(tail)))
	}
	return nil
}

func (s *Server) waitReady(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: time.Second}
	for {
		resp, err := client.Get(s.URL + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("/-/ready: %s", resp.Status)
		}
		select {
		case <-s.done:
			return errors.New("process exited")
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return err
		}
	}
}

// Stop terminates Alertmanager and removes its directory.
func (s *Server) Stop() {
	if s == nil || s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	os.RemoveAll(s.dir)
}
