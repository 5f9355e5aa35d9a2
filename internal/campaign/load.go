package campaign

import (
	"context"
	"fmt"
	"reflect"

	"github.com/stakeoutcx/stakeout/internal/safefile"
	"github.com/stakeoutcx/stakeout/internal/yamlcheck"
)

// Size limits of a campaign file (see docs/campaign.md, "Limits").
const (
	// MaxFileBytes is the largest campaign file read: a larger one is refused
	// before it is parsed.
	MaxFileBytes = 4 << 20
	// MaxTextLen is the longest text field (in bytes): a scenario's message, a
	// follow-up, a subject, a name, a URL...
	MaxTextLen = 16 << 10
	// MaxProbesPerRun is the most probes one run may plan, all targets and
	// channels together.
	MaxProbesPerRun = 1_000_000
)

// Options say where the files a campaign names may be.
type Options struct {
	// ProfileDir is the directory that the path of a target's own widget profile
	// (relative to the campaign file, or absolute) must lie in; ".." and symbolic
	// links out of it are refused (default: the campaign file's own directory).
	ProfileDir string
	// NoProfiles leaves the widget profile files a campaign names unread (their
	// ChatChannel.ProfileSource stays empty): for planning a campaign that was
	// validated whole when it was launched, on a machine that may not have them.
	NoProfiles bool
}

// Load reads, decodes and validates the campaign file at path, with the default
// Options. A file that cannot be read gives the read error; a file with problems
// gives a *ValidationError listing all of them.
func Load(path string) (*Campaign, error) {
	return LoadWith(context.Background(), path, Options{})
}

// LoadWith is Load with options; reading the file and the profiles it names ends
// with ctx. Only a regular file of at most MaxFileBytes is read (a FIFO or a device
// is refused without blocking).
func LoadWith(ctx context.Context, path string, o Options) (*Campaign, error) {
	data, err := safefile.ReadFile(ctx, path, MaxFileBytes)
	if err != nil {
		return nil, fmt.Errorf("load campaign: %w", err)
	}
	return ParseWith(ctx, path, data, o)
}

// Parse decodes and validates a campaign file's contents, with the default Options;
// file names it in problems. Unknown fields, values of the wrong kind and every
// semantic rule of the format (see docs/campaign.md) are checked, defaults are
// filled, and derived fields (Target.Location, Hours.Weekdays, OpenMin, CloseMin,
// ChatChannel.ProfileSource) are set. On any problem it returns a *ValidationError
// listing every problem found.
func Parse(file string, data []byte) (*Campaign, error) {
	return ParseWith(context.Background(), file, data, Options{})
}

// ParseWith is Parse with options; reading the profiles the campaign names ends
// with ctx.
func ParseWith(ctx context.Context, file string, data []byte, o Options) (*Campaign, error) {
	p := newProblems(file)
	root := yamlcheck.ParseDocument(p, data, yamlcheck.Format{Name: "a campaign file", Least: "a campaign with at least id, schedule and targets",
		Fields: "campaign fields (id, name, schedule, targets, ...)", Root: reflect.TypeFor[Campaign](), MaxBytes: MaxFileBytes})
	if root == nil {
		return nil, p.Err()
	}
	c := &Campaign{File: file, Source: data}
	newDecoder(p).Decode(root, c)
	validate(ctx, c, p, o)
	if err := p.Err(); err != nil {
		return nil, err
	}
	return c, nil
}
