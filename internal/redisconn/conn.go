package redisconn

import (
	"log/slog"
	"strconv"
	"strings"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// Conn describes how to reach Redis: one server or a Sentinel group. The zero value
// describes nothing (IsZero); build one with Parse or Addr. A Conn is a value: copies
// share only the immutable TLS configuration.
type Conn struct {
	single   *redis.Options
	failover *redis.FailoverOptions
	desc     string
}

// Addr returns the Conn of a plain (no TLS, no password) Redis at host:port, database 0.
// Tests and private child servers use it.
func Addr(addr string) Conn {
	return Conn{single: &redis.Options{Addr: addr}, desc: "redis://" + addr + " db 0"}
}

// IsZero reports whether c describes no Redis.
func (c Conn) IsZero() bool { return c.single == nil && c.failover == nil }

// Sentinel reports whether c reaches Redis through Sentinel.
func (c Conn) Sentinel() bool { return c.failover != nil }

// DB returns the Redis database number.
func (c Conn) DB() int {
	switch {
	case c.single != nil:
		return c.single.DB
	case c.failover != nil:
		return c.failover.DB
	}
	return 0
}

// Client returns a new go-redis client: redis.NewClient for one server,
// redis.NewFailoverClient (which asks the sentinels for the current primary and
// follows its changes) for a Sentinel group. The caller closes it. It panics on the
// zero Conn.
func (c Conn) Client() *redis.Client {
	switch {
	case c.single != nil:
		o := *c.single
		return redis.NewClient(&o)
	case c.failover != nil:
		o := *c.failover
		o.SentinelAddrs = append([]string(nil), c.failover.SentinelAddrs...)
		return redis.NewFailoverClient(&o)
	}
	panic("redisconn: Client of a zero Conn")
}

// Asynq returns the asynq connection to the same Redis: an asynq.RedisClientOpt for
// one server, an asynq.RedisFailoverClientOpt for a Sentinel group, with the same TLS
// configuration, credentials and database as Client. It panics on the zero Conn.
func (c Conn) Asynq() asynq.RedisConnOpt {
	switch {
	case c.single != nil:
		o := c.single
		return asynq.RedisClientOpt{Network: o.Network, Addr: o.Addr, Username: o.Username, Password: o.Password,
			DB: o.DB, DialTimeout: o.DialTimeout, ReadTimeout: o.ReadTimeout, WriteTimeout: o.WriteTimeout,
			PoolSize: o.PoolSize, TLSConfig: o.TLSConfig}
	case c.failover != nil:
		o := c.failover
		return asynq.RedisFailoverClientOpt{MasterName: o.MasterName,
			SentinelAddrs:    append([]string(nil), o.SentinelAddrs...),
			SentinelUsername: o.SentinelUsername, SentinelPassword: o.SentinelPassword,
			Username: o.Username, Password: o.Password, DB: o.DB,
			DialTimeout: o.DialTimeout, ReadTimeout: o.ReadTimeout, WriteTimeout: o.WriteTimeout,
			PoolSize: o.PoolSize, TLSConfig: o.TLSConfig}
	}
	panic("redisconn: Asynq of a zero Conn")
}

// Redacted describes c without any secret, e.g. "redis://127.0.0.1:6379 db 0",
// "rediss://app@redis.example.com:6380 db 2" or
// "redis-sentinel://h1:26379,h2:26379,h3:26379 master mymaster db 0".
func (c Conn) Redacted() string {
	if c.IsZero() {
		return "no redis"
	}
	return c.desc
}

// String is Redacted, so that a Conn printed with %v or %s shows no secret.
func (c Conn) String() string { return c.Redacted() }

// LogValue makes slog log a Conn as Redacted.
func (c Conn) LogValue() slog.Value { return slog.StringValue(c.Redacted()) }

// describe builds the Redacted text of a Conn; it holds no password by construction.
func describe(scheme, user string, addrs []string, master string, db int) string {
	var b strings.Builder
	b.WriteString(scheme)
	b.WriteString("://")
	if user != "" {
		b.WriteString(user)
		b.WriteString("@")
	}
	b.WriteString(strings.Join(addrs, ","))
	if master != "" {
		b.WriteString(" master ")
		b.WriteString(master)
	}
	b.WriteString(" db ")
	b.WriteString(strconv.Itoa(db))
	return b.String()
}
