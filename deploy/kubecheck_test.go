package deploy

// The consistency checks of the Kubernetes manifests: what kubeChecker.check finds.

import (
	"fmt"
	"maps"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alecthomas/kong"
	"github.com/stakeoutcx/stakeout/internal/campaign"
	"github.com/stakeoutcx/stakeout/internal/cli"
	"github.com/stakeoutcx/stakeout/internal/metrics"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"
)

// kubeObjects are the rendered objects, decoded strictly into the API's Go types (a
// second check: a field the types do not have is an error here too).
type kubeObjects struct {
	all         []kubeRef
	deployments []*appsv1.Deployment
	services    []*corev1.Service
	pdbs        []*policyv1.PodDisruptionBudget
	hpas        []*autoscalingv2.HorizontalPodAutoscaler
	configMaps  map[string]*corev1.ConfigMap
	secrets     map[string]*corev1.Secret
}

// kubeRef names one object.
type kubeRef struct{ Kind, Name, Namespace string }

func decodeKube(t *testing.T, data []byte) *kubeObjects {
	t.Helper()
	objs := &kubeObjects{configMaps: map[string]*corev1.ConfigMap{}, secrets: map[string]*corev1.Secret{}}
	for _, doc := range strings.Split(string(data), "\n---\n") {
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal([]byte(doc), &tm); err != nil {
			t.Fatalf("rendered document: %v", err)
		}
		var obj interface{ GetObjectMeta() metav1.Object }
		switch tm.Kind {
		case "Deployment":
			d := &appsv1.Deployment{}
			objs.deployments, obj = append(objs.deployments, d), d
		case "Service":
			s := &corev1.Service{}
			objs.services, obj = append(objs.services, s), s
		case "PodDisruptionBudget":
			p := &policyv1.PodDisruptionBudget{}
			objs.pdbs, obj = append(objs.pdbs, p), p
		case "HorizontalPodAutoscaler":
			h := &autoscalingv2.HorizontalPodAutoscaler{}
			objs.hpas, obj = append(objs.hpas, h), h
		case "ConfigMap":
			obj = &corev1.ConfigMap{}
		case "Secret":
			obj = &corev1.Secret{}
		case "Namespace":
			obj = &corev1.Namespace{}
		case "ServiceAccount":
			obj = &corev1.ServiceAccount{}
		default:
			t.Fatalf("rendered %s: no check knows this kind", tm.Kind)
		}
		if err := yaml.UnmarshalStrict([]byte(doc), obj); err != nil {
			t.Fatalf("rendered %s: %v", tm.Kind, err)
		}
		m := obj.GetObjectMeta()
		objs.all = append(objs.all, kubeRef{Kind: tm.Kind, Name: m.GetName(), Namespace: m.GetNamespace()})
		switch o := obj.(type) {
		case *corev1.ConfigMap:
			objs.configMaps[o.Name] = o
		case *corev1.Secret:
			objs.secrets[o.Name] = o
		}
	}
	return objs
}

// Sizing of chat workers from docs/chat.md (BenchmarkChatHeld, PSS): the headless shell
// alone, and each conversation it holds (17.5-19.5 MB measured, rounded up), plus the Go
// process around it.
const (
	chromiumMiB        = 187
	conversationMiB    = 20
	workerProcessMiB   = 100
	stakeoutImage      = "ghcr.io/stakeoutcx/stakeout:latest"
	backlogMetric      = "stakeout_queue_backlog"
	backlogSourceQuery = "asynq_tasks_enqueued"
)

// extraEnv are the STAKEOUT_* variables stakeout reads that are no flag's.
var extraEnv = map[string]string{
	"STAKEOUT_CHROMIUM_NO_SANDBOX": "probes/chat/browser (docs/chat.md#sandbox)",
}

// kubeChecker checks the manifests against the command line of the code.
type kubeChecker struct {
	flags map[string]map[string]*kong.Flag // subcommand → flag name → flag
	envs  map[string]map[string]bool       // subcommand → its flags' variables
	// imageUser is the numeric USER uid:gid of deploy/Dockerfile ("" when it names the
	// user), which the pods' runAsUser and runAsGroup must be.
	imageUser string
}

func newKubeChecker(t *testing.T) *kubeChecker {
	t.Helper()
	p, err := kong.New(&cli.CLI{}, kong.Name("stakeout"))
	if err != nil {
		t.Fatalf("kong.New: %v", err)
	}
	c := &kubeChecker{flags: map[string]map[string]*kong.Flag{}, envs: map[string]map[string]bool{}}
	dockerfile, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(dockerfile), "\n") {
		if u, ok := strings.CutPrefix(line, "USER "); ok && strings.Trim(u, "0123456789:") == "" {
			c.imageUser = strings.TrimSpace(u)
		}
	}
	for _, n := range p.Model.Children {
		c.flags[n.Name], c.envs[n.Name] = map[string]*kong.Flag{}, map[string]bool{}
		for _, group := range n.AllFlags(false) {
			for _, f := range group {
				c.flags[n.Name][f.Name] = f
				for _, e := range f.Envs {
					c.envs[n.Name][e] = true
				}
			}
		}
	}
	return c
}

// setting is the flags a container sets (from its args, then its env, then the
// defaults), and the problems of its command line.
type setting struct {
	cmd      string
	vals     map[string]string
	problems []string
}

func (c *kubeChecker) settings(where string, ctr corev1.Container, objs *kubeObjects) setting {
	s := setting{vals: map[string]string{}}
	add := func(format string, a ...any) { s.problems = append(s.problems, where+": "+fmt.Sprintf(format, a...)) }
	if len(ctr.Command) > 0 || len(ctr.Args) == 0 {
		add("command %q, args %q: want the image's entrypoint and a subcommand in args", ctr.Command, ctr.Args)
		return s
	}
	s.cmd = ctr.Args[0]
	flags, ok := c.flags[s.cmd]
	if !ok {
		add("%q is not a stakeout subcommand", s.cmd)
		return s
	}
	for _, a := range ctr.Args[1:] {
		name, val, hasVal := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		f, ok := flags[name]
		switch {
		case !strings.HasPrefix(a, "--") || !ok:
			add("%s: stakeout %s has no such flag", a, s.cmd)
			continue
		case f.Target.Kind() == reflect.Bool && hasVal, f.Target.Kind() != reflect.Bool && !hasVal:
			add("%s: write --%s for a switch, --%s=VALUE otherwise", a, name, name)
			continue
		case !hasVal:
			val = "true"
		}
		if err := checkFlagValue(f, val); err != nil {
			add("%s: %v", a, err)
		}
		s.vals[name] = val
	}
	byEnv := map[string]*kong.Flag{}
	for _, f := range flags {
		for _, e := range f.Envs {
			byEnv[e] = f
		}
	}
	checkEnv := func(name, from string) *kong.Flag {
		if f := byEnv[name]; f != nil {
			return f
		}
		if _, ok := extraEnv[name]; !ok && strings.HasPrefix(name, "STAKEOUT_") {
			add("%s%s: stakeout %s reads no such variable", name, from, s.cmd)
		}
		return nil
	}
	for _, e := range ctr.Env {
		if f := checkEnv(e.Name, ""); f != nil && e.ValueFrom == nil {
			if _, set := s.vals[f.Name]; !set {
				s.vals[f.Name] = e.Value
			}
		}
	}
	for _, ef := range ctr.EnvFrom {
		if ef.SecretRef == nil {
			add("envFrom: only Secrets are expected")
			continue
		}
		sec, ok := objs.secrets[ef.SecretRef.Name]
		if !ok {
			add("envFrom: no Secret %s", ef.SecretRef.Name)
			continue
		}
		for _, k := range slices.Sorted(maps.Keys(sec.StringData)) {
			if f := checkEnv(k, " (Secret "+sec.Name+")"); f != nil {
				s.vals[f.Name] = "(secret)"
			}
		}
	}
	for name, f := range flags {
		if _, set := s.vals[name]; !set && f.HasDefault {
			s.vals[name] = f.Default
		}
	}
	return s
}

// checkFlagValue parses val as f's type for the types the manifests set.
func checkFlagValue(f *kong.Flag, val string) error {
	switch f.Target.Interface().(type) {
	case time.Duration:
		_, err := time.ParseDuration(val)
		return err
	case int:
		_, err := strconv.Atoi(val)
		return err
	}
	if f.Name == "queues" {
		_, err := parseQueues(val)
		return err
	}
	return nil
}

// parseQueues reads --queues as the worker does (internal/cli parseQueues): the queues
// of a weight above 0.
func parseQueues(s string) ([]string, error) {
	var out []string
	for _, part := range strings.Split(s, ",") {
		name, w, ok := strings.Cut(strings.TrimSpace(part), "=")
		n, err := strconv.Atoi(w)
		if !ok || err != nil || n < 0 || name == "" {
			return nil, fmt.Errorf("%q is not name=weight", part)
		}
		if n > 0 {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out, nil
}

// served is the queues a worker serves: those of --queues, less what its switches turn
// off (a results queue without a store, scoring without results, a channel turned off).
func served(s setting) []string {
	qs, _ := parseQueues(s.vals["queues"])
	noResults := s.vals["no-results"] == "true"
	off := map[string]bool{
		"chat":    s.vals["no-chat"] == "true",
		"email":   s.vals["no-email"] == "true",
		"results": noResults,
		"scoring": noResults || s.vals["no-scoring"] == "true",
		"alerts":  noResults,
	}
	return slices.DeleteFunc(qs, func(q string) bool { return off[q] })
}

// wantServed is the queues each worker Deployment serves.
var wantServed = map[string][]string{
	"stakeout-chat-worker":  {"chat"},
	"stakeout-email-worker": {"alerts", "email", "results", "scoring"},
}

// check returns every problem of objs: each container's command line against the CLI,
// its metrics address against its port and probes, its security context and volumes;
// the workers' grace period, queues and sizing; and the selectors and targets of the
// Services, PodDisruptionBudgets and HorizontalPodAutoscalers.
func (c *kubeChecker) check(objs *kubeObjects) []string {
	var problems []string
	add := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	sets := map[string]setting{}
	for _, d := range objs.deployments {
		where := "Deployment/" + d.Name
		pod := d.Spec.Template.Spec
		if len(pod.Containers) != 1 {
			add("%s: %d containers, want 1", where, len(pod.Containers))
			continue
		}
		ctr := pod.Containers[0]
		s := c.settings(where, ctr, objs)
		problems = append(problems, s.problems...)
		sets[d.Name] = s
		if ctr.Image != stakeoutImage {
			add("%s: image %s, want %s", where, ctr.Image, stakeoutImage)
		}
		problems = append(problems, checkMetricsPort(where, ctr, s.vals["metrics-addr"])...)
		problems = append(problems, checkSecurity(where, pod, c.imageUser)...)
		problems = append(problems, checkVolumes(where, pod, objs)...)
		switch s.cmd {
		case "scheduler":
			if !mountedFrom(pod, s.vals["campaigns"], "ConfigMap") {
				add("%s: --campaigns %s is not a ConfigMap's mount", where, s.vals["campaigns"])
			}
		case "worker":
			problems = append(problems, checkWorker(where, d, s)...)
		}
	}
	problems = append(problems, checkSelectors(objs)...)
	problems = append(problems, checkHPAs(objs, sets)...)
	problems = append(problems, checkCampaigns(objs)...)
	return problems
}

// checkMetricsPort: the metrics address listens beyond loopback on the port named
// metrics, which both probes GET /healthz on.
func checkMetricsPort(where string, ctr corev1.Container, addr string) []string {
	var problems []string
	host, port, err := net.SplitHostPort(addr)
	if err != nil || (host != "" && host != "0.0.0.0" && host != "::") {
		return []string{fmt.Sprintf("%s: --metrics-addr %q: want :PORT (the kubelet and Prometheus reach the pod's IP)", where, addr)}
	}
	var metrics *corev1.ContainerPort
	for i, p := range ctr.Ports {
		if p.Name == "metrics" {
			metrics = &ctr.Ports[i]
		}
	}
	if metrics == nil || strconv.Itoa(int(metrics.ContainerPort)) != port {
		problems = append(problems, fmt.Sprintf("%s: no container port named metrics = %s, the port of --metrics-addr", where, port))
	}
	for name, p := range map[string]*corev1.Probe{"livenessProbe": ctr.LivenessProbe, "readinessProbe": ctr.ReadinessProbe} {
		switch {
		case p == nil || p.HTTPGet == nil:
			problems = append(problems, fmt.Sprintf("%s: %s: want an httpGet of /healthz", where, name))
		case p.HTTPGet.Path != "/healthz":
			problems = append(problems, fmt.Sprintf("%s: %s: path %s, want /healthz", where, name, p.HTTPGet.Path))
		case p.HTTPGet.Port.String() != "metrics" && p.HTTPGet.Port.String() != port:
			problems = append(problems, fmt.Sprintf("%s: %s: port %s, want metrics (%s)", where, name, p.HTTPGet.Port.String(), port))
		}
	}
	sort.Strings(problems)
	return problems
}

// checkSecurity: a numeric non-root user, no capabilities, no privilege escalation, a
// read-only root file system, the runtime's seccomp profile, no API token.
func checkSecurity(where string, pod corev1.PodSpec, imageUser string) []string {
	var problems []string
	sc := pod.SecurityContext
	if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser == nil || *sc.RunAsUser == 0 {
		problems = append(problems, where+": want runAsNonRoot and a numeric runAsUser")
	} else if uid, gid, _ := strings.Cut(imageUser, ":"); imageUser != "" &&
		(strconv.FormatInt(*sc.RunAsUser, 10) != uid || gid != "" && (sc.RunAsGroup == nil || strconv.FormatInt(*sc.RunAsGroup, 10) != gid)) {
		problems = append(problems, fmt.Sprintf("%s: runAsUser/runAsGroup are not the image's USER %s (deploy/Dockerfile)", where, imageUser))
	}
	if sc == nil || sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		problems = append(problems, where+": want seccompProfile RuntimeDefault")
	}
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		problems = append(problems, where+": want automountServiceAccountToken: false")
	}
	for _, ctr := range pod.Containers {
		cs := ctr.SecurityContext
		if cs == nil || cs.ReadOnlyRootFilesystem == nil || !*cs.ReadOnlyRootFilesystem ||
			cs.AllowPrivilegeEscalation == nil || *cs.AllowPrivilegeEscalation ||
			cs.Capabilities == nil || !slices.Equal(cs.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(cs.Capabilities.Add) > 0 {
			problems = append(problems, fmt.Sprintf("%s: container %s: want readOnlyRootFilesystem, no privilege escalation, capabilities drop [ALL]", where, ctr.Name))
		}
		if cs != nil && cs.Privileged != nil && *cs.Privileged {
			problems = append(problems, fmt.Sprintf("%s: container %s: privileged", where, ctr.Name))
		}
	}
	return problems
}

// checkVolumes: every mount has its volume, every ConfigMap and Secret exists, /tmp is
// writable.
func checkVolumes(where string, pod corev1.PodSpec, objs *kubeObjects) []string {
	var problems []string
	vols := map[string]corev1.Volume{}
	for _, v := range pod.Volumes {
		vols[v.Name] = v
		if v.ConfigMap != nil && objs.configMaps[v.ConfigMap.Name] == nil {
			problems = append(problems, fmt.Sprintf("%s: volume %s: no ConfigMap %s", where, v.Name, v.ConfigMap.Name))
		}
		if v.Secret != nil && objs.secrets[v.Secret.SecretName] == nil {
			problems = append(problems, fmt.Sprintf("%s: volume %s: no Secret %s", where, v.Name, v.Secret.SecretName))
		}
	}
	for _, ctr := range pod.Containers {
		for _, m := range ctr.VolumeMounts {
			if _, ok := vols[m.Name]; !ok {
				problems = append(problems, fmt.Sprintf("%s: mount %s: no volume %s", where, m.MountPath, m.Name))
			}
		}
	}
	if !mountedFrom(pod, "/tmp", "emptyDir") {
		problems = append(problems, where+": /tmp is not an emptyDir (the root file system is read-only)")
	}
	return problems
}

// mountedFrom says whether path is the mount of a volume of that kind.
func mountedFrom(pod corev1.PodSpec, path, kind string) bool {
	for _, ctr := range pod.Containers {
		for _, m := range ctr.VolumeMounts {
			for _, v := range pod.Volumes {
				if v.Name == m.Name && filepath.Clean(m.MountPath) == filepath.Clean(path) &&
					(kind == "ConfigMap" && v.ConfigMap != nil || kind == "Secret" && v.Secret != nil || kind == "emptyDir" && v.EmptyDir != nil) {
					return true
				}
			}
		}
	}
	return false
}

// checkWorker: the grace period outlasts --shutdown-timeout, the queues are the
// Deployment's, and a chat worker's memory holds its conversations.
func checkWorker(where string, d *appsv1.Deployment, s setting) []string {
	var problems []string
	add := func(format string, a ...any) { problems = append(problems, where+": "+fmt.Sprintf(format, a...)) }
	pod := d.Spec.Template.Spec
	timeout, _ := time.ParseDuration(s.vals["shutdown-timeout"])
	if g := pod.TerminationGracePeriodSeconds; g == nil || time.Duration(*g)*time.Second <= timeout {
		add("terminationGracePeriodSeconds must be above --shutdown-timeout %s", timeout)
	}
	if got, want := served(s), wantServed[d.Name]; !slices.Equal(got, want) {
		add("serves queues %q, want %q", got, want)
	}
	if s.vals["no-chat"] == "true" { // no Chromium
		return problems
	}
	n, _ := strconv.Atoi(s.vals["chat-max-concurrent"])
	tasks, _ := strconv.Atoi(s.vals["concurrency"])
	if tasks <= n {
		add("--concurrency %d must be above --chat-max-concurrent %d", tasks, n)
	}
	need := resource.MustParse(fmt.Sprintf("%dMi", chromiumMiB+n*conversationMiB+workerProcessMiB))
	mem := pod.Containers[0].Resources.Requests[corev1.ResourceMemory]
	if mem.Cmp(need) < 0 {
		add("memory request %s is below %s: Chromium %d MiB + %d conversations × %d MiB + %d MiB", mem.String(), need.String(),
			chromiumMiB, n, conversationMiB, workerProcessMiB)
	}
	if lim := pod.Containers[0].Resources.Limits[corev1.ResourceMemory]; lim.Cmp(mem) <= 0 {
		add("memory limit %s leaves no room above the request %s for the peaks of loading pages", lim.String(), mem.String())
	}
	if !mountedFrom(pod, "/dev/shm", "emptyDir") {
		add("/dev/shm is the runtime's 64 MB: mount an emptyDir of medium Memory")
	}
	return problems
}

// checkSelectors: every Service and PodDisruptionBudget selects exactly one Deployment's
// pods, every Deployment has a budget and a Service, and a Service's target port is a
// port of those pods.
func checkSelectors(objs *kubeObjects) []string {
	var problems []string
	selects := func(where string, sel map[string]string) *appsv1.Deployment {
		var found []*appsv1.Deployment
		for _, d := range objs.deployments {
			if len(sel) > 0 && labels.SelectorFromSet(sel).Matches(labels.Set(d.Spec.Template.Labels)) {
				found = append(found, d)
			}
		}
		if len(found) != 1 {
			problems = append(problems, fmt.Sprintf("%s: selector %v matches %d Deployments, want 1", where, sel, len(found)))
			return nil
		}
		return found[0]
	}
	budgets, services := map[string]bool{}, map[string]bool{}
	for _, p := range objs.pdbs {
		where := "PodDisruptionBudget/" + p.Name
		if p.Spec.Selector == nil || len(p.Spec.Selector.MatchExpressions) > 0 {
			problems = append(problems, where+": want a selector of matchLabels")
			continue
		}
		if d := selects(where, p.Spec.Selector.MatchLabels); d != nil {
			budgets[d.Name] = true
		}
	}
	for _, s := range objs.services {
		where := "Service/" + s.Name
		d := selects(where, s.Spec.Selector)
		if d == nil {
			continue
		}
		services[d.Name] = true
		for _, sp := range s.Spec.Ports {
			if !slices.ContainsFunc(d.Spec.Template.Spec.Containers[0].Ports, func(p corev1.ContainerPort) bool {
				return sp.TargetPort.String() == p.Name || sp.TargetPort.IntValue() == int(p.ContainerPort)
			}) {
				problems = append(problems, fmt.Sprintf("%s: target port %s is no port of Deployment/%s", where, sp.TargetPort.String(), d.Name))
			}
		}
	}
	for _, d := range objs.deployments {
		if !budgets[d.Name] {
			problems = append(problems, fmt.Sprintf("Deployment/%s: no PodDisruptionBudget", d.Name))
		}
		if !services[d.Name] {
			problems = append(problems, fmt.Sprintf("Deployment/%s: no Service for its metrics", d.Name))
		}
		if sel := d.Spec.Selector; sel == nil || !labels.SelectorFromSet(sel.MatchLabels).Matches(labels.Set(d.Spec.Template.Labels)) {
			problems = append(problems, fmt.Sprintf("Deployment/%s: its selector does not match its pods", d.Name))
		}
	}
	return problems
}

// checkHPAs: every HPA scales a worker Deployment on the backlog of a queue it serves,
// a metric of the adapter rule in hpa.yaml, made of a series the schedulers export.
func checkHPAs(objs *kubeObjects, sets map[string]setting) []string {
	var problems []string
	if !slices.Contains(metrics.QueueMetricNames, backlogSourceQuery) {
		problems = append(problems, backlogSourceQuery+" (the adapter rule's series) is not a queue metric stakeout exports")
	}
	for _, h := range objs.hpas {
		where := "HorizontalPodAutoscaler/" + h.Name
		ref := h.Spec.ScaleTargetRef
		s, ok := sets[ref.Name]
		if ref.Kind != "Deployment" || ref.APIVersion != "apps/v1" || !ok {
			problems = append(problems, fmt.Sprintf("%s: scales %s %s/%s, which is not a Deployment here", where, ref.APIVersion, ref.Kind, ref.Name))
			continue
		}
		if len(h.Spec.Metrics) == 0 {
			problems = append(problems, where+": no metric")
		}
		for _, m := range h.Spec.Metrics {
			if m.Type != autoscalingv2.ExternalMetricSourceType || m.External == nil || m.External.Metric.Name != backlogMetric ||
				m.External.Metric.Selector == nil {
				problems = append(problems, fmt.Sprintf("%s: want External metrics %s{queue=...}", where, backlogMetric))
				continue
			}
			if q := m.External.Metric.Selector.MatchLabels["queue"]; !slices.Contains(served(s), q) {
				problems = append(problems, fmt.Sprintf("%s: scales on queue %q, which Deployment/%s does not serve", where, q, ref.Name))
			}
		}
	}
	return problems
}

// checkCampaigns: every campaign of the ConfigMap (the .sample too) passes the campaign
// parser, and the password files it names are keys of the mailbox Secret.
func checkCampaigns(objs *kubeObjects) []string {
	var problems []string
	cm := objs.configMaps["stakeout-campaigns"]
	mailboxes := objs.secrets["stakeout-mailboxes"]
	if cm == nil || mailboxes == nil {
		return []string{"no ConfigMap stakeout-campaigns or no Secret stakeout-mailboxes"}
	}
	for _, key := range slices.Sorted(maps.Keys(cm.Data)) {
		if ext := filepath.Ext(key); ext != ".yaml" && ext != ".yml" && ext != ".sample" {
			problems = append(problems, fmt.Sprintf("ConfigMap/%s: %s: neither a campaign (.yaml, .yml) nor a .sample", cm.Name, key))
			continue
		}
		c, err := campaign.Parse(key, []byte(cm.Data[key]))
		if err != nil {
			problems = append(problems, fmt.Sprintf("ConfigMap/%s: %v", cm.Name, err))
			continue
		}
		for _, mb := range c.Mailboxes {
			for _, f := range []string{mb.SMTP.PasswordFile, mb.IMAP.PasswordFile} {
				if _, ok := mailboxes.StringData[f]; f != "" && !ok {
					problems = append(problems, fmt.Sprintf("ConfigMap/%s: %s: mailbox %s: password_file %s is no key of Secret/%s",
						cm.Name, key, mb.ID, f, mailboxes.Name))
				}
			}
		}
	}
	return problems
}

// The checks catch each kind of mistake, each named where it is.
func TestKubeCheckerReportsProblems(t *testing.T) {
	rendered := renderKube(t)
	c := newKubeChecker(t)
	c.imageUser = "10001:10001" // the manifests' user, whatever deploy/Dockerfile says now
	deployment := func(o *kubeObjects, name string) *appsv1.Deployment {
		i := slices.IndexFunc(o.deployments, func(d *appsv1.Deployment) bool { return d.Name == name })
		return o.deployments[i]
	}
	container := func(o *kubeObjects, name string) *corev1.Container {
		return &deployment(o, name).Spec.Template.Spec.Containers[0]
	}
	setArg := func(ctr *corev1.Container, old, new string) {
		i := slices.IndexFunc(ctr.Args, func(a string) bool { return strings.HasPrefix(a, old) })
		if new == "" {
			ctr.Args = slices.Delete(ctr.Args, i, i+1)
		} else {
			ctr.Args[i] = new
		}
	}
	const chat, email, sched = "stakeout-chat-worker", "stakeout-email-worker", "stakeout-scheduler"
	for _, tc := range []struct {
		name   string
		change func(o *kubeObjects)
		want   string
	}{
		{"unknown flag", func(o *kubeObjects) { setArg(container(o, chat), "--queues", "--queue=chat=1") },
			"Deployment/stakeout-chat-worker: --queue=chat=1: stakeout worker has no such flag"},
		{"switch with a value", func(o *kubeObjects) { setArg(container(o, chat), "--no-email", "--no-email=true") },
			"Deployment/stakeout-chat-worker: --no-email=true: write --no-email for a switch, --no-email=VALUE otherwise"},
		{"bad duration", func(o *kubeObjects) { setArg(container(o, email), "--shutdown-timeout", "--shutdown-timeout=21") },
			`Deployment/stakeout-email-worker: --shutdown-timeout=21: time: missing unit in duration "21"`},
		{"grace period too short", func(o *kubeObjects) { setArg(container(o, email), "--shutdown-timeout", "--shutdown-timeout=30m") },
			"Deployment/stakeout-email-worker: terminationGracePeriodSeconds must be above --shutdown-timeout 30m0s"},
		{"unknown variable", func(o *kubeObjects) {
			container(o, chat).Env = append(container(o, chat).Env, corev1.EnvVar{Name: "STAKEOUT_CHROMIUM_SANDBOX", Value: "0"})
		}, "Deployment/stakeout-chat-worker: STAKEOUT_CHROMIUM_SANDBOX: stakeout worker reads no such variable"},
		{"unknown variable in the Secret", func(o *kubeObjects) { o.secrets["stakeout-env"].StringData["STAKEOUT_REDIS"] = "x" },
			"Deployment/stakeout-scheduler: STAKEOUT_REDIS (Secret stakeout-env): stakeout scheduler reads no such variable"},
		{"metrics on loopback", func(o *kubeObjects) { setArg(container(o, sched), "--metrics-addr", "") },
			`Deployment/stakeout-scheduler: --metrics-addr "127.0.0.1:9464": want :PORT (the kubelet and Prometheus reach the pod's IP)`},
		{"probe path", func(o *kubeObjects) { container(o, sched).ReadinessProbe.HTTPGet.Path = "/health" },
			"Deployment/stakeout-scheduler: readinessProbe: path /health, want /healthz"},
		{"image user", func(o *kubeObjects) { *deployment(o, sched).Spec.Template.Spec.SecurityContext.RunAsUser = 999 },
			"Deployment/stakeout-scheduler: runAsUser/runAsGroup are not the image's USER 10001:10001 (deploy/Dockerfile)"},
		{"writable root", func(o *kubeObjects) { *container(o, email).SecurityContext.ReadOnlyRootFilesystem = false },
			"Deployment/stakeout-email-worker: container worker: want readOnlyRootFilesystem, no privilege escalation, capabilities drop [ALL]"},
		{"queues", func(o *kubeObjects) { container(o, email).Args = append(container(o, email).Args, "--no-results") },
			`Deployment/stakeout-email-worker: serves queues ["email"], want ["alerts" "email" "results" "scoring"]`},
		{"chat memory", func(o *kubeObjects) {
			container(o, chat).Resources.Requests[corev1.ResourceMemory] = resource.MustParse("512Mi")
		}, "Deployment/stakeout-chat-worker: memory request 512Mi is below 687Mi: Chromium 187 MiB + 20 conversations × 20 MiB + 100 MiB"},
		{"budget selector", func(o *kubeObjects) { o.pdbs[1].Spec.Selector.MatchLabels["app.kubernetes.io/component"] = "chat" },
			"PodDisruptionBudget/stakeout-chat-worker: selector map[app.kubernetes.io/component:chat app.kubernetes.io/name:stakeout] matches 0 Deployments, want 1"},
		{"HPA target", func(o *kubeObjects) { o.hpas[1].Spec.ScaleTargetRef.Name = "stakeout-email-workers" },
			"HorizontalPodAutoscaler/stakeout-email-worker: scales apps/v1 Deployment/stakeout-email-workers, which is not a Deployment here"},
		{"HPA queue", func(o *kubeObjects) {
			o.hpas[0].Spec.Metrics[0].External.Metric.Selector.MatchLabels["queue"] = "email"
		},
			`HorizontalPodAutoscaler/stakeout-chat-worker: scales on queue "email", which Deployment/stakeout-chat-worker does not serve`},
		{"password file", func(o *kubeObjects) { delete(o.secrets["stakeout-mailboxes"].StringData, "shopper-1") },
			"ConfigMap/stakeout-campaigns: example.yaml.sample: mailbox shopper-1: password_file shopper-1 is no key of Secret/stakeout-mailboxes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			objs := decodeKube(t, rendered)
			tc.change(objs)
			got := c.check(objs)
			if !slices.Contains(got, tc.want) {
				t.Errorf("problems:\n%s\nwant among them:\n%s", strings.Join(got, "\n"), tc.want)
			}
		})
	}
}
