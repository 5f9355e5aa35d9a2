// Package browser keeps the headless Chromium that chat probes talk to.
//
// A [Pool] owns one Chromium process, started lazily through chromedp on the
// first [Pool.Acquire]. Each Acquire returns a [Tab] in a new browser context,
// so cookies, storage and cache are never shared between two probes. The pool
// bounds how many tabs are open at once (Options.MaxConcurrent), replaces a
// browser that crashed, restarts Chromium after a number of probes
// (Options.RestartAfter) once its open tabs have closed, and on [Pool.Close]
// makes sure that no Chromium process is left behind: the browser runs in its
// own process group with a fresh user data directory, and every process that
// still names that directory is killed before the directory is removed.
//
// Tabs dismiss JavaScript dialogs (alert, confirm, prompt, beforeunload) as
// soon as they open, so a hostile page cannot block a probe with one. They
// present themselves as the desktop Google Chrome of the browser's version
// (user agent, client hints, languages, navigator.webdriver false), not as
// headless Chromium, as a customer's browser would.
package browser
