package profile

import (
	"reflect"
	"sort"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// pair is one key and value of a YAML mapping.
type pair struct {
	name     string
	key, val *yaml.Node
}

// pairs returns the entries of mapping n with merge keys ("<<: *anchor") expanded:
// the mapping's own keys win over merged ones, and earlier merged mappings win over
// later ones. A key set twice in the mapping itself is reported.
func (d *decoder) pairs(n *yaml.Node, path string) []pair {
	var own, merged []pair
	first := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			merged = append(merged, d.merge(v, path)...)
			continue
		}
		if k.Kind != yaml.ScalarNode {
			d.p.at(k.Line, path, "want a field name, got %s", describe(k))
			continue
		}
		if line, dup := first[k.Value]; dup {
			d.p.at(k.Line, join(path, k.Value), "set twice (first on line %d)", line)
			continue
		}
		first[k.Value] = k.Line
		own = append(own, pair{name: k.Value, key: k, val: v})
	}
	for _, kv := range merged {
		if _, dup := first[kv.name]; !dup {
			first[kv.name] = kv.key.Line
			own = append(own, kv)
		}
	}
	return own
}

// merge returns the entries a merge key's value brings: a mapping, or a list of them.
func (d *decoder) merge(v *yaml.Node, path string) []pair {
	if !d.spend(v, path) {
		return nil
	}
	var out []pair
	switch v.Kind {
	case yaml.AliasNode:
		d.alias(v, path, func(t *yaml.Node) { out = d.merge(t, path) })
	case yaml.MappingNode:
		out = d.pairs(v, path)
	case yaml.SequenceNode:
		for _, item := range v.Content {
			out = append(out, d.merge(item, path)...)
		}
	default:
		d.p.at(v.Line, path, "a merge key (<<) wants a mapping or a list of mappings, got %s", describe(v))
	}
	return out
}

// fieldCache holds fieldsOf's answers by type.
var fieldCache sync.Map // reflect.Type → map[string]int

// fieldsOf maps the YAML names of t's fields to their indexes.
func fieldsOf(t reflect.Type) map[string]int {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]int)
	}
	out := map[string]int{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || name == "" || name == "-" {
			continue
		}
		out[name] = i
	}
	fieldCache.Store(t, out)
	return out
}

// closest returns the known field nearest to name by edit distance, or "" when
// none is near enough to be a likely typo.
func closest(name string, fields map[string]int) string {
	if len(name) > 64 {
		return ""
	}
	names := make([]string, 0, len(fields))
	for f := range fields {
		names = append(names, f)
	}
	sort.Strings(names)
	best, bestDist := "", 3
	for _, f := range names {
		if dist := editDistance(name, f); dist < bestDist {
			best, bestDist = f, dist
		}
	}
	if best == "" || bestDist*2 > len(name) {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// fieldList names the known fields, sorted, for an unknown-field message.
func fieldList(fields map[string]int) string {
	names := make([]string, 0, len(fields))
	for f := range fields {
		names = append(names, f)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}
