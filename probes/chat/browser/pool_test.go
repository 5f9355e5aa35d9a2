package browser

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

func TestNewMissingChromium(t *testing.T) {
	t.Setenv("STAKEOUT_CHROMIUM", "")
	for _, opts := range []Options{
		{ExecPath: "/nonexistent/chromium"},
		{ExecPath: filepath.Join(t.TempDir(), "chromium")},
	} {
		_, err := New(opts)
		if !errors.Is(err, ErrNotFound) {
			t.Fatalf("New(%+v) = %v, want ErrNotFound", opts, err)
		}
		if want := "install the Debian package chromium-headless-shell (apt-get install chromium-headless-shell)"; !strings.Contains(err.Error(), want) {
			t.Errorf("New(%+v) = %q, want it to contain %q", opts, err, want)
		}
	}
	t.Setenv("STAKEOUT_CHROMIUM", "/nonexistent/chromium")
	if _, err := New(Options{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("New with STAKEOUT_CHROMIUM=/nonexistent/chromium = %v, want ErrNotFound", err)
	}
}

func TestTabsAreIsolated(t *testing.T) {
	srv := pages(t)
	a, b := acquire(t, shared), acquire(t, shared)
	navigate(t, a, srv.URL+"/setcookie")
	navigate(t, b, srv.URL+"/")
	for _, tc := range []struct {
		name string
		tab  *Tab
		want string
	}{{"a", a, "probe=1"}, {"b", b, ""}} {
		got, err := run(tc.tab, chromedp.Evaluate[string]("document.cookie"))
		if err != nil {
			t.Fatalf("tab %s: document.cookie: %v", tc.name, err)
		}
		if got != tc.want {
			t.Errorf("tab %s: document.cookie = %q, want %q", tc.name, got, tc.want)
		}
	}
	// A later tab does not inherit the cookie either.
	if err := a.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	c := acquire(t, shared)
	navigate(t, c, srv.URL+"/")
	if got, err := run(c, chromedp.Evaluate[string]("document.cookie")); err != nil || got != "" {
		t.Errorf("new tab: document.cookie = %q, %v; want empty", got, err)
	}
}

func TestMaxConcurrent(t *testing.T) {
	waiting := make(chan int, 64)
	p := newPool(t, Options{MaxConcurrent: 2, OnWaiting: func(n int) {
		select {
		case waiting <- n:
		default: // never full: the test reads every event it causes
		}
	}})
	a := acquire(t, p)
	acquire(t, p)
	drain(waiting)

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if tab, err := p.Acquire(ctx); !errors.Is(err, context.DeadlineExceeded) {
		if tab != nil {
			tab.Close()
		}
		t.Fatalf("third Acquire = %v, want context.DeadlineExceeded", err)
	}
	drain(waiting)

	got := make(chan *Tab, 1)
	go func() {
		tab, err := p.Acquire(context.Background())
		if err != nil {
			t.Errorf("waiting Acquire: %v", err)
		}
		got <- tab
	}()
	if n := <-waiting; n != 1 {
		t.Fatalf("OnWaiting(%d), want 1: the third Acquire waits", n)
	}
	select {
	case <-got:
		t.Fatal("third Acquire returned while two tabs were open")
	default:
	}
	if err := a.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	select {
	case tab := <-got:
		if tab == nil {
			t.FailNow()
		}
		t.Cleanup(func() { tab.Close() })
		navigate(t, tab, "about:blank")
	case <-time.After(20 * time.Second):
		t.Fatal("third Acquire still blocked after a tab closed")
	}
}

func TestBrowserKilled(t *testing.T) {
	srv := pages(t)
	p := newPool(t, Options{})
	tab := acquire(t, p)
	navigate(t, tab, srv.URL+"/")
	pid, dir, group, stopped := p.PID(), p.currentDir(), p.currentGroup(), p.currentStopped()
	if pid == 0 {
		t.Fatal("PID() = 0 with a tab open")
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill %d: %v", pid, err)
	}
	if _, err := run(tab, chromedp.Navigate(srv.URL+"/")); err == nil {
		t.Fatal("Navigate on a tab of a killed browser succeeded")
	}
	// The pool cleans up after the dead browser without waiting for Acquire.
	select {
	case <-stopped:
	case <-time.After(time.Minute):
		t.Fatalf("the pool did not clean up after the killed browser")
	}
	if left := processesOf(group, dir); len(left) > 0 {
		t.Fatalf("processes of the killed browser still running: %v", left)
	}

	next := acquire(t, p)
	navigate(t, next, srv.URL+"/")
	if got := p.PID(); got == 0 || got == pid {
		t.Errorf("PID() after restart = %d, want a new pid (old %d)", got, pid)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("user data dir of the killed browser: %v, want it removed", err)
	}
	start := time.Now()
	if err := tab.Close(); err != nil {
		t.Errorf("Close of the dead tab: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Close of the dead tab took %s", d)
	}
}

func TestRestartAfter(t *testing.T) {
	p := newPool(t, Options{RestartAfter: 3})
	var pids []int
	var third *Tab
	for i := range 3 {
		tab := acquire(t, p)
		navigate(t, tab, "about:blank")
		pids = append(pids, p.PID())
		if i < 2 {
			tab.Close()
		} else {
			third = tab
		}
	}
	if pids[0] == 0 || pids[1] != pids[0] || pids[2] != pids[0] {
		t.Fatalf("pids of the first three tabs = %v, want one pid", pids)
	}

	got := make(chan *Tab, 1)
	draining := make(chan struct{}, 1)
	p.onDrainWait = func() { draining <- struct{}{} }
	go func() {
		tab, err := p.Acquire(context.Background())
		if err != nil {
			t.Errorf("fourth Acquire: %v", err)
		}
		got <- tab
	}()
	<-draining
	select {
	case <-got:
		t.Fatal("fourth Acquire returned before the browser drained")
	default:
	}
	third.Close()
	select {
	case tab := <-got:
		if tab == nil {
			t.FailNow()
		}
		t.Cleanup(func() { tab.Close() })
		navigate(t, tab, "about:blank")
		if pid := p.PID(); pid == 0 || pid == pids[0] {
			t.Errorf("fourth tab runs on pid %d, want a new one (old %d)", pid, pids[0])
		}
	case <-time.After(30 * time.Second):
		t.Fatal("fourth Acquire still blocked after the browser drained")
	}
}

// drain empties ch of what it holds now.
func drain[T any](ch chan T) {
	for {
		select {
		case <-ch:
		default:
			return
		}
	}
}

// binaries are the Chromium builds the pool runs: the headless shell (the
// default; its path is set by TestMain) and the full browser it falls back to.
var binaries = map[string]string{"headless-shell": "", "chromium": DefaultExecPath}

// Without the headless shell, HeadlessShell names the Debian package, and the
// default lookup falls back to the full browser.
func TestHeadlessShellMissing(t *testing.T) {
	defer func(p string) { headlessShell = p }(headlessShell)
	headlessShell = filepath.Join(t.TempDir(), "chromium-headless-shell")
	t.Setenv("PATH", t.TempDir())
	t.Setenv("STAKEOUT_CHROMIUM", "")
	_, err := HeadlessShell()
	if !errors.Is(err, ErrNoHeadlessShell) || !strings.Contains(err.Error(), "install the Debian package chromium-headless-shell") {
		t.Errorf("HeadlessShell() = %v, want ErrNoHeadlessShell naming the Debian package", err)
	}
	if got, err := findChromium(""); err != nil || got != DefaultExecPath {
		t.Errorf("findChromium(\"\") = %q, %v; want %s", got, err, DefaultExecPath)
	}
}

func TestCloseLeavesNoProcess(t *testing.T) {
	srv := pages(t)
	for name, bin := range binaries {
		t.Run(name, func(t *testing.T) {
			p, err := New(Options{ExecPath: bin})
			if err != nil {
				t.Fatal(err)
			}
			a := acquire(t, p)
			b := acquire(t, p)
			navigate(t, a, srv.URL+"/")
			navigate(t, b, srv.URL+"/alert")
			dir, group := p.currentDir(), p.currentGroup()
			if len(scanProc(group, dir)) < 2 {
				t.Fatalf("found %v processes of the browser before Close, want its tree", scanProc(group, dir))
			}
			if err := p.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if left := scanProc(group, dir); len(left) > 0 {
				t.Errorf("processes left after Close: %v", left)
			}
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("user data dir %s after Close: %v, want it removed", dir, err)
			}
			if _, err := p.Acquire(context.Background()); !errors.Is(err, ErrClosed) {
				t.Errorf("Acquire after Close = %v, want ErrClosed", err)
			}
			if err := a.Close(); err != nil {
				t.Errorf("Tab.Close after Pool.Close: %v", err)
			}
		})
	}
}

// TestOwnerKilled kills a process that runs a pool, as a worker killed
// with SIGKILL: its Chromium goes with it, and the next pool removes its
// user data directory.
func TestOwnerKilled(t *testing.T) {
	srv := pages(t)
	for name, bin := range binaries {
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), ownerEnv+"="+bin, "STAKEOUT_TEST_URL="+srv.URL+"/")
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			var group int
			var dir string
			line, err := bufio.NewReader(out).ReadString('\n')
			if _, serr := fmt.Sscanf(line, "%d %s", &group, &dir); err != nil || serr != nil {
				t.Fatalf("owner process said %q (%v, %v), want its browser's group and directory", line, err, serr)
			}
			if len(scanProc(group, dir)) < 2 {
				t.Fatalf("found %v processes of the browser, want its tree", scanProc(group, dir))
			}
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			if left := waitExit(t, func() []string { return scanProc(group, dir) }, 10*time.Second); len(left) > 0 {
				t.Fatalf("processes left 10 s after the owner was killed: %v", left)
			}
			// The next pool on the machine removes what the killed owner left.
			if ok, err := removeIfStale(dir); !ok || err != nil {
				t.Errorf("removeIfStale(%s) = %v, %v; want the dead owner's directory removed", dir, ok, err)
			}
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				t.Errorf("the killed owner's directory is still there (%v)", err)
				_ = os.RemoveAll(dir)
			}
		})
	}
}

// scanProc lists the live processes whose command line mentions dir or whose
// process group is group, read straight from /proc without the package's
// own helper.
func scanProc(group int, dir string) []string {
	var found []string
	paths, _ := filepath.Glob("/proc/[0-9]*")
	for _, path := range paths {
		stat, err := os.ReadFile(path + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp ...
		f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(f) < 3 || f[0] == "Z" {
			continue
		}
		cmdline, _ := os.ReadFile(path + "/cmdline")
		if f[2] == strconv.Itoa(group) || bytes.Contains(cmdline, []byte(dir)) {
			found = append(found, path)
		}
	}
	return found
}

func TestHostilePages(t *testing.T) {
	srv := pages(t)
	pid := 0
	for _, path := range []string{"/alert", "/loop"} {
		t.Run(strings.TrimPrefix(path, "/"), func(t *testing.T) {
			tab := acquire(t, shared)
			looped := make(chan struct{}) // closed at the page's third navigation
			var navigations atomic.Int32
			if err := chromedp.Listen(tab.Ctx(), func(ev any) {
				if _, ok := ev.(*page.EventFrameNavigated); ok && navigations.Add(1) == 3 {
					close(looped)
				}
			}); err != nil {
				t.Fatalf("Listen: %v", err)
			}
			ctx, cancel := context.WithTimeout(tab.Ctx(), 3*time.Second)
			err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+path))
			cancel()
			if path == "/alert" {
				if err != nil {
					t.Fatalf("Navigate to a page with dialogs: %v", err)
				}
				if text, err := run(tab, chromedp.Text("#after")); err != nil || text != "after" {
					t.Errorf("text after the dialogs = %q, %v; want %q", text, err, "after")
				}
			} else {
				select { // close it while it loops
				case <-looped:
				case <-time.After(time.Minute):
					t.Fatalf("the page did not navigate 3 times: %d", navigations.Load())
				}
			}
			start := time.Now()
			if err := tab.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("Close took %s", d)
			}
			if pid == 0 {
				pid = shared.PID()
			}
		})
	}
	tab := acquire(t, shared)
	navigate(t, tab, srv.URL+"/")
	if got := shared.PID(); got != pid {
		t.Errorf("PID() = %d after hostile pages, want the same browser %d", got, pid)
	}
}
