// Package quality grades how good a company's human answers to a mystery
// shopper's question were, the way StellaService's analysts did: product and
// policy knowledge, professionalism, attention to detail, resolution. It is
// deterministic and needs no network; docs/quality.md states every rule.
//
// Grader.Grade takes a probe's Rules and its human answers (for email, the
// decoded plain-text body of each human reply; for chat, each agent message)
// and returns a Grade: one Check per rule, each with the text span that
// satisfied or broke it, kept as evidence for the report.
//
// Every answer is first clipped to 64 KiB on a rune boundary, invalid UTF-8 is
// replaced and control characters other than LF and TAB become spaces. An
// email answer then loses its quoted text: lines starting with ">" and
// everything from the first reply attribution ("On ... wrote:",
// "-----Original Message-----", an Outlook From:/Sent:/Subject: block, a line
// of underscores) to the end; its signature (after a "-- " line) counts for the
// closing check only, not for spelling.
//
// The checks, in the order of Grade.Checks:
//
//   - expect:NAME (knowledge): the fact's pattern matches some answer.
//   - must_not:NAME (knowledge): the claim's pattern matches no answer.
//   - greeting (professionalism): the first answer opens with a greeting.
//   - name (professionalism): an answer uses the persona's first name.
//   - closing (professionalism, email only): an answer ends with a sign-off
//     in its last 6 non-empty lines, or has a signature.
//   - spelling (attention): at most Rules.MaxMisspellings misspelled words,
//     leaving out links, tokens with digits, one-letter words, acronyms,
//     capitalised words inside a sentence, Rules.Ignore and the persona.
//
// A skipped check (not applicable, or could not run) counts neither way.
// Grade.Score is the mean over the groups with an applied check of the share
// of that group's applied checks that passed; Grade.Resolved says every
// expected fact was stated and no forbidden claim made.
//
// Spelling uses a Speller; Hunspell runs the real hunspell program, one
// long-lived process per dictionary, restarted once when it dies or hangs. A
// missing program or dictionary skips the spelling check and says what is
// missing; it is not an error:
//
//	h := &quality.Hunspell{}
//	defer h.Close()
//	g := &quality.Grader{Speller: h}
//	grade, err := g.Grade(ctx, rules, answers)
//	if err != nil {
//		return err // ctx ended or hunspell broke: retry later
//	}
package quality
