package deploy

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"

	"github.com/stakeoutcx/stakeout/internal/campaign"
	"github.com/stakeoutcx/stakeout/internal/sim"
)

// Files of the compose stack, from this directory.
const (
	composeRoot = ".."
	composeFile = "../docker-compose.yml"
)

// composeProfiles are the profile sets the stack is checked with: the default stack
// and the demo (docker compose --profile demo up).
var composeProfiles = map[string][]string{"default": nil, "demo": {"demo"}}

// TestCompose loads docker-compose.yml with the compose-spec loader (the library docker
// compose is built on), with and without the demo profile, and checks it against the
// repository: images, mounted files, volumes, the campaigns the scheduler reads, the
// simulator's config, worker shutdown and dependencies, and that Prometheus scrapes every
// replica of every stakeout service. When the docker CLI has the compose plugin, it also
// runs docker compose config -q on both.
func TestCompose(t *testing.T) {
	for name, profiles := range composeProfiles {
		t.Run(name, func(t *testing.T) {
			p := loadCompose(t, profiles)
			checkComposeImages(t, p)
			checkComposeMounts(t, p)
			checkComposeVolumes(t, p)
			checkComposeScheduler(t, p)
			checkComposeWorkers(t, p)
			checkComposeScrapes(t, p)
			if slices.Contains(profiles, "demo") {
				checkComposeSim(t, p)
			}
		})
	}
	t.Run("docker compose config", dockerComposeConfigQ)
}

// loadCompose loads the stack with profiles, with an environment of its own (the
// documented defaults apply, whatever the developer's shell has).
func loadCompose(t *testing.T, profiles []string) *types.Project {
	t.Helper()
	root, err := filepath.Abs(composeRoot)
	if err != nil {
		t.Fatal(err)
	}
	opts, err := cli.NewProjectOptions([]string{filepath.Join(root, "docker-compose.yml")},
		cli.WithWorkingDirectory(root), cli.WithEnv([]string{}), cli.WithProfiles(profiles), cli.WithResolvedPaths(true))
	if err != nil {
		t.Fatalf("compose options: %v", err)
	}
	p, err := cli.ProjectFromOptions(context.Background(), opts)
	if err != nil {
		t.Fatalf("load %s with profiles %v: %v", composeFile, profiles, err)
	}
	return p
}

// composeStakeout are the services that run the stakeout image, by subcommand.
func composeStakeout(p *types.Project, subcommand string) []types.ServiceConfig {
	var out []types.ServiceConfig
	for _, name := range p.ServiceNames() {
		s := p.Services[name]
		if s.Build != nil && len(s.Command) > 0 && s.Command[0] == subcommand {
			out = append(out, s)
		}
	}
	return out
}

func checkComposeImages(t *testing.T, p *types.Project) {
	t.Helper()
	for _, name := range p.ServiceNames() {
		s := p.Services[name]
		if s.Image == "" && s.Build == nil {
			t.Errorf("service %s: neither image nor build", name)
		}
		if s.Build != nil {
			df := s.Build.Dockerfile
			if !filepath.IsAbs(df) {
				df = filepath.Join(s.Build.Context, df)
			}
			if !composeIsFile(df) {
				t.Errorf("service %s: Dockerfile %s does not exist", name, df)
			}
		}
	}
}

// checkComposeMounts checks that every bind mount names a path of the repository that exists.
func checkComposeMounts(t *testing.T, p *types.Project) {
	t.Helper()
	root, _ := filepath.Abs(composeRoot)
	for _, name := range p.ServiceNames() {
		for _, v := range p.Services[name].Volumes {
			if v.Type != types.VolumeTypeBind {
				continue
			}
			rel, err := filepath.Rel(root, v.Source)
			if err != nil || strings.HasPrefix(rel, "..") {
				t.Errorf("service %s: mount %s is outside the repository", name, v.Source)
				continue
			}
			if _, err := os.Stat(v.Source); err != nil {
				t.Errorf("service %s: mount source %s: %v", name, rel, err)
			}
		}
	}
}

// checkComposeVolumes checks that every named volume a service mounts is declared.
func checkComposeVolumes(t *testing.T, p *types.Project) {
	t.Helper()
	for _, name := range p.ServiceNames() {
		for _, v := range p.Services[name].Volumes {
			if v.Type != types.VolumeTypeVolume {
				continue
			}
			if _, ok := p.Volumes[v.Source]; !ok {
				t.Errorf("service %s: volume %q is not declared under volumes:", name, v.Source)
			}
		}
	}
}

// checkComposeScheduler checks that the campaigns directory the scheduler reads is mounted and
// holds campaign files only, each of them valid.
func checkComposeScheduler(t *testing.T, p *types.Project) {
	t.Helper()
	ss := composeStakeout(p, "scheduler")
	if len(ss) != 1 {
		t.Fatalf("%d scheduler services, want 1", len(ss))
	}
	s := ss[0]
	dir := composeFlag(s.Command, "--campaigns")
	if dir == "" {
		t.Fatalf("scheduler: no --campaigns in %q", s.Command)
	}
	src := composeMount(s, dir)
	if src == "" {
		t.Fatalf("scheduler: --campaigns %s is not a mounted directory", dir)
	}
	if filepath.Base(src) == "examples" {
		t.Errorf("scheduler: campaigns from %s, which holds simulator configs too", src)
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		f := filepath.Join(src, e.Name())
		if ext := filepath.Ext(e.Name()); e.IsDir() || (ext != ".yaml" && ext != ".yml") {
			continue
		}
		n++
		if _, err := campaign.Load(f); err != nil {
			t.Errorf("scheduler campaign %s: %v", e.Name(), err)
		}
	}
	if n == 0 {
		t.Errorf("scheduler: no campaign in %s", src)
	}
}

// checkComposeWorkers checks the worker services: each waits for healthy Redis and PostgreSQL
// and gets more time to stop than its --shutdown-timeout.
func checkComposeWorkers(t *testing.T, p *types.Project) {
	t.Helper()
	ws := composeStakeout(p, "worker")
	if len(ws) == 0 {
		t.Fatal("no worker service")
	}
	for _, s := range append(ws, composeStakeout(p, "scheduler")...) {
		for _, dep := range []string{"redis", "postgres"} {
			if d, ok := s.DependsOn[dep]; !ok || d.Condition != types.ServiceConditionHealthy {
				t.Errorf("service %s: depends_on %s = %+v, want condition service_healthy", s.Name, dep, d)
			}
		}
	}
	for _, s := range ws {
		timeout := 21 * time.Minute // the worker's default
		if v := composeFlag(s.Command, "--shutdown-timeout"); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				t.Errorf("service %s: --shutdown-timeout %q: %v", s.Name, v, err)
				continue
			}
			timeout = d
		}
		if s.StopGracePeriod == nil || time.Duration(*s.StopGracePeriod) <= timeout {
			t.Errorf("service %s: stop_grace_period %v, want above --shutdown-timeout %v", s.Name, s.StopGracePeriod, timeout)
		}
	}
}

// composePromConfig is the part of prometheus.yml the stack check reads.
type composePromConfig struct {
	ScrapeConfigs []struct {
		JobName       string           `yaml:"job_name"`
		StaticConfigs []map[string]any `yaml:"static_configs"`
		DNSSDConfigs  []struct {
			Names []string `yaml:"names"`
			Type  string   `yaml:"type"`
			Port  int      `yaml:"port"`
		} `yaml:"dns_sd_configs"`
	} `yaml:"scrape_configs"`
}

// checkComposeScrapes checks that the Prometheus of the stack finds every stakeout scheduler and
// worker by DNS (so every replica of a scaled service), by their compose names and on
// their metrics port.
func checkComposeScrapes(t *testing.T, p *types.Project) {
	t.Helper()
	prom, ok := p.Services["prometheus"]
	if !ok {
		t.Fatal("no prometheus service")
	}
	file := composeMount(prom, "/etc/prometheus/prometheus.yml")
	if file == "" {
		t.Fatal("prometheus: /etc/prometheus/prometheus.yml is not mounted")
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var c composePromConfig
	if err := yaml.Unmarshal(data, &c); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	var want []string
	for _, sub := range []string{"scheduler", "worker"} {
		for _, s := range composeStakeout(p, sub) {
			want = append(want, s.Name)
			if addr := s.Environment["STAKEOUT_METRICS_ADDR"]; addr == nil || *addr != ":9464" {
				t.Errorf("service %s: STAKEOUT_METRICS_ADDR %v, want :9464", s.Name, addr)
			}
		}
	}
	var got []string
	for _, sc := range c.ScrapeConfigs {
		if sc.JobName != "stakeout" {
			continue
		}
		if len(sc.StaticConfigs) > 0 {
			t.Errorf("job stakeout has static_configs: a scaled service would be scraped once")
		}
		for _, d := range sc.DNSSDConfigs {
			if d.Type != "A" || d.Port != 9464 {
				t.Errorf("job stakeout: dns_sd_configs type %q port %d, want A and 9464", d.Type, d.Port)
			}
			got = append(got, d.Names...)
		}
	}
	slices.Sort(want)
	slices.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("job stakeout dns_sd_configs names vs compose stakeout services (-want +got):\n%s", diff)
	}
}

// checkComposeSim checks the simulator of the demo profile: its config loads, and the
// environment variables its mailboxes take their passwords from are set.
func checkComposeSim(t *testing.T, p *types.Project) {
	t.Helper()
	ss := composeStakeout(p, "sim")
	if len(ss) != 1 {
		t.Fatalf("%d sim services with the demo profile, want 1", len(ss))
	}
	s := ss[0]
	if len(s.Command) != 2 {
		t.Fatalf("sim: command %q, want sim CONFIG", s.Command)
	}
	file := composeMount(s, s.Command[1])
	if file == "" {
		t.Fatalf("sim: config %s is not mounted", s.Command[1])
	}
	cfg, err := sim.Load(file)
	if err != nil {
		t.Fatalf("sim config: %v", err)
	}
	for _, m := range cfg.Mailboxes {
		if m.PasswordEnv == "" {
			continue
		}
		if v := s.Environment[m.PasswordEnv]; v == nil || *v == "" {
			t.Errorf("sim: mailbox %s takes its password from %s, which the service does not set", m.Address, m.PasswordEnv)
		}
	}
}

// dockerComposeConfigQ runs docker compose config -q on the stack, with and without the
// demo profile, when the docker CLI has the compose plugin; it needs no daemon.
func dockerComposeConfigQ(t *testing.T) {
	docker, err := exec.LookPath("docker")
	if err != nil {
		t.Log("no docker CLI: docker compose config not run (the compose-go checks above ran)")
		return
	}
	if out, err := exec.Command(docker, "compose", "version").CombinedOutput(); err != nil {
		t.Logf("docker compose version: %v (%s): no compose plugin, docker compose config not run (the compose-go checks above ran)",
			err, strings.TrimSpace(string(out)))
		return
	}
	for name, profiles := range composeProfiles {
		args := []string{"compose", "-f", "docker-compose.yml"}
		for _, pr := range profiles {
			args = append(args, "--profile", pr)
		}
		args = append(args, "config", "-q")
		cmd := exec.Command(docker, args...)
		cmd.Dir = composeRoot
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s: docker %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
	}
}

// composeFlag returns the value of flag in args (--flag VALUE or --flag=VALUE), or "".
func composeFlag(args []string, flag string) string {
	for i, a := range args {
		if v, ok := strings.CutPrefix(a, flag+"="); ok {
			return v
		}
		if a == flag && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

// composeMount returns the host path mounted at target, or at the directory holding it
// (the path of target inside that mount), or "" when nothing is mounted there.
func composeMount(s types.ServiceConfig, target string) string {
	for _, v := range s.Volumes {
		if v.Type != types.VolumeTypeBind {
			continue
		}
		if v.Target == target {
			return v.Source
		}
		if rel, ok := strings.CutPrefix(target, strings.TrimSuffix(v.Target, "/")+"/"); ok {
			return filepath.Join(v.Source, rel)
		}
	}
	return ""
}

func composeIsFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}
