package browser

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/systeminfo"
	"github.com/chromedp/chromedp"
)

// Timeouts of the browser's life cycle. They bound every wait of the pool, so
// that a hung Chromium can slow the pool down but never wedge it.
const (
	killTimeout      = 5 * time.Second
	removeDirTimeout = 5 * time.Second
)

// generation is one Chromium process and the tabs it served. The pool's mutex
// guards served, open, retiring and broken.
type generation struct {
	dir         string
	lock        *os.File // flock of dir, held while the browser lives (profiledir.go)
	pid         int      // the browser process
	pgid        int      // the process started, leader of the group
	allocCancel context.CancelFunc
	bctx        context.Context
	bcancel     context.CancelFunc
	lost        <-chan struct{}
	identity    *emulation.SetUserAgentOverrideParams // nil: tabs show the browser as it is

	served   int  // tabs handed out
	open     int  // tabs not closed yet
	retiring bool // served RestartAfter tabs: drain, then restart
	broken   bool // a tab could not be closed: restart at once
	drained  chan struct{}
	stopped  chan struct{} // closed when shutdown is over: processes gone, directory removed

	stopOnce sync.Once
	log      *slog.Logger
}

// allocatorOptions are the flags of every browser of the pool.
// disable-features stays as chromedp sets it: overriding it turns site
// isolation back on, and then the page cannot reach cross-origin iframes.
// Chromium runs in its sandbox unless noSandbox (see Options.NoSandbox).
func allocatorOptions(execPath, dir string, noSandbox bool) []chromedp.ExecAllocatorOption {
	return append(slices.Clone(chromedp.DefaultExecAllocatorOptions[:]),
		chromedp.ExecPath(execPath),
		chromedp.Headless,
		// chromedp adds --no-sandbox for root unless told otherwise.
		chromedp.Flag("no-sandbox", noSandbox),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-back-forward-cache", true),
		// navigator.webdriver false, as in a browser a person uses.
		chromedp.Flag("disable-blink-features", "AutomationControlled"),
		chromedp.UserDataDir(dir),
		chromedp.ModifyCmdFunc(func(cmd *exec.Cmd) {
			if cmd.SysProcAttr == nil {
				cmd.SysProcAttr = new(syscall.SysProcAttr)
			}
			// Its own group, so that one kill reaches every child;
			// killed with us if the worker dies.
			cmd.SysProcAttr.Setpgid = true
			cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
		}),
	)
}

// startGeneration starts a Chromium and runs a first action on it. The
// browser lives until shutdown; ctx and stop only bound the start.
func startGeneration(ctx, stop context.Context, execPath string, noSandbox bool, log *slog.Logger) (*generation, error) {
	dir, lock, err := newProfileDir()
	if err != nil {
		return nil, err
	}
	allocCtx, allocCancel := chromedp.NewExecAllocator(context.Background(), allocatorOptions(execPath, dir, noSandbox)...)
	bctx, bcancel := chromedp.NewContext(allocCtx,
		chromedp.WithErrorf(func(format string, args ...any) {
			log.Debug("chromium", "msg", fmt.Sprintf(format, args...))
		}))
	g := &generation{
		dir: dir, lock: lock, allocCancel: allocCancel, bctx: bctx, bcancel: bcancel,
		drained: make(chan struct{}), stopped: make(chan struct{}), log: log,
	}
	abort := func() { allocCancel() }
	stopCtx := context.AfterFunc(ctx, abort)
	stopStop := context.AfterFunc(stop, abort)
	err = chromedp.Do(bctx)
	ctxDone, stopDone := !stopCtx(), !stopStop()
	if err == nil && (ctxDone || stopDone) {
		err = errors.New("start aborted")
	}
	if err != nil {
		g.shutdown()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("starting chromium: %w", ctx.Err())
		}
		return nil, fmt.Errorf("starting chromium: %w", err)
	}
	b := chromedp.FromContext(bctx).Browser
	g.lost = b.LostConnection
	if p := b.Process(); p != nil {
		g.pgid, g.pid = p.Pid, p.Pid
	}
	// The binary may be a wrapper script that runs the browser as its child
	// (Debian's chromium-headless-shell does): ask the browser for its pid.
	if pid := browserPID(ctx, b); pid > 0 {
		g.pid = pid
	}
	var product string
	if g.identity, product, err = browserIdentity(ctx, b); err != nil {
		log.Warn("tabs will show chromium's own user agent", "err", err)
	}
	log.Info("chromium started", "path", execPath, "version", product, "pid", g.pid, "dir", dir, "sandbox", !noSandbox)
	go g.watch()
	return g, nil
}

// browserPID asks the browser for its own process id; 0 when it cannot say.
func browserPID(ctx context.Context, b *chromedp.Browser) int {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	res, err := cdp.Call(ctx, b, systeminfo.GetProcessInfo, cdp.Empty{})
	if err != nil {
		return 0
	}
	for _, p := range res.ProcessInfo {
		if p.Type == "browser" {
			return int(p.ID)
		}
	}
	return 0
}

// watch cleans up after a browser that crashed or was killed, without
// waiting for the next Acquire: its children and directory go at once.
func (g *generation) watch() {
	select {
	case <-g.lost:
		if g.bctx.Err() == nil {
			g.log.Warn("chromium lost", "pid", g.pid)
		}
		g.shutdown()
	case <-g.bctx.Done():
	}
}

// alive reports whether the browser still answers: its context runs and the
// connection to it is not lost. Call it with the pool's mutex held.
func (g *generation) alive() bool {
	if g.broken || g.bctx.Err() != nil {
		return false
	}
	select {
	case <-g.lost:
		return false
	default:
		return true
	}
}

// shutdown stops the browser. There is no graceful close: the profile is
// thrown away, so the process is killed at once. Then the process group and any process still using the
// user data directory are killed, and the directory is removed. It is safe to
// call more than once and from several goroutines.
func (g *generation) shutdown() {
	g.stopOnce.Do(func() {
		g.bcancel() // kills the browser process and waits for it

		g.allocCancel()
		if left := killAll(g.pgid, g.dir, killTimeout); len(left) > 0 {
			g.log.Error("chromium processes left after kill", "pids", left, "dir", g.dir)
		}
		if err := removeAllRetry(g.dir, removeDirTimeout); err != nil {
			g.log.Warn("removing chromium user data dir", "dir", g.dir, "err", err)
		}
		_ = g.lock.Close()
		g.log.Info("chromium stopped", "pid", g.pid)
		close(g.stopped)
	})
}
