package yamlcheck

import "go.yaml.in/yaml/v3"

// Walker is the common part of the strict decoders: it expands aliases and merge keys,
// stops alias cycles, reports duplicate keys, and bounds the nodes one file may expand to
// so that a small file cannot make decoding take forever.
type Walker struct {
	// P receives the problems found.
	P *Problems
	// MaxText, when positive, is the longest scalar (in bytes) a value may be: a
	// longer one is reported as too long and not decoded.
	MaxText int
	max     int
	budget  int
	active  map[*yaml.Node]bool // anchors being expanded, to stop alias cycles
}

// NewWalker returns a Walker that reports to p and allows maxNodes nodes.
func NewWalker(p *Problems, maxNodes int) *Walker {
	return &Walker{P: p, max: maxNodes, budget: maxNodes, active: map[*yaml.Node]bool{}}
}

// Pair is one key and value of a YAML mapping.
type Pair struct {
	Name     string
	Key, Val *yaml.Node
}

// Pairs returns the entries of mapping n with merge keys ("<<: *anchor") expanded:
// the mapping's own keys win over merged ones, and earlier merged mappings win over
// later ones. A key set twice in the mapping itself is reported.
func (w *Walker) Pairs(n *yaml.Node, path string) []Pair {
	var own, merged []Pair
	first := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			merged = append(merged, w.merge(v, path)...)
			continue
		}
		if k.Kind != yaml.ScalarNode {
			w.P.At(k.Line, path, "want a field name, got %s", Describe(k))
			continue
		}
		if line, dup := first[k.Value]; dup {
			w.P.At(k.Line, Join(path, k.Value), "set twice (first on line %d)", line)
			continue
		}
		first[k.Value] = k.Line
		own = append(own, Pair{Name: k.Value, Key: k, Val: v})
	}
	for _, kv := range merged {
		if _, dup := first[kv.Name]; !dup {
			first[kv.Name] = kv.Key.Line
			own = append(own, kv)
		}
	}
	return own
}

// merge returns the entries a merge key's value brings: a mapping, or a list of them.
func (w *Walker) merge(v *yaml.Node, path string) []Pair {
	if !w.Spend(v, path) {
		return nil
	}
	var out []Pair
	switch v.Kind {
	case yaml.AliasNode:
		w.Alias(v, path, func(t *yaml.Node) { out = w.merge(t, path) })
	case yaml.MappingNode:
		out = w.Pairs(v, path)
	case yaml.SequenceNode:
		for _, item := range v.Content {
			out = append(out, w.merge(item, path)...)
		}
	default:
		w.P.At(v.Line, path, "a merge key (<<) wants a mapping or a list of mappings, got %s", Describe(v))
	}
	return out
}

// Spend takes one node from the budget; false when the budget is gone.
func (w *Walker) Spend(n *yaml.Node, path string) bool {
	if w.budget <= 0 {
		return false
	}
	w.budget--
	if w.budget == 0 {
		w.P.At(n.Line, path, "file too large: more than %d YAML nodes, counting aliases", w.max)
		return false
	}
	if w.MaxText > 0 && n.Kind == yaml.ScalarNode && len(n.Value) > w.MaxText {
		w.P.At(n.Line, path, "too long: %d bytes, at most %d", len(n.Value), w.MaxText)
		return false
	}
	return true
}

// Alias calls f with the node an alias refers to, unless that would loop.
func (w *Walker) Alias(n *yaml.Node, path string, f func(*yaml.Node)) {
	t := n.Alias
	switch {
	case t == nil:
		w.P.At(n.Line, path, "unknown alias *%s", n.Value)
	case w.active[t]:
		w.P.At(n.Line, path, "alias *%s refers to itself", n.Value)
	default:
		w.active[t] = true
		f(t)
		delete(w.active, t)
	}
}
