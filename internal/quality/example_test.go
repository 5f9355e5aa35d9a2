package quality_test

import (
	"context"
	"fmt"
	"regexp"

	"github.com/stakeoutcx/stakeout/internal/quality"
)

func ExampleGrader_Grade() {
	h := &quality.Hunspell{}
	defer h.Close()
	g := &quality.Grader{Speller: h}
	rules := quality.Rules{
		Channel: "email",
		Expect:  []quality.Fact{{Name: "window", Pattern: regexp.MustCompile(`(?i)\b30 days\b`)}},
		MustNot: []quality.Fact{{Name: "fee", Pattern: regexp.MustCompile(`(?i)restocking fee`)}},
		Persona: "Jane Doe",
	}
	reply := "Hi Jane,\n\nYou can return it within 30 days. We will send teh label.\n\nBest regards,\nSam\n\n" +
		"On Mon, 1 Dec 2026 at 10:00, Jane Doe <jane@example.com> wrote:\n> Is there a restocking fee?\n"
	grade, err := g.Grade(context.Background(), rules, []string{reply})
	if err != nil {
		fmt.Println("retry later:", err)
		return
	}
	for _, c := range grade.Checks {
		fmt.Printf("%-15s passed=%-5v span=%q\n", c.Name, c.Passed, c.Span)
	}
	fmt.Printf("score %.4f, resolved %v\n", grade.Score, grade.Resolved)
	// Output:
	// expect:window   passed=true  span="30 days"
	// must_not:fee    passed=true  span=""
	// greeting        passed=true  span="Hi"
	// name            passed=true  span="Jane"
	// closing         passed=true  span="Best regards,"
	// spelling        passed=false span="teh"
	// score 0.6667, resolved true
}

func ExampleHunspell_Dictionary() {
	h := &quality.Hunspell{}
	for _, lang := range []string{"", "en", "en-US", "xx_XX"} {
		dict, ok := h.Dictionary(lang)
		fmt.Printf("%q -> %q %v\n", lang, dict, ok)
	}
	// Output:
	// "" -> "en_US" true
	// "en" -> "en_US" true
	// "en-US" -> "en_US" true
	// "xx_XX" -> "" false
}
