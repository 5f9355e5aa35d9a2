package quality

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Hunspell defaults.
var (
	// DefaultHunspellPath is the program Hunspell runs when Path is "".
	DefaultHunspellPath = "hunspell"
	// DefaultDictDirs are the directories Hunspell looks for dictionaries in
	// when DictDirs is empty (Debian's hunspell-* and myspell-* packages).
	DefaultDictDirs = []string{"/usr/share/hunspell", "/usr/share/myspell/dicts"}
	// DefaultHunspellTimeout bounds one attempt at a batch of words when Timeout is 0.
	DefaultHunspellTimeout = 10 * time.Second
)

// maxWordBytes is the longest word sent to hunspell; a longer one is reported
// misspelled without asking (no dictionary word is that long, and hunspell
// splits long lines).
const maxWordBytes = 100

// maxBatch is how many words one exchange with hunspell holds; Timeout bounds each.
const maxBatch = 1000

// Hunspell is a Speller running the real hunspell program (Debian packages
// hunspell, hunspell-en-us): one long-lived `hunspell -a` process per
// dictionary, started on first use. Safe for concurrent use; calls for one
// dictionary run one at a time. Set the fields before first use and do not
// copy a Hunspell after it.
type Hunspell struct {
	// Path is the hunspell program (default DefaultHunspellPath, looked up in PATH).
	Path string
	// DictDirs are the directories holding <dict>.dic and <dict>.aff, searched
	// in order (default DefaultDictDirs).
	DictDirs []string
	// Timeout bounds one attempt at checking a batch of up to 1000 words,
	// starting hunspell included (default DefaultHunspellTimeout).
	Timeout time.Duration

	mu    sync.Mutex
	procs map[string]*dictProc // by dictionary path
}

// dictProc is the process of one dictionary; mu serialises its calls.
type dictProc struct {
	mu     sync.Mutex
	p      *process // nil until started, and after a failure
	closed bool     // set by Close: this entry is no longer in Hunspell.procs
}

func (h *Hunspell) path() string {
	if h.Path == "" {
		return DefaultHunspellPath
	}
	return h.Path
}

func (h *Hunspell) dirs() []string {
	if len(h.DictDirs) == 0 {
		return DefaultDictDirs
	}
	return h.DictDirs
}

func (h *Hunspell) timeout() time.Duration {
	if h.Timeout <= 0 {
		return DefaultHunspellTimeout
	}
	return h.Timeout
}

// Misspelled returns the words of words that dictionary dict does not know,
// in order, duplicates kept. Words go to hunspell in batches of up to 1000;
// if hunspell dies or does not answer a batch within Timeout, it is killed
// and restarted once and the batch retried; a second failure is returned as an
// error. Words longer than 100 bytes are reported without asking hunspell.
func (h *Hunspell) Misspelled(ctx context.Context, dict string, words []string) ([]string, error) {
	base, ok := h.dictPath(dict)
	if !ok {
		return nil, fmt.Errorf("no hunspell dictionary %q (looked in %s)", dict, strings.Join(h.dirs(), ", "))
	}
	bad := make([]bool, len(words))
	var lines []string
	var asked []int // index in words of each line
	for i, w := range words {
		w = strings.TrimSpace(strings.Map(lineSafe, w))
		switch {
		case len(w) > maxWordBytes:
			bad[i] = true
		case w != "":
			lines = append(lines, w)
			asked = append(asked, i)
		}
	}
	if len(lines) > 0 {
		answers, err := h.check(ctx, base, lines)
		if err != nil {
			return nil, err
		}
		for k, b := range answers {
			bad[asked[k]] = b
		}
	}
	var out []string
	for i, b := range bad {
		if b {
			out = append(out, words[i])
		}
	}
	return out, nil
}

// lineSafe turns characters that would break hunspell's line protocol into spaces.
func lineSafe(r rune) rune {
	if r < ' ' || r == 0x7f {
		return ' '
	}
	return r
}

// lock returns the dictProc of a dictionary, created on first use, locked.
func (h *Hunspell) lock(base string) *dictProc {
	for {
		h.mu.Lock()
		if h.procs == nil {
			h.procs = map[string]*dictProc{}
		}
		e := h.procs[base]
		if e == nil {
			e = &dictProc{}
			h.procs[base] = e
		}
		h.mu.Unlock()
		e.mu.Lock()
		if !e.closed {
			return e
		}
		e.mu.Unlock() // closed meanwhile: take the new entry
	}
}

// check asks hunspell about lines, in batches of at most maxBatch.
func (h *Hunspell) check(ctx context.Context, base string, lines []string) ([]bool, error) {
	e := h.lock(base)
	defer e.mu.Unlock()
	bad := make([]bool, 0, len(lines))
	for len(lines) > 0 {
		n := min(len(lines), maxBatch)
		b, err := h.batch(ctx, e, base, lines[:n])
		if err != nil {
			return nil, err
		}
		bad = append(bad, b...)
		lines = lines[n:]
	}
	return bad, nil
}

// batch asks hunspell about lines, restarting it once after a failure.
func (h *Hunspell) batch(ctx context.Context, e *dictProc, base string, lines []string) ([]bool, error) {
	var err error
	for range 2 {
		var bad []bool
		if bad, err = h.attempt(ctx, e, base, lines); err == nil {
			return bad, nil
		}
		if e.p != nil {
			e.p.stop()
			e.p = nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	return nil, fmt.Errorf("hunspell %s: %w", filepath.Base(base), err)
}

// attempt starts hunspell when needed and asks it about lines, within Timeout.
func (h *Hunspell) attempt(ctx context.Context, e *dictProc, base string, lines []string) ([]bool, error) {
	actx, cancel := context.WithTimeout(ctx, h.timeout())
	defer cancel()
	if e.p == nil {
		p, err := startProcess(actx, h.path(), base)
		if err != nil {
			return nil, err
		}
		e.p = p
	}
	return e.p.check(actx, lines)
}

// Close stops every hunspell process and waits for them; a later call starts
// new ones. It always returns nil.
func (h *Hunspell) Close() error {
	h.mu.Lock()
	procs := h.procs
	h.procs = nil
	h.mu.Unlock()
	for _, e := range procs {
		e.mu.Lock()
		if e.p != nil {
			e.p.stop()
			e.p = nil
		}
		e.closed = true
		e.mu.Unlock()
	}
	return nil
}
