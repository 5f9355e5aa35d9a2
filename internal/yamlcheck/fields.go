package yamlcheck

import (
	"reflect"
	"sort"
	"strings"
	"sync"
)

// fieldCache holds fieldsOf's answers by type.
var fieldCache sync.Map // reflect.Type → map[string][]int

// FieldsOf maps the YAML names of t's fields to their index paths (reflect's
// FieldByIndex). The fields of an embedded struct tagged `yaml:",inline"` are t's own.
func FieldsOf(t reflect.Type) map[string][]int {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string][]int)
	}
	out := map[string][]int{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if f.Anonymous && name == "" && opts == "inline" && f.Type.Kind() == reflect.Struct {
			for n, idx := range FieldsOf(f.Type) {
				out[n] = append([]int{i}, idx...)
			}
			continue
		}
		if !f.IsExported() || name == "" || name == "-" {
			continue
		}
		out[name] = []int{i}
	}
	fieldCache.Store(t, out)
	return out
}

// Closest returns the known field nearest to name by edit distance, or "" when
// none is near enough to be a likely typo.
func Closest[V any](name string, fields map[string]V) string {
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
		if dist := EditDistance(name, f); dist < bestDist {
			best, bestDist = f, dist
		}
	}
	if best == "" || bestDist*2 > len(name) {
		return ""
	}
	return best
}

// EditDistance is the Levenshtein distance between a and b, in bytes.
func EditDistance(a, b string) int {
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

// FieldList names the known fields, sorted, for an unknown-field message.
func FieldList[V any](fields map[string]V) string {
	names := make([]string, 0, len(fields))
	for f := range fields {
		names = append(names, f)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}
