package profile

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A profile file is read only when regular (/dev/zero ran validate out of memory, a
// FIFO blocked it), no larger than MaxFileBytes; a file of another format is reported
// without its lines; a text field has at most MaxTextLen bytes.
func TestProfileLimits(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, []byte(minimal+"# "+strings.Repeat("x", MaxFileBytes)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		"/dev/zero":    "not a regular file (a device)",
		"/dev/urandom": "not a regular file (a device)",
		fifo:           "not a regular file (a named pipe)",
		big:            "file too large",
	} {
		if _, err := LoadContext(context.Background(), path); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("LoadContext(%s) = %v, want an error with %q", path, err, want)
		}
	}
	runBad(t, []badCase{
		{
			name: "not a profile",
			src:  "root:$6$salt$SECRET:19000:0:99999:7:::\nbob:$6$salt$SECRET:19000:0:99999:7:::\n",
			want: []string{"p.yaml:1: not a widget profile: none of its top-level keys is one of the profile fields (name, launcher, input, send, messages, ...)"},
		},
		{
			name: "long selector",
			src:  okName + "input: " + strings.Repeat("x", MaxTextLen+1) + "\n" + okSend + okMsgs,
			want: []string{"p.yaml:2: input: too long: 16385 bytes, at most 16384"},
		},
	})
}
