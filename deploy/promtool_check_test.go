package deploy

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/stakeoutcx/stakeout/internal/promtooltest"
)

// promtool returns the promtool of the Prometheus version in go.mod.
func promtool(t *testing.T) string { return promtooltest.Path(t) }

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
