// Package secrets reads the credentials a campaign names but never holds: a mail
// server's password comes from the environment variable or the file that the campaign's
// password_env or password_file names. Errors name the variable or the file, never the
// secret.
package secrets

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/stakeoutcx/stakeout/internal/campaign"
)

// Password returns the password of server s: the value of the environment variable
// named by s.PasswordEnv, or the content of the file named by s.PasswordFile without
// its trailing line break. Exactly one of the two must be set, and the password must
// not be empty.
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
		b, err := os.ReadFile(s.PasswordFile)
		if err != nil {
			// *fs.PathError names the file and the cause, never the content.
			return "", fmt.Errorf("password: %w", err)
		}
		v := strings.TrimRight(string(b), "\r\n")
		if v == "" {
			return "", fmt.Errorf("password: file %s is empty", s.PasswordFile)
		}
		return v, nil
	}
	return "", errors.New("password: no password_env or password_file set")
}
