package deploy

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/yannh/kubeconform/pkg/validator"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// kubeVersion is the Kubernetes release whose schemas deploy/kubernetes/schemas holds
// (made by its gen.go from that release's OpenAPI spec; change both together).
const kubeVersion = "1.37.2"

// kubeDir holds the manifests, relative to this package.
const kubeDir = "kubernetes"

// kubeValidator validates against the vendored schemas only: it never downloads one.
func kubeValidator(t *testing.T) validator.Validator {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join(kubeDir, "schemas"))
	if err != nil {
		t.Fatal(err)
	}
	v, err := validator.New([]string{filepath.Join(dir, "{{ .ResourceKind }}{{ .KindSuffix }}.json")},
		validator.Opts{Strict: true, KubernetesVersion: kubeVersion})
	if err != nil {
		t.Fatalf("validator.New: %v", err)
	}
	return v
}

// validateKube returns the problems of the manifests in data, one per line, as
// "name: Kind/name: path: what is wrong"; none when every document is valid.
func validateKube(v validator.Validator, name string, data []byte) []string {
	var problems []string
	for _, r := range v.Validate(name, io.NopCloser(bytes.NewReader(data))) {
		id := name
		if sig, err := r.Resource.Signature(); err == nil && sig.Kind != "" {
			id += ": " + sig.Kind + "/" + sig.Name
		}
		switch r.Status {
		case validator.Valid, validator.Empty:
		case validator.Invalid:
			// r.ValidationErrors stops at the first $ref; r.Err holds the whole tree,
			// "... - at '/spec/replicas': got string, want integer - at ...".
			for _, at := range strings.Split(r.Err.Error(), " - at '")[1:] {
				path, msg, _ := strings.Cut(at, "': ")
				if msg = strings.TrimSpace(msg); msg != "validation failed" {
					problems = append(problems, fmt.Sprintf("%s: %s: %s", id, path, msg))
				}
			}
		default:
			problems = append(problems, fmt.Sprintf("%s: %v", id, r.Err))
		}
	}
	return problems
}

// kustomization is what the checks read of deploy/kubernetes/kustomization.yaml.
type kustomization struct {
	Namespace string   `json:"namespace"`
	Resources []string `json:"resources"`
}

func readKustomization(t *testing.T) kustomization {
	t.Helper()
	var k kustomization
	data, err := os.ReadFile(filepath.Join(kubeDir, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, &k); err != nil {
		t.Fatalf("kustomization.yaml: %v", err)
	}
	return k
}

// renderKube builds the kustomization in-process, as kubectl apply -k would.
func renderKube(t *testing.T) []byte {
	t.Helper()
	m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), kubeDir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", kubeDir, err)
	}
	out, err := m.AsYaml()
	if err != nil {
		t.Fatalf("kustomize build %s: %v", kubeDir, err)
	}
	return out
}

// Every manifest, alone and as kustomize renders them all, is valid against the schemas
// of Kubernetes kubeVersion, unknown fields being errors.
func TestKubeManifestsValid(t *testing.T) {
	v := kubeValidator(t)
	k := readKustomization(t)
	for _, f := range k.Resources {
		data, err := os.ReadFile(filepath.Join(kubeDir, f))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range validateKube(v, f, data) {
			t.Error(p)
		}
	}
	for _, p := range validateKube(v, "kustomize build", renderKube(t)) {
		t.Error(p)
	}
}

// The validation fails on real mistakes, naming where they are.
func TestKubeValidationRejects(t *testing.T) {
	v := kubeValidator(t)
	const deployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  selector: {matchLabels: {a: b}}
  template:
    metadata: {labels: {a: b}}
    spec:
      containers:
        - name: c
          image: i
`
	for _, tc := range []struct {
		name, manifest string
		want           []string // the problems, each a substring of one line
	}{
		{"valid", deployment, nil},
		{"misspelled field", strings.Replace(deployment, "spec:\n  selector", "spec:\n  replica: 2\n  selector", 1),
			[]string{"Deployment/d: /spec: additional properties 'replica' not allowed"}},
		{"wrong type", strings.Replace(deployment, "spec:\n  selector", "spec:\n  replicas: two\n  selector", 1),
			[]string{"Deployment/d: /spec/replicas: got string, want integer"}},
		{"misspelled container field", deployment + "          imagePullPolicy: Always\n          commnd: [x]\n",
			[]string{"/spec/template/spec/containers/0: additional properties 'commnd' not allowed"}},
		{"missing required field", strings.Replace(deployment, "        - name: c\n", "        - ", 1),
			[]string{"/spec/template/spec/containers/0: missing property 'name'"}},
		{"wrong kind case", strings.Replace(deployment, "kind: Deployment", "kind: deployment", 1),
			[]string{"/kind: value must be 'Deployment'"}},
		{"port not int-or-string", `apiVersion: v1
kind: Service
metadata: {name: s}
spec:
  ports: [{port: 9464, targetPort: {name: metrics}}]
`, []string{"Service/s: /spec/ports/0/targetPort"}},
		{"old HPA field", `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: h}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: d}
  maxReplicas: 3
  metrics:
    - type: External
      external:
        metricName: stakeout_queue_backlog
        targetAverageValue: 20
`, []string{"/spec/metrics/0/external: missing properties 'metric', 'target'", "'metricName'", "'targetAverageValue'"}},
		{"api version without schema", `apiVersion: autoscaling/v2beta2
kind: HorizontalPodAutoscaler
metadata: {name: h}
spec: {}
`, []string{"could not find schema for HorizontalPodAutoscaler"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := validateKube(v, "m.yaml", []byte(tc.manifest))
			if len(tc.want) == 0 && len(got) > 0 || len(tc.want) > 0 && len(got) == 0 {
				t.Fatalf("problems = %q, want %q", got, tc.want)
			}
			for _, w := range tc.want {
				if !slices.ContainsFunc(got, func(p string) bool { return strings.Contains(p, w) }) {
					t.Errorf("problems = %q, want one containing %q", got, w)
				}
			}
		})
	}
}

// The kustomization lists every manifest of the directory, and renders what the README
// describes, all in one namespace.
func TestKubeKustomization(t *testing.T) {
	k := readKustomization(t)
	files, err := filepath.Glob(filepath.Join(kubeDir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var onDisk []string
	for _, f := range files {
		if base := filepath.Base(f); base != "kustomization.yaml" {
			onDisk = append(onDisk, base)
		}
	}
	listed := slices.Clone(k.Resources)
	sort.Strings(listed)
	if diff := cmp.Diff(onDisk, listed); diff != "" {
		t.Errorf("kustomization.yaml resources against the *.yaml files of %s (-files +listed):\n%s", kubeDir, diff)
	}
	objs := decodeKube(t, renderKube(t))
	var got []string
	for _, o := range objs.all {
		got = append(got, o.Kind+"/"+o.Name)
		if o.Kind != "Namespace" && o.Namespace != k.Namespace {
			t.Errorf("%s/%s: namespace %q, want %q", o.Kind, o.Name, o.Namespace, k.Namespace)
		}
	}
	sort.Strings(got)
	want := []string{
		"ConfigMap/stakeout-campaigns",
		"Deployment/stakeout-chat-worker", "Deployment/stakeout-email-worker", "Deployment/stakeout-scheduler",
		"HorizontalPodAutoscaler/stakeout-chat-worker", "HorizontalPodAutoscaler/stakeout-email-worker",
		"Namespace/stakeout",
		"PodDisruptionBudget/stakeout-chat-worker", "PodDisruptionBudget/stakeout-email-worker", "PodDisruptionBudget/stakeout-scheduler",
		"Secret/stakeout-env", "Secret/stakeout-mailboxes",
		"Service/stakeout-chat-worker", "Service/stakeout-email-worker", "Service/stakeout-scheduler",
		"ServiceAccount/stakeout",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rendered objects (-want +got):\n%s", diff)
	}
}

// The manifests agree with the code and with each other (kubeChecker.check says what is
// checked).
func TestKubeConsistency(t *testing.T) {
	objs := decodeKube(t, renderKube(t))
	c := newKubeChecker(t)
	if problems := c.check(objs); len(problems) > 0 {
		t.Errorf("problems:\n%s", strings.Join(problems, "\n"))
	}
}
