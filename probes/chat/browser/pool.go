package browser

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
)

// ErrNotFound is returned by New when there is no Chromium binary to run.
var ErrNotFound = errors.New("chromium not found: install the Debian package chromium-headless-shell (apt-get install chromium-headless-shell), or chromium, or set STAKEOUT_CHROMIUM")

// ErrNoHeadlessShell is returned by HeadlessShell when Debian's
// chromium-headless-shell is not installed.
var ErrNoHeadlessShell = errors.New("chromium-headless-shell not found: install the Debian package chromium-headless-shell (apt-get install chromium-headless-shell)")

// ErrClosed is returned by Acquire after Close.
var ErrClosed = errors.New("browser pool closed")

// Defaults of Options.
const (
	DefaultMaxConcurrent = 4
	DefaultRestartAfter  = 200
	DefaultExecPath      = "/usr/bin/chromium"
)

// headlessShell is the binary of Debian's chromium-headless-shell. It is
// run directly: /usr/bin/chromium-headless-shell is a script that runs it as
// a child, so a signal to the process started would miss the browser. A
// variable so that a test can make it missing.
var headlessShell = "/usr/lib/chromium/chromium-headless-shell"

// Options configure a Pool. Zero values take the defaults.
type Options struct {
	// ExecPath is the Chromium binary. Default: $STAKEOUT_CHROMIUM, then
	// the headless shell (Debian's chromium-headless-shell), then chromium
	// on PATH, then /usr/bin/chromium. The headless shell is Chromium built
	// for automation, without the browser's UI: a conversation costs about a
	// quarter of the memory it costs in the full browser (docs/chat.md).
	ExecPath string
	// MaxConcurrent is how many tabs (conversations) may be open at once.
	// Default 4.
	MaxConcurrent int
	// RestartAfter is how many tabs one Chromium serves before the pool
	// drains it and starts a fresh one. Default 200.
	RestartAfter int
	// NoSandbox runs Chromium without its sandbox. Default false: sandboxed,
	// except when the worker runs as root, where Chromium cannot use its
	// sandbox, or when $STAKEOUT_CHROMIUM_NO_SANDBOX is 1 (for hosts without
	// unprivileged user namespaces; docs/chat.md weighs it).
	NoSandbox bool
	// Logger receives the pool's logs. Default: discard.
	Logger *slog.Logger
	// OnWaiting, when set, is called with the number of Acquire calls waiting
	// for a free slot each time it changes, from the goroutine of the Acquire
	// that changed it: it must return quickly. Tests wait on it instead of
	// polling Waiting. Default: none.
	OnWaiting func(waiting int)
	// Metrics, when set, is told of the pool's tabs and Chromium starts (see
	// Metrics). Default: none.
	Metrics Metrics
}

// Pool hands out isolated tabs of one shared headless Chromium. It is safe
// for use by several goroutines.
type Pool struct {
	execPath     string
	noSandbox    bool
	restartAfter int
	log          *slog.Logger

	slots chan struct{} // one element per open tab
	life  chan struct{} // held while a browser starts or stops
	stop  context.Context
	close context.CancelFunc

	waiting   atomic.Int32 // Acquire calls waiting for a slot
	onWaiting func(int)
	metrics   Metrics
	// why is the reason of the next start: set by restart while it holds life, kept
	// across a failed start.
	why string
	// onDrainWait, a test hook, is called when an Acquire starts waiting for
	// a retiring browser to drain.
	onDrainWait func()

	mu     sync.Mutex
	gen    *generation // current browser, nil before the first Acquire
	tabs   map[*Tab]struct{}
	closed bool
}

// New checks the options and returns a Pool. It does not start Chromium:
// the first Acquire does. It removes the user data directories that workers
// killed on this machine left behind (see profiledir.go).
func New(opts Options) (*Pool, error) {
	path, err := findChromium(opts.ExecPath)
	if err != nil {
		return nil, err
	}
	if opts.MaxConcurrent <= 0 {
		opts.MaxConcurrent = DefaultMaxConcurrent
	}
	if opts.RestartAfter <= 0 {
		opts.RestartAfter = DefaultRestartAfter
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Metrics == nil {
		opts.Metrics = noMetrics{}
	}
	opts.Metrics.SetCapacity(opts.MaxConcurrent)
	removeStaleProfiles(opts.Logger)
	stop, cancel := context.WithCancel(context.Background())
	return &Pool{
		execPath:     path,
		noSandbox:    opts.NoSandbox || os.Getenv("STAKEOUT_CHROMIUM_NO_SANDBOX") == "1" || os.Geteuid() == 0,
		restartAfter: opts.RestartAfter,
		log:          opts.Logger,
		slots:        make(chan struct{}, opts.MaxConcurrent),
		life:         make(chan struct{}, 1),
		stop:         stop,
		close:        cancel,
		tabs:         make(map[*Tab]struct{}),
		onWaiting:    opts.OnWaiting,
		metrics:      opts.Metrics,
	}, nil
}

// findChromium resolves the binary: the given path, $STAKEOUT_CHROMIUM,
// the headless shell, chromium-headless-shell or chromium on PATH,
// /usr/bin/chromium.
func findChromium(path string) (string, error) {
	if path == "" {
		path = os.Getenv("STAKEOUT_CHROMIUM")
	}
	if path == "" {
		if p, err := HeadlessShell(); err == nil {
			return p, nil
		}
		if p, err := exec.LookPath("chromium"); err == nil {
			return p, nil
		}
		path = DefaultExecPath
	}
	p, err := exec.LookPath(path)
	if err != nil {
		return "", fmt.Errorf("%w (tried %s)", ErrNotFound, path)
	}
	return p, nil
}

// HeadlessShell returns the path of the headless shell: the binary of Debian's
// chromium-headless-shell, else chromium-headless-shell on PATH. Unlike the
// default of Options.ExecPath it never falls back to the full browser: tests and
// benchmarks that measure the headless shell use it, and fail with
// ErrNoHeadlessShell, naming the package to install, when it is missing.
func HeadlessShell() (string, error) {
	for _, name := range []string{headlessShell, "chromium-headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", ErrNoHeadlessShell
}

// PID returns the process id of the current Chromium, or 0 when none runs.
func (p *Pool) PID() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.gen == nil || !p.gen.alive() {
		return 0
	}
	return p.gen.pid
}

// Waiting returns how many Acquire calls wait for a free slot now.
func (p *Pool) Waiting() int { return int(p.waiting.Load()) }

// Acquire waits for a free slot, starts or restarts Chromium when needed, and
// returns a Tab in a new browser context. ctx bounds the wait and the start
// only; the Tab lives until Tab.Close or Pool.Close.
func (p *Pool) Acquire(ctx context.Context) (*Tab, error) {
	p.addWaiting(1)
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		p.addWaiting(-1)
		return nil, fmt.Errorf("waiting for a browser slot: %w", ctx.Err())
	case <-p.stop.Done():
		p.addWaiting(-1)
		return nil, ErrClosed
	}
	p.addWaiting(-1)
	p.metrics.AddInUse(1)
	t, err := p.acquire(ctx)
	if err != nil {
		<-p.slots
		p.metrics.AddInUse(-1)
	}
	return t, err
}

// addWaiting counts d more Acquire calls waiting and tells OnWaiting.
func (p *Pool) addWaiting(d int32) {
	n := p.waiting.Add(d)
	if p.onWaiting != nil {
		p.onWaiting(int(n))
	}
}

// acquire is Acquire once the caller holds a slot.
func (p *Pool) acquire(ctx context.Context) (*Tab, error) {
	for {
		g, wait, err := p.pick()
		switch {
		case err != nil:
			return nil, err
		case g != nil:
			t, err := newTab(ctx, p, g)
			if err == nil {
				return t, nil
			}
			p.mu.Lock()
			p.forget(g)
			dead := !g.alive()
			p.mu.Unlock()
			if !dead || ctx.Err() != nil {
				return nil, err
			}
			p.log.Warn("chromium died while opening a tab, restarting", "pid", g.pid, "err", err)
		case wait != nil:
			if p.onDrainWait != nil {
				p.onDrainWait()
			}
			select {
			case <-wait:
			case <-ctx.Done():
				return nil, fmt.Errorf("waiting for chromium to drain: %w", ctx.Err())
			case <-p.stop.Done():
				return nil, ErrClosed
			}
		default:
			if err := p.restart(ctx); err != nil {
				return nil, err
			}
		}
	}
}

// pick looks at the current browser under the lock. It returns the browser
// with a tab counted on it, or a channel to wait on while it drains, or
// neither when the browser must be (re)started.
func (p *Pool) pick() (*generation, <-chan struct{}, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, nil, ErrClosed
	}
	g := p.gen
	if p.needsRestart(g) {
		return nil, nil, nil
	}
	if g.served >= p.restartAfter {
		g.retiring = true
		return nil, g.drained, nil
	}
	g.served++
	g.open++
	return g, nil, nil
}

// needsRestart reports whether g must be replaced now: it is missing or
// dead, or it served its tabs and they are all closed. Lock held.
func (p *Pool) needsRestart(g *generation) bool {
	return g == nil || !g.alive() || (g.served >= p.restartAfter && g.open == 0)
}

// forget undoes the count of one tab of g. Lock held.
func (p *Pool) forget(g *generation) {
	g.open--
	if g.retiring && g.open == 0 {
		close(g.drained)
	}
}

// restart stops the current browser if it still needs a restart and starts
// a new one. One goroutine at a time does it; the others wait (or give up
// with ctx) and then look again.
func (p *Pool) restart(ctx context.Context) error {
	select {
	case p.life <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("waiting for chromium to start: %w", ctx.Err())
	case <-p.stop.Done():
		return ErrClosed
	}
	defer func() { <-p.life }()

	p.mu.Lock()
	old := p.gen
	if p.closed || !p.needsRestart(old) {
		p.mu.Unlock()
		return nil // someone else did it; the caller looks again
	}
	if old != nil || p.why == "" {
		p.why = restartReason(old)
	}
	p.gen = nil
	p.mu.Unlock()
	if old != nil {
		old.shutdown()
	}

	g, err := startGeneration(ctx, p.stop, p.execPath, p.noSandbox, p.log)
	if err != nil {
		if ctx.Err() == nil && p.stop.Err() == nil { // not a caller giving up
			p.metrics.StartFailed()
		}
		return err
	}
	p.mu.Lock()
	closed := p.closed
	if !closed {
		p.gen = g
	}
	p.mu.Unlock()
	if closed {
		g.shutdown()
		return ErrClosed
	}
	p.metrics.Restarted(p.why)
	p.why = ""
	return nil
}

// Close closes every open tab, stops Chromium, and returns once no process
// of any browser of the pool is left. Acquire fails with ErrClosed after it.
func (p *Pool) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	p.close()
	tabs := make([]*Tab, 0, len(p.tabs))
	for t := range p.tabs {
		tabs = append(tabs, t)
	}
	p.mu.Unlock()

	var wg sync.WaitGroup
	for _, t := range tabs {
		wg.Go(func() { _ = t.Close() })
	}
	wg.Wait()

	p.life <- struct{}{} // wait for a start in progress; it sees closed
	defer func() { <-p.life }()
	p.mu.Lock()
	g := p.gen
	p.gen = nil
	p.mu.Unlock()
	if g != nil {
		g.shutdown()
	}
	return nil
}
