package browser

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// waitExit waits, on the kernel's exit events (a pidfd per process), until
// scan finds no process, or limit has passed; it returns what scan found last.
// scan lists /proc/PID paths; it is run again after every exit, since a dying
// process may just have forked.
func waitExit(t *testing.T, scan func() []string, limit time.Duration) []string {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		left := scan()
		if len(left) == 0 || time.Now().After(deadline) {
			return left
		}
		var fds []unix.PollFd
		for _, path := range left {
			pid, err := strconv.Atoi(strings.TrimPrefix(path, "/proc/"))
			if err != nil {
				t.Fatalf("scan gave %q, want /proc/PID", path)
			}
			fd, err := unix.PidfdOpen(pid, 0)
			if err != nil {
				continue // gone already
			}
			defer unix.Close(fd)
			fds = append(fds, unix.PollFd{Fd: int32(fd), Events: unix.POLLIN})
		}
		if len(fds) == 0 {
			continue
		}
		ms := int(time.Until(deadline).Milliseconds()) + 1
		if _, err := unix.Poll(fds, ms); err != nil && err != unix.EINTR {
			t.Fatalf("poll pidfds: %v", err)
		}
	}
}
