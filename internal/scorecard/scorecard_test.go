package scorecard

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stakeoutcx/stakeout/internal/result"
)

func TestBuildAndWrite(t *testing.T) {
	s := func(v float64) *float64 { return &v }
	rs := []result.Result{
		{Target: "acme", Channel: "email", Outcome: result.Answered, HumanResponseS: s(30)},
		{Target: "acme", Channel: "email", Outcome: result.Answered, HumanResponseS: s(10)},
		{Target: "acme", Channel: "email", Outcome: result.Answered, HumanResponseS: s(20)},
		{Target: "acme", Channel: "email", Outcome: result.AutoOnly},
		{Target: "acme", Channel: "email", Outcome: result.Failed, Reason: result.ReasonSMTPRejected},
		{Target: "globex", Channel: "email", Outcome: result.NoResponse},
	}
	rows := Build(rs)
	if len(rows) != 2 || rows[0].Target != "acme" || rows[0].Scored() != 4 || rows[0].ResponseRate() != 0.75 {
		t.Fatalf("Build = %+v, want acme with 4 scored probes and a 75%% response rate", rows)
	}
	if got := []float64{rows[0].Quantile(0.5), rows[0].Quantile(0.9)}; !cmp.Equal(got, []float64{20, 30}) {
		t.Errorf("median, p90 = %v, want [20 30]", got)
	}
	var b strings.Builder
	if err := Write(&b, rows); err != nil {
		t.Fatal(err)
	}
	want := `TARGET  CHANNEL  PROBES  RESPONSE RATE  AUTO ONLY  NO RESPONSE  FAILED  HUMAN MEDIAN  HUMAN P90
acme    email    5       75%            1          0            1       20s           30s
globex  email    1       0%             0          1            0       -             -
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("Write (-want +got):\n%s", diff)
	}
}
