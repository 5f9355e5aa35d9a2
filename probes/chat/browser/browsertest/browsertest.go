// Package browsertest gives tests the headless shell (Debian's
// chromium-headless-shell) and pools running it. A test that needs it fails,
// naming the package to install, when it is missing: it never skips, and never
// silently runs the full browser instead.
package browsertest

import (
	"testing"

	"github.com/stakeoutcx/stakeout/probes/chat/browser"
)

// HeadlessShell returns the path of the headless shell, or fails the test.
func HeadlessShell(tb testing.TB) string {
	tb.Helper()
	p, err := browser.HeadlessShell()
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// Pool returns a pool of the headless shell (opts.ExecPath, when empty) closed
// when the test ends.
func Pool(tb testing.TB, opts browser.Options) *browser.Pool {
	tb.Helper()
	if opts.ExecPath == "" {
		opts.ExecPath = HeadlessShell(tb)
	}
	p, err := browser.New(opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := p.Close(); err != nil {
			tb.Errorf("closing the browser pool: %v", err)
		}
	})
	return p
}
