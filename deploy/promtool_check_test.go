package deploy

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

// promtoolModule is the module whose promtool checks the files.
const promtoolModule = "github.com/prometheus/prometheus"

// prometheusVersion is the Prometheus release of the module version in go.mod (the
// module's v0.316.0 is Prometheus 3.16.0), read with go list: a test binary's build
// information lists no modules.
func prometheusVersion(t *testing.T, gobin string) string {
	t.Helper()
	out, err := exec.Command(gobin, "list", "-m", "-f", "{{.Version}}", promtoolModule).Output()
	if err != nil {
		t.Fatalf("go list -m %s: %v", promtoolModule, err)
	}
	v := strings.TrimSpace(string(out))
	m := regexp.MustCompile(`^v0\.3(\d\d)\.(\d+)$`).FindStringSubmatch(v)
	if m == nil {
		t.Fatalf("%s %s is not a Prometheus 3 module version (v0.3MM.P)", promtoolModule, v)
	}
	minor, _ := strconv.Atoi(m[1])
	return fmt.Sprintf("3.%d.%s", minor, m[2])
}

// promtoolVersion matches the version line of promtool --version.
var promtoolVersion = regexp.MustCompile(`^promtool, version (\S*)`)

// promtool returns bin/promtool when it is the version in go.mod (make bin/promtool
// builds it), else builds that version into a directory of the test: never another
// promtool, such as Debian's.
func promtool(t *testing.T) string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go not found on PATH, needed to find and build promtool: %v", err)
	}
	want := prometheusVersion(t, gobin)
	bin, err := filepath.Abs(filepath.Join("..", "bin", "promtool"))
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "--version").Output(); err == nil {
		if m := promtoolVersion.FindSubmatch(out); m != nil && string(m[1]) == want {
			return bin
		}
		t.Logf("%s is not promtool %s: building it", bin, want)
	}
	bin = filepath.Join(t.TempDir(), "promtool")
	cmd := exec.Command(gobin, "build", "-ldflags", "-X github.com/prometheus/common/version.Version="+want,
		"-o", bin, promtoolModule+"/cmd/promtool")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building promtool %s: %v\n%s", want, err, out)
	}
	return bin
}

// runPromtool runs promtool with args in dir (stdin from in) and fails the test with
// its output when it does not succeed.
func runPromtool(t *testing.T, bin, dir string, in []byte, args ...string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	if in != nil {
		cmd.Stdin = bytes.NewReader(in)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}
