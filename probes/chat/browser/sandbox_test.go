package browser

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// sandboxEnv makes the test binary start a pool, load a page and say whether its
// Chromium runs sandboxed.
const sandboxEnv = "STAKEOUT_TEST_SANDBOX"

func sandboxed() int {
	p, err := New(Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	tab, err := p.Acquire(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "acquire:", err)
		return 1
	}
	if _, err := chromedp.Run(tab.Ctx(), chromedp.Navigate("data:text/html,<p id=p>sandboxed page</p>")); err != nil {
		fmt.Fprintln(os.Stderr, "navigate:", err)
		return 1
	}
	text, err := chromedp.Run(tab.Ctx(), chromedp.Evaluate[string]("document.getElementById('p').textContent"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "read the page:", err)
		return 1
	}
	fmt.Println(text)
	fmt.Println(browserFlags(p.PID()))
	return 0
}

// browserFlags says whether the process pid runs with --no-sandbox.
func browserFlags(pid int) string {
	cmdline, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if bytes.Contains(cmdline, []byte("--no-sandbox")) {
		return "no-sandbox"
	}
	return "sandbox"
}

// A worker that does not run as root runs Chromium in its sandbox; as root (where
// Chromium cannot) it runs without.
func TestSandboxedWhenNotRoot(t *testing.T) {
	dir, err := os.MkdirTemp("", "stakeout-sandbox-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o1777); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "browser.test")
	if err := copyFile(os.Args[0], bin, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run=^$")
	cmd.Env = append(os.Environ(), sandboxEnv+"=1", "TMPDIR="+dir, "HOME="+dir)
	cmd.Dir = dir
	if os.Geteuid() == 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pool as a user that is not root: %v\n%s", err, out)
	}
	if got := strings.Fields(string(out)); len(got) < 2 || got[len(got)-1] != "sandbox" || !strings.Contains(string(out), "sandboxed page") {
		t.Errorf("pool as a user that is not root said %q, want the page loaded in a sandboxed chromium", out)
	}
	if os.Geteuid() == 0 {
		acquire(t, shared)
		if got := browserFlags(shared.PID()); got != "no-sandbox" {
			t.Errorf("as root chromium runs with %s, want no-sandbox", got)
		}
	}
}

func copyFile(from, to string, mode os.FileMode) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
