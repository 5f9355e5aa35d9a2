package metrics

import (
	"cmp"
	"runtime"
	"runtime/debug"

	"github.com/prometheus/client_golang/prometheus"
)

// Version, when set at link time (go build -ldflags "-X
// github.com/stakeoutcx/stakeout/internal/metrics.Version=v1.2.0"), is the version
// stakeout_build_info reports. Default "": the main module's version from the build
// information ("(devel)" for a build from a work tree).
var Version string

// BuildInfo is what stakeout_build_info says about the running binary.
type BuildInfo struct {
	// Version is Version when set, else the main module's version, else "(devel)".
	Version string
	// Revision is the VCS revision the binary was built from (vcs.revision), else "unknown".
	Revision string
	// GoVersion is the Go release that built it (go1.26.8).
	GoVersion string
}

// ReadBuildInfo returns the build information of the running binary.
func ReadBuildInfo() BuildInfo {
	bi, _ := debug.ReadBuildInfo()
	return buildInfoOf(bi, Version)
}

// buildInfoOf is ReadBuildInfo for bi (nil when the binary has none) and the link-time
// version.
func buildInfoOf(bi *debug.BuildInfo, version string) BuildInfo {
	info := BuildInfo{Version: version, Revision: "unknown", GoVersion: runtime.Version()}
	if bi == nil {
		info.Version = cmp.Or(info.Version, "(devel)")
		return info
	}
	info.Version = cmp.Or(info.Version, bi.Main.Version, "(devel)")
	info.GoVersion = cmp.Or(bi.GoVersion, info.GoVersion)
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && s.Value != "" {
			info.Revision = s.Value
		}
	}
	return info
}

// newBuildInfo returns the stakeout_build_info gauge: 1, labelled with info.
func newBuildInfo(info BuildInfo) prometheus.Collector {
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "stakeout_build_info",
		Help: "Always 1; its labels are the version, VCS revision and Go version of the stakeout binary.",
		ConstLabels: prometheus.Labels{
			"version": info.Version, "revision": info.Revision, "goversion": info.GoVersion,
		},
	}, func() float64 { return 1 })
}
