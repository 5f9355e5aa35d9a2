package browser

// FindChromium returns the Chromium binary a pool with Options.ExecPath path would
// run: path, else $STAKEOUT_CHROMIUM, else the headless shell, chromium-headless-shell
// or chromium on PATH. The error wraps ErrNotFound when there is none.
func FindChromium(path string) (string, error) { return findChromium(path) }
