package sim

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A simulator config is read only when it is a regular file (a FIFO blocked, a
// device ran out of memory) and no larger than MaxConfigBytes, before it is parsed.
func TestLoadLimits(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, []byte("# "+strings.Repeat("x", MaxConfigBytes)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{fifo: "not a regular file", "/dev/zero": "not a regular file", big: "file too large"} {
		if _, err := Load(path); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Load(%s) = %v, want an error with %q", path, err, want)
		}
	}
	_, err := Parse("c.yaml", []byte("# "+strings.Repeat("x", MaxConfigBytes)+"\n"))
	if want := "c.yaml:1: file too large: 4194307 bytes, at most 4194304"; err == nil || err.Error() != want {
		t.Errorf("Parse(too large) = %v, want %q", err, want)
	}
}
