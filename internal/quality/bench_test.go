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

// BenchmarkGradeTypical grades a typical support email (about 80 words, quoted original
// below it): the cost of grading one probe's answer.
func BenchmarkGradeTypical(b *testing.B) {
	answer := "Hi Jane,\n\nThanks for reaching out. Refunds reach your card within 5 to 7 business days of the item " +
		"arriving at our warehouse, and returns are free: print the label from your account page and drop the parcel " +
		"at any post office. I have added a note to your order so our team knows the details. Let me know if " +
		"anything else comes up.\n\nBest regards,\nMaria\nAcme Outdoor Customer Support\n\n" +
		"On Mon, 1 Dec 2026 at 10:00, Jane Doe <jane@example.com> wrote:\n> Hello, how long does a refund take?\n"
	g := &Grader{Speller: realHunspell(b)}
	ctx := context.Background()
	for b.Loop() {
		if _, err := g.Grade(ctx, returnsRules, []string{answer}); err != nil {
			b.Fatal(err)
		}
	}
}
