package cli_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stakeoutcx/stakeout/internal/promtooltest"
	"github.com/stakeoutcx/stakeout/internal/redistest"
)

// logRecord is the part of a JSON log line the tests read.
type logRecord struct {
	Level    string `json:"level"`
	Msg      string `json:"msg"`
	Addr     string `json:"addr"`
	Chromium string `json:"chromium"`
}

// TestWorkerProcess runs `stakeout worker` as a process (Run blocks until SIGINT or
// SIGTERM reaches the process, which a test cannot send to itself safely), reads
// /metrics and /healthz on the port it chose, and stops it with SIGTERM.
func TestWorkerProcess(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	db := filepath.Join(t.TempDir(), "results.db")
	cmd := command(t, "worker", "--redis-url", srv.URL(0), "--db", db, "--metrics-addr", "127.0.0.1:0", "--shutdown-timeout", "5s")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	readDone := make(chan struct{}) // closed when the worker's stderr is read to its end
	done := make(chan error, 1)     // the worker's exit
	go func() {
		<-readDone // Wait closes the pipe: read it all first
		done <- cmd.Wait()
	}()
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = cmd.Process.Kill()
			<-done
		}
	})

	// Read the log as it comes; the "serving metrics" record says where.
	logs := make(chan logRecord, 100)
	var lines []string
	go func() {
		defer close(readDone)
		defer close(logs)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines = append(lines, sc.Text())
			var r logRecord
			if json.Unmarshal(sc.Bytes(), &r) == nil {
				logs <- r
			}
		}
	}()
	var addr string
	timeout := time.After(30 * time.Second)
	for addr == "" {
		select {
		case r, ok := <-logs:
			if !ok {
				<-readDone
				t.Fatalf("worker ended before serving metrics; stderr:\n%s", strings.Join(lines, "\n"))
			}
			if r.Msg == "serving metrics" {
				addr = r.Addr
			}
		case <-timeout:
			t.Fatal("worker did not log \"serving metrics\" within 30s")
		}
	}
	go func() {
		for range logs { // keep reading so the worker never blocks on its stderr
		}
	}()

	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		return resp.StatusCode, string(b)
	}
	if code, body := get("/healthz"); code != http.StatusOK || body != "ok\n" {
		t.Errorf("GET /healthz = %d %q, want 200 \"ok\\n\"", code, body)
	}
	if code, body := get("/metrics"); code != http.StatusOK || !strings.Contains(body, "\ngo_goroutines ") {
		t.Errorf("GET /metrics = %d, want 200 and the Go runtime metrics; body:\n%s", code, body)
	} else {
		promtooltest.CheckMetrics(t, []byte(body))
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		stopped = true
		if err != nil {
			t.Errorf("worker after SIGTERM: %v, want exit 0", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("worker did not stop within 30s of SIGTERM")
	}
	var msgs []string
	for _, l := range lines {
		var r logRecord
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Errorf("log line %q is not JSON: %v", l, err)
			continue
		}
		msgs = append(msgs, r.Level+" "+r.Msg)
		if r.Msg == "chat probes run chromium" && !regexp.MustCompile(`^/\S+ \(Chromium \d+\.[0-9.]+`).MatchString(r.Chromium) {
			t.Errorf("the worker names chromium %q, want its path and version", r.Chromium)
		}
	}
	want := []string{
		// The test's Redis keeps no persistence.
		`WARN Redis keeps no persistence (appendonly no, save ""): a restart loses queued probes, deadlines and run state; turn on appendonly yes (see docs/worker.md)`,
		"INFO chat probes run chromium",
		"WARN no Alertmanager configured (--alertmanager-url): alerts are recorded and listed (stakeout alerts), not delivered",
		"INFO serving metrics",
		"INFO worker started",
		"INFO worker stopping: waiting for running tasks",
		"INFO worker stopped",
	}
	if diff := cmp.Diff(want, msgs); diff != "" {
		t.Errorf("worker log (-want +got):\n%s", diff)
	}
	// The metrics port is closed once the worker has stopped.
	if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
		resp.Body.Close()
		t.Errorf("GET /healthz after the worker stopped answered %s", resp.Status)
	}
}

func TestWorkerBadFlags(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	tests := []struct {
		args []string
		want outcome
	}{
		{
			args: []string{"--queues", "chat=4,email"},
			want: outcome{Code: 1, Stderr: "stakeout: --queues: \"email\" is not name=weight with a weight ≥ 0\n"},
		},
		{
			args: []string{"--queues", "chat=-1"},
			want: outcome{Code: 1, Stderr: "stakeout: --queues: \"chat=-1\" is not name=weight with a weight ≥ 0\n"},
		},
		{
			args: []string{"--shutdown-timeout", "forever"},
			want: outcome{Code: 2, Stderr: "stakeout: --shutdown-timeout: expected duration but got \"forever\": time: invalid duration \"forever\"\n"},
		},
	}
	for _, tc := range tests {
		args := append([]string{"worker", "--redis-url", srv.URL(0), "--db", filepath.Join(t.TempDir(), "r.db"), "--metrics-addr="}, tc.args...)
		got := stakeout(t, args...)
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("stakeout %s (-want +got):\n%s", strings.Join(args, " "), diff)
		}
	}
}

// The worker refuses to start on a Redis that may evict keys.
func TestWorkerRefusesEvictingRedis(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	if err := redistest.Client(t, srv).ConfigSet(context.Background(), "maxmemory-policy", "allkeys-lru").Err(); err != nil {
		t.Fatal(err)
	}
	args := []string{"worker", "--redis-url", srv.URL(0), "--db", filepath.Join(t.TempDir(), "r.db"), "--metrics-addr="}
	want := outcome{Code: 1, Stderr: `stakeout: redis maxmemory-policy is "allkeys-lru": it may evict queued probes and their records; set maxmemory-policy noeviction (redis.conf, or CONFIG SET maxmemory-policy noeviction)` + "\n"}
	if diff := cmp.Diff(want, stakeout(t, args...)); diff != "" {
		t.Errorf("stakeout %s (-want +got):\n%s", strings.Join(args, " "), diff)
	}
}
