package cli

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stakeoutcx/stakeout/internal/redistest"
)

// The worker refuses a Redis that may evict keys, and the worker and the scheduler warn
// when Redis keeps no persistence, or say that it could not be checked.
func TestRedisPreflight(t *testing.T) {
	ctx := context.Background()
	rs := redistest.Start(t)
	rdb := redistest.Client(t, rs)
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))

	if err := checkNoEviction(ctx, rdb, log); err != nil {
		t.Errorf("checkNoEviction(noeviction) = %v", err)
	}
	warnPersistence(ctx, rdb, log)
	if !strings.Contains(logs.String(), "Redis keeps no persistence") {
		t.Errorf("no warning about a Redis without persistence; logs: %s", logs.String())
	}

	logs.Reset()
	rdb.ConfigSet(ctx, "appendonly", "yes")
	warnPersistence(ctx, rdb, log)
	if logs.Len() != 0 {
		t.Errorf("a warning with appendonly yes: %s", logs.String())
	}

	rdb.ConfigSet(ctx, "maxmemory-policy", "allkeys-lru")
	err := checkNoEviction(ctx, rdb, log)
	if err == nil || !strings.Contains(err.Error(), `maxmemory-policy is "allkeys-lru"`) || !strings.Contains(err.Error(), "noeviction") {
		t.Errorf("checkNoEviction(allkeys-lru) = %v, want an error naming the setting and the fix", err)
	}

	// A user that may not run CONFIG: the policy is read from INFO; persistence is
	// reported as not checked.
	if err := rdb.Do(ctx, "ACL", "SETUSER", "limited", "on", ">pw", "~*", "&*", "+@all", "-config").Err(); err != nil {
		t.Fatal(err)
	}
	limited := redis.NewClient(&redis.Options{Addr: rs.Addr, Username: "limited", Password: "pw"})
	defer limited.Close()
	if err := checkNoEviction(ctx, limited, log); err == nil {
		t.Errorf("checkNoEviction(allkeys-lru, no CONFIG) = nil, want the error from INFO")
	}
	logs.Reset()
	warnPersistence(ctx, limited, log)
	if !strings.Contains(logs.String(), "could not check whether Redis persists") {
		t.Errorf("no 'could not check' warning without CONFIG; logs: %s", logs.String())
	}
}
