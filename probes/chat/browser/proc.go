package browser

import (
	"bytes"
	"os"
	"strconv"
	"syscall"
	"time"
)

// processesUsing returns the ids of the processes whose command line holds
// --user-data-dir=dir. Chromium passes the flag to every child process, and
// the pool gives each browser a directory of its own, so the list is exactly
// what is left of one browser.
func processesUsing(dir string) []int {
	want := []byte("--user-data-dir=" + dir)
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	self := os.Getpid()
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		cmdline, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil {
			continue
		}
		for arg := range bytes.SplitSeq(cmdline, []byte{0}) {
			if bytes.Equal(arg, want) {
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids
}

// killAll kills the process group pgid and then every process that still
// uses dir, until /proc shows none for a few passes in a row or the limit is
// over. A child can fork just as its parent dies, hence the repeated passes.
func killAll(pgid int, dir string, limit time.Duration) (left []int) {
	if pgid > 0 {
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
	}
	deadline := time.Now().Add(limit)
	for quiet := 0; quiet < 3; time.Sleep(10 * time.Millisecond) {
		left = processesUsing(dir)
		if len(left) == 0 {
			quiet++
			continue
		}
		quiet = 0
		if !time.Now().Before(deadline) {
			return left
		}
		for _, pid := range left {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	return nil
}

// removeAllRetry removes dir, trying again for a while: a dying Chromium
// child can still write into the directory.
func removeAllRetry(dir string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		err := os.RemoveAll(dir)
		if err == nil || !time.Now().Before(deadline) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}
