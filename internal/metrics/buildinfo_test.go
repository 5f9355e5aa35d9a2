package metrics

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// stakeout_build_info takes the link-time version first, then the module's, and says
// "(devel)" and "unknown" when the build information has nothing.
func TestBuildInfo(t *testing.T) {
	withVCS := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.3.0"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "c076ed2"}}}
	for _, tc := range []struct {
		name    string
		bi      *debug.BuildInfo
		version string
		want    BuildInfo
	}{
		{"module version and revision", withVCS, "", BuildInfo{"v0.3.0", "c076ed2", "go1.26.8"}},
		{"link-time version", withVCS, "v1.2.0", BuildInfo{"v1.2.0", "c076ed2", "go1.26.8"}},
		{"work tree without vcs", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}}, "", BuildInfo{"(devel)", "unknown", "go1.26.8"}},
		{"no build information", nil, "", BuildInfo{"(devel)", "unknown", runtime.Version()}},
	} {
		if got := buildInfoOf(tc.bi, tc.version); got != tc.want {
			t.Errorf("%s: buildInfoOf = %+v, want %+v", tc.name, got, tc.want)
		}
	}
	info := ReadBuildInfo()
	want := `# HELP stakeout_build_info Always 1; its labels are the version, VCS revision and Go version of the stakeout binary.
# TYPE stakeout_build_info gauge
stakeout_build_info{goversion="` + info.GoVersion + `",revision="` + info.Revision + `",version="` + info.Version + `"} 1
`
	if err := testutil.GatherAndCompare(NewRegistry(), strings.NewReader(want), "stakeout_build_info"); err != nil {
		t.Errorf("NewRegistry: %v", err)
	}
}
