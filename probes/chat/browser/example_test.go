package browser_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stakeoutcx/stakeout/probes/chat/browser"
)

// A probe takes a tab, drives it with chromedp, and closes it.
func ExamplePool() {
	pool, err := browser.New(browser.Options{MaxConcurrent: 8})
	if err != nil {
		log.Fatal(err) // names the package to install when Chromium is missing
	}
	defer pool.Close()

	tab, err := pool.Acquire(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	defer tab.Close()

	ctx, cancel := context.WithTimeout(tab.Ctx(), 30*time.Second)
	defer cancel()
	title, err := chromedp.Run(ctx, chromedp.Evaluate[string]("document.title"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("title %q\n", title)
}
