// Package childproc holds what the private servers of tests and the demo (redisproc,
// amproc, pgproc) share: a free loopback port to start a child on, and the line of its
// log that says why it did not start.
package childproc

import (
	"fmt"
	"net"
	"strings"
)

// FreePort returns a TCP port free on 127.0.0.1 at the moment of the call. A child
// started on it may still lose it to another process: callers retry on a new one.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// LastLine returns the last non-empty line of a log.
func LastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
