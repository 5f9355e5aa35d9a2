package chat

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A FIFO or a link to a device among the *.yaml of the profiles directory is refused
// without blocking; the other profiles are still found.
func TestProfilesDirHostileFiles(t *testing.T) {
	dir := t.TempDir()
	good := "name: acme\ninput: textarea\nsend: {key: Enter}\nmessages: {container: .log, item: .msg, agent: {selector: .agent}}\n"
	if err := os.WriteFile(filepath.Join(dir, "acme.yaml"), []byte(good), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo.yaml"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/zero", filepath.Join(dir, "zero.yaml")); err != nil {
		t.Fatal(err)
	}
	ps := &Profiles{Dir: dir}
	if _, err := ps.Lookup("acme"); err != nil {
		t.Errorf("Lookup(acme) = %v, want the profile", err)
	}
	_, err := ps.Lookup("missing")
	for _, want := range []string{"fifo.yaml: not a regular file", "zero.yaml: outside the allowed directory"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Lookup(missing) = %v, want an error with %q", err, want)
		}
	}
}
