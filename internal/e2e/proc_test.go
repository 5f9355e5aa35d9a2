package e2e

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// envExec makes the test binary run the stakeout command line on its arguments instead
// of the tests (see TestMain): the fleet tests run schedulers, workers and the
// simulator as real processes, to kill and restart.
const envExec = "STAKEOUT_E2E_EXEC"

// proc is one stakeout process of a test. Its stdout and stderr are kept line by
// line, in memory for waitLine and in NAME.log in the test's directory.
type proc struct {
	t    testing.TB
	name string
	args []string
	cmd  *exec.Cmd
	log  *os.File

	mu    sync.Mutex
	lines []string
	more  chan struct{} // closed at each new line and at exit
	done  chan struct{} // closed when the process has exited
}

// startProc runs `stakeout ARGS...` as process name. The test's cleanup stops it
// (SIGTERM, then SIGKILL after 30 s) and, when the test failed, logs its last lines.
func startProc(t testing.TB, name string, args ...string) *proc {
	t.Helper()
	p := &proc{t: t, name: name, args: args}
	p.start()
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			p.mu.Lock()
			tail := p.lines[max(0, len(p.lines)-40):]
			p.mu.Unlock()
			t.Logf("%s (%s), its last lines:\n%s", name, p.log.Name(), strings.Join(tail, "\n"))
		}
		p.log.Close()
	})
	return p
}

func (p *proc) start() {
	p.t.Helper()
	if p.log == nil {
		f, err := os.Create(filepath.Join(p.t.TempDir(), p.name+".log"))
		if err != nil {
			p.t.Fatal(err)
		}
		p.log = f
	}
	r, w, err := os.Pipe()
	if err != nil {
		p.t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], p.args...)
	cmd.Env = append(os.Environ(), envExec+"=1")
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		p.t.Fatalf("start %s: %v", p.name, err)
	}
	w.Close()
	p.mu.Lock()
	p.cmd, p.more, p.done = cmd, make(chan struct{}), make(chan struct{})
	p.lines = append(p.lines, fmt.Sprintf("--- %s started: stakeout %s", p.name, strings.Join(p.args, " ")))
	p.mu.Unlock()
	done := p.done
	go func() {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			p.add(sc.Text())
		}
		r.Close()
		err := cmd.Wait()
		p.add(fmt.Sprintf("--- %s exited: %v", p.name, err))
		close(done)
	}()
}

func (p *proc) add(line string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lines = append(p.lines, line)
	fmt.Fprintln(p.log, line)
	close(p.more)
	p.more = make(chan struct{})
}

// waitLine waits up to limit for a line matching re, from line from on, and returns
// its index and submatches. It fails the test when the process exits first.
func (p *proc) waitLine(re *regexp.Regexp, from int, limit time.Duration) (int, []string) {
	p.t.Helper()
	expired := time.After(limit)
	for {
		p.mu.Lock()
		for i := from; i < len(p.lines); i++ {
			if m := re.FindStringSubmatch(p.lines[i]); m != nil {
				p.mu.Unlock()
				return i, m
			}
		}
		from = len(p.lines)
		more, done := p.more, p.done
		p.mu.Unlock()
		select {
		case <-more:
		case <-done:
			p.t.Fatalf("%s exited before printing a line matching %q", p.name, re)
		case <-expired:
			p.t.Fatalf("%s printed no line matching %q within %s", p.name, re, limit)
		}
	}
}

// waitLineOr returns the index and submatches of the first line from from on that
// matches re, or -1 when none does yet.
func (p *proc) waitLineOr(re *regexp.Regexp, from int) (int, []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := from; i < len(p.lines); i++ {
		if m := re.FindStringSubmatch(p.lines[i]); m != nil {
			return i, m
		}
	}
	return -1, nil
}

// mark returns the number of lines so far: waitLine from it sees only later ones.
func (p *proc) mark() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.lines)
}

// count returns how many lines match re.
func (p *proc) count(re *regexp.Regexp) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, l := range p.lines {
		if re.MatchString(l) {
			n++
		}
	}
	return n
}

// kill sends SIGKILL and waits for the process to exit.
func (p *proc) kill() {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	_ = cmd.Process.Signal(syscall.SIGKILL)
	<-done
}

// stop sends SIGTERM and waits for the process to exit, killing it after 30 s.
func (p *proc) stop() {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	select {
	case <-done:
		return
	default:
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		p.t.Errorf("%s did not stop within 30 s of SIGTERM: killed", p.name)
		p.kill()
	}
}

// restart stops the process (SIGTERM) and starts it again with the same arguments.
func (p *proc) restart() {
	p.t.Helper()
	p.stop()
	p.start()
}

// exited reports whether the process has exited.
func (p *proc) exited() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}
