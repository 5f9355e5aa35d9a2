// Package redisproc starts a private redis-server child process on a free loopback port,
// for `stakeout demo` and for tests. It never touches a Redis the user runs.
package redisproc

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/stakeoutcx/stakeout/internal/childproc"
)

// ErrNotInstalled is returned when no redis-server binary is found.
var ErrNotInstalled = errors.New("redis-server not found: install the Debian package redis-server (apt-get install redis-server) or set STAKEOUT_REDIS_SERVER to its path")

// Options configures a child Redis. The zero value is ready to use.
type Options struct {
	// Binary is the redis-server to run (default: $STAKEOUT_REDIS_SERVER, then redis-server on PATH, then /usr/bin/redis-server).
	Binary string
	// Dir is the working directory; default a new temporary directory removed by Stop.
	Dir string
	// StartTimeout bounds the wait for the server to answer PING (default 10s).
	StartTimeout time.Duration
	// TLS, when set, makes the server speak TLS only, with the server certificate of
	// TLS (its plain port is closed: --port 0); Addr is then the TLS port. Default: no TLS.
	TLS *Certs
	// RequireClientCert makes a TLS server refuse a client without a certificate
	// signed by the CA of TLS (tls-auth-clients yes; default no).
	RequireClientCert bool
	// Persist turns the append-only file on (appendonly yes, fsync every second) in
	// Dir; default off.
	Persist bool
	// Args are more redis-server arguments, given after the others (e.g. --replicaof).
	Args []string
}

// Server is a running redis-server child.
type Server struct {
	// Addr is host:port on loopback.
	Addr string
	// TLS is the PKI of a TLS server (Options.TLS), nil without TLS.
	TLS  *Certs
	cmd  *exec.Cmd
	dir  string
	rm   bool
	done chan struct{}
}

// URL returns a redis:// URL (rediss:// for a TLS server) for database db.
func (s *Server) URL(db int) string {
	if s.TLS != nil {
		return fmt.Sprintf("rediss://%s/%d", s.Addr, db)
	}
	return fmt.Sprintf("redis://%s/%d", s.Addr, db)
}

// Find returns the path of the redis-server binary to use.
func Find(bin string) (string, error) {
	return findBinary(bin, "STAKEOUT_REDIS_SERVER", "redis-server", ErrNotInstalled)
}

// findBinary returns the path of program name: bin when given, else $env, else name
// on PATH, else /usr/bin/name (Debian's place); notInstalled when there is none.
func findBinary(bin, env, name string, notInstalled error) (string, error) {
	if bin == "" {
		bin = os.Getenv(env)
	}
	if bin != "" {
		return exec.LookPath(bin)
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	if _, err := os.Stat("/usr/bin/" + name); err == nil {
		return "/usr/bin/" + name, nil
	}
	return "", notInstalled
}

// Start runs a new redis-server on a free 127.0.0.1 port with persistence off and
// maxmemory-policy noeviction (asynq needs it), and waits until it answers.
// The child dies with this process (Linux parent-death signal).
func Start(ctx context.Context, o Options) (*Server, error) {
	bin, err := Find(o.Binary)
	if err != nil {
		return nil, err
	}
	s := &Server{dir: o.Dir, TLS: o.TLS, done: make(chan struct{})}
	if s.dir == "" {
		if s.dir, err = os.MkdirTemp("", "stakeout-redis-"); err != nil {
			return nil, fmt.Errorf("redis temp dir: %w", err)
		}
		s.rm = true
	}
	for attempt := 0; attempt < 5; attempt++ {
		if err = s.start(ctx, bin, o); err == nil {
			return s, nil
		}
	}
	s.cleanup()
	return nil, err
}

func (s *Server) start(ctx context.Context, bin string, o Options) error {
	port, err := childproc.FreePort()
	if err != nil {
		return err
	}
	s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	s.done = make(chan struct{})
	logPath := filepath.Join(s.dir, "redis.log")
	s.cmd = exec.Command(bin, serverArgs(port, s.dir, logPath, o)...)
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", bin, err)
	}
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	timeout := o.StartTimeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	var tlsConfig *tls.Config
	if o.TLS != nil {
		if tlsConfig, err = o.TLS.ClientTLS(); err != nil {
			s.kill()
			return fmt.Errorf("redis-server TLS: %w", err)
		}
	}
	if err := s.waitReady(ctx, timeout, tlsConfig); err != nil {
		s.kill()
		logTail, _ := os.ReadFile(logPath)
		return fmt.Errorf("redis-server on %s did not start: %w: %s", s.Addr, err, childproc.LastLine(string(logTail)))
	}
	return nil
}

// serverArgs are the redis-server arguments of a server on port.
func serverArgs(port int, dir, logPath string, o Options) []string {
	appendonly := "no"
	if o.Persist {
		appendonly = "yes"
	}
	args := []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir,
		"--save", "", "--appendonly", appendonly, "--appendfsync", "everysec", "--maxmemory-policy", "noeviction",
		"--daemonize", "no", "--logfile", logPath, "--protected-mode", "yes"}
	if o.TLS != nil {
		auth := "no"
		if o.RequireClientCert {
			auth = "yes"
		}
		args = append(args, "--port", "0", "--tls-port", strconv.Itoa(port),
			"--tls-cert-file", o.TLS.ServerCertFile, "--tls-key-file", o.TLS.ServerKeyFile,
			"--tls-ca-cert-file", o.TLS.CAFile, "--tls-auth-clients", auth)
	}
	return append(args, o.Args...)
}

func (s *Server) waitReady(ctx context.Context, timeout time.Duration, tlsConfig *tls.Config) error {
	c := redis.NewClient(&redis.Options{Addr: s.Addr, MaxRetries: -1, DialTimeout: time.Second, TLSConfig: tlsConfig})
	defer c.Close()
	deadline := time.Now().Add(timeout)
	for {
		err := c.Ping(ctx).Err()
		if err == nil {
			return nil
		}
		select {
		case <-s.done:
			return errors.New("process exited")
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return err
		}
	}
}

// Stop terminates the server and removes its temporary directory.
func (s *Server) Stop() {
	if s == nil || s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		s.kill()
	}
	s.cleanup()
}

// Kill ends the server at once (SIGKILL), as a crash would, and waits for it to exit.
// Its directory stays until Stop.
func (s *Server) Kill() {
	if s != nil && s.cmd != nil {
		s.kill()
	}
}

func (s *Server) kill() {
	_ = s.cmd.Process.Kill()
	<-s.done
}

func (s *Server) cleanup() {
	if s.rm {
		_ = os.RemoveAll(s.dir)
	}
}
