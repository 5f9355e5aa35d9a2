package cli

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/alecthomas/kong"
	"github.com/stakeoutcx/stakeout/probes/chat/browser"
)

// VersionCmd is `stakeout version`.
type VersionCmd struct {
	Chromium string `name:"chromium" env:"STAKEOUT_CHROMIUM" help:"Chromium binary to report on (default: the one a worker would use)."`
}

// Run prints the versions.
func (c *VersionCmd) Run(ctx context.Context, g *Globals) error {
	bi, _ := debug.ReadBuildInfo()
	writeVersion(ctx, g.stdout, bi, c.Chromium)
	return nil
}

// versionFlag is --version: the same as `stakeout version`.
type versionFlag bool

// BeforeReset prints the versions and exits 0, before any other flag is checked.
func (versionFlag) BeforeReset(app *kong.Kong) error {
	bi, _ := debug.ReadBuildInfo()
	writeVersion(context.Background(), app.Stdout, bi, "")
	app.Exit(0)
	return nil
}

// writeVersion prints stakeout's version and build (from bi, nil when unknown), Go's,
// every module's and the Chromium's that would run chat probes.
func writeVersion(ctx context.Context, out io.Writer, bi *debug.BuildInfo, chromium string) {
	if bi == nil {
		fmt.Fprintf(out, "stakeout (no build information)\ngo: %s\n", runtime.Version())
	} else {
		fmt.Fprintf(out, "stakeout %s\n", bi.Main.Version)
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision", "vcs.time", "vcs.modified":
				fmt.Fprintf(out, "  %s: %s\n", strings.TrimPrefix(s.Key, "vcs."), s.Value)
			}
		}
		fmt.Fprintf(out, "go: %s %s/%s\n", bi.GoVersion, runtime.GOOS, runtime.GOARCH)
	}
	fmt.Fprintf(out, "chromium: %s\n", browser.Describe(ctx, chromium))
	if bi != nil && len(bi.Deps) > 0 {
		fmt.Fprintln(out, "modules:")
		for _, d := range bi.Deps {
			v := d.Version
			if d.Replace != nil {
				v = strings.TrimSpace(v + " => " + d.Replace.Path + " " + d.Replace.Version)
			}
			fmt.Fprintf(out, "  %s %s\n", d.Path, v)
		}
	}
}
