package cli

import (
	"context"
	"errors"
	"fmt"
	"github.com/stakeoutcx/stakeout/internal/secrets"
	"os"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stakeoutcx/stakeout/internal/redisconn"
	"github.com/stakeoutcx/stakeout/internal/store"
)

// RedisFlags are the flags of commands that use the queues or the run state.
type RedisFlags struct {
	RedisURL           string `name:"redis-url" env:"STAKEOUT_REDIS_URL" default:"redis://127.0.0.1:6379/0" help:"Redis that carries the asynq queues and run state: redis://[user:password@]host:port/db, rediss://... (TLS), or redis-sentinel://[user:password@]host1:port1,host2:port2,host3:port3/db?master=NAME[&sentinel_username=U&sentinel_password=P] (rediss-sentinel:// for TLS); also unix:///path.sock?db=N. A password in it is never logged."`
	RedisTLSCA         string `name:"redis-tls-ca" env:"STAKEOUT_REDIS_TLS_CA" help:"PEM file of the CA that signs the Redis (and sentinel) certificates, for rediss:// and rediss-sentinel:// (default: the system roots)."`
	RedisTLSCert       string `name:"redis-tls-cert" env:"STAKEOUT_REDIS_TLS_CERT" help:"PEM client certificate for Redis servers that ask for one (with --redis-tls-key)."`
	RedisTLSKey        string `name:"redis-tls-key" env:"STAKEOUT_REDIS_TLS_KEY" help:"PEM key of --redis-tls-cert."`
	RedisTLSServerName string `name:"redis-tls-server-name" env:"STAKEOUT_REDIS_TLS_SERVER_NAME" help:"Name to check in the Redis certificates (default: the host of each address dialled)."`
}

// StoreFlags are the flags of commands that read or write results.
type StoreFlags struct {
	DB string `name:"db" env:"STAKEOUT_DB" default:"stakeout.db" help:"Result store: a SQLite file path (embedded default), sqlite:PATH, or postgres://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=... (PostgreSQL; a password in it is never logged)."`
}

// redisConn parses the Redis URL and TLS files; errors never echo a password.
func (f *RedisFlags) redisConn() (redisconn.Conn, error) {
	c, err := redisconn.Parse(f.RedisURL, redisconn.TLSFiles{CA: f.RedisTLSCA, Cert: f.RedisTLSCert,
		Key: f.RedisTLSKey, ServerName: f.RedisTLSServerName})
	if err != nil {
		return redisconn.Conn{}, fmt.Errorf("--redis-url / STAKEOUT_REDIS_URL: %w", err)
	}
	return c, nil
}

// redis returns a client for --redis-url after checking it answers.
func (f *RedisFlags) redis() (*redis.Client, error) {
	conn, err := f.redisConn()
	if err != nil {
		return nil, err
	}
	rdb := conn.Client()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("redis at %s does not answer: %w", conn.Redacted(), secrets.Redact(err, urlPassword(f.RedisURL)))
	}
	return rdb, nil
}

// open opens the store to write results (creating the file when missing).
func (f *StoreFlags) open(ctx context.Context) (store.Store, error) {
	return store.Open(ctx, f.DB)
}

// openRead opens the store of a command that only reads: nothing is written to it, and
// a SQLite file that does not exist is an error (it is never created).
func (f *StoreFlags) openRead(ctx context.Context) (store.Store, error) {
	st, err := store.OpenReadOnly(ctx, f.DB)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w (--db / STAKEOUT_DB names the SQLite file the workers write)", err)
	}
	return st, err
}
