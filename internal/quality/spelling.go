package quality

import (
	"context"
	"fmt"
	"strings"
)

// defaultLanguage is the language of Rules with Language "".
const defaultLanguage = "en_US"

// Speller finds misspelled words.
type Speller interface {
	// Misspelled returns the words of words that dictionary dict does not
	// know, in order, duplicates kept, each as it was given.
	Misspelled(ctx context.Context, dict string, words []string) ([]string, error)
	// Dictionary resolves a language to an installed dictionary name; ok is
	// false when none is installed.
	Dictionary(lang string) (dict string, ok bool)
}

// diagnoser is a Speller that can say what it lacks to check a language
// (Hunspell: its program or the dictionary); nil when nothing is missing.
type diagnoser interface {
	diagnose(lang string) error
}

// spelling is the outcome of the spelling check.
type spelling struct {
	check    Check
	words    int      // words checked
	distinct []string // distinct misspelled words, at most maxMisspelledWords
}

// spellingCheck spell-checks the answers' bodies.
func spellingCheck(ctx context.Context, sp Speller, r Rules, texts []answerText) (spelling, error) {
	res := spelling{check: skipped(checkSpelling, groupAttention, "")}
	if sp == nil {
		res.check.Detail = "no spell checker: spelling not graded"
		return res, nil
	}
	lang := r.Language
	if lang == "" {
		lang = defaultLanguage
	}
	if d, ok := sp.(diagnoser); ok {
		if err := d.diagnose(lang); err != nil {
			res.check.Detail = err.Error() + ": spelling not graded"
			return res, nil
		}
	}
	dict, ok := sp.Dictionary(lang)
	if !ok {
		res.check.Detail = fmt.Sprintf("no dictionary for %q: spelling not graded", lang)
		return res, nil
	}
	words := collectWords(r, texts)
	if len(words) == 0 {
		res.check.Detail = "no word to check: spelling not graded"
		return res, nil
	}
	bad, err := misspelledSet(ctx, sp, dict, words)
	if err != nil {
		return spelling{}, err
	}
	return tallySpelling(r, words, bad), nil
}

// misspelledSet asks sp about each distinct word once and returns the misspelled ones.
func misspelledSet(ctx context.Context, sp Speller, dict string, words []word) (map[string]bool, error) {
	seen := map[string]bool{}
	var distinct []string
	for _, w := range words {
		if !seen[w.text] {
			seen[w.text] = true
			distinct = append(distinct, w.text)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	mis, err := sp.Misspelled(ctx, dict, distinct)
	if err != nil {
		return nil, fmt.Errorf("spelling: %w", err)
	}
	bad := make(map[string]bool, len(mis))
	for _, m := range mis {
		bad[m] = true
	}
	return bad, nil
}

// tallySpelling counts the misspelled words and builds the check.
func tallySpelling(r Rules, words []word, bad map[string]bool) spelling {
	res := spelling{words: len(words)}
	c := Check{Name: checkSpelling, Group: groupAttention, Answer: -1}
	count := 0
	listed := map[string]bool{}
	var all []string
	for _, w := range words {
		if !bad[w.text] {
			continue
		}
		count++
		if c.Answer < 0 {
			c.Answer = w.answer
		}
		if !listed[w.text] {
			listed[w.text] = true
			all = append(all, w.text)
		}
	}
	res.distinct = all[:min(len(all), maxMisspelledWords)]
	c.Passed = count <= max(r.MaxMisspellings, 0)
	c.Span = clipSpan(strings.Join(all, ", "))
	c.Detail = spellingDetail(count, len(all), len(words), c.Span)
	res.check = c
	return res
}

// spellingDetail is the spelling check's sentence, e.g.
// "3 misspelled words in 120 checked: recieve, teh, adress".
func spellingDetail(count, distinct, checked int, list string) string {
	if count == 0 {
		return fmt.Sprintf("no misspelled word in %d checked", checked)
	}
	noun := "words"
	if count == 1 {
		noun = "word"
	}
	if distinct != count {
		noun = fmt.Sprintf("%s (%d distinct)", noun, distinct)
	}
	return fmt.Sprintf("%d misspelled %s in %d checked: %s", count, noun, checked, list)
}
