// Package promtooltest gives tests the promtool of the Prometheus version the project's
// rules are written for: the github.com/prometheus/prometheus module version in go.mod
// (v0.316.0 is Prometheus 3.16.0), never another promtool such as Debian's.
package promtooltest

import (
	"bytes"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Module is the module whose promtool checks the files.
const Module = "github.com/prometheus/prometheus"

// Version returns the Prometheus release of the module version in go.mod, read with
// go list (a test binary's build information lists no modules).
func Version(t testing.TB) string {
	t.Helper()
	out, err := exec.Command(goBin(t), "list", "-m", "-f", "{{.Version}}", Module).Output()
	if err != nil {
		t.Fatalf("go list -m %s: %v", Module, err)
	}
	v := strings.TrimSpace(string(out))
	m := regexp.MustCompile(`^v0\.3(\d\d)\.(\d+)$`).FindStringSubmatch(v)
	if m == nil {
		t.Fatalf("%s %s is not a Prometheus 3 module version (v0.3MM.P)", Module, v)
	}
	minor, _ := strconv.Atoi(m[1])
	return fmt.Sprintf("3.%d.%s", minor, m[2])
}

func goBin(t testing.TB) string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go not found on PATH, needed to find and build promtool: %v", err)
	}
	return gobin
}

// versionLine matches the version line of promtool --version.
var versionLine = regexp.MustCompile(`^promtool, version (\S*)`)

// Path returns the repository's bin/promtool when it is the version in go.mod (make
// bin/promtool builds it, and make test does so first), else builds that version into
// a directory of the test (a few seconds with a warm build cache).
func Path(t testing.TB) string {
	t.Helper()
	want := Version(t)
	out, err := exec.Command(goBin(t), "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	bin := filepath.Join(filepath.Dir(strings.TrimSpace(string(out))), "bin", "promtool")
	if out, err := exec.Command(bin, "--version").Output(); err == nil {
		if m := versionLine.FindSubmatch(out); m != nil && string(m[1]) == want {
			return bin
		}
		t.Logf("%s is not promtool %s: building it", bin, want)
	}
	dir := t.TempDir()
	bin = filepath.Join(dir, "promtool")
	cmd := exec.Command(goBin(t), "build", "-ldflags", "-X github.com/prometheus/common/version.Version="+want,
		"-o", bin, Module+"/cmd/promtool")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building promtool %s: %v\n%s", want, err, out)
	}
	return bin
}

// CheckMetrics runs promtool check metrics on a /metrics exposition and fails the
// test with promtool's findings.
func CheckMetrics(t testing.TB, exposition []byte) {
	t.Helper()
	cmd := exec.Command(Path(t), "check", "metrics")
	cmd.Stdin = bytes.NewReader(exposition)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}
