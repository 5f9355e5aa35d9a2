package secrets

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stakeoutcx/stakeout/internal/campaign"
	"github.com/stakeoutcx/stakeout/internal/safefile"
)

// A password file is read only inside the secrets directory, only when regular and
// small: /dev/zero killed every worker out of memory, and any file the worker could
// read was sent as the SMTP password to the host the campaign named.
func TestPasswordFileConfined(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "secrets")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(base, "private")
	if err := os.WriteFile(outside, []byte(secret), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "big"), []byte(strings.Repeat("x", MaxFileBytes+1)), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		dir, file string
		want      error
	}{
		{dir, "/dev/zero", safefile.ErrOutside},
		{dir, "/etc/passwd", safefile.ErrOutside},
		{dir, outside, safefile.ErrOutside},
		{dir, "../private", safefile.ErrOutside},
		{dir, "link", safefile.ErrOutside},
		{dir, "fifo", safefile.ErrNotRegular},
		{dir, "big", safefile.ErrTooLarge},
		{"/dev", "/dev/zero", safefile.ErrNotRegular},
	}
	for _, tt := range tests {
		restore := SetDir(tt.dir)
		pw, err := Password(campaign.Server{PasswordFile: tt.file})
		restore()
		if pw != "" || err == nil {
			t.Errorf("Password(%s in %s) = %q, %v, want an error", tt.file, tt.dir, pw, err)
			continue
		}
		if tt.want != safefile.ErrOutside && !errors.Is(err, tt.want) {
			t.Errorf("Password(%s in %s) = %v, want %v", tt.file, tt.dir, err, tt.want)
		}
		if tt.want == safefile.ErrOutside && !strings.Contains(err.Error(), "is outside the secrets directory "+tt.dir) {
			t.Errorf("Password(%s in %s) = %v, want it outside the secrets directory", tt.file, tt.dir, err)
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("Password(%s) error %q shows the file's content", tt.file, err)
		}
	}
}

// The directory comes from SetDir, else $STAKEOUT_SECRETS_DIR, else /run/secrets.
func TestDir(t *testing.T) {
	t.Setenv(EnvDir, "")
	if got := Dir(); got != DefaultDir {
		t.Errorf("Dir() = %q, want %q", got, DefaultDir)
	}
	t.Setenv(EnvDir, "/from/env")
	if got := Dir(); got != "/from/env" {
		t.Errorf("Dir() with %s = %q, want /from/env", EnvDir, got)
	}
	restore := SetDir("/from/flag")
	if got := Dir(); got != "/from/flag" {
		t.Errorf("Dir() after SetDir = %q, want /from/flag", got)
	}
	restore()
	if got := Dir(); got != "/from/env" {
		t.Errorf("Dir() after restore = %q, want /from/env", got)
	}
}
