package yamlcheck

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var format = Format{Name: "a test file", Least: "a test with at least id", Fields: "test fields (id, ...)"}

func TestParseDocument(t *testing.T) {
	for _, tt := range []struct{ name, src, want string }{
		{"empty", "", "f.yaml:1: the file is empty: want a test with at least id"},
		{"two documents", "id: a\n---\nid: b\n", "f.yaml:2: a second YAML document: a test file holds exactly one"},
		{"list", "- a\n", `f.yaml:1: want a mapping of test fields (id, ...), got a list`},
		{"syntax", "id: [a\n", "f.yaml:1: invalid YAML: did not find expected ',' or ']'"},
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

type decoded struct {
	Name  string              `yaml:"name"`
	Count int                 `yaml:"count"`
	Rate  float64             `yaml:"rate"`
	On    bool                `yaml:"on"`
	Wait  Duration            `yaml:"wait"`
	Sub   *decoded            `yaml:"sub"`
	List  []string            `yaml:"list"`
	Map   map[string]Duration `yaml:"map"`
}

func decodeTest(t *testing.T, src string, nullIsAbsent bool) (decoded, error) {
	t.Helper()
	p := NewProblems("f.yaml")
	root := ParseDocument(p, []byte(src), format)
	if root == nil {
		t.Fatalf("ParseDocument(%q): %v", src, p.Err())
	}
	d := NewDecoder(p, 1000)
	d.Parsers = map[reflect.Type]Parser{reflect.TypeFor[Duration](): func(s string) (any, string) {
		v, err := ParseDuration(s)
		if err != nil {
			return nil, err.Error()
		}
		return Duration(v), ""
	}}
	d.Want = func(t reflect.Type) string {
		if t == reflect.TypeFor[Duration]() {
			return "a duration"
		}
		return ""
	}
	d.NullIsAbsent = nullIsAbsent
	var v decoded
	d.Decode(root, &v)
	return v, p.Err()
}

func TestDecoder(t *testing.T) {
	v, err := decodeTest(t, "name: a\ncount: 3\nrate: 0.5\non: true\nwait: 3d\nsub: {<<: {count: 2}, name: b}\nlist: [x, y]\nmap: {k: 1s}\n", false)
	want := decoded{Name: "a", Count: 3, Rate: 0.5, On: true, Wait: Duration(72 * time.Hour),
		Sub: &decoded{Name: "b", Count: 2}, List: []string{"x", "y"}, Map: map[string]Duration{"k": Duration(time.Second)}}
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if diff := cmp.Diff(want, v); diff != "" {
		t.Errorf("Decode (-want +got):\n%s", diff)
	}
	_, err = decodeTest(t, "bbbbbb: 1\nnam: a\ncount: 1.5\nrate: x\non: 1\nwait: soon\nsub: [a]\nlist: a\nmap: {k: [1]}\nzzzzzz: 1\n", false)
	wantErr := []string{
		`f.yaml:1: bbbbbb: unknown field "bbbbbb" (want one of count, list, map, name, on, rate, sub, wait)`,
		`f.yaml:2: nam: unknown field "nam" (did you mean "name"?)`,
		`f.yaml:3: count: want a whole number, got "1.5"`,
		`f.yaml:4: rate: want a number, got "x"`,
		`f.yaml:5: on: want true or false, got "1"`,
		`f.yaml:6: wait: "soon" is not a duration (want e.g. 90s, 15m, 2h30m or 3d)`,
		`f.yaml:7: sub: want a mapping, got a list`,
		`f.yaml:8: list: want a list, got "a"`,
		`f.yaml:9: map.k: want a duration, got a list`,
		`f.yaml:10: zzzzzz: unknown field "zzzzzz" (want one of count, list, map, name, on, rate, sub, wait)`,
	}
	if diff := cmp.Diff(wantErr, strings.Split(fmt.Sprint(err), "\n")); diff != "" {
		t.Errorf("Decode errors (-want +got):\n%s", diff)
	}
}

// A null section is allocated, so that validation sees it, unless NullIsAbsent.
func TestDecoderNull(t *testing.T) {
	for _, absent := range []bool{false, true} {
		v, err := decodeTest(t, "sub:\nname: a\n", absent)
		if err != nil || (v.Sub == nil) != absent {
			t.Errorf("NullIsAbsent %v: Decode = sub %v, err %v; want sub nil %v", absent, v.Sub, err, absent)
		}
	}
}

// A Problem with no file is a value built in Go: no FILE:LINE part.
func TestProblemNoFile(t *testing.T) {
	p := NewProblems("")
	p.Add("companies[0].id", "is required")
	if got, want := p.Err().Error(), "companies[0].id: is required"; got != want {
		t.Errorf("Err() = %q, want %q", got, want)
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

// The fields of an embedded struct tagged inline are the outer struct's own.
func TestDecoderInline(t *testing.T) {
	type inner struct {
		Count int    `yaml:"count"`
		Name  string `yaml:"name"`
	}
	type outer struct {
		On    bool `yaml:"on"`
		inner `yaml:",inline"`
	}
	p := NewProblems("f.yaml")
	root := ParseDocument(p, []byte("on: true\ncount: 3\nname: x\ncont: 1\n"), Format{Name: "a test file", Least: "a mapping"})
	var v outer
	NewDecoder(p, 100).Decode(root, &v)
	if v != (outer{On: true, inner: inner{Count: 3, Name: "x"}}) {
		t.Errorf("Decode = %+v", v)
	}
	if got := fmt.Sprint(p.Err()); got != `f.yaml:4: cont: unknown field "cont" (did you mean "count"?)` {
		t.Errorf("Decode errors = %s", got)
	}
}
