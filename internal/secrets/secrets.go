// Package secrets reads the credentials a campaign names but never holds, and keeps
// them out of what stakeout writes. A mail server's password comes from the
// environment variable or the file that the campaign's password_env or password_file
// names; a password file is read only inside the secrets directory (Dir), only when it
// is a regular file of at most MaxFileBytes. Errors name the variable or the file,
// never the secret; Redact and RedactLogin remove a secret from an error a server
// echoed it into.
package secrets

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"

	"github.com/stakeoutcx/stakeout/internal/campaign"
	"github.com/stakeoutcx/stakeout/internal/safefile"
)

// Where password files are read from.
const (
	// DefaultDir is the secrets directory when none is set: where Docker and
	// Kubernetes mount secrets.
	DefaultDir = "/run/secrets"
	// EnvDir is the environment variable that sets the secrets directory when
	// SetDir was not called (the --secrets-dir flag sets both).
	EnvDir = "STAKEOUT_SECRETS_DIR"
	// MaxFileBytes is the largest password file read.
	MaxFileBytes = 4 << 10
)

var dir atomic.Pointer[string]

// SetDir sets the directory that password files are read from, for the whole
// process, and returns a function that restores the previous setting (for tests).
func SetDir(d string) (restore func()) {
	old := dir.Swap(&d)
	return func() { dir.Store(old) }
}

// Dir returns the directory that password files are read from: the one SetDir set,
// else $STAKEOUT_SECRETS_DIR, else DefaultDir.
func Dir() string {
	if d := dir.Load(); d != nil && *d != "" {
		return *d
	}
	if d := os.Getenv(EnvDir); d != "" {
		return d
	}
	return DefaultDir
}

// Password returns the password of server s: the value of the environment variable
// named by s.PasswordEnv, or the content of the file named by s.PasswordFile (relative
// to Dir, or absolute inside it) without its trailing line break. Exactly one of the
// two must be set, and the password must not be empty.
func Password(s campaign.Server) (string, error) {
	switch {
	case s.PasswordEnv != "" && s.PasswordFile != "":
		return "", errors.New("password: set password_env or password_file, not both")
	case s.PasswordEnv != "":
		v, ok := os.LookupEnv(s.PasswordEnv)
		if !ok {
			return "", fmt.Errorf("password: environment variable %s is not set", s.PasswordEnv)
		}
		if v == "" {
			return "", fmt.Errorf("password: environment variable %s is empty", s.PasswordEnv)
		}
		return v, nil
	case s.PasswordFile != "":
		return passwordFile(s.PasswordFile)
	}
	return "", errors.New("password: no password_env or password_file set")
}

func passwordFile(name string) (string, error) {
	d := Dir()
	b, err := safefile.ReadIn(context.Background(), d, name, MaxFileBytes)
	switch {
	case errors.Is(err, safefile.ErrOutside):
		return "", fmt.Errorf("password: file %s is outside the secrets directory %s (set by --secrets-dir or %s)", name, d, EnvDir)
	case err != nil:
		// The errors of safefile name the file and the cause, never the content.
		return "", fmt.Errorf("password: %w", err)
	}
	v := strings.TrimRight(string(b), "\r\n")
	if v == "" {
		return "", fmt.Errorf("password: file %s is empty", name)
	}
	return v, nil
}
