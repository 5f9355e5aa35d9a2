// Package alerting turns the degradation detector's findings (internal/detect) into
// stored alerts, and delivers them to Alertmanager's v2 API: the routing, grouping,
// silences and receivers are Alertmanager's (docs/alerts.md).
//
// The results store holds each alert's state and history: one firing alert at most per
// target, channel and kind, opened when the detector's test fires outside the kind's
// cooldown, resolved when it clears. Evaluate runs the detector after each scoring
// update; a Deliverer posts every firing alert again before Alertmanager would let it
// expire, and keeps posting a resolved one for a while.
package alerting
