package campaign

import (
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/stakeoutcx/stakeout/internal/detect"
	"github.com/stakeoutcx/stakeout/internal/yamlcheck"
)

// maxNodes bounds the YAML nodes one file may expand to, aliases and merges
// included, so that a small file cannot make decoding take forever.
const maxNodes = 200_000

var (
	timeType     = reflect.TypeFor[time.Time]()
	durationType = reflect.TypeFor[Duration]()
	windowType   = reflect.TypeFor[Window]()
	channelType  = reflect.TypeFor[Channel]()
	serverType   = reflect.TypeFor[Server]()
	patternType  = reflect.TypeFor[Pattern]()
	cooldownType = reflect.TypeFor[detect.Duration]()
)

// newDecoder returns the strict decoder of campaign files: yamlcheck's, with the
// campaign's scalar types and messages.
func newDecoder(p *problems) *yamlcheck.Decoder {
	d := yamlcheck.NewDecoder(p, maxNodes)
	d.MaxText = MaxTextLen
	d.Parsers = map[reflect.Type]yamlcheck.Parser{
		timeType:     parseTime,
		durationType: parseDuration,
		windowType:   func(s string) (any, string) { return result(ParseWindow(s)) },
		channelType:  parseChannel,
		patternType:  parsePattern,
		cooldownType: func(s string) (any, string) {
			v, msg := parseDuration(s)
			if msg != "" {
				return nil, msg
			}
			return detect.Duration(v.(Duration)), ""
		},
	}
	d.Want = want
	d.Unknown = unknown
	d.Key = func(t reflect.Type, name string) string {
		if t.Key() == channelType && !knownChannel(Channel(name)) {
			return unknownChannel(name)
		}
		return ""
	}
	return d
}

// unknown says what is wrong with a field name type t does not have.
func unknown(t reflect.Type, name string, fields map[string][]int) string {
	if t == serverType && name == "password" {
		return "passwords never go in a campaign file: use password_env or password_file"
	}
	if s := yamlcheck.Closest(name, fields); s != "" {
		return fmt.Sprintf("unknown field %q (did you mean %q?)", name, s)
	}
	return fmt.Sprintf("unknown field %q", name)
}

func parseTime(s string) (any, string) {
	ts, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return nil, fmt.Sprintf("want an RFC 3339 timestamp such as 2026-12-01T00:00:00Z, got %s", yamlcheck.Quote(s))
	}
	return ts, ""
}

func parseDuration(s string) (any, string) {
	dd, err := ParseDuration(s)
	if err != nil {
		return nil, err.Error()
	}
	if dd < 0 {
		return nil, fmt.Sprintf("must not be negative, got %s", yamlcheck.Quote(s))
	}
	return Duration(dd), ""
}

func parseChannel(s string) (any, string) {
	if !knownChannel(Channel(s)) {
		return nil, unknownChannel(s)
	}
	return Channel(s), ""
}

// result turns a value and an error into a Parser's answer.
func result[T any](v T, err error) (any, string) {
	if err != nil {
		return nil, err.Error()
	}
	return v, ""
}

// want names what a value of type t is written as; "" for yamlcheck's default.
func want(t reflect.Type) string {
	switch t {
	case timeType:
		return "an RFC 3339 timestamp"
	case durationType, cooldownType:
		return "a duration"
	case windowType:
		return "a duration or a number of months"
	case channelType:
		return "a channel name"
	}
	return ""
}

func knownChannel(ch Channel) bool {
	for _, c := range Channels {
		if c == ch {
			return true
		}
	}
	return false
}

func unknownChannel(s string) string {
	names := make([]string, len(Channels))
	for i, c := range Channels {
		names[i] = string(c)
	}
	return fmt.Sprintf("unknown channel %s (want %s)", yamlcheck.Quote(s), strings.Join(names, " or "))
}
