// Package scoring turns the stored results of one target on one channel into a
// scorecard: counts, the response rate with its Wilson interval, the median and 90th
// percentile of the human response time with seeded bootstrap intervals, SLA
// compliance, answer quality, a 0–100 score with its own interval, the StellaService
// tier (Elite, Excellent, Approved, Not Approved), stars, and the rank and percentile
// among the target's industry and among all targets. docs/scoring.md publishes every
// rule with a worked example.
//
// The package is pure computation: it reads no store and no clock. The same probes and
// settings always give the same card, in any input order.
package scoring
