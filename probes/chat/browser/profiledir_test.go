package browser

import (
	"bufio"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// dirOwnerEnv makes the test binary the owner of one user data directory: it makes and
// locks it, prints its path and waits to be killed.
const dirOwnerEnv = "STAKEOUT_TEST_DIR_OWNER"

func dirOwner() {
	dir, _, err := newProfileDir()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(dir)
	select {}
}

// startDirOwner runs a process that owns a user data directory in tmp.
func startDirOwner(t *testing.T, tmp string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), dirOwnerEnv+"=1", "TMPDIR="+tmp)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("directory owner said %q: %v", line, err)
	}
	return cmd, strings.TrimSpace(line)
}

// A pool starting removes the user data directories of dead owners (a SIGKILLed
// worker's, an old unlocked one) and keeps those of live owners: another worker's, one
// just being made, and its own process's.
func TestStaleProfilesRemoved(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	_, live := startDirOwner(t, tmp)
	victim, dead := startDirOwner(t, tmp)
	_ = victim.Process.Kill()
	_ = victim.Wait()
	ours, lock, err := newProfileDir()
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	old := filepath.Join(tmp, profilePrefix+"old")
	fresh := filepath.Join(tmp, profilePrefix+"fresh")
	for _, d := range []string{old, fresh} {
		if err := os.MkdirAll(filepath.Join(d, "Default"), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chtimes(old, time.Now().Add(-time.Hour), time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}

	removed := removeStaleProfiles(slog.New(slog.DiscardHandler))
	slices.Sort(removed)
	want := []string{dead, old}
	slices.Sort(want)
	if !slices.Equal(removed, want) {
		t.Errorf("removeStaleProfiles removed %q, want %q", removed, want)
	}
	for _, d := range []string{live, ours, fresh} {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("live directory %s: %v", d, err)
		}
	}
	for _, d := range want {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("stale directory %s still there (%v)", d, err)
		}
	}
}
