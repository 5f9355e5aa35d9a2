package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stakeoutcx/stakeout/internal/redistest"
	"github.com/stakeoutcx/stakeout/internal/store"
)

// Throughput fleet: throughputTargets companies answering in about a second, over
// throughputMailboxes probe mailboxes (one mail watcher each, across the fleet), each
// company probed throughputPerTarget times.
const (
	throughputTargets   = 120
	throughputPerTarget = 25
	throughputMailboxes = 6
)

// BenchmarkEmailThroughput measures end-to-end email probes per second (from the launch
// to every result in the store: SMTP send, the simulated human reply, the mail watcher,
// the results worker) with 1 and with 3 worker processes, against the simulator as a
// process and a private Redis. Nearly every probe is due at once (the run's window
// opened 59 minutes before the launch), so the workers, not the plan, set the pace.
func BenchmarkEmailThroughput(b *testing.B) {
	for _, n := range []int{1, 3} {
		b.Run(fmt.Sprintf("workers=%d", n), func(b *testing.B) {
			for range b.N {
				benchEmailFleet(b, n)
			}
		})
	}
}

func benchEmailFleet(b *testing.B, workers int) {
	redis := redistest.Start(b)
	dir := b.TempDir()
	var sb strings.Builder
	sb.WriteString("mailboxes:\n")
	for m := range throughputMailboxes {
		fmt.Fprintf(&sb, "  - {address: shopper%d@probes.test, password: %s}\n", m, mbPassword)
	}
	fmt.Fprintf(&sb, "truth_log: %s\nseed: 3\ncompanies:\n", filepath.Join(dir, "truth.jsonl"))
	for i := range throughputTargets {
		fmt.Fprintf(&sb, "  - {id: t%03d, address: support@t%03d.test, reply: {median: 800ms, p90: 1500ms}}\n", i, i)
	}
	simFile := filepath.Join(dir, "sim.yaml")
	if err := os.WriteFile(simFile, []byte(sb.String()), 0o600); err != nil {
		b.Fatal(err)
	}
	s := startProc(b, "sim", "--log-format", "text", "--log-level", "warn", "sim", simFile)
	_, m := s.waitLine(simLine, 0, time.Minute)
	smtpPort, _ := strconv.Atoi(m[1])
	imapPort, _ := strconv.Atoi(m[2])

	pw := filepath.Join(dir, "password")
	if err := os.WriteFile(pw, []byte(mbPassword+"\n"), 0o600); err != nil {
		b.Fatal(err)
	}
	start := time.Now().Add(-59 * time.Minute).UTC().Truncate(time.Second)
	var cb strings.Builder
	fmt.Fprintf(&cb, "id: tput\nschedule: {start: %s, window: 1h, probes_per_target: {email: %d}}\ndeadlines: {email: 1m}\nmailboxes:\n",
		start.Format(time.RFC3339), throughputPerTarget)
	for m := range throughputMailboxes {
		fmt.Fprintf(&cb, "  - {id: mb%d, address: shopper%d@probes.test, smtp: {host: 127.0.0.1, port: %d, tls: none, password_file: %s}, imap: {host: 127.0.0.1, port: %d, tls: none, password_file: %s}}\n",
			m, m, smtpPort, pw, imapPort, pw)
	}
	cb.WriteString("scenarios:\n  - {id: order, subject: \"Where is my order?\", message: \"Hello, my order has not arrived.\", persona: {name: Jane Doe}}\ntargets:\n")
	for i := range throughputTargets {
		fmt.Fprintf(&cb, "  - {id: t%03d, name: T%03d, industry: retail, timezone: UTC, channels: {email: {address: support@t%03d.test, mailbox: mb%d}}}\n",
			i, i, i, i%throughputMailboxes)
	}
	campFile := filepath.Join(dir, "tput.yaml")
	if err := os.WriteFile(campFile, []byte(cb.String()), 0o600); err != nil {
		b.Fatal(err)
	}
	db := filepath.Join(dir, "results.db")
	common := []string{"--log-format", "text", "--log-level", "warn", "--redis-url", redis.URL(0), "--db", db}
	for w := range workers {
		startProc(b, fmt.Sprintf("worker-%d", w+1), append([]string{"worker", "--secrets-dir", os.TempDir(), "--concurrency", "20", "--no-chat",
			"--no-scoring", "--no-alerts", "--queues", "email=4,results=2", "--mail-poll-interval", "1s", "--metrics-addr="}, common...)...)
	}
	st, err := store.Open(context.Background(), db)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	total := throughputTargets * throughputPerTarget
	b.ResetTimer()
	busy0, all0 := cpuTicks(b)
	begin := time.Now()
	launch := startProc(b, "launch", append([]string{"campaign", "launch", campFile, "--start", start.Format(time.RFC3339), "--horizon", "0", "--no-progress"}, common...)...)
	_, run := launch.waitLine(regexp.MustCompile(`^(tput-\S+)$`), 0, time.Minute)
	first := time.Duration(0)
	for _, frac := range []int{1, 50, 100} {
		waitStored(b, st, []string{run[1]}, max(1, total*frac/100), 10*time.Minute)
		b.Logf("%d%% stored after %v", frac, time.Since(begin).Round(time.Millisecond))
		if frac == 1 {
			first = time.Since(begin)
		}
	}
	elapsed := time.Since(begin)
	busy1, all1 := cpuTicks(b)
	b.StopTimer()
	b.ReportMetric(100*float64(busy1-busy0)/float64(all1-all0), "%cpu_busy")
	counts, err := st.Counts(context.Background(), run[1])
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(total)/elapsed.Seconds(), "probes/s")
	b.ReportMetric(elapsed.Seconds(), "s_total")
	b.ReportMetric(float64(total)/(elapsed-first).Seconds(), "probes/s_after_first")
	b.Logf("%d workers: %d probes in %v (%v)", workers, total, elapsed.Round(time.Millisecond), counts)
}

// cpuTicks returns the machine's busy and total CPU ticks so far (/proc/stat).
func cpuTicks(b *testing.B) (busy, all int64) {
	b.Helper()
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		b.Fatal(err)
	}
	fields := strings.Fields(strings.SplitN(string(data), "\n", 2)[0])[1:]
	for i, f := range fields {
		n, _ := strconv.ParseInt(f, 10, 64)
		all += n
		if i != 3 && i != 4 { // idle, iowait
			busy += n
		}
	}
	return busy, all
}
