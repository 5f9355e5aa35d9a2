package cli_test

import (
	"regexp"
	"strings"
	"testing"
)

func TestVersion(t *testing.T) {
	t.Parallel()
	got := stakeout(t, "version")
	if got.Code != 0 || got.Stderr != "" {
		t.Fatalf("stakeout version = exit %d, stderr %q", got.Code, got.Stderr)
	}
	for _, want := range []string{
		`(?m)^stakeout \S+$`,
		`(?m)^go: go1\.\d+\S* \w+/\w+$`,
		// Debian's chromium-headless-shell, which the tests need anyway.
		`(?m)^chromium: /\S+ \(Chromium \d+\.[0-9.]+.*\)$`,
	} {
		if !regexp.MustCompile(want).MatchString(got.Stdout) {
			t.Errorf("stakeout version output does not match %s:\n%s", want, got.Stdout)
		}
	}
	if flag := stakeout(t, "--version"); flag != got {
		t.Errorf("stakeout --version = %+v, want what stakeout version prints", flag)
	}
	none := stakeout(t, "version", "--chromium", "/nonexistent/chromium")
	if !strings.Contains(none.Stdout, "\nchromium: none found (chromium not found: install the Debian package chromium-headless-shell") {
		t.Errorf("stakeout version --chromium /nonexistent/chromium does not say none was found:\n%s", none.Stdout)
	}
}
