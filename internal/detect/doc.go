// Package detect is stakeout's degradation detector: after each new result for a target
// on a channel, the scoring worker gives Evaluate that target×channel's history of
// reached probes and the alerts it has open, and Decide turns the findings into alerts
// to open or resolve.
//
// Four kinds are judged. latency: the recent human response times against a baseline of
// the probes before them, by a rank-based one-sided CUSUM whose false-alarm rate does
// not depend on the times' spread or distribution. response_rate: the recent share
// answered against the baseline's, by Fisher's exact test scanned over the recent
// window's suffixes, opening only on an unanswered probe. sla_breach: the recent window
// against the campaign's SLA, only when the whole 95% interval is past it.
// stopped_answering: the newest K probes all without a human answer, when a human
// answered before them. An open alert keeps its baseline frozen at the probes before
// the change it detected, and clears with hysteresis; a resolved kind waits a cooldown
// before it may reopen.
//
// The package is pure computation: no I/O, no clock, no randomness but the seeded
// bootstrap of scoring. The same history always gives the same findings.
// docs/detector.md gives every test, parameter and the benchmark's measured error rates.
package detect
