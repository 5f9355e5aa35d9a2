package cli

import (
	"context"
	"errors"
	"fmt"
	"github.com/stakeoutcx/stakeout/internal/secrets"
	"os"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stakeoutcx/stakeout/internal/store"
)

// RedisFlags are the flags of commands that use the queues or the run state.
type RedisFlags struct {
	RedisURL string `name:"redis-url" env:"STAKEOUT_REDIS_URL" default:"redis://127.0.0.1:6379/0" help:"Redis that carries the asynq queues and run state (redis:// or rediss:// URL; a password in it is never logged)."`
}

// StoreFlags are the flags of commands that read or write results.
type StoreFlags struct {
	DB string `name:"db" env:"STAKEOUT_DB" default:"stakeout.db" help:"Result store: a SQLite file path (embedded default), sqlite:PATH, or postgres://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=... (PostgreSQL; a password in it is never logged)."`
}

// redisOptions parses the Redis URL; errors never echo the URL (it may hold a password).
func (f *RedisFlags) redisOptions() (*redis.Options, error) {
	o, err := redis.ParseURL(f.RedisURL)
	if err != nil {
		return nil, fmt.Errorf("--redis-url / STAKEOUT_REDIS_URL is not a valid redis:// URL: %s", secrets.Redact(err, f.RedisURL, urlPassword(f.RedisURL)))
	}
	return o, nil
}

// redis returns a client for --redis-url after checking it answers.
func (f *RedisFlags) redis() (*redis.Client, error) {
	opts, err := f.redisOptions()
	if err != nil {
		return nil, err
	}
	rdb := redis.NewClient(opts)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("redis at %s does not answer: %w", opts.Addr, err)
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
