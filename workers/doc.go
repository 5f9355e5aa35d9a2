// Package workers is stakeout's asynq glue: the worker server, the probe dispatcher
// (pacing, run state, the probe, the result task), the results handler (idempotent store
// upsert, then metrics) and the email deadline handler. A channel's own logic lives in
// its probes/ package: the email channel's mail watchers, checkpoints and deadlines are in
// probes/email, the browser and widget logic in probes/chat.
package workers
