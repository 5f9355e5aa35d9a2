package browser

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// A browser's user data directory is os.TempDir()/stakeout-chromium-*. Its owner holds
// an exclusive flock on the file stakeout.lock inside it for the browser's life; the
// kernel drops the lock when the owner dies, even by SIGKILL. A pool starting up removes
// the directories whose lock it can take: their owner is gone. Two workers on one machine
// never remove each other's live directories.
const (
	profilePrefix = "stakeout-chromium-"
	profileLock   = "stakeout.lock"
	// unlockedGrace is how old a directory without a lock file must be before it counts
	// as stale: a directory just made has no lock yet; one left by a version of stakeout
	// that wrote none has been there for a while.
	unlockedGrace = time.Minute
)

// newProfileDir makes a user data directory and locks it. The lock file is locked
// under a temporary name and then renamed into place, so that no other process can
// see the directory's lock file unlocked.
func newProfileDir() (dir string, lock *os.File, err error) {
	dir, err = os.MkdirTemp("", profilePrefix)
	if err != nil {
		return "", nil, fmt.Errorf("creating user data dir: %w", err)
	}
	tmp := filepath.Join(dir, "."+profileLock)
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_RDWR|os.O_EXCL, 0o600)
	if err == nil {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			_, err = f.WriteString(strconv.Itoa(os.Getpid()) + "\n")
		}
		if err == nil {
			err = os.Rename(tmp, filepath.Join(dir, profileLock))
		}
	}
	if err != nil {
		if f != nil {
			_ = f.Close()
		}
		_ = os.RemoveAll(dir)
		return "", nil, fmt.Errorf("locking user data dir: %w", err)
	}
	return dir, f, nil
}

// removeStaleProfiles removes the user data directories in os.TempDir() whose owner is
// gone, after killing any process still using one. It returns the directories removed.
func removeStaleProfiles(log *slog.Logger) []string {
	paths, err := filepath.Glob(filepath.Join(os.TempDir(), profilePrefix+"*"))
	if err != nil {
		return nil
	}
	var removed []string
	for _, dir := range paths {
		if ok, err := removeIfStale(dir); err != nil {
			log.Warn("removing a stale chromium user data dir", "dir", dir, "err", err)
		} else if ok {
			removed = append(removed, dir)
		}
	}
	if len(removed) > 0 {
		log.Info("removed chromium user data dirs left by dead workers", "dirs", removed)
	}
	return removed
}

// removeIfStale removes dir when no live process owns it.
func removeIfStale(dir string) (bool, error) {
	fi, err := os.Lstat(dir)
	if err != nil || !fi.IsDir() || fi.Mode()&os.ModeSymlink != 0 || !strings.HasPrefix(filepath.Base(dir), profilePrefix) {
		return false, nil
	}
	f, err := os.OpenFile(filepath.Join(dir, profileLock), os.O_RDWR, 0)
	switch {
	case errors.Is(err, os.ErrNotExist):
		// No lock: stale only when old and no browser uses it.
		if time.Since(fi.ModTime()) < unlockedGrace || len(processesOf(0, dir)) > 0 {
			return false, nil
		}
	case err != nil:
		return false, err
	default:
		defer f.Close()
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			return false, nil // its owner lives (or another pool is removing it)
		}
	}
	if left := killAll(0, dir, killTimeout); len(left) > 0 {
		return false, fmt.Errorf("processes %v still use it", left)
	}
	if err := removeAllRetry(dir, removeDirTimeout); err != nil {
		return false, err
	}
	return true, nil
}
