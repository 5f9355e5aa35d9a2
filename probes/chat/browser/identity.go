package browser

import (
	"context"
	"fmt"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// A mystery shopper looks like a customer. Headless Chromium says what it is
// in its user agent ("HeadlessChrome/156.0.8078.79") and its client hints
// (brand "HeadlessChrome"), and a site's bot protection may refuse it for
// that. Every tab of the pool presents itself as the desktop Google Chrome
// of the same version on the same platform instead: what a customer with
// that browser would send. (navigator.webdriver is turned off by a flag.)

// acceptLanguage is the tabs' language list: Chrome's default for American
// English.
const acceptLanguage = "en-US,en"

// chromeToken is the browser's name and version in a user agent string.
var chromeToken = regexp.MustCompile(`\b(?:Headless)?Chrome/[0-9.]+`)

// identityOf returns the user agent override for a browser whose
// Browser.getVersion said product (like "HeadlessChrome/156.0.8078.79") and
// userAgent.
func identityOf(product, userAgent string) (*emulation.SetUserAgentOverrideParams, error) {
	name, full, ok := strings.Cut(product, "/")
	if !ok || (name != "HeadlessChrome" && name != "Chrome") {
		return nil, fmt.Errorf("unexpected browser product %q", product)
	}
	majorText, _, _ := strings.Cut(full, ".")
	major, err := strconv.Atoi(majorText)
	if err != nil || major <= 0 {
		return nil, fmt.Errorf("unexpected browser version %q", full)
	}
	if !chromeToken.MatchString(userAgent) {
		return nil, fmt.Errorf("no Chrome version in user agent %q", userAgent)
	}
	// Chrome's user agent string gives the major version only.
	ua := chromeToken.ReplaceAllLiteralString(userAgent, fmt.Sprintf("Chrome/%d.0.0.0", major))
	brands := brandList(major, strconv.Itoa(major), "")
	fulls := brandList(major, full, ".0.0.0")
	arch, bitness := "x86", "64"
	switch runtime.GOARCH {
	case "arm64":
		arch = "arm"
	case "386":
		bitness = "32"
	case "arm":
		arch, bitness = "arm", "32"
	}
	return &emulation.SetUserAgentOverrideParams{
		UserAgent: ua,
		// The headless shell sends no Accept-Language at all; Chrome set to
		// American English sends "en-US,en;q=0.9".
		AcceptLanguage: acceptLanguage,
		UserAgentMetadata: &emulation.UserAgentMetadata{
			Brands:          brands,
			FullVersionList: fulls,
			Platform:        "Linux",
			Architecture:    arch,
			Bitness:         bitness,
		},
	}, nil
}

// brandList is the client hints brand list of Google Chrome of a major
// version, each brand with version, but for the made-up "Not…A…Brand" whose
// version gets greaseSuffix: the brand, "Chromium" and the made-up one in an
// order chosen by the major version, as Chromium's GenerateBrandVersionList
// makes it.
func brandList(major int, version, greaseSuffix string) []*emulation.UserAgentBrandVersion {
	chars := []string{" ", "(", ":", "-", ".", "/", ")", ";", "=", "?", "_"}
	versions := []string{"8", "99", "24"}
	orders := [6][3]int{{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}}
	order := orders[major%len(orders)]
	out := make([]*emulation.UserAgentBrandVersion, 3)
	out[order[0]] = &emulation.UserAgentBrandVersion{
		Brand:   "Not" + chars[major%len(chars)] + "A" + chars[(major+1)%len(chars)] + "Brand",
		Version: versions[major%len(versions)] + greaseSuffix,
	}
	out[order[1]] = &emulation.UserAgentBrandVersion{Brand: "Chromium", Version: version}
	out[order[2]] = &emulation.UserAgentBrandVersion{Brand: "Google Chrome", Version: version}
	return out
}

// browserIdentity asks the browser for its version and returns the override
// its tabs get and the browser's product ("HeadlessChrome/156.0.8078.114").
func browserIdentity(ctx context.Context, b *chromedp.Browser) (id *emulation.SetUserAgentOverrideParams, product string, err error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	v, err := cdp.Call(ctx, b, browser.GetVersion, cdp.Empty{})
	if err != nil {
		return nil, "", fmt.Errorf("asking chromium for its version: %w", err)
	}
	id, err = identityOf(v.Product, v.UserAgent)
	return id, v.Product, err
}
