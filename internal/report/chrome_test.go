package report

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/stakeoutcx/stakeout/probes/chat/browser"
	"github.com/stakeoutcx/stakeout/probes/chat/browser/browsertest"
)

// artifactDir is where the test keeps the report, its screenshot and its PDF:
// $STAKEOUT_TEST_ARTIFACTS, or a directory under the system's temporary directory.
func artifactDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("STAKEOUT_TEST_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "stakeout-test-artifacts")
	}
	dir = filepath.Join(dir, "report")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// chartInfo is what the page says of one chart.
type chartInfo struct {
	Kind, Title, Label, Texts string
}

// TestReportInChromium opens the report in headless Chromium: it loads without a console
// error, fetches nothing, shows every chart with its title, axis titles and labels, and
// prints to a PDF with a page per target after the introduction.
func TestReportInChromium(t *testing.T) {
	st := fixture(t)
	rep, err := Build(context.Background(), st, Options{Run: "r1"})
	if err != nil {
		t.Fatal(err)
	}
	dir := artifactDir(t)
	file := filepath.Join(dir, "report.html")
	var html bytes.Buffer
	if err := WriteHTML(&html, rep); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, html.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	src := strings.ReplaceAll(html.String(), `xmlns="http://www.w3.org/2000/svg"`, "")
	for _, bad := range []string{"<script", "http://", "https://", "href=", "src=", "url(", "@import", "NaN", "<Cobalt"} {
		if strings.Contains(src, bad) {
			t.Errorf("the report holds %q", bad)
		}
	}

	pool := browsertest.Pool(t, browser.Options{MaxConcurrent: 1})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	tab, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tab.Close()
	if err := tab.SetViewport(ctx, browser.Viewport{Width: 1024, Height: 1400}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var problems, requests []string
	chromedp.Listen(tab.Ctx(), func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning {
				b, _ := json.Marshal(e.Args)
				problems = append(problems, string(e.Type)+": "+string(b))
			}
		case *runtime.EventExceptionThrown:
			problems = append(problems, "exception: "+e.ExceptionDetails.Text)
		case *network.EventRequestWillBeSent:
			requests = append(requests, e.Request.URL)
		}
	})
	tctx, tcancel := context.WithTimeout(tab.Ctx(), time.Minute)
	defer tcancel()
	if _, err := chromedp.Call(tctx, runtime.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(tctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if err := Load(tctx, file); err != nil {
		t.Fatal(err)
	}
	res, err := chromedp.Call(tctx, runtime.Evaluate, runtime.EvaluateParams{ReturnByValue: new(true), Expression: `JSON.stringify(
		[...document.querySelectorAll("svg[data-chart]")].map(s => ({
			Kind: s.dataset.chart,
			Title: (s.querySelector("title") || {}).textContent || "",
			Label: (document.getElementById((s.getAttribute("aria-labelledby") || "").split(" ")[0]) || {}).textContent || "",
			Texts: [...s.querySelectorAll("text")].map(x => x.textContent).join("|"),
		})))`})
	if err != nil || res.ExceptionDetails != nil {
		t.Fatalf("reading the charts: %v %v", err, res.ExceptionDetails)
	}
	var raw string
	if err := json.Unmarshal(res.Result.Value, &raw); err != nil {
		t.Fatal(err)
	}
	var charts []chartInfo
	if err := json.Unmarshal([]byte(raw), &charts); err != nil {
		t.Fatal(err)
	}
	shot, err := chromedp.Call(tctx, page.CaptureScreenshot, page.CaptureScreenshotParams{CaptureBeyondViewport: new(true)})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "report.png"), shot.Data, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("report, screenshot and PDF kept in %s", dir)

	mu.Lock()
	if len(problems) > 0 {
		t.Errorf("console errors: %v", problems)
	}
	for _, u := range requests {
		if !strings.HasPrefix(u, "file://") {
			t.Errorf("the report fetched %s", u)
		}
	}
	mu.Unlock()

	// Three targets, two channels, four charts each.
	if len(charts) != 3*2*4 {
		t.Fatalf("%d charts, want 24", len(charts))
	}
	axes := map[string][]string{
		"distribution": {"human response time (log scale)", "answers within time (%)", "SLA 5m"},
		"bars":         {"score (0–100)", "Elite 90", "Excellent 80", "Approved 70"},
		"trend":        {"run"},
	}
	kinds := map[string]int{}
	for _, c := range charts {
		kinds[c.Kind]++
		if c.Title == "" || c.Label != c.Title {
			t.Errorf("%s chart: title %q, aria label %q", c.Kind, c.Title, c.Label)
		}
		for _, want := range axes[c.Kind] {
			if strings.Contains(c.Title, "Email") && want == "SLA 5m" {
				want = "SLA 1d"
			}
			if !strings.Contains(c.Texts, want) {
				t.Errorf("%s chart %q lacks the label %q (texts: %s)", c.Kind, c.Title, want, c.Texts)
			}
		}
	}
	if kinds["distribution"] != 6 || kinds["bars"] != 6 || kinds["trend"] != 12 {
		t.Errorf("charts by kind = %v, want 6 distributions, 6 rankings, 12 trends", kinds)
	}

	pdf, err := PrintPDF(ctx, file, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "report.pdf"), pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	pages := len(regexp.MustCompile(`/Type\s*/Page[^s]`).FindAll(pdf, -1))
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) || pages < 1+len(rep.Targets) {
		t.Errorf("PDF: %d bytes, %d pages; want a PDF with the introduction and a page or more per target (%d)", len(pdf), pages, len(rep.Targets))
	}
}
