package quality

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// maxStderrBytes is how much of hunspell's stderr is kept for error messages.
const maxStderrBytes = 1024

// process is one running `hunspell -a` in terse mode.
type process struct {
	cmd    *exec.Cmd
	in     *os.File // our end of its stdin
	out    *os.File // our end of its stdout
	sc     *bufio.Scanner
	stderr boundedBuffer
	done   chan struct{} // closed once the process is reaped
}

// startProcess starts hunspell with dictionary base (a path without
// extension), reads its banner and turns terse mode on, all within ctx.
//
// hunspell loads a copy of the dictionary whose .aff turns n-gram suggestions
// off (see quietCopy); the copy is removed once hunspell has loaded it. The
// personal dictionary is /dev/null and HOME is /dev/null, so that no
// ~/.hunspell_* file changes the results; the environment is otherwise empty
// but for PATH and LC_ALL=C.UTF-8.
func startProcess(ctx context.Context, path, base string) (*process, error) {
	dir, quiet, err := quietCopy(base)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	cmd := exec.Command(path, "-a", "-i", "utf-8", "-d", quiet, "-p", os.DevNull)
	cmd.Env = []string{"HOME=" + os.DevNull, "LC_ALL=C.UTF-8", "PATH=" + os.Getenv("PATH")}
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, err
	}
	p := &process{cmd: cmd, in: inW, out: outR, done: make(chan struct{})}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, &p.stderr
	err = cmd.Start()
	inR.Close()
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return nil, fmt.Errorf("start: %w", err)
	}
	go func() {
		_ = cmd.Wait()
		close(p.done)
	}()
	p.sc = bufio.NewScanner(outR)
	p.sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	if err := p.handshake(ctx); err != nil {
		p.stop()
		return nil, err
	}
	return p, nil
}

// quietOptions are the .aff options that quietCopy sets: suggestions are
// never used, and n-gram suggestions cost up to 100 times the check itself.
// Which words are misspelled does not change.
var quietOptions = []string{"MAXNGRAMSUGS 0", "MAXCPDSUGS 0", "NOSPLITSUGS"}

// quietCopy writes, into a new temporary directory, a copy of the .aff of
// dictionary base without its own quietOptions lines and with quietOptions
// appended, and a symbolic link to its .dic; it returns the directory and the
// copy's base path.
func quietCopy(base string) (dir, quiet string, err error) {
	aff, err := os.ReadFile(base + ".aff")
	if err != nil {
		return "", "", err
	}
	dic, err := filepath.Abs(base + ".dic")
	if err != nil {
		return "", "", err
	}
	dir, err = os.MkdirTemp("", "stakeout-hunspell-")
	if err != nil {
		return "", "", err
	}
	quiet = filepath.Join(dir, filepath.Base(base))
	err = os.WriteFile(quiet+".aff", quietAff(aff), 0o600)
	if err == nil {
		err = os.Symlink(dic, quiet+".dic")
	}
	if err != nil {
		os.RemoveAll(dir)
		return "", "", err
	}
	return dir, quiet, nil
}

// quietAff is an .aff file with quietOptions set (hunspell rejects an option
// given twice, so any of the file's own are dropped).
func quietAff(aff []byte) []byte {
	var out []byte
	for line := range bytes.Lines(aff) {
		if f := bytes.Fields(line); len(f) > 0 && isQuietOption(string(f[0])) {
			continue
		}
		out = append(out, line...)
	}
	if len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out, '\n')
	}
	for _, o := range quietOptions {
		out = append(out, o+"\n"...)
	}
	return out
}

func isQuietOption(name string) bool {
	for _, o := range quietOptions {
		if strings.HasPrefix(o, name+" ") || o == name {
			return true
		}
	}
	return false
}

// handshake reads the version banner and turns terse mode on ("!"): from then
// on hunspell reports only misspelled words.
func (p *process) handshake(ctx context.Context) error {
	stop := context.AfterFunc(ctx, p.kill)
	ok := p.sc.Scan()
	if !stop() {
		return fmt.Errorf("no banner: %w", ctx.Err())
	}
	if !ok {
		return p.exited()
	}
	if banner := p.sc.Text(); !strings.HasPrefix(banner, "@(#)") {
		return fmt.Errorf("not hunspell -a: it printed %q", clipSpan(banner))
	}
	if _, err := io.WriteString(p.in, "!\n"); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return nil
}

// check sends one line per entry of lines and reports which had a misspelling.
// ctx ending kills the process.
func (p *process) check(ctx context.Context, lines []string) ([]bool, error) {
	stop := context.AfterFunc(ctx, p.kill)
	werr := make(chan error, 1)
	go func() { werr <- p.write(lines) }()
	bad, rerr := p.read(len(lines))
	if rerr != nil {
		p.kill() // so that the writer cannot block
	}
	wErr := <-werr
	switch {
	case !stop():
		return nil, fmt.Errorf("no answer: %w", ctx.Err())
	case rerr != nil:
		return nil, rerr
	case wErr != nil:
		return nil, fmt.Errorf("write: %w", wErr)
	}
	return bad, nil
}

// write sends each line prefixed with '^', so that no line is read as a command.
func (p *process) write(lines []string) error {
	w := bufio.NewWriterSize(p.in, 64<<10)
	for _, l := range lines {
		w.WriteByte('^')
		w.WriteString(l)
		w.WriteByte('\n')
	}
	return w.Flush()
}

// read reads the answers to n lines: each ends with an empty line, and in
// terse mode holds one "&", "#" or "?" line per misspelled word.
func (p *process) read(n int) ([]bool, error) {
	bad := make([]bool, n)
	for i := 0; i < n; {
		if !p.sc.Scan() {
			if err := p.sc.Err(); err != nil {
				return nil, fmt.Errorf("read: %w", err)
			}
			return nil, p.exited()
		}
		line := p.sc.Bytes()
		if len(line) == 0 {
			i++
			continue
		}
		switch line[0] {
		case '&', '#', '?':
			bad[i] = true
		}
	}
	return bad, nil
}

// exited is the error of a process that closed its output: it is killed,
// reaped, and described with its exit status and first line of stderr.
func (p *process) exited() error {
	p.kill()
	<-p.done
	msg := "exited (" + p.cmd.ProcessState.String() + ")"
	if first, _, _ := strings.Cut(strings.TrimSpace(string(p.stderr.buf)), "\n"); first != "" {
		msg += ": " + first
	}
	return errors.New(msg)
}

// kill kills the process; safe to call at any time, more than once.
func (p *process) kill() {
	_ = p.cmd.Process.Kill()
}

// stop kills the process, waits for it and closes our pipe ends. Called once,
// when no call is using the process.
func (p *process) stop() {
	p.kill()
	<-p.done
	p.in.Close()
	p.out.Close()
}

// boundedBuffer keeps the first maxStderrBytes bytes written to it.
type boundedBuffer struct{ buf []byte }

// Write keeps what fits and reports everything written.
func (b *boundedBuffer) Write(data []byte) (int, error) {
	if room := maxStderrBytes - len(b.buf); room > 0 {
		b.buf = append(b.buf, data[:min(room, len(data))]...)
	}
	return len(data), nil
}
