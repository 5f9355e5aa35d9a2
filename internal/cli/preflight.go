package cli

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// preflightTimeout bounds the checks of a Redis at start.
const preflightTimeout = 5 * time.Second

// warnPersistence logs a warning when Redis keeps no persistence (no AOF, no RDB
// snapshots): a restart then loses every queued probe, deadline and run state, and
// only the result store remembers what was sent. A Redis that refuses CONFIG is
// reported as not checked.
func warnPersistence(ctx context.Context, rdb *redis.Client, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(ctx, preflightTimeout)
	defer cancel()
	aof, err1 := configGet(ctx, rdb, "appendonly")
	save, err2 := configGet(ctx, rdb, "save")
	if err := firstErr(err1, err2); err != nil {
		log.Warn("could not check whether Redis persists its data (CONFIG GET refused): without persistence a Redis restart loses queued probes, deadlines and run state",
			"err", err)
		return
	}
	if aof != "yes" && strings.TrimSpace(save) == "" {
		log.Warn("Redis keeps no persistence (appendonly no, save \"\"): a restart loses queued probes, deadlines and run state; turn on appendonly yes (see docs/worker.md)")
	}
}

// checkNoEviction refuses a Redis whose maxmemory-policy is not noeviction: under
// memory pressure it would silently drop queued tasks and probe records. A Redis that
// refuses CONFIG is checked through INFO memory; when that fails too, a warning says
// it could not be checked.
func checkNoEviction(ctx context.Context, rdb *redis.Client, log *slog.Logger) error {
	ctx, cancel := context.WithTimeout(ctx, preflightTimeout)
	defer cancel()
	policy, err := configGet(ctx, rdb, "maxmemory-policy")
	if err != nil {
		policy, err = infoField(ctx, rdb, "memory", "maxmemory_policy")
	}
	if err != nil {
		log.Warn("could not check Redis's maxmemory-policy (want noeviction)", "err", err)
		return nil
	}
	if policy != "noeviction" {
		return fmt.Errorf("redis maxmemory-policy is %q: it may evict queued probes and their records; set maxmemory-policy noeviction (redis.conf, or CONFIG SET maxmemory-policy noeviction)", policy)
	}
	return nil
}

// configGet returns the value of one Redis setting.
func configGet(ctx context.Context, rdb *redis.Client, name string) (string, error) {
	v, err := rdb.ConfigGet(ctx, name).Result()
	if err != nil {
		return "", fmt.Errorf("config get %s: %w", name, err)
	}
	val, ok := v[name]
	if !ok {
		return "", fmt.Errorf("config get %s: no such setting", name)
	}
	return val, nil
}

// infoField returns one field of an INFO section.
func infoField(ctx context.Context, rdb *redis.Client, section, field string) (string, error) {
	info, err := rdb.Info(ctx, section).Result()
	if err != nil {
		return "", fmt.Errorf("info %s: %w", section, err)
	}
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), field+":"); ok {
			return v, nil
		}
	}
	return "", fmt.Errorf("info %s: no field %s", section, field)
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
