package e2e

import (
	"os"
	"testing"

	"github.com/stakeoutcx/stakeout/internal/cli"
	"github.com/stakeoutcx/stakeout/internal/secrets"
)

// TestMain sets the secrets directory once for every test: password files are read
// inside it, and each test's temporary directory is under os.TempDir.
func TestMain(m *testing.M) {
	if os.Getenv(envExec) != "" {
		os.Exit(cli.Run(os.Args[1:], os.Stdout, os.Stderr))
	}
	secrets.SetDir(os.TempDir())
	os.Exit(m.Run())
}
