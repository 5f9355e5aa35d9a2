package metrics

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// The browser metrics export every restart reason from 0, and a nil *Browser is a
// valid hook that records nothing.
func TestBrowserMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewBrowser(reg)
	m.SetCapacity(4)
	m.AddInUse(1)
	m.AddInUse(1)
	m.AddInUse(-1)
	m.Restarted("start")
	m.Restarted("recycled")
	m.StartFailed()
	want := map[string]float64{"start": 1, "recycled": 1, "crashed": 0, "unresponsive": 0}
	got := map[string]float64{}
	for _, r := range BrowserRestartReasons {
		got[r] = testutil.ToFloat64(m.Restarts.WithLabelValues(r))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("restarts by reason (-want +got):\n%s", diff)
	}
	if in, capacity, failed := testutil.ToFloat64(m.InUse), testutil.ToFloat64(m.Capacity), testutil.ToFloat64(m.StartFailures); in != 1 || capacity != 4 || failed != 1 {
		t.Errorf("in use, capacity, start failures = %v, %v, %v; want 1, 4, 1", in, capacity, failed)
	}
	var none *Browser
	none.SetCapacity(1)
	none.AddInUse(1)
	none.Restarted("crashed")
	none.StartFailed()
}
