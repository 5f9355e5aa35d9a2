package quality

import (
	"context"
	"strings"
	"testing"
)

// BenchmarkGrade grades a 64 KiB email answer of ordinary words with hunspell.
func BenchmarkGrade(b *testing.B) {
	answer := strings.Repeat("Hello Jane, you can return the jacket within 30 days. See https://zorblax.example/returns.\n", 800)
	g := &Grader{Speller: realHunspell(b)}
	ctx := context.Background()
	for b.Loop() {
		if _, err := g.Grade(ctx, returnsRules, []string{answer}); err != nil {
			b.Fatal(err)
		}
	}
}
