package cli

import (
	"bytes"
	"context"
	"regexp"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// TestLogFormat checks --log-format: text lines or JSON (auto is JSON when stderr is not
// a terminal, as here), durations in seconds under a key ending in _s.
func TestLogFormat(t *testing.T) {
	for _, tc := range []struct {
		format string
		want   string
	}{
		{"json", `^\{"time":"[^"]+","level":"INFO","msg":"probe done","outcome":"answered","wait_s":1\.5,"duration_s":0\.25\}\n$`},
		{"auto", `^\{"time":"[^"]+","level":"INFO","msg":"probe done","outcome":"answered","wait_s":1\.5,"duration_s":0\.25\}\n$`},
		{"text", `^time=\S+ level=INFO msg="probe done" outcome=answered wait_s=1\.5 duration_s=0\.25\n$`},
	} {
		var buf bytes.Buffer
		newLogger(&buf, "info", tc.format).Info("probe done", "outcome", "answered", "wait", 1500*time.Millisecond, "duration_s", 250*time.Millisecond)
		if !regexp.MustCompile(tc.want).MatchString(buf.String()) {
			t.Errorf("--log-format %s wrote %q, want it to match %s", tc.format, buf.String(), tc.want)
		}
	}
}

// TestWriteVersionModules checks the build part of the version with the build
// information of a built binary (a test binary has no modules in its own).
func TestWriteVersionModules(t *testing.T) {
	bi := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/stakeoutcx/stakeout", Version: "v0.10.0"},
		Deps: []*debug.Module{{Path: "github.com/hibiken/asynq", Version: "v0.26.0"},
			{Path: "example.com/x", Version: "v1.0.0", Replace: &debug.Module{Path: "../x"}}},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "8383a30"}, {Key: "vcs.modified", Value: "false"}, {Key: "GOOS", Value: "linux"}}}
	var buf bytes.Buffer
	writeVersion(context.Background(), &buf, bi, "/nonexistent/chromium")
	want := "stakeout v0.10.0\n  revision: 8383a30\n  modified: false\ngo: go1.26.8 " + runtime.GOOS + "/" + runtime.GOARCH + "\n" +
		"chromium: none found (chromium not found: install the Debian package chromium-headless-shell (apt-get install chromium-headless-shell), or chromium, or set STAKEOUT_CHROMIUM (tried /nonexistent/chromium))\n" +
		"modules:\n  github.com/hibiken/asynq v0.26.0\n  example.com/x v1.0.0 => ../x\n"
	if got := buf.String(); got != want {
		t.Errorf("writeVersion =\n%s\nwant\n%s", got, want)
	}
}
