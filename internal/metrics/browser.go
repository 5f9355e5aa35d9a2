package metrics

import "github.com/prometheus/client_golang/prometheus"

// BrowserRestartReasons are the reasons of stakeout_browser_restarts_total, as the
// browser pool reports them (probes/chat/browser): start (the pool's first Chromium),
// recycled (the last one served its --chat-restart-after tabs), crashed (it died or lost
// its connection), unresponsive (it did not close a tab in time). Each is exported from
// 0 on, so that rules see the first restart.
var BrowserRestartReasons = []string{"start", "recycled", "crashed", "unresponsive"}

// Browser holds the metrics of a worker's browser pool. It implements the pool's
// metrics hook (browser.Metrics); its methods are safe on a nil *Browser.
type Browser struct {
	// Restarts counts Chromium starts of the pool, by the reason of each.
	Restarts *prometheus.CounterVec
	// StartFailures counts starts of Chromium that failed.
	StartFailures prometheus.Counter
	// InUse is the number of tabs (conversations) open or being opened.
	InUse prometheus.Gauge
	// Capacity is the number of tabs the pool may hold at once.
	Capacity prometheus.Gauge
}

// NewBrowser creates the browser pool metrics and registers them on reg.
func NewBrowser(reg prometheus.Registerer) *Browser {
	m := &Browser{
		Restarts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "stakeout_browser_restarts_total", Help: "Chromium starts of this worker's browser pool, by reason (start: the first; recycled: the last served its tabs; crashed: it died; unresponsive: it did not close a tab in time).",
		}, []string{"reason"}),
		StartFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "stakeout_browser_start_failures_total", Help: "Starts of Chromium by this worker's browser pool that failed (retried by the next chat probe).",
		}),
		InUse: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "stakeout_browser_tabs_in_use", Help: "Browser tabs (chat conversations) of this worker open or being opened.",
		}),
		Capacity: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "stakeout_browser_tabs_capacity", Help: "Browser tabs this worker may hold at once (--chat-max-concurrent).",
		}),
	}
	for _, r := range BrowserRestartReasons {
		m.Restarts.WithLabelValues(r)
	}
	reg.MustRegister(m.Restarts, m.StartFailures, m.InUse, m.Capacity)
	return m
}

// SetCapacity sets stakeout_browser_tabs_capacity.
func (m *Browser) SetCapacity(n int) {
	if m != nil {
		m.Capacity.Set(float64(n))
	}
}

// AddInUse adds delta to stakeout_browser_tabs_in_use.
func (m *Browser) AddInUse(delta int) {
	if m != nil {
		m.InUse.Add(float64(delta))
	}
}

// Restarted counts a Chromium start for reason.
func (m *Browser) Restarted(reason string) {
	if m != nil {
		m.Restarts.WithLabelValues(reason).Inc()
	}
}

// StartFailed counts a failed start of Chromium.
func (m *Browser) StartFailed() {
	if m != nil {
		m.StartFailures.Inc()
	}
}
