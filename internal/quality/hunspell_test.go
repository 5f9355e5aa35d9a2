package quality

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// pidOf is the pid of h's process for dictionary dict, 0 when none runs.
func (h *Hunspell) pidOf(dict string) int {
	base, _ := h.dictPath(dict)
	h.mu.Lock()
	e := h.procs[base]
	h.mu.Unlock()
	if e == nil {
		return 0
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.p == nil {
		return 0
	}
	return e.p.cmd.Process.Pid
}

// fakeDicts makes a directory holding empty dictionaries with these names; a
// name ending in "!" gets a .dic file only.
func fakeDicts(t *testing.T, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, n := range names {
		exts := []string{".dic", ".aff"}
		if strings.HasSuffix(n, "!") {
			n, exts = strings.TrimSuffix(n, "!"), exts[:1]
		}
		for _, ext := range exts {
			if err := os.WriteFile(filepath.Join(dir, n+ext), nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

func TestDictionary(t *testing.T) {
	first := fakeDicts(t, "de_CH", "de_DE", "pt_BR", "pt_PT!", "es_AR", "fr_FR!")
	second := fakeDicts(t, "en_US", "es_MX", "fr_CA", "pt_PT")
	h := &Hunspell{DictDirs: []string{first, second}}
	tests := []struct {
		lang, want string
	}{
		{"", "en_US"},
		{"en", "en_US"},
		{"EN", "en_US"},
		{"en-US", "en_US"},
		{"de", "de_DE"}, // xx_XX preferred
		{"pt", "pt_PT"}, // xx_XX preferred, from the second directory
		{"es", "es_AR"}, // else the first, in directory order
		{"fr", "fr_CA"}, // fr_FR.aff is missing
		{"es_MX", "es_MX"},
		{"de_AT", ""},
		{"xx_XX", ""},
		{"it", ""},
		{"../en_US", ""},
		{"-d", ""},
	}
	for _, tt := range tests {
		got, ok := h.Dictionary(tt.lang)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("Dictionary(%q) = %q, %v, want %q, %v", tt.lang, got, ok, tt.want, tt.want != "")
		}
	}
}

func TestAvailable(t *testing.T) {
	if err := realHunspell(t).Available(); err != nil {
		t.Errorf("Available() = %v, want nil", err)
	}
	empty := t.TempDir()
	tests := []struct {
		h    *Hunspell
		want string
	}{
		{&Hunspell{Path: "/nonexistent/hunspell"}, `hunspell not found at "/nonexistent/hunspell": install Debian packages hunspell hunspell-en-us`},
		{&Hunspell{DictDirs: []string{empty}}, "no hunspell dictionary installed (looked in " + empty + "): install Debian packages hunspell hunspell-en-us"},
	}
	for _, tt := range tests {
		if err := tt.h.Available(); err == nil || err.Error() != tt.want {
			t.Errorf("Available() with Path %q DictDirs %q = %v, want %q", tt.h.Path, tt.h.DictDirs, err, tt.want)
		}
	}
	t.Setenv("PATH", empty)
	if err := (&Hunspell{}).Available(); err == nil || err.Error() != "hunspell not found: install Debian packages hunspell hunspell-en-us" {
		t.Errorf("Available() without hunspell in PATH = %v", err)
	}
}

func TestMisspelled(t *testing.T) {
	h := realHunspell(t)
	long := strings.Repeat("a", maxWordBytes+1)
	words := []string{"hello", "recieve", "^teh", "", "two wrods", "line\nbreak", "#", "recieve", long, "don't", "Zürich"}
	got, err := h.Misspelled(context.Background(), "en_US", words)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"recieve", "^teh", "two wrods", "recieve", long, "Zürich"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Misspelled(%q) (-want +got):\n%s", words, diff)
	}
	if _, err := h.Misspelled(context.Background(), "xx_XX", words); err == nil {
		t.Errorf("Misspelled(xx_XX) error = nil, want one")
	}
}

func TestHunspellRestartsAfterKill(t *testing.T) {
	h := newHunspell(t)
	ctx := context.Background()
	if _, err := h.Misspelled(ctx, "en_US", []string{"hello"}); err != nil {
		t.Fatal(err)
	}
	pid := h.pidOf("en_US")
	if pid == 0 {
		t.Fatal("no hunspell process after a call")
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	got, err := h.Misspelled(ctx, "en_US", []string{"teh", "the"})
	if err != nil {
		t.Fatalf("Misspelled() after the process was killed: %v", err)
	}
	if diff := cmp.Diff([]string{"teh"}, got); diff != "" {
		t.Errorf("Misspelled() after restart (-want +got):\n%s", diff)
	}
	if again := h.pidOf("en_US"); again == 0 || again == pid {
		t.Errorf("pid after restart = %d, want a new process (was %d)", again, pid)
	}
}

func TestHunspellClose(t *testing.T) {
	h := newHunspell(t)
	ctx := context.Background()
	if _, err := h.Misspelled(ctx, "en_US", []string{"hello"}); err != nil {
		t.Fatal(err)
	}
	pid := h.pidOf("en_US")
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	// The process is reaped: signal 0 finds no such process.
	if err := syscall.Kill(pid, 0); err != syscall.ESRCH {
		t.Errorf("after Close, kill(%d, 0) = %v, want ESRCH", pid, err)
	}
	if got, err := h.Misspelled(ctx, "en_US", []string{"teh"}); err != nil || len(got) != 1 {
		t.Errorf("Misspelled() after Close = %q, %v; want [teh] from a new process", got, err)
	}
}

// fakeHunspell writes a shell script standing in for hunspell.
func fakeHunspell(t *testing.T, script string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hunspell")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+script+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestHunspellFailures(t *testing.T) {
	tests := []struct {
		name, script, want string
	}{
		{"hangs", "echo '@(#) fake'\nexec sleep 60", "hunspell en_US: no answer: context deadline exceeded"},
		{"exits", "echo '@(#) fake'\necho 'broken dictionary' >&2\nread x\nexit 3", "hunspell en_US: exited (exit status 3): broken dictionary"},
		{"not hunspell", "echo hello\nexec sleep 60", `hunspell en_US: not hunspell -a: it printed "hello"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &Hunspell{Path: fakeHunspell(t, tt.script), Timeout: 300 * time.Millisecond}
			defer h.Close()
			_, err := h.Misspelled(context.Background(), "en_US", []string{"hello"})
			if err == nil || err.Error() != tt.want {
				t.Errorf("Misspelled() with a hunspell that %s: error = %v, want %q", tt.name, err, tt.want)
			}
			if pid := h.pidOf("en_US"); pid != 0 {
				t.Errorf("a failed process %d is still kept", pid)
			}
		})
	}
}

func TestHunspellContextEnds(t *testing.T) {
	h := &Hunspell{Path: fakeHunspell(t, "echo '@(#) fake'\nexec sleep 60")}
	defer h.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := h.Misspelled(ctx, "en_US", []string{"hello"})
	if err != context.DeadlineExceeded {
		t.Errorf("Misspelled() when ctx ends: error = %v, want context.DeadlineExceeded", err)
	}
}

func TestQuietAff(t *testing.T) {
	tests := []struct{ in, want string }{
		{"SET UTF-8\nTRY abc\n", "SET UTF-8\nTRY abc\nMAXNGRAMSUGS 0\nMAXCPDSUGS 0\nNOSPLITSUGS\n"},
		{"SET UTF-8\r\nMAXNGRAMSUGS 4\r\n  NOSPLITSUGS\r\nMAXCPDSUGS 2", "SET UTF-8\r\nMAXNGRAMSUGS 0\nMAXCPDSUGS 0\nNOSPLITSUGS\n"},
		{"", "MAXNGRAMSUGS 0\nMAXCPDSUGS 0\nNOSPLITSUGS\n"},
	}
	for _, tt := range tests {
		if got := string(quietAff([]byte(tt.in))); got != tt.want {
			t.Errorf("quietAff(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestGradeLargeGibberish grades a full-size answer of distinct unknown words:
// many batches, each within the default Timeout.
func TestGradeLargeGibberish(t *testing.T) {
	var b strings.Builder
	for i := 0; b.Len() < maxAnswerBytes; i++ {
		fmt.Fprintf(&b, "%s ", gibberish(i))
	}
	g := &Grader{Speller: realHunspell(t)}
	got, err := g.Grade(context.Background(), Rules{Channel: "chat"}, []string{b.String()})
	if err != nil {
		t.Fatalf("Grade(64 KiB of gibberish) error = %v", err)
	}
	if got.Words < 5000 || len(got.Misspelled) != maxMisspelledWords {
		t.Errorf("Grade(64 KiB of gibberish) = %d words, %d misspelled listed; want > 5000, %d",
			got.Words, len(got.Misspelled), maxMisspelledWords)
	}
}

// gibberish is the i-th of distinct made-up lower-case words.
func gibberish(i int) string {
	const letters = "qxzjkvbwyfgpmhd"
	w := []byte("zq")
	for ; i > 0; i /= len(letters) {
		w = append(w, letters[i%len(letters)])
	}
	return string(w)
}
