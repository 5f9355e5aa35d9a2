package report

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/stakeoutcx/stakeout/probes/chat/browser"
)

// PDFTimeout bounds loading and printing the page.
const PDFTimeout = 2 * time.Minute

// WritePDF prints the report's HTML page to PDF with headless Chromium (A4, with
// backgrounds) and returns the PDF. chromium is the binary (default: as the chat
// probe finds it). The page is loaded from a private temporary file: it fetches
// nothing.
func WritePDF(ctx context.Context, r *Report, chromium string) ([]byte, error) {
	dir, err := os.MkdirTemp("", "stakeout-report-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "report.html")
	f, err := os.Create(file)
	if err != nil {
		return nil, err
	}
	if err := WriteHTML(f, r); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	return PrintPDF(ctx, file, chromium)
}

// Load opens the HTML file at path in the tab of ctx and waits for its load event.
func Load(ctx context.Context, path string) error {
	u := url.URL{Scheme: "file", Path: path}
	nav, err := chromedp.Call(ctx, page.Navigate, page.NavigateParams{URL: u.String()})
	if err == nil && nav.ErrorText != "" {
		err = fmt.Errorf("%s", nav.ErrorText)
	}
	if err != nil {
		return fmt.Errorf("open report %s in chromium: %w", path, err)
	}
	_, err = chromedp.Call(ctx, runtime.Evaluate, runtime.EvaluateParams{AwaitPromise: new(true), ReturnByValue: new(true),
		Expression: `new Promise(r => document.readyState === "complete" ? r(true) : addEventListener("load", () => r(true)))`})
	if err != nil {
		return fmt.Errorf("load report %s in chromium: %w", path, err)
	}
	return nil
}

// PrintPDF prints the HTML file at path to PDF with headless Chromium.
func PrintPDF(ctx context.Context, path, chromium string) ([]byte, error) {
	pool, err := browser.New(browser.Options{ExecPath: chromium, MaxConcurrent: 1})
	if err != nil {
		return nil, fmt.Errorf("print report: %w", err)
	}
	defer pool.Close()
	ctx, cancel := context.WithTimeout(ctx, PDFTimeout)
	defer cancel()
	tab, err := pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("print report: %w", err)
	}
	defer tab.Close()
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	tctx, tcancel := context.WithTimeout(tab.Ctx(), PDFTimeout)
	defer tcancel()
	if err := Load(tctx, abs); err != nil {
		return nil, err
	}
	res, err := chromedp.Call(tctx, page.PrintToPDF, page.PrintToPDFParams{PrintBackground: new(true), PreferCSSPageSize: new(true)})
	if err != nil {
		return nil, fmt.Errorf("print report with chromium: %w", err)
	}
	pdf := res.Data
	return pdf, nil
}
