package cli_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stakeoutcx/stakeout/internal/promtooltest"
	"github.com/stakeoutcx/stakeout/internal/redistest"
)

// TestSchedulerProcessMetrics runs `stakeout scheduler` as a process and checks its
// /metrics with promtool of the Prometheus version the rules are written for (the
// worker's are checked by TestWorkerProcess).
func TestSchedulerProcessMetrics(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	cmd := command(t, "scheduler", "--redis-url", srv.URL(0), "--campaigns", t.TempDir(), "--metrics-addr", "127.0.0.1:0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addrs := make(chan string, 1)
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var r logRecord
			if json.Unmarshal(sc.Bytes(), &r) == nil && r.Msg == "serving metrics" {
				addrs <- r.Addr
			}
		}
	}()
	done := make(chan error, 1)
	go func() { <-readDone; done <- cmd.Wait() }()
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = cmd.Process.Kill()
			<-done
		}
	})
	var addr string
	select {
	case addr = <-addrs:
	case err := <-done:
		stopped = true
		t.Fatalf("scheduler ended before serving metrics: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("scheduler did not log \"serving metrics\" within 30s")
	}
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics = %d, %v", resp.StatusCode, err)
	}
	for _, want := range []string{"\nstakeout_build_info{", "\nstakeout_redis_up 1"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("the scheduler's /metrics lack %q", strings.TrimSpace(want))
		}
	}
	promtooltest.CheckMetrics(t, body)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		stopped = true
		if err != nil {
			t.Errorf("scheduler after SIGTERM: %v, want exit 0", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("scheduler did not stop within 30s of SIGTERM")
	}
}
