package campaign

import (
	"github.com/stakeoutcx/stakeout/internal/yamlcheck"
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
			d.p.At(k.Line, path, "want a field name, got %s", yamlcheck.Describe(k))
			continue
		}
		if line, dup := first[k.Value]; dup {
			d.p.At(k.Line, yamlcheck.Join(path, k.Value), "set twice (first on line %d)", line)
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
		d.p.At(v.Line, path, "a merge key (<<) wants a mapping or a list of mappings, got %s", yamlcheck.Describe(v))
	}
	return out
}
