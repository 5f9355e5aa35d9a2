package email

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// fillMailbox appends n replies, one per registered probe, in one IMAP session.
func fillMailbox(b *testing.B, addr string, f *mailFixture) {
	b.Helper()
	c, err := imapclient.DialInsecure(addr, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(shopper, password).Wait(); err != nil {
		b.Fatal(err)
	}
	for i, tok := range f.tokens {
		raw := rawReply(fmt.Sprintf("r%d", i), tok, "Re: Where is my order?", "")
		cmd := c.Append("INBOX", int64(len(raw)), &imap.AppendOptions{Time: f.t0.Add(time.Duration(i) * time.Second)})
		cmd.Write([]byte(raw))
		cmd.Close()
		if _, err := cmd.Wait(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCorrelate10k reads 10,000 replies from one mailbox over IMAP and matches each
// to its pending probe in Redis, deciding every probe (result tasks enqueued): the whole
// path of a watcher catching up. Reports replies/s and the heap the watcher added.
func BenchmarkCorrelate10k(b *testing.B) {
	const n = 10000
	for range b.N {
		b.StopTimer()
		f := newMailFixture(b, n)
		addr := imapServer(b, 0)
		fillMailbox(b, addr, f)
		w := f.watcher(addr, false)
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		c, _, err := w.dial(context.Background(), func() {})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		begin := time.Now()
		if err := w.Sync(context.Background(), c); err != nil {
			b.Fatal(err)
		}
		elapsed := time.Since(begin)
		b.StopTimer()
		c.Close()
		p, _, _ := f.pendings.Get(context.Background(), f.tokens[n-1])
		if !p.Done() {
			b.Fatalf("last probe not decided after Sync")
		}
		b.ReportMetric(n/elapsed.Seconds(), "replies/s")
	}
}

// BenchmarkOutstanding100k: a watcher's memory does not grow with outstanding probes
// (they live in Redis). It registers 100,000 pending probes, syncs a mailbox with a few
// replies, and reports the Go heap in use.
func BenchmarkOutstanding100k(b *testing.B) {
	for range b.N {
		f := newMailFixture(b, 0)
		ctx := context.Background()
		for i := range 100000 {
			id := fmt.Sprintf("run/t%03d/email/%06d", i%500, i)
			p := Pending{Token: Token(id), ProbeID: id, Run: "run", Mailbox: shopper, T0: f.t0, Deadline: f.t0.Add(72 * time.Hour)}
			if i < 10 {
				f.tokens = append(f.tokens, p.Token)
			}
			if err := f.pendings.Register(ctx, p, nil); err != nil {
				b.Fatal(err)
			}
		}
		addr := imapServer(b, 0)
		fillMailbox(b, addr, f)
		w := f.watcher(addr, false)
		c, _, err := w.dial(ctx, func() {})
		if err != nil {
			b.Fatal(err)
		}
		if err := w.Sync(ctx, c); err != nil {
			b.Fatal(err)
		}
		c.Close()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap_MB")
		n, _ := f.pendings.Outstanding(ctx, shopper)
		b.ReportMetric(float64(n), "outstanding")
	}
}
