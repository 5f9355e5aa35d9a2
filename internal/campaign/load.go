package campaign

import (
	"fmt"
	"os"

	"github.com/stakeoutcx/stakeout/internal/yamlcheck"
)

// Load reads, decodes and validates the campaign file at path. A file that cannot
// be read gives the read error; a file with problems gives a *ValidationError
// listing all of them.
func Load(path string) (*Campaign, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load campaign: %w", err)
	}
	return Parse(path, data)
}

// Parse decodes and validates a campaign file's contents; file names it in problems.
// Unknown fields, values of the wrong kind and every semantic rule of the format
// (see docs/campaign.md) are checked, defaults are filled, and derived fields
// (Target.Location, Hours.Weekdays, OpenMin, CloseMin) are set. On any problem it
// returns a *ValidationError listing every problem found.
func Parse(file string, data []byte) (*Campaign, error) {
	p := newProblems(file)
	root := yamlcheck.ParseDocument(p, data, yamlcheck.Format{Name: "a campaign file", Least: "a campaign with at least id, schedule and targets", Fields: "campaign fields (id, name, schedule, targets, ...)"})
	if root == nil {
		return nil, p.Err()
	}
	c := &Campaign{File: file}
	newDecoder(p).Decode(root, c)
	validate(c, p)
	if err := p.Err(); err != nil {
		return nil, err
	}
	return c, nil
}
