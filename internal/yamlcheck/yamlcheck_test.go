package yamlcheck

import (
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type testRoot struct {
	ID string `yaml:"id"`
}

var format = Format{Name: "a test file", Least: "a test with at least id", Fields: "test fields (id, ...)", Root: reflect.TypeFor[testRoot](), MaxBytes: 64}

func TestParseDocument(t *testing.T) {
	for _, tt := range []struct{ name, src, want string }{
		{"empty", "", "f.yaml:1: the file is empty: want a test with at least id"},
		{"two documents", "id: a\n---\nid: b\n", "f.yaml:2: a second YAML document: a test file holds exactly one"},
		{"list", "- a\n", `f.yaml:1: want a mapping of test fields (id, ...), got a list`},
		{"syntax", "id: [a\n", "f.yaml:1: invalid YAML: did not find expected ',' or ']'"},
		// A file of another format is refused without quoting it.
		{"scalar", "root:$6$secret:19000\n", "f.yaml:1: want a mapping of test fields (id, ...), got a single value"},
		{"no known key", "root:$6$secret:19000: 1\nbob:$6$other: 2\n", "f.yaml:1: not a test file: none of its top-level keys is one of the test fields (id, ...)"},
		{"too large", "id: " + strings.Repeat("x", 61), "f.yaml:1: file too large: 65 bytes, at most 64"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := NewProblems("f.yaml")
			if root := ParseDocument(p, []byte(tt.src), format); root != nil {
				t.Fatalf("ParseDocument(%q) = a root, want none", tt.src)
			}
			if diff := cmp.Diff(tt.want, p.Err().Error()); diff != "" {
				t.Errorf("ParseDocument(%q) (-want +got):\n%s", tt.src, diff)
			}
		})
	}
}

// Problems are ordered by line; a problem under a path that failed to decode is dropped.
func TestProblems(t *testing.T) {
	p := NewProblems("f.yaml")
	p.Seen("targets", 4)
	p.Seen("targets[0].name", 5)
	p.At(7, "targets[0].timezone", "bad zone")
	p.Add("targets[0].timezone", "reported twice")
	p.Add("targets[0].name", "required")
	p.Add("targets[0].industry", "required")
	want := "f.yaml:4: targets[0].industry: required\nf.yaml:5: targets[0].name: required\nf.yaml:7: targets[0].timezone: bad zone"
	if diff := cmp.Diff(want, p.Err().Error()); diff != "" {
		t.Errorf("Err() (-want +got):\n%s", diff)
	}
	if !p.BadUnder("targets") || p.BadUnder("schedule") {
		t.Errorf("BadUnder(targets), BadUnder(schedule) = %v, %v; want true, false", p.BadUnder("targets"), p.BadUnder("schedule"))
	}
}

func TestClosest(t *testing.T) {
	type s struct {
		Timezone string `yaml:"timezone"`
		Industry string `yaml:"industry"`
	}
	fields := FieldsOf(reflect.TypeFor[s]())
	if got := Closest("timzone", fields); got != "timezone" {
		t.Errorf("Closest(timzone) = %q, want timezone", got)
	}
	if got := Closest("zzzzzzzz", fields); got != "" {
		t.Errorf("Closest(zzzzzzzz) = %q, want none", got)
	}
	if got := FieldList(fields); got != "industry, timezone" {
		t.Errorf("FieldList = %q", got)
	}
}

// A scalar longer than MaxText is reported with its line and not decoded.
func TestWalkerMaxText(t *testing.T) {
	p := NewProblems("f.yaml")
	root := ParseDocument(p, []byte("id: a\nname: abcdef\n"), Format{})
	w := NewWalker(p, 100)
	w.MaxText = 5
	for _, kv := range w.Pairs(root, "") {
		if ok := w.Spend(kv.Val, kv.Name); ok != (kv.Name == "id") {
			t.Errorf("Spend(%s) = %v", kv.Name, ok)
		}
	}
	if diff := cmp.Diff("f.yaml:2: name: too long: 6 bytes, at most 5", p.Err().Error()); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}
