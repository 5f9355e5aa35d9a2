package browser

import (
	"bytes"
	"os"
	"strconv"
	"syscall"
	"time"
)

// processesOf returns the ids of the processes of one browser: those of its
// process group pgid, and those whose command line holds
// --user-data-dir=dir (the full chromium passes the flag to every child; the
// pool gives each browser a directory of its own). A child that left the
// group is still found by its flag, and the headless shell's children, which
// do not carry the flag, by their group.
func processesOf(pgid int, dir string) []int {
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
		if pgid > 0 && processGroup(pid) == pgid {
			pids = append(pids, pid)
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

// processGroup returns the process group of pid, from /proc/pid/stat, or 0
// when it is gone or a zombie: a zombie holds nothing but its entry, and in a
// container whose init does not reap, its entry stays.
func processGroup(pid int) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := bytes.Fields(b[i+1:])
	if len(f) < 3 || string(f[0]) == "Z" {
		return 0
	}
	g, _ := strconv.Atoi(string(f[2]))
	return g
}

// killAll kills the process group pgid and then every process of the
// browser left (processesOf), until /proc shows none for a few passes in a row or the limit is
// over. A child can fork just as its parent dies, hence the repeated passes.
func killAll(pgid int, dir string, limit time.Duration) (left []int) {
	if pgid > 0 {
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
	}
	deadline := time.Now().Add(limit)
	for quiet := 0; quiet < 3; time.Sleep(10 * time.Millisecond) {
		left = processesOf(pgid, dir)
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
