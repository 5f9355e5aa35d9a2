package quality

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// installHint ends the error of a missing hunspell.
const installHint = "install Debian packages hunspell hunspell-en-us"

// reDictName is what a dictionary name may look like (no path separators).
var reDictName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.@-]*$`)

// Available reports nil when hunspell can run: its program is found and at
// least one dictionary is installed; otherwise an error naming what is missing.
func (h *Hunspell) Available() error {
	if err := h.binary(); err != nil {
		return err
	}
	if len(h.installed()) == 0 {
		return fmt.Errorf("no hunspell dictionary installed (looked in %s): %s",
			strings.Join(h.dirs(), ", "), installHint)
	}
	return nil
}

// binary reports nil when the hunspell program is found.
func (h *Hunspell) binary() error {
	if _, err := exec.LookPath(h.path()); err != nil {
		if h.Path == "" {
			return errors.New("hunspell not found: " + installHint)
		}
		return fmt.Errorf("hunspell not found at %q: %s", h.Path, installHint)
	}
	return nil
}

// diagnose reports what is missing to check lang, nil when nothing is.
func (h *Hunspell) diagnose(lang string) error {
	if err := h.binary(); err != nil {
		return err
	}
	if _, ok := h.Dictionary(lang); !ok {
		return fmt.Errorf("no hunspell dictionary for %q (looked in %s)", lang, strings.Join(h.dirs(), ", "))
	}
	return nil
}

// Dictionary resolves a language to an installed dictionary name: "" and "en"
// mean "en_US"; "-" is read as "_" ("en-GB" is "en_GB"); another 2-letter code
// xx means xx_XX when installed, else the first installed dictionary, in
// DictDirs order then name order, whose name starts with "xx_"; any other
// name is used as it is. ok is false when the dictionary's .dic and .aff files
// are not both in one of DictDirs.
func (h *Hunspell) Dictionary(lang string) (string, bool) {
	lang = strings.ReplaceAll(strings.TrimSpace(lang), "-", "_")
	switch {
	case lang == "" || strings.EqualFold(lang, "en"):
		lang = "en_US"
	case len(lang) == 2:
		return h.byCode(strings.ToLower(lang))
	}
	if _, ok := h.dictPath(lang); !ok {
		return "", false
	}
	return lang, true
}

// byCode finds the dictionary of a 2-letter language code.
func (h *Hunspell) byCode(code string) (string, bool) {
	if preferred := code + "_" + strings.ToUpper(code); h.has(preferred) {
		return preferred, true
	}
	for _, name := range h.installed() {
		if strings.HasPrefix(name, code+"_") {
			return name, true
		}
	}
	return "", false
}

func (h *Hunspell) has(dict string) bool {
	_, ok := h.dictPath(dict)
	return ok
}

// dictPath is the path of a dictionary without extension, as hunspell -d takes it.
func (h *Hunspell) dictPath(dict string) (string, bool) {
	if !reDictName.MatchString(dict) {
		return "", false
	}
	for _, dir := range h.dirs() {
		base := filepath.Join(dir, dict)
		if isFile(base+".dic") && isFile(base+".aff") {
			return base, true
		}
	}
	return "", false
}

// installed lists the installed dictionaries, in DictDirs order then name order.
func (h *Hunspell) installed() []string {
	var out []string
	for _, dir := range h.dirs() {
		matches, _ := filepath.Glob(filepath.Join(dir, "*.dic"))
		slices.Sort(matches)
		for _, m := range matches {
			name := strings.TrimSuffix(filepath.Base(m), ".dic")
			if h.has(name) && !slices.Contains(out, name) {
				out = append(out, name)
			}
		}
	}
	return out
}

func isFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}
