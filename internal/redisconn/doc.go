// Package redisconn says how stakeout reaches its Redis: one server (redis://, rediss://,
// unix://) or a Sentinel group (redis-sentinel://, rediss-sentinel://), with optional TLS
// files. A Conn gives the go-redis client that run state, pacing and leases use, and the
// asynq connection of the queues, both pointing at the same server with the same TLS,
// credentials and database; with Sentinel both follow a failover without a restart.
//
// A Conn never shows a password: String and Redacted describe it without secrets, and
// the errors of Parse never echo a password, whatever the URL looks like.
package redisconn
