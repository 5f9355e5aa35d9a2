// Package workers holds stakeout's asynq handlers and the worker server that runs them:
// the probe dispatcher (pacing, run state, the probe itself, the result task), the results
// handler (idempotent store upsert, then metrics), and the components later issues add
// (mail watcher, deadlines, scoring, alerts).
package workers
