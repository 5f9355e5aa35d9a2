//go:build ignore

// Gen writes the JSON schemas that deploy/kubernetes_test.go validates the manifests
// against, in kubeconform's layout ({kind}-{group}-{version}.json, strict, with the
// shared definitions in _definitions.json). They are made from the OpenAPI v2 spec of
// the Kubernetes release below (api/openapi-spec/swagger.json of the k8s.io/kubernetes
// module, which go mod download fetches from the Go module proxy), the way
// openapi2jsonschema --kubernetes --strict makes kubeconform's own schemas:
//
//   - additionalProperties: false on every object with properties (strict: an unknown or
//     misspelled field is an error, as kubectl apply --validate=strict makes it);
//   - int-or-string fields take a string or an integer, quantities a string or a number;
//   - kind and apiVersion of each top-level kind are enums of its own;
//   - descriptions are dropped (they make most of the size).
//
// Run it from the repository root after changing release or kinds:
//
//	go run deploy/kubernetes/schemas/gen.go
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// release is the Kubernetes version the schemas are for (deploy/kubernetes_test.go
// kubeVersion says the same).
const release = "v1.37.2"

// kinds are the top-level kinds deploy/kubernetes uses, by definition name.
var kinds = []string{
	"io.k8s.api.core.v1.Namespace",
	"io.k8s.api.core.v1.ServiceAccount",
	"io.k8s.api.core.v1.Secret",
	"io.k8s.api.core.v1.ConfigMap",
	"io.k8s.api.core.v1.Service",
	"io.k8s.api.apps.v1.Deployment",
	"io.k8s.api.policy.v1.PodDisruptionBudget",
	"io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler",
}

const (
	refPrefix = "#/definitions/"
	quantity  = "io.k8s.apimachinery.pkg.api.resource.Quantity"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run() error {
	spec, err := swagger()
	if err != nil {
		return err
	}
	var doc struct {
		Definitions map[string]map[string]any `json:"definitions"`
	}
	if err := json.Unmarshal(spec, &doc); err != nil {
		return fmt.Errorf("swagger.json: %w", err)
	}
	defs := doc.Definitions
	dir := filepath.Join("deploy", "kubernetes", "schemas")
	closure := map[string]any{}
	for _, name := range kinds {
		def, ok := defs[name]
		if !ok {
			return fmt.Errorf("%s: no such definition in Kubernetes %s", name, release)
		}
		collect(defs, def, closure)
		s := convert(def, "_definitions.json").(map[string]any)
		file, err := pin(s, def)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if err := write(filepath.Join(dir, file), s); err != nil {
			return err
		}
	}
	shared := map[string]any{}
	for name := range closure {
		shared[name] = convert(defs[name], "")
	}
	return write(filepath.Join(dir, "_definitions.json"), map[string]any{"definitions": shared})
}

// swagger reads api/openapi-spec/swagger.json of k8s.io/kubernetes@release from the
// module cache, downloading the module when it is not there.
func swagger() ([]byte, error) {
	out, err := exec.Command("go", "mod", "download", "-json", "k8s.io/kubernetes@"+release).Output()
	if err != nil {
		return nil, fmt.Errorf("go mod download k8s.io/kubernetes@%s: %w", release, err)
	}
	var m struct{ Dir, Error string }
	if err := json.Unmarshal(out, &m); err != nil || m.Error != "" {
		return nil, fmt.Errorf("go mod download k8s.io/kubernetes@%s: %v %s", release, err, m.Error)
	}
	return os.ReadFile(filepath.Join(m.Dir, "api", "openapi-spec", "swagger.json"))
}

// collect adds to closure every definition that s refers to, transitively.
func collect(defs map[string]map[string]any, s any, closure map[string]any) {
	switch v := s.(type) {
	case map[string]any:
		if ref, ok := v["$ref"].(string); ok {
			name := strings.TrimPrefix(ref, refPrefix)
			if _, seen := closure[name]; !seen {
				closure[name] = true
				collect(defs, defs[name], closure)
			}
		}
		for _, x := range v {
			collect(defs, x, closure)
		}
	case []any:
		for _, x := range v {
			collect(defs, x, closure)
		}
	}
}

// convert returns schema s made strict and self-standing; refs point into refFile's
// definitions ("" for the file s is in).
func convert(s any, refFile string) any {
	m, ok := s.(map[string]any)
	if !ok {
		return s
	}
	if m["format"] == "int-or-string" {
		return map[string]any{"oneOf": []any{map[string]any{"type": "string"}, map[string]any{"type": "integer"}}}
	}
	if m["$ref"] == refPrefix+quantity {
		return map[string]any{"oneOf": []any{map[string]any{"type": "string"}, map[string]any{"type": "number"}}}
	}
	out := map[string]any{}
	for k, v := range m {
		switch {
		case k == "description" || strings.HasPrefix(k, "x-"):
		case k == "$ref":
			out[k] = refFile + v.(string)
		case k == "properties":
			props := map[string]any{}
			for name, p := range v.(map[string]any) {
				props[name] = convert(p, refFile)
			}
			out[k] = props
		case k == "items" || k == "additionalProperties":
			out[k] = convert(v, refFile)
		case k == "allOf" || k == "anyOf" || k == "oneOf":
			var list []any
			for _, x := range v.([]any) {
				list = append(list, convert(x, refFile))
			}
			out[k] = list
		default:
			out[k] = v
		}
	}
	if _, ok := out["properties"]; ok {
		if _, set := out["additionalProperties"]; !set {
			out["additionalProperties"] = false
		}
	}
	return out
}

// pin makes s accept only its own kind and apiVersion and returns its file name in
// kubeconform's layout.
func pin(s, def map[string]any) (string, error) {
	gvks, _ := def["x-kubernetes-group-version-kind"].([]any)
	if len(gvks) != 1 {
		return "", fmt.Errorf("want one x-kubernetes-group-version-kind, have %d", len(gvks))
	}
	gvk := gvks[0].(map[string]any)
	group, version, kind := gvk["group"].(string), gvk["version"].(string), gvk["kind"].(string)
	apiVersion, suffix := version, version
	if group != "" {
		apiVersion = group + "/" + version
		suffix = strings.Split(group, ".")[0] + "-" + version
	}
	props := s["properties"].(map[string]any)
	props["kind"] = map[string]any{"type": "string", "enum": []any{kind}}
	props["apiVersion"] = map[string]any{"type": "string", "enum": []any{apiVersion}}
	req, _ := s["required"].([]any)
	s["required"] = append(req, "apiVersion", "kind")
	return strings.ToLower(kind) + "-" + suffix + ".json", nil
}

func write(path string, v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", " ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}
