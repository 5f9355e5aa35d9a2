package redisconn_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/stakeoutcx/stakeout/internal/redisconn"
	"github.com/stakeoutcx/stakeout/internal/redisproc"
)

// within calls f every 50ms until it returns nil; after 30s it fails the test with what
// and f's last error.
func within(t *testing.T, what string, f func(ctx context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var err error
	for {
		if err = f(ctx); err == nil {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s: not within 30s: %v", what, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// enqueueAndInspect enqueues a task with id through conn.Asynq and checks that an
// inspector on conn.Asynq sees it pending.
func enqueueAndInspect(ctx context.Context, conn redisconn.Conn, id string) error {
	client := asynq.NewClient(conn.Asynq())
	defer client.Close()
	if _, err := client.EnqueueContext(ctx, asynq.NewTask("test:redisconn", []byte(id)), asynq.TaskID(id)); err != nil &&
		!strings.Contains(err.Error(), asynq.ErrTaskIDConflict.Error()) {
		return fmt.Errorf("enqueue %s: %w", id, err)
	}
	ins := asynq.NewInspector(conn.Asynq())
	defer ins.Close()
	info, err := ins.GetTaskInfo("default", id)
	if err != nil {
		return fmt.Errorf("inspect %s: %w", id, err)
	}
	if info.State != asynq.TaskStatePending {
		return fmt.Errorf("task %s is %v, want pending", id, info.State)
	}
	return nil
}

func TestTLS(t *testing.T) {
	ctx := context.Background()
	certs, err := redisproc.NewCerts(t.TempDir())
	if err != nil {
		t.Fatalf("NewCerts: %v", err)
	}
	srv, err := redisproc.Start(ctx, redisproc.Options{TLS: certs, RequireClientCert: true})
	if err != nil {
		t.Fatalf("start a TLS redis-server: %v", err)
	}
	defer srv.Stop()
	files := redisconn.TLSFiles{CA: certs.CAFile, Cert: certs.ClientCertFile, Key: certs.ClientKeyFile}
	conn, err := redisconn.Parse(srv.URL(2), files)
	if err != nil {
		t.Fatalf("Parse(%q): %v", srv.URL(2), err)
	}
	rdb := conn.Client()
	defer rdb.Close()
	if err := rdb.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatalf("SET through Client() over TLS: %v", err)
	}
	if got, err := rdb.Get(ctx, "k").Result(); got != "v" || err != nil {
		t.Errorf("GET k = %q, %v, want v", got, err)
	}
	if err := enqueueAndInspect(ctx, conn, "tls-1"); err != nil {
		t.Fatalf("asynq over TLS: %v", err)
	}
	if n, err := rdb.Exists(ctx, "asynq:{default}:t:tls-1").Result(); n != 1 || err != nil {
		t.Errorf("task tls-1 not in db 2 seen by Client(): %d, %v", n, err)
	}

	for _, bad := range []struct {
		name  string
		files redisconn.TLSFiles
	}{
		{"no client certificate", redisconn.TLSFiles{CA: certs.CAFile}},
		{"no CA (system roots)", redisconn.TLSFiles{Cert: certs.ClientCertFile, Key: certs.ClientKeyFile}},
		{"wrong server name", redisconn.TLSFiles{CA: certs.CAFile, Cert: certs.ClientCertFile, Key: certs.ClientKeyFile, ServerName: "other.example"}},
	} {
		c, err := redisconn.Parse(srv.URL(0), bad.files)
		if err != nil {
			t.Fatalf("Parse with %s: %v", bad.name, err)
		}
		r := c.Client()
		if err := r.Ping(ctx).Err(); err == nil {
			t.Errorf("PING with %s succeeded, want a TLS error", bad.name)
		}
		r.Close()
	}
}

func TestSentinelFailover(t *testing.T) {
	ctx := context.Background()
	g, err := redisproc.StartSentinel(ctx, redisproc.SentinelOptions{})
	if err != nil {
		t.Fatalf("StartSentinel: %v", err)
	}
	defer g.Stop()
	conn, err := redisconn.Parse(g.URL(1), redisconn.TLSFiles{})
	if err != nil {
		t.Fatalf("Parse(%q): %v", g.URL(1), err)
	}
	if !conn.Sentinel() {
		t.Fatalf("Parse(%q).Sentinel() = false", g.URL(1))
	}
	rdb := conn.Client()
	defer rdb.Close()
	if err := enqueueAndInspect(ctx, conn, "before"); err != nil {
		t.Fatalf("asynq before the failover: %v", err)
	}
	// Writes and WAIT on one connection: WAIT waits for that connection's writes (and
	// so for the task enqueued before them) to reach the replica.
	cn := rdb.Conn()
	for i := range 100 {
		if err := cn.Set(ctx, fmt.Sprintf("key:%d", i), i, 0).Err(); err != nil {
			t.Fatalf("SET key:%d: %v", i, err)
		}
	}
	if n, err := cn.Do(ctx, "WAIT", 1, 10000).Int(); n != 1 || err != nil {
		t.Fatalf("WAIT 1 = %d, %v: the replica did not acknowledge the writes", n, err)
	}
	cn.Close()

	old, err := g.KillPrimary(ctx)
	if err != nil {
		t.Fatalf("KillPrimary: %v", err)
	}
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	primary, err := g.WaitFailover(wctx, old)
	if err != nil {
		t.Fatalf("WaitFailover: %v", err)
	}
	t.Logf("failover from %s to %s", old, primary)

	// The same client, not restarted, writes and reads again.
	within(t, "SET through the same client after the failover", func(ctx context.Context) error {
		return rdb.Set(ctx, "after", "yes", 0).Err()
	})
	if got, err := rdb.Get(ctx, "after").Result(); got != "yes" || err != nil {
		t.Errorf("GET after = %q, %v, want yes", got, err)
	}
	for i := range 100 {
		if got, err := rdb.Get(ctx, fmt.Sprintf("key:%d", i)).Int(); got != i || err != nil {
			t.Fatalf("GET key:%d after the failover = %d, %v, want %d (acknowledged by WAIT)", i, got, err, i)
		}
	}
	direct := redis.NewClient(&redis.Options{Addr: primary, DB: 1})
	defer direct.Close()
	if got, err := direct.Get(ctx, "after").Result(); got != "yes" || err != nil {
		t.Errorf("GET after on the new primary %s = %q, %v, want yes: the client did not follow the failover", primary, got, err)
	}
	within(t, "asynq enqueue and inspect after the failover", func(ctx context.Context) error {
		return enqueueAndInspect(ctx, conn, "after")
	})
	if err := enqueueAndInspect(ctx, conn, "before"); err != nil {
		t.Errorf("the task enqueued before the failover: %v", err)
	}
}

func ExampleParse() {
	c, err := redisconn.Parse("redis-sentinel://app:s3cret@10.0.0.1:26379,10.0.0.2:26379,10.0.0.3:26379/0?master=mymaster", redisconn.TLSFiles{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c)
	_, err = redisconn.Parse("redis://app:s3cret@10.0.0.1:63x9/0", redisconn.TLSFiles{})
	fmt.Println(err)
	// Output:
	// redis-sentinel://app@10.0.0.1:26379,10.0.0.2:26379,10.0.0.3:26379 master mymaster db 0
	// the Redis URL has a port that is missing or not a number (each sentinel address needs its port; characters @ : / ? # of a password must be %-escaped)
}
