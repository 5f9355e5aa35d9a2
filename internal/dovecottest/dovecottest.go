// Package dovecottest runs Debian's stock Dovecot (IMAP and LMTP) from a temporary
// directory on free loopback ports, for interoperability tests: a real server catches
// what go-imap's in-process server forgives. A missing Dovecot fails the test and names
// the packages to install; it never skips.
package dovecottest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Server is a running Dovecot.
type Server struct {
	IMAPAddr string
	LMTPAddr string
	Dir      string
	cmd      *exec.Cmd
}

// Packages are the Debian packages Dovecot needs here.
const Packages = "dovecot-imapd dovecot-lmtpd"

const config = `protocols = imap lmtp
listen = 127.0.0.1
base_dir = {D}/run
state_dir = {D}/state
instance_name = stakeout-test-{IMAP}
log_path = {D}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = dovecot
default_internal_group = dovecot
default_login_user = dovenull
first_valid_uid = 1
recipient_delimiter = +
mail_location = maildir:{D}/mail/%n/Maildir
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {D}/users
}
userdb {
  driver = static
  args = uid=dovecot gid=dovecot home={D}/mail/%n
}
service imap-login {
  inet_listener imap {
    port = {IMAP}
  }
  inet_listener imaps {
    port = 0
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = {LMTP}
  }
}
protocol lmtp {
  postmaster_address = postmaster@localhost
}
`

// Start runs Dovecot with the given users (address → password) and stops it when the
// test ends.
func Start(t testing.TB, users map[string]string) *Server {
	t.Helper()
	bin, err := exec.LookPath("dovecot")
	if err != nil {
		if _, serr := os.Stat("/usr/sbin/dovecot"); serr != nil {
			t.Fatalf("dovecot not found: install the Debian packages %s (apt-get install %s)", Packages, Packages)
		}
		bin = "/usr/sbin/dovecot"
	}
	if _, err := os.Stat("/usr/lib/dovecot/lmtp"); err != nil {
		t.Fatalf("dovecot's LMTP server not found: install the Debian package dovecot-lmtpd")
	}
	dir, err := os.MkdirTemp("", "stakeout-dovecot-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	s := &Server{Dir: dir, IMAPAddr: freeAddr(t), LMTPAddr: freeAddr(t)}
	if err := s.prepare(users); err != nil {
		t.Fatalf("prepare dovecot: %v", err)
	}
	// In the foreground (-F), as a child that dies with the test process.
	cmd := exec.Command(bin, "-F", "-c", filepath.Join(dir, "dovecot.conf"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start dovecot: %v", err)
	}
	s.cmd = cmd
	t.Cleanup(s.stop)
	s.waitReady(t)
	return s
}

func (s *Server) prepare(users map[string]string) error {
	for _, d := range []string{"run", "state", "mail"} {
		if err := os.MkdirAll(filepath.Join(s.Dir, d), 0o755); err != nil {
			return err
		}
	}
	if err := os.Chmod(s.Dir, 0o755); err != nil {
		return err
	}
	if u, err := user.Lookup("dovecot"); err == nil {
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(filepath.Join(s.Dir, "mail"), uid, gid); err != nil {
			return err
		}
	}
	var lines strings.Builder
	for addr, pw := range users {
		fmt.Fprintf(&lines, "%s:{PLAIN}%s\n", addr, pw)
	}
	if err := os.WriteFile(filepath.Join(s.Dir, "users"), []byte(lines.String()), 0o644); err != nil {
		return err
	}
	_, imapPort, _ := net.SplitHostPort(s.IMAPAddr)
	_, lmtpPort, _ := net.SplitHostPort(s.LMTPAddr)
	conf := strings.NewReplacer("{D}", s.Dir, "{IMAP}", imapPort, "{LMTP}", lmtpPort).Replace(config)
	return os.WriteFile(filepath.Join(s.Dir, "dovecot.conf"), []byte(conf), 0o644)
}

func (s *Server) waitReady(t testing.TB) {
	deadline := time.Now().Add(10 * time.Second)
	for _, addr := range []string{s.IMAPAddr, s.LMTPAddr} {
		for {
			c, err := net.DialTimeout("tcp", addr, time.Second)
			if err == nil {
				c.Close()
				break
			}
			if time.Now().After(deadline) {
				log, _ := os.ReadFile(filepath.Join(s.Dir, "dovecot.log"))
				t.Fatalf("dovecot does not listen on %s: %v\n%s", addr, err, log)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

func (s *Server) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
}

func freeAddr(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
