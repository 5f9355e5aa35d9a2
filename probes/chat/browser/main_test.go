package browser

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// shared is the one Pool of the tests that need no browser of their own.
var shared *Pool

// ownerEnv makes the test binary a pool owner for TestOwnerKilled: it
// starts a pool on the binary the variable names ("" for the default), opens
// STAKEOUT_TEST_URL, prints the browser's process group and user data
// directory, and waits to be killed.
const ownerEnv = "STAKEOUT_TEST_POOL_OWNER"

func TestMain(m *testing.M) {
	if bin, ok := os.LookupEnv(ownerEnv); ok {
		owner(bin)
		return
	}
	if _, ok := os.LookupEnv(dirOwnerEnv); ok {
		dirOwner()
		return
	}
	if _, ok := os.LookupEnv(sandboxEnv); ok {
		os.Exit(sandboxed())
	}
	shell, err := HeadlessShell()
	if err == nil {
		binaries["headless-shell"] = shell
		shared, err = New(Options{ExecPath: shell, MaxConcurrent: 4})
	}
	if err != nil {
		// A missing Chromium fails the tests; it never skips them.
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	if err := shared.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "closing the shared pool:", err)
		code = 1
	}
	os.Exit(code)
}

// pages serves the test pages on a loopback port.
func pages(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<html><body><p id="p">ok</p></body></html>`)
	})
	mux.HandleFunc("/setcookie", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "probe", Value: "1", Path: "/"})
		fmt.Fprint(w, `<html><body>cookie set</body></html>`)
	})
	mux.HandleFunc("/alert", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<html><body><script>alert("hi"); confirm("sure?");</script><p id="after">after</p></body></html>`)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<html><body><script>location.replace("/loop?" + Math.random())</script></body></html>`)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// newPool returns a dedicated pool that the test closes at its end.
func newPool(t *testing.T, opts Options) *Pool {
	t.Helper()
	p, err := New(opts)
	if err != nil {
		t.Fatalf("New(%+v): %v", opts, err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return p
}

// acquire gets a tab within 30 s and closes it at the end of the test.
func acquire(t *testing.T, p *Pool) *Tab {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tab, err := p.Acquire(ctx)
	if err != nil {
		t.Fatalf("Acquire: %v", err)
	}
	t.Cleanup(func() { _ = tab.Close() })
	return tab
}

// run runs an action on the tab, bounded to 10 s.
func run[T any](tab *Tab, a chromedp.Action[T]) (T, error) {
	ctx, cancel := context.WithTimeout(tab.Ctx(), 10*time.Second)
	defer cancel()
	return chromedp.Run(ctx, a)
}

// navigate loads url in the tab and fails the test on error.
func navigate(t *testing.T, tab *Tab, url string) {
	t.Helper()
	if _, err := run(tab, chromedp.Navigate(url)); err != nil {
		t.Fatalf("Navigate(%q): %v", url, err)
	}
}

// currentDir returns the user data directory of the running browser.
func (p *Pool) currentDir() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.gen == nil {
		return ""
	}
	return p.gen.dir
}

// currentStopped returns a channel closed when the running browser's
// shutdown is over (its processes gone, its directory removed).
func (p *Pool) currentStopped() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.gen == nil {
		return nil
	}
	return p.gen.stopped
}

// currentGroup returns the process group of the running browser.
func (p *Pool) currentGroup() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.gen == nil {
		return 0
	}
	return p.gen.pgid
}

// owner is the body of the pool owner process of TestOwnerKilled.
func owner(bin string) {
	p, err := New(Options{ExecPath: bin})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	tab, err := p.Acquire(context.Background())
	if err == nil {
		_, err = chromedp.Run(tab.Ctx(), chromedp.Navigate(os.Getenv("STAKEOUT_TEST_URL")))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(p.currentGroup(), p.currentDir())
	select {}
}
