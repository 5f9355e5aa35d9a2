package deploy

import (
	"bytes"
	"context"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/stakeoutcx/stakeout/internal/metrics"
	"github.com/stakeoutcx/stakeout/internal/redistest"
)

// prometheusNames are the series Prometheus itself writes that rules and dashboards may
// select.
var prometheusNames = []string{"up", "ALERTS", "ALERTS_FOR_STATE"}

// exported is what stakeout's processes export: the union of a worker's registry (every
// channel, results, scoring, alerting, the queue metrics of --queue-metrics) and a
// scheduler's (the queue metrics and Redis), with one series at least in every family.
type exported struct {
	reg *prometheus.Registry
	// names holds every series name: a histogram's own (native) and its _bucket, _sum
	// and _count.
	names map[string]bool
}

// exportedMetrics builds the registries against a redis-server of the test, feeds every
// metric one sample and the store-backed collectors fake scorecards and alerts.
func exportedMetrics(t *testing.T) *exported {
	t.Helper()
	rdb := redistest.Client(t, redistest.Start(t))
	if _, err := asynq.NewClientFromRedisClient(rdb).Enqueue(asynq.NewTask("probe:chat", nil), asynq.Queue("chat")); err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
	reg := metrics.NewRegistry()
	for _, m := range []any{metrics.NewProbe(reg), metrics.NewResults(reg), metrics.NewMail(reg),
		metrics.NewScoring(reg), metrics.NewAlerting(reg), metrics.NewBrowser(reg)} {
		feed(t, m)
	}
	reg.MustRegister(metrics.NewScoreCollector(fakeScores), metrics.NewAlertCollector(fakeAlerts),
		metrics.NewRedisCollector(rdb), metrics.NewQueueCollector(asynq.NewInspectorFromRedisClient(rdb)))

	e := &exported{reg: reg, names: map[string]bool{}}
	for _, n := range append(described(t, reg), metrics.QueueMetricNames...) {
		e.names[n] = true
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	gathered := map[string]bool{}
	for _, mf := range mfs {
		gathered[mf.GetName()] = true
		if !e.names[mf.GetName()] {
			t.Errorf("%s is gathered but neither described nor in metrics.QueueMetricNames", mf.GetName())
		}
		if mf.GetType() == dto.MetricType_HISTOGRAM || mf.GetType() == dto.MetricType_GAUGE_HISTOGRAM {
			for _, s := range []string{"_bucket", "_sum", "_count"} {
				e.names[mf.GetName()+s] = true
			}
		}
	}
	for n := range e.names {
		if !gathered[n] && !strings.HasSuffix(n, "_bucket") && !strings.HasSuffix(n, "_sum") && !strings.HasSuffix(n, "_count") {
			t.Errorf("%s is exported but has no series here: feed it a sample (feed, fakeScores, fakeAlerts)", n)
		}
	}
	for _, n := range prometheusNames {
		e.names[n] = true
	}
	return e
}

// fqName reads the name and variable labels out of a Desc's String: client_golang
// exports neither.
var fqName = regexp.MustCompile(`^Desc\{fqName: ("(?:[^"\\]|\\.)*"), .*variableLabels: \{([^}]*)\}\}$`)

// described returns the names of every metric reg describes.
func described(t *testing.T, c prometheus.Collector) []string {
	t.Helper()
	var names []string
	for _, d := range descs(c) {
		m := fqName.FindStringSubmatch(d.String())
		if m == nil {
			t.Fatalf("cannot read the name of %s", d)
		}
		n, err := strconv.Unquote(m[1])
		if err != nil {
			t.Fatalf("name of %s: %v", d, err)
		}
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// descs returns what c describes.
func descs(c prometheus.Collector) []*prometheus.Desc {
	ch := make(chan *prometheus.Desc)
	go func() { c.Describe(ch); close(ch) }()
	var out []*prometheus.Desc
	for d := range ch {
		out = append(out, d)
	}
	return out
}

// labelCount is the number of variable labels of the one metric c describes.
func labelCount(t *testing.T, c prometheus.Collector) int {
	t.Helper()
	ds := descs(c)
	if len(ds) != 1 {
		t.Fatalf("%T describes %d metrics, want 1", c, len(ds))
	}
	labels := fqName.FindStringSubmatch(ds[0].String())[2]
	if labels == "" {
		return 0
	}
	return strings.Count(labels, ",") + 1
}

// feed gives one sample to every metric field of m, a struct of metrics such as
// *metrics.Probe, so that new fields are fed without changing the test.
func feed(t *testing.T, m any) {
	t.Helper()
	v := reflect.ValueOf(m).Elem()
	for i := range v.NumField() {
		if !v.Field(i).CanInterface() {
			continue
		}
		f := v.Field(i).Interface()
		values := func(c prometheus.Collector) []string {
			vs := make([]string, labelCount(t, c))
			for j := range vs {
				vs[j] = "x"
			}
			return vs
		}
		switch c := f.(type) {
		case *prometheus.CounterVec:
			c.WithLabelValues(values(c)...).Inc()
		case *prometheus.GaugeVec:
			c.WithLabelValues(values(c)...).Set(1)
		case *prometheus.HistogramVec:
			c.WithLabelValues(values(c)...).Observe(1)
		case prometheus.Histogram:
			c.Observe(1)
		case prometheus.Gauge: // before Counter: a Gauge has Inc and Add too
			c.Set(1)
		case prometheus.Counter:
			c.Inc()
		default:
			t.Fatalf("%T.%s is a %T: teach feed to give it a sample", m, v.Type().Field(i).Name, f)
		}
	}
}

func fakeScores(context.Context) ([]metrics.ScoreSample, error) {
	s := metrics.ScoreSample{Target: "acme", Channel: "chat", Window: "run", Score: 84.5, Tier: 2,
		ResponseRate: 0.92, SLACompliance: 0.8, Reached: 40, SLAHumanS: 300, SLAFirstS: 60, SLARate: 0.9}
	week := s
	week.Window, week.Score, week.Tier = "7d", 71, 1
	return []metrics.ScoreSample{s, week}, nil
}

func fakeAlerts(context.Context) ([]metrics.OpenAlert, error) {
	return []metrics.OpenAlert{{Client: "acme-corp", Target: "acme", Channel: "chat", Kind: "latency", Severity: "warning"}}, nil
}

// exposition is the text exposition of the registry, as Prometheus would scrape it
// without native histograms.
func (e *exported) exposition(t *testing.T) []byte {
	t.Helper()
	mfs, err := e.reg.Gather()
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			t.Fatalf("encode %s: %v", mf.GetName(), err)
		}
	}
	return buf.Bytes()
}
