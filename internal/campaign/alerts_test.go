package campaign

import (
	"testing"
	"time"

	"github.com/stakeoutcx/stakeout/internal/detect"
)

var alertsCases = []badCase{
	{
		name: "parameters out of range, unknown, wrong kind",
		src: okID + okSchedule + okScenario + okTargets +
			"alerts:\n  window: 1\n  latency_threshold: 2\n  latency_clear: 3\n  cooldown: soon\n  stoped_after: 3\n  enabled: maybe\n",
		want: []string{
			"f.yaml:7: alerts.window: 1 is outside 2..1000",
			"f.yaml:9: alerts.latency_clear: 3 is not below latency_threshold 2",
			`f.yaml:10: alerts.cooldown: "soon" is not a duration (want e.g. 90s, 15m, 2h30m or 3d)`,
			`f.yaml:11: alerts.stoped_after: unknown field "stoped_after" (did you mean "stopped_after"?)`,
			`f.yaml:12: alerts.enabled: want true or false, got "maybe"`,
		},
	},
}

func TestParseBadAlerts(t *testing.T) { runBadCases(t, alertsCases) }

func TestParseAlerts(t *testing.T) {
	c, err := Parse("f.yaml", []byte(okID+okSchedule+okScenario+okTargets+"alerts:\n  window: 12\n  cooldown: 6h\n  stopped_after: 4\n"))
	if err != nil {
		t.Fatal(err)
	}
	a := c.Alerts
	if !a.On() || a.Window != 12 || a.Cooldown != detect.Duration(6*time.Hour) || a.StoppedAfter != 4 || a.BaselineDays != 0 {
		t.Errorf("alerts = %+v", a)
	}
	off, err := Parse("f.yaml", []byte(okID+okSchedule+okScenario+okTargets+"alerts: {enabled: false}\n"))
	if err != nil || off.Alerts.On() {
		t.Errorf("alerts: {enabled: false} = %+v, %v", off.Alerts, err)
	}
}
