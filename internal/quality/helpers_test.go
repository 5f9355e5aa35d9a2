package quality

import (
	"os"
	"regexp"
	"testing"
)

// sharedHunspell is the Hunspell most tests share; TestMain closes it.
var sharedHunspell = &Hunspell{}

func TestMain(m *testing.M) {
	code := m.Run()
	sharedHunspell.Close()
	os.Exit(code)
}

// realHunspell returns the shared Hunspell, failing the test when hunspell or
// its en_US dictionary is not installed.
func realHunspell(t testing.TB) *Hunspell {
	t.Helper()
	needHunspell(t, sharedHunspell)
	return sharedHunspell
}

// newHunspell returns a Hunspell of the test's own, closed when it ends.
func newHunspell(t testing.TB) *Hunspell {
	t.Helper()
	h := &Hunspell{}
	needHunspell(t, h)
	t.Cleanup(func() { h.Close() })
	return h
}

// needHunspell fails the test when h cannot check en_US.
func needHunspell(t testing.TB, h *Hunspell) {
	t.Helper()
	if err := h.diagnose("en_US"); err != nil {
		t.Fatalf("these tests need the real hunspell with en_US: %v (install Debian packages hunspell hunspell-en-us)", err)
	}
}

// re compiles a fact pattern.
func re(pattern string) *regexp.Regexp {
	return regexp.MustCompile(pattern)
}
