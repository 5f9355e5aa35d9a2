package metrics

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stakeoutcx/stakeout/internal/redistest"
)

// stakeout_redis_up is 1 while the redis-server answers and 0 once it is gone.
func TestRedisCollector(t *testing.T) {
	rs := redistest.Start(t)
	reg := prometheus.NewRegistry()
	reg.MustRegister(NewRedisCollector(redistest.Client(t, rs)))
	const help = "# HELP stakeout_redis_up 1 when this process's Redis answered a PING during the scrape (within 1 s), else 0.\n# TYPE stakeout_redis_up gauge\n"
	if err := testutil.GatherAndCompare(reg, strings.NewReader(help+"stakeout_redis_up 1\n")); err != nil {
		t.Errorf("Redis up: %v", err)
	}
	rs.Stop()
	if err := testutil.GatherAndCompare(reg, strings.NewReader(help+"stakeout_redis_up 0\n")); err != nil {
		t.Errorf("Redis stopped: %v", err)
	}
}
