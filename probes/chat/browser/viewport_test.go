package browser

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// cornerPage is a page with a button in its bottom-right corner that counts
// the clicks it gets.
const cornerPage = `<html><body style="margin:0">
<button id="b" style="position:fixed; right:0; bottom:0; width:40px; height:40px">x</button>
<script>window.clicks = 0; document.getElementById("b").addEventListener("click", () => window.clicks++);</script>
</body></html>`

// clickAt clicks with the mouse at the page's point (x, y).
func clickAt(t *testing.T, tab *Tab, x, y float64) {
	t.Helper()
	for _, typ := range []input.DispatchMouseEventType{input.DispatchMouseEventTypeMousePressed, input.DispatchMouseEventTypeMouseReleased} {
		p := input.DispatchMouseEventParams{Type: typ, X: x, Y: y, Button: input.MouseButtonLeft, Buttons: 1, ClickCount: 1}
		ctx, cancel := context.WithTimeout(tab.Ctx(), 10*time.Second)
		_, err := chromedp.Call(ctx, input.DispatchMouseEvent, p)
		cancel()
		if err != nil {
			t.Fatalf("click at (%v, %v): %v", x, y, err)
		}
	}
}

// viewportOf returns what the page sees of its window: inner size and screen size.
func viewportOf(t *testing.T, tab *Tab) string {
	t.Helper()
	s, err := run(tab, chromedp.Evaluate[string]("`${innerWidth}x${innerHeight} screen ${screen.width}x${screen.height}`"))
	if err != nil {
		t.Fatalf("viewport: %v", err)
	}
	return s
}

// clicksOf returns the page's click count.
func clicksOf(t *testing.T, tab *Tab) int {
	t.Helper()
	n, err := run(tab, chromedp.Evaluate[int]("window.clicks"))
	if err != nil {
		t.Fatalf("clicks: %v", err)
	}
	return n
}

// TestViewport checks that a tab of either browser has the desktop viewport
// (the full browser's own is 780x437, the headless shell's 800x600), that a
// mouse click in its bottom-right corner lands there, and that SetViewport
// changes it.
func TestViewport(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, cornerPage) }))
	t.Cleanup(srv.Close)
	for name, bin := range binaries {
		t.Run(name, func(t *testing.T) {
			tab := acquire(t, newPool(t, Options{ExecPath: bin}))
			navigate(t, tab, srv.URL)
			want := fmt.Sprintf("%dx%d screen %dx%d", DefaultViewport.Width, DefaultViewport.Height, DefaultViewport.Width, DefaultViewport.Height)
			if got := viewportOf(t, tab); got != want {
				t.Errorf("new tab: viewport %s, want %s", got, want)
			}
			clickAt(t, tab, float64(DefaultViewport.Width-20), float64(DefaultViewport.Height-20))
			if n := clicksOf(t, tab); n != 1 {
				t.Errorf("a click at the bottom-right corner reached the corner's button %d times, want 1", n)
			}

			small := Viewport{Width: 800, Height: 500}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := tab.SetViewport(ctx, small); err != nil {
				t.Fatalf("SetViewport(%v): %v", small, err)
			}
			if got, want := viewportOf(t, tab), "800x500 screen 800x500"; got != want {
				t.Errorf("after SetViewport: viewport %s, want %s", got, want)
			}
			clickAt(t, tab, 780, 480)
			if n := clicksOf(t, tab); n != 2 {
				t.Errorf("after SetViewport, the corner's button got %d clicks, want 2", n)
			}
		})
	}
}
