package browser

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"
)

// seen is what a page learnt of the browser: from the request's headers and
// from the page's script, in the top document and in a cross-origin iframe.
type seen struct {
	HeaderUA, HeaderBrands string
	HeaderLanguage         string
	Languages              []string `json:"languages"`
	UA                     string   `json:"ua"`
	WebDriver              bool     `json:"webdriver"`
	Brands, Full           []brand
	Platform               string `json:"platform"`
	PlatformVersion        string `json:"platformVersion"`
	Arch                   string `json:"arch"`
	Bitness                string `json:"bitness"`
	Mobile                 bool   `json:"mobile"`
	Model                  string `json:"model"`
}

type brand struct{ Brand, Version string }

// asChrome returns brands with the headless brand renamed as Chrome's.
func asChrome(brands []brand) []brand {
	out := slices.Clone(brands)
	for i, b := range out {
		if b.Brand == "HeadlessChrome" {
			out[i].Brand = "Google Chrome"
		}
	}
	return out
}

// identityPages serves a page that reports what it sees of the browser,
// with a cross-origin iframe (localhost against 127.0.0.1) that does too.
func identityPages(t *testing.T) (top string, got func() map[string]seen) {
	t.Helper()
	var mu sync.Mutex
	headers := map[string]seen{}
	record := func(where string, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		headers[where] = seen{HeaderUA: r.UserAgent(), HeaderBrands: r.Header.Get("Sec-CH-UA"),
			HeaderLanguage: r.Header.Get("Accept-Language")}
	}
	report := `navigator.userAgentData.getHighEntropyValues(
		["fullVersionList", "platformVersion", "architecture", "bitness", "model"]).then(v => JSON.stringify({
		ua: navigator.userAgent, webdriver: navigator.webdriver, brands: v.brands, full: v.fullVersionList,
		platform: v.platform, platformVersion: v.platformVersion, arch: v.architecture, bitness: v.bitness,
		mobile: v.mobile, model: v.model, languages: navigator.languages}))`
	mux := http.NewServeMux()
	mux.HandleFunc("/frame", func(w http.ResponseWriter, r *http.Request) {
		record("frame", r)
		fmt.Fprintf(w, `<html><body><script>%s.then(s => parent.postMessage(s, "*"))</script></body></html>`, report)
	})
	frame := httptest.NewServer(mux)
	t.Cleanup(frame.Close)
	topSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		record("top", r)
		fmt.Fprintf(w, `<html><body><script>
			window.frameSaw = new Promise(ok => addEventListener("message", e => ok(e.data)));
			window.topSaw = %s;
		</script><iframe src="%s/frame"></iframe></body></html>`,
			report, strings.Replace(frame.URL, "127.0.0.1", "localhost", 1))
	}))
	t.Cleanup(topSrv.Close)
	return topSrv.URL, func() map[string]seen {
		mu.Lock()
		defer mu.Unlock()
		return maps.Clone(headers)
	}
}

// look loads the identity page in ctx and returns what the top document
// and the iframe saw.
func look(t *testing.T, ctx context.Context, url string, headers func() map[string]seen) map[string]seen {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatalf("Navigate: %v", err)
	}
	saw := map[string]string{}
	for name, expr := range map[string]string{"top": "window.topSaw", "frame": "window.frameSaw"} {
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		saw[name] = s
	}
	// Both documents have reported: their requests are in.
	out := headers()
	for name, s := range saw {
		v := out[name]
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			t.Fatalf("what the %s saw, %q: %v", name, s, err)
		}
		out[name] = v
	}
	return out
}

// TestTabsLookLikeChrome checks that a page and its cross-origin iframe see
// the desktop Chrome of the browser's version, in the request headers and in
// script: the headless shell's own user agent and client hints, with the
// headless brand replaced by Google Chrome's, and navigator.webdriver false.
// The full browser, same version, must look the same, but for the script
// of a cross-origin iframe.
func TestTabsLookLikeChrome(t *testing.T) {
	url, headers := identityPages(t)
	acquire(t, shared)
	// The headless shell as it is: the first target of a browser has no
	// override.
	shared.mu.Lock()
	first := shared.gen.bctx
	shared.mu.Unlock()
	own := look(t, first, url, headers)["top"]
	if !strings.Contains(own.UA, "HeadlessChrome/") || !strings.Contains(own.HeaderBrands, `"HeadlessChrome"`) {
		t.Fatalf("the headless shell's own identity %+v does not say HeadlessChrome: the test checks nothing", own)
	}
	full := strings.Fields(strings.SplitN(own.UA, "HeadlessChrome/", 2)[1])[0]
	major, _, _ := strings.Cut(full, ".")
	want := own
	want.UA = strings.Replace(own.UA, "HeadlessChrome/"+full, "Chrome/"+major+".0.0.0", 1)
	want.HeaderUA = want.UA
	want.HeaderBrands = strings.Replace(own.HeaderBrands, `"HeadlessChrome"`, `"Google Chrome"`, 1)
	want.WebDriver = false
	want.HeaderLanguage, want.Languages = "en-US,en;q=0.9", []string{"en-US", "en"}
	want.Brands, want.Full = asChrome(own.Brands), asChrome(own.Full)

	for name, bin := range binaries {
		t.Run(name, func(t *testing.T) {
			var logs lockedBuffer
			p := newPool(t, Options{ExecPath: bin, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			got := look(t, acquire(t, p).Ctx(), url, headers)
			// The worker's log names the browser it runs, path and version.
			if line := fmt.Sprintf(`msg="chromium started" path=%s version=`, bin); !strings.Contains(logs.String(), line) || !strings.Contains(logs.String(), "Chrome/"+full) {
				t.Errorf("log %q: want a line with %q and the version %s", logs.String(), line, full)
			}
			frameWant := want
			if name == "chromium" {
				// The full browser runs the cross-origin iframe in a process
				// of its own, which the tab's override does not reach: its
				// requests say Chrome, its script says HeadlessChrome
				// (docs/chat.md, "The browser").
				frameWant = got["frame"]
				frameWant.HeaderUA, frameWant.HeaderBrands, frameWant.HeaderLanguage = want.HeaderUA, want.HeaderBrands, want.HeaderLanguage
			}
			for where, want := range map[string]seen{"top": want, "frame": frameWant} {
				if diff := cmp.Diff(want, got[where]); diff != "" {
					t.Errorf("%s saw (-want +got):\n%s", where, diff)
				}
			}
		})
	}
}

func TestIdentityOfBadVersions(t *testing.T) {
	for _, product := range []string{"", "Firefox/120.0", "HeadlessChrome/x.1", "HeadlessChrome"} {
		if _, err := identityOf(product, "Mozilla/5.0 "+product); err == nil {
			t.Errorf("identityOf(%q) = nil error, want one", product)
		}
	}
}

// TestBrandList checks the brand list against Sec-CH-UA headers that Google
// Chrome of other versions sends, one per order of the brands.
func TestBrandList(t *testing.T) {
	for major, want := range map[int]string{
		120: `"Not_A Brand";v="8", "Chromium";v="120", "Google Chrome";v="120"`,
		124: `"Chromium";v="124", "Google Chrome";v="124", "Not-A.Brand";v="99"`,
		131: `"Google Chrome";v="131", "Chromium";v="131", "Not_A Brand";v="24"`,
	} {
		var parts []string
		for _, b := range brandList(major, strconv.Itoa(major), "") {
			parts = append(parts, fmt.Sprintf("%q;v=%q", b.Brand, b.Version))
		}
		if got := strings.Join(parts, ", "); got != want {
			t.Errorf("brandList(%d) = %s, want %s", major, got, want)
		}
	}
}

// lockedBuffer is a log destination the pool's goroutines write while the test reads.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
