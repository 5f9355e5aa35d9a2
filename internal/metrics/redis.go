package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// RedisPingTimeout bounds the PING of one scrape of stakeout_redis_up.
const RedisPingTimeout = time.Second

// redisCollector exports stakeout_redis_up, PINGing Redis at each scrape.
type redisCollector struct {
	ping HealthCheck
	up   *prometheus.Desc
}

// NewRedisCollector returns the collector of stakeout_redis_up: 1 when rdb answered a
// PING within RedisPingTimeout during the scrape, else 0. Every process registers its
// own: it says whether that process reaches its Redis.
func NewRedisCollector(rdb redis.UniversalClient) prometheus.Collector {
	return &redisCollector{
		ping: RedisHealth(rdb),
		up:   prometheus.NewDesc("stakeout_redis_up", "1 when this process's Redis answered a PING during the scrape (within 1 s), else 0.", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *redisCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.up }

// Collect implements prometheus.Collector.
func (c *redisCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), RedisPingTimeout)
	defer cancel()
	up := 1.0
	if c.ping(ctx) != nil {
		up = 0
	}
	ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, up)
}
