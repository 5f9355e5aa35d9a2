package alerting

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stakeoutcx/stakeout/internal/amproc"
)

const exampleConfig = "../../deploy/alertmanager/alertmanager.yml"

// amtool finds Debian's amtool (package prometheus-alertmanager), failing the test
// without it.
func amtool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("amtool")
	if err != nil {
		t.Fatalf("amtool not found: install the Debian package prometheus-alertmanager (%v)", err)
	}
	return p
}

// The example configuration is valid, and routes each client only its own alerts.
func TestExampleConfigRoutes(t *testing.T) {
	tool := amtool(t)
	if out, err := exec.Command(tool, "check-config", exampleConfig).CombinedOutput(); err != nil {
		t.Fatalf("amtool check-config %s: %v\n%s", exampleConfig, err, out)
	}
	for _, tt := range []struct {
		labels []string
		want   string
	}{
		{[]string{"alertname=StakeoutResponseTimeDegraded", "client=acme-corp", "kind=latency", "severity=warning"}, "acme-corp"},
		{[]string{"alertname=StakeoutStoppedAnswering", "client=acme-corp", "kind=stopped_answering", "severity=critical"}, "operators,acme-corp"},
		{[]string{"alertname=StakeoutResponseRateDropped", "client=globex", "kind=response_rate", "severity=warning"}, "globex"},
		{[]string{"alertname=StakeoutSLABreached", "client=initech", "kind=sla_breach", "severity=warning"}, "operators"},
		{[]string{"alertname=StakeoutRedisUnreachable", "severity=critical"}, "operators"},
	} {
		args := append([]string{"config", "routes", "test", "--config.file=" + exampleConfig}, tt.labels...)
		out, err := exec.Command(tool, args...).Output()
		if err != nil {
			t.Errorf("amtool %s: %v", strings.Join(args, " "), err)
			continue
		}
		if got := strings.TrimSpace(string(out)); got != tt.want {
			t.Errorf("alert %v goes to %q, want %q", tt.labels, got, tt.want)
		}
	}
}

// The demo's and tests' private Alertmanager needs the same binary package.
func TestAlertmanagerInstalled(t *testing.T) {
	if _, err := amproc.Find(""); err != nil {
		t.Fatal(err)
	}
}
