// Package scheduler plans campaign runs and launches them onto asynq.
//
// A run is one launch of a campaign for one window; its id is deterministic
// (RunID), so planning or launching the same run twice gives the same probes.
//
// Planning (Plan) turns a campaign and a run into probes: for every target, the
// configured number of probes per channel, spread evenly over the target's business
// hours inside the window (computed in the target's timezone, safe across daylight
// saving changes), with a seeded jitter, channels interleaved, scenarios dealt round
// robin, and the pacing min gap kept between any two probes of one target. A plan is
// reproducible from the run id and differs from one run to the next. WritePlan prints
// a plan as a table, CSV or JSON.
//
// Launching (Launcher, in launch.go) enqueues each planned probe as an asynq task to
// be processed at its planned time, under a deterministic task id, so a launch can be
// repeated or run from several processes without enqueuing a probe twice. Recurring
// launches the runs of a directory of campaigns as their recurrence comes due, and
// GetStatus and Cancel watch and stop a launched run.
package scheduler
