package profile

import (
	"context"
	"fmt"
	"reflect"
	"strings"

	"github.com/stakeoutcx/stakeout/internal/safefile"
	"github.com/stakeoutcx/stakeout/internal/yamlcheck"
)

// Size limits of a widget profile (see docs/widget-profiles.md, "Limits").
const (
	// MaxFileBytes is the largest profile file read: a larger one is refused
	// before it is parsed.
	MaxFileBytes = 256 << 10
	// MaxTextLen is the longest text field (in bytes): a selector, a script, a
	// template, a pattern...
	MaxTextLen = 16 << 10
)

// Load reads, decodes and validates the widget profile at path. A file that
// cannot be read gives the read error; a file with problems gives a
// *ValidationError listing all of them.
func Load(path string) (*Profile, error) {
	return LoadContext(context.Background(), path)
}

// LoadContext is Load, reading the file until ctx ends. Only a regular file of at
// most MaxFileBytes is read (a FIFO or a device is refused without blocking).
func LoadContext(ctx context.Context, path string) (*Profile, error) {
	data, err := safefile.ReadFile(ctx, path, MaxFileBytes)
	if err != nil {
		return nil, fmt.Errorf("load widget profile: %w", err)
	}
	return Parse(path, data)
}

// Parse decodes and validates a widget profile's contents; file names it in
// problems. Unknown fields, values of the wrong kind, selectors, regular
// expressions, templates and every rule of the format (see
// docs/widget-profiles.md) are checked and defaults are filled. On any problem
// it returns a *ValidationError listing every problem found.
func Parse(file string, data []byte) (*Profile, error) {
	p := newProblems(file)
	root := yamlcheck.ParseDocument(p, data, yamlcheck.Format{Name: "a widget profile", Least: "a widget profile with at least name, input, send and messages", Fields: "profile fields (name, launcher, input, send, messages, ...)",
		Root: reflect.TypeFor[Profile](), MaxBytes: MaxFileBytes})
	if root == nil {
		return nil, p.Err()
	}
	pr := &Profile{File: file}
	p.Seen("", root.Line)
	newDecoder(p).Decode(root, pr)
	validate(pr, p)
	if err := p.Err(); err != nil {
		return nil, err
	}
	return pr, nil
}

// IsPath reports whether a campaign's profile value is a file path (it has
// a slash or a .yaml/.yml suffix) rather than the name of a known profile.
func IsPath(ref string) bool {
	return strings.ContainsRune(ref, '/') || strings.HasSuffix(ref, ".yaml") || strings.HasSuffix(ref, ".yml")
}
