package pgproc

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// ErrNotInstalled is returned when no PostgreSQL server binaries (initdb and postgres) are found.
var ErrNotInstalled = errors.New("postgresql server binaries (initdb, postgres) not found: install the Debian package postgresql (apt-get install postgresql) or set STAKEOUT_PG_BINDIR to the directory holding them")

// DebianRoot is where Debian installs one bin directory per PostgreSQL major version.
const DebianRoot = "/usr/lib/postgresql"

// Find returns the directory holding the PostgreSQL server binaries: $STAKEOUT_PG_BINDIR if
// set, else the highest /usr/lib/postgresql/<major>/bin holding initdb and postgres, else
// the directory of initdb on PATH if postgres sits beside it.
func Find() (binDir string, err error) {
	if dir := os.Getenv("STAKEOUT_PG_BINDIR"); dir != "" {
		if !hasServer(dir) {
			return "", fmt.Errorf("STAKEOUT_PG_BINDIR=%s: no initdb and postgres there: %w", dir, ErrNotInstalled)
		}
		return dir, nil
	}
	if dir := findDebian(DebianRoot); dir != "" {
		return dir, nil
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		if dir := filepath.Dir(p); hasServer(dir) {
			return dir, nil
		}
	}
	return "", ErrNotInstalled
}

// findDebian returns root/<major>/bin for the highest major version that holds a server.
func findDebian(root string) string {
	entries, err := os.ReadDir(root)
	if err != nil {
		return ""
	}
	var versions []string
	for _, e := range entries {
		if hasServer(filepath.Join(root, e.Name(), "bin")) {
			versions = append(versions, e.Name())
		}
	}
	if len(versions) == 0 {
		return ""
	}
	sort.Slice(versions, func(i, j int) bool { return versionLess(versions[i], versions[j]) })
	return filepath.Join(root, versions[len(versions)-1], "bin")
}

// versionLess orders "9.6" < "10" < "15" numerically, part by part.
func versionLess(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		na, errA := strconv.Atoi(pa[i])
		nb, errB := strconv.Atoi(pb[i])
		if errA != nil || errB != nil {
			if pa[i] != pb[i] {
				return pa[i] < pb[i]
			}
			continue
		}
		if na != nb {
			return na < nb
		}
	}
	return len(pa) < len(pb)
}

func hasServer(dir string) bool {
	return isExec(filepath.Join(dir, "initdb")) && isExec(filepath.Join(dir, "postgres"))
}

func isExec(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}
