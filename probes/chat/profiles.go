package chat

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/stakeoutcx/stakeout/examples/widgets"
	"github.com/stakeoutcx/stakeout/internal/safefile"
	"github.com/stakeoutcx/stakeout/probes/chat/profile"
)

// Profiles finds widget profiles by name: in a directory of profile files
// (each file's name field, or its file name without .yaml), then among the
// profiles built into stakeout (examples/widgets). Profiles are read once.
type Profiles struct {
	// Dir is a directory of *.yaml profiles; empty means built-ins only.
	Dir string

	once   sync.Once
	byName map[string]*profile.Profile
	err    error
}

// Lookup returns the profile called name.
func (ps *Profiles) Lookup(name string) (*profile.Profile, error) {
	ps.once.Do(ps.load)
	if p, ok := ps.byName[name]; ok {
		return p, nil
	}
	if ps.err != nil {
		return nil, ps.err
	}
	return nil, fmt.Errorf("no widget profile named %q (known: %s)", name, strings.Join(ps.Names(), ", "))
}

// Names lists the known profile names, sorted.
func (ps *Profiles) Names() []string {
	ps.once.Do(ps.load)
	out := make([]string, 0, len(ps.byName))
	for n := range ps.byName {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// load reads the built-ins, then the directory (which wins on a name clash).
func (ps *Profiles) load() {
	ps.byName = map[string]*profile.Profile{}
	var errs []error
	errs = append(errs, ps.add(widgets.FS, ".", func(f string) ([]byte, error) { return fs.ReadFile(widgets.FS, f) }))
	if ps.Dir != "" {
		// Only regular files of bounded size, inside the directory: a FIFO or a
		// device named *.yaml must not hang or exhaust the worker.
		errs = append(errs, ps.add(os.DirFS(ps.Dir), ps.Dir, func(f string) ([]byte, error) {
			return safefile.ReadIn(context.Background(), ps.Dir, f, profile.MaxFileBytes)
		}))
	}
	ps.err = errors.Join(errs...)
}

// add reads every *.yaml of fsys with read; shown is the directory named in errors.
func (ps *Profiles) add(fsys fs.FS, shown string, read func(name string) ([]byte, error)) error {
	files, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return err
	}
	var errs []error
	for _, f := range files {
		data, err := read(f)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		p, err := profile.Parse(filepath.Join(shown, f), data)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ps.byName[p.Name] = p
		ps.byName[strings.TrimSuffix(f, ".yaml")] = p
	}
	return errors.Join(errs...)
}
