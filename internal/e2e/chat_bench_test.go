package e2e

import (
	"context"
	"fmt"
	"github.com/stakeoutcx/stakeout/internal/simtest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stakeoutcx/stakeout/internal/sim"
	"github.com/stakeoutcx/stakeout/probes/chat"
	"github.com/stakeoutcx/stakeout/probes/chat/browser"
	"github.com/stakeoutcx/stakeout/probes/chat/browser/browsertest"
	"github.com/stakeoutcx/stakeout/probes/chat/profile"
)

// holdSim is a simulator of two companies (one per widget style) whose bot
// and agents answer only after replyAfter, when every conversation of the
// benchmark is open, so that all of them are held at once when the answers
// come.
func holdSim(b *testing.B, replyAfter time.Duration) *sim.Sim {
	b.Helper()
	src := fmt.Sprintf(`truth_log: %s
seed: 5
companies:
  - id: framed
    chat: {style: iframe, ack: {enabled: true, delay: %[2]s}, reply: {median: %[3]s, p90: %[4]s}}
  - id: inline
    chat: {style: inline, ack: {enabled: true, delay: %[2]s}, reply: {median: %[3]s, p90: %[4]s}}
`, filepath.Join(b.TempDir(), "truth.jsonl"), replyAfter, replyAfter+10*time.Second, replyAfter+20*time.Second)
	return simtest.Start(b, simtest.Parse(b, src))
}

// held is one conversation of the benchmark.
type held struct {
	company string
	rep     *chat.Report
}

// holdConversations opens n conversations, one every gap, alternating the
// two companies, with pools made by newPool (one pool for all, or one per
// conversation), each abandoned after abandon, and returns their reports and
// the Chromium memory (PSS) measured while all n were open.
func holdConversations(b *testing.B, s *sim.Sim, n int, gap, abandon time.Duration, pools func(i int) *browser.Pool) ([]held, int64) {
	b.Helper()
	profiles := &chat.Profiles{}
	out := make([]held, n)
	var open sync.WaitGroup
	open.Add(n)
	var wg sync.WaitGroup
	for i := range n {
		companies := []string{"framed", "inline"}
		if only := os.Getenv("STAKEOUT_BENCH_STYLE"); only != "" {
			companies = []string{only}
		}
		company := companies[i%len(companies)]
		style := map[string]string{"framed": "sim-iframe", "inline": "sim-inline"}[company]
		prof, err := profiles.Lookup(style)
		if err != nil {
			b.Fatal(err)
		}
		url, _ := s.ChatURL(company)
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = held{company: company, rep: converse(b, pools(i), url, prof, abandon, &open)}
		}()
		time.Sleep(gap)
	}
	open.Wait()
	time.Sleep(2 * time.Second)
	mem := chromiumPSS()
	wg.Wait()
	return out, mem
}

// converse holds one conversation; open is marked done once the message is
// sent (or the conversation ended before).
func converse(b *testing.B, pool *browser.Pool, url string, prof *profile.Profile, abandon time.Duration, open *sync.WaitGroup) *chat.Report {
	ctx, cancel := context.WithTimeout(context.Background(), abandon+2*time.Minute)
	defer cancel()
	tab, err := pool.Acquire(ctx)
	if err != nil {
		open.Done()
		b.Error(err)
		return &chat.Report{}
	}
	defer tab.Close()
	var once sync.Once
	c := &chat.Conversation{URL: url, Profile: prof, Message: "Hello, do you deliver to Norway?", Abandon: abandon,
		Vars: profile.Vars{PersonaName: "Jane Doe", PersonaEmail: "jane@example.com"},
		Progress: func(ev chat.Event) {
			if ev.Step != nil && ev.Step.Name == "send" {
				once.Do(open.Done)
			}
		}}
	rep := c.Run(ctx, tab)
	once.Do(open.Done)
	return rep
}

// timingErrors compares each conversation with the truth. It returns the
// worst first- and human-response errors, how many conversations had an
// error above 100 ms, and how many failed or matched no conversation of the
// truth, by outcome and reason.
func timingErrors(hs []held, truth []sim.TruthRecord) (worstFirst, worstHuman time.Duration, over int, bad map[string]int) {
	convs := conversations(truth)
	bad = map[string]int{}
	for _, h := range hs {
		c := matchReport(convs, h.company, h.rep)
		if c == nil || h.rep.HumanResponse == nil || h.rep.FirstResponse == nil {
			bad[fmt.Sprintf("%s/%s", h.rep.Outcome, h.rep.Reason)]++
			continue
		}
		c.seen = true
		ef, eh := (*h.rep.FirstResponse - c.first.Sub(c.received)).Abs(), (*h.rep.HumanResponse - c.human.Sub(c.received)).Abs()
		worstFirst, worstHuman = max(worstFirst, ef), max(worstHuman, eh)
		if max(ef, eh) > 100*time.Millisecond {
			over++
		}
	}
	return worstFirst, worstHuman, over, bad
}

// chromiumPSS is the proportional set size of every Chromium process, bytes.
func chromiumPSS() int64 {
	var total int64
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		if err != nil || !strings.Contains(exe, "chromium") {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "smaps_rollup"))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "Pss:" {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				total += kb << 10
			}
		}
	}
	return total
}

// BenchmarkChatHeld opens N conversations in one Chromium (a browser context
// each), holds them all until the agents answer, and reports the worst timing
// error against the truth log and the memory per conversation beyond the
// browser's base. The "per-probe-chromium" case starts one Chromium per
// conversation instead, for comparison, and "full-chromium" holds them in
// the full browser (/usr/bin/chromium) rather than the headless shell.
// STAKEOUT_BENCH_HELD=n,n,... replaces the shared case's values of N.
//
//	go test -run '^$' -bench ChatHeld -benchtime 1x -timeout 40m ./internal/e2e/
func BenchmarkChatHeld(b *testing.B) {
	ns := []int{10, 25, 50, 100, 200}
	if env := os.Getenv("STAKEOUT_BENCH_HELD"); env != "" {
		ns = nil
		for f := range strings.SplitSeq(env, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 1 {
				b.Fatalf("STAKEOUT_BENCH_HELD=%q: want counts like 10,50,100", env)
			}
			ns = append(ns, n)
		}
	}
	for _, n := range ns {
		b.Run(fmt.Sprintf("shared/n=%d", n), func(b *testing.B) {
			for range b.N {
				benchShared(b, n, browsertest.HeadlessShell(b))
			}
		})
	}
	b.Run("full-chromium/n=25", func(b *testing.B) {
		for range b.N {
			benchShared(b, 25, browser.DefaultExecPath)
		}
	})
	b.Run("per-probe-chromium/n=10", func(b *testing.B) {
		for range b.N {
			benchPerProbe(b, 10)
		}
	})
}

// benchShared holds n conversations in one pool of the Chromium bin.
func benchShared(b *testing.B, n int, bin string) {
	gap := time.Second
	replyAfter := time.Duration(n)*gap + 10*time.Second
	s := holdSim(b, replyAfter)
	pool, err := browser.New(browser.Options{ExecPath: bin, MaxConcurrent: n, RestartAfter: 10 * n})
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	warm(b, pool)
	base := chromiumPSS()
	hs, mem := holdConversations(b, s, n, gap, replyAfter+2*time.Minute, func(int) *browser.Pool { return pool })
	report(b, s, hs, n, base, mem)
}

// benchPerProbe holds n conversations, each in a Chromium of its own.
func benchPerProbe(b *testing.B, n int) {
	gap := time.Second
	replyAfter := time.Duration(n)*(gap+2*time.Second) + 10*time.Second
	s := holdSim(b, replyAfter)
	shell := browsertest.HeadlessShell(b)
	base := chromiumPSS()
	pools := make([]*browser.Pool, n)
	defer func() {
		for _, p := range pools {
			if p != nil {
				p.Close()
			}
		}
	}()
	hs, mem := holdConversations(b, s, n, gap, replyAfter+2*time.Minute, func(i int) *browser.Pool {
		p, err := browser.New(browser.Options{ExecPath: shell, MaxConcurrent: 1})
		if err != nil {
			b.Error(err)
		}
		pools[i] = p
		return p
	})
	report(b, s, hs, n, base, mem)
}

// report adds the benchmark's metrics.
func report(b *testing.B, s *sim.Sim, hs []held, n int, base, mem int64) {
	first, human, over, bad := timingErrors(hs, readTruth(b, s))
	b.ReportMetric(float64(first.Milliseconds()), "worst-first-err-ms")
	b.ReportMetric(float64(human.Milliseconds()), "worst-human-err-ms")
	b.ReportMetric(float64(over), "over-100ms")
	failed := 0
	for _, n := range bad {
		failed += n
	}
	b.ReportMetric(float64(failed), "not-answered")
	if failed > 0 {
		b.Logf("not answered, by outcome: %v", bad)
	}
	b.ReportMetric(float64(mem-base)/float64(n)/(1<<20), "MB/conversation")
	b.ReportMetric(float64(base)/(1<<20), "base-MB")
}

// warm opens and closes one tab and lets its renderer go, so that the base
// is a started browser with no page.
func warm(b *testing.B, pool *browser.Pool) {
	tab, err := pool.Acquire(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	_ = tab.Close()
	time.Sleep(5 * time.Second)
}
