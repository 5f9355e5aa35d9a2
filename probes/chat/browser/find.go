package browser

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// FindChromium returns the Chromium binary a pool with Options.ExecPath path would
// run: path, else $STAKEOUT_CHROMIUM, else the headless shell, chromium-headless-shell
// or chromium on PATH. The error wraps ErrNotFound when there is none.
func FindChromium(path string) (string, error) { return findChromium(path) }

// VersionTimeout bounds Describe's `chromium --version`.
const VersionTimeout = 5 * time.Second

// Describe returns the path of the Chromium that Options{ExecPath: path} would run
// and its `--version` output in brackets ("/usr/bin/chromium (Chromium 156.0…)"), or,
// when there is none or it does not answer, why.
func Describe(ctx context.Context, path string) string {
	bin, err := FindChromium(path)
	if err != nil {
		return "none found (" + err.Error() + ")"
	}
	ctx, cancel := context.WithTimeout(ctx, VersionTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--version")
	cmd.WaitDelay = time.Second
	b, err := cmd.Output()
	switch {
	case err != nil && ctx.Err() != nil:
		return fmt.Sprintf("%s (--version gave no answer in %s)", bin, VersionTimeout)
	case err != nil:
		return fmt.Sprintf("%s (--version failed: %v)", bin, err)
	}
	return bin + " (" + strings.TrimSpace(string(b)) + ")"
}
