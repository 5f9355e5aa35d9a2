package sim

import (
	"context"
	"fmt"
	"reflect"

	"github.com/stakeoutcx/stakeout/internal/safefile"
	"github.com/stakeoutcx/stakeout/internal/yamlcheck"
)

// Problem is one thing wrong with a simulator config; its File is empty, and
// its Line meaningless, for a Config built in Go (see New).
type Problem = yamlcheck.Problem

// ConfigError lists every problem of a config, ordered by line, each formatted
// as "FILE:LINE: path: what is wrong" (or "path: what is wrong" for a Config
// built in Go).
type ConfigError = yamlcheck.ValidationError

// maxNodes bounds the YAML nodes one file may expand to, aliases and merges
// included, so that a small file cannot make decoding take forever.
const maxNodes = 50_000

var durationType = reflect.TypeFor[Duration]()

// format names the simulator config in ParseDocument's messages.
var format = yamlcheck.Format{Name: "a simulator config", Least: "a config with at least companies",
	Fields: "simulator config fields (smtp, imap, web, mailboxes, companies, ...)", MaxBytes: MaxConfigBytes}

// MaxConfigBytes is the largest simulator config read: a larger one is refused
// before it is parsed.
const MaxConfigBytes = 4 << 20

// Load reads and parses the simulator config at path. Only a regular file of at
// most MaxConfigBytes is read (a FIFO or a device is refused without blocking).
func Load(path string) (Config, error) {
	data, err := safefile.ReadFile(context.Background(), path, MaxConfigBytes)
	if err != nil {
		return Config{}, fmt.Errorf("load sim config: %w", err)
	}
	return Parse(path, data)
}

// Parse decodes data strictly (an unknown field is an error) and validates it;
// file names it in problems. Defaults are filled. On any problem it returns a
// *ConfigError listing all of them; when decoding found problems, the config is
// not validated further.
func Parse(file string, data []byte) (Config, error) {
	p := yamlcheck.NewProblems(file)
	root := yamlcheck.ParseDocument(p, data, format)
	if root == nil {
		return Config{}, p.Err()
	}
	var cfg Config
	newDecoder(p).Decode(root, &cfg)
	if err := p.Err(); err != nil {
		return Config{}, err
	}
	cfg = cfg.withDefaults()
	validate(cfg, p)
	if err := p.Err(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// newDecoder returns the strict decoder of simulator configs.
func newDecoder(p *yamlcheck.Problems) *yamlcheck.Decoder {
	d := yamlcheck.NewDecoder(p, maxNodes)
	d.Parsers = map[reflect.Type]yamlcheck.Parser{durationType: parseDuration}
	d.Want = func(t reflect.Type) string {
		if t == durationType {
			return "a duration"
		}
		return ""
	}
	d.NullIsAbsent = true // "chat:" alone is no chat
	return d
}

// parseDuration parses a delay: a duration that is not negative.
func parseDuration(s string) (any, string) {
	v, err := yamlcheck.ParseDuration(s)
	switch {
	case err != nil:
		return nil, fmt.Sprintf("%q is not a duration (want e.g. 300ms, 90s, 2h30m)", s)
	case v < 0:
		return nil, fmt.Sprintf("%q is negative", s)
	}
	return Duration(v), ""
}
