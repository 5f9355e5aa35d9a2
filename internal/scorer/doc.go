// Package scorer keeps the stored scorecards in step with the stored results: it grades
// the human answers of probes (internal/quality), computes the cards of a run and of
// the trailing 7 and 30 days (internal/scoring) and writes them to the store. The
// scoring worker calls Update for each (run, target, channel) that got results;
// `stakeout scores rebuild` calls Rebuild. Reads go through Cards, which ranks them.
package scorer
