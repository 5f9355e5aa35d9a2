package profile

import (
	"fmt"
	"os"
	"strings"

	"github.com/stakeoutcx/stakeout/internal/yamlcheck"
)

// Load reads, decodes and validates the widget profile at path. A file that
// cannot be read gives the read error; a file with problems gives a
// *ValidationError listing all of them.
func Load(path string) (*Profile, error) {
	data, err := os.ReadFile(path)
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
	root := yamlcheck.ParseDocument(p, data, yamlcheck.Format{Name: "a widget profile", Least: "a widget profile with at least name, input, send and messages", Fields: "profile fields (name, launcher, input, send, messages, ...)"})
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
