package browser

// Reasons a Pool gives Metrics.Restarted for starting a Chromium.
const (
	// RestartStart is the pool's first Chromium.
	RestartStart = "start"
	// RestartRecycled replaces a Chromium that served Options.RestartAfter tabs.
	RestartRecycled = "recycled"
	// RestartCrashed replaces a Chromium that died or lost its connection.
	RestartCrashed = "crashed"
	// RestartUnresponsive replaces a Chromium that did not close a tab in time.
	RestartUnresponsive = "unresponsive"
)

// RestartReasons lists every reason Metrics.Restarted may be given.
var RestartReasons = []string{RestartStart, RestartRecycled, RestartCrashed, RestartUnresponsive}

// Metrics receives what a Pool does, for its metrics (metrics.Browser implements it).
// Its methods must be safe for concurrent use and return quickly; the pool may call
// them with its lock held.
type Metrics interface {
	// SetCapacity is called by New with the number of tabs the pool holds at once.
	SetCapacity(n int)
	// AddInUse is called with +1 when an Acquire takes a slot (a tab open or being
	// opened) and with -1 when the slot is freed.
	AddInUse(delta int)
	// Restarted is called when a Chromium has started, with the reason it was started
	// (one of RestartReasons). A start after a failed one keeps the reason of the
	// first attempt.
	Restarted(reason string)
	// StartFailed is called when a Chromium could not be started.
	StartFailed()
}

// noMetrics is the Metrics of a Pool without Options.Metrics.
type noMetrics struct{}

func (noMetrics) SetCapacity(int)  {}
func (noMetrics) AddInUse(int)     {}
func (noMetrics) Restarted(string) {}
func (noMetrics) StartFailed()     {}

// restartReason says why g must be replaced (needsRestart(g) holds). Lock held.
func restartReason(g *generation) string {
	switch {
	case g == nil:
		return RestartStart
	case g.broken:
		return RestartUnresponsive
	case !g.alive():
		return RestartCrashed
	default:
		return RestartRecycled
	}
}
