package redisproc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/stakeoutcx/stakeout/internal/childproc"
)

// ErrSentinelNotInstalled is returned when no redis-sentinel binary is found.
var ErrSentinelNotInstalled = errors.New("redis-sentinel not found: install the Debian package redis-sentinel (apt-get install redis-sentinel) or set STAKEOUT_REDIS_SENTINEL to its path")

// SentinelOptions configures a Sentinel group. The zero value is ready to use.
type SentinelOptions struct {
	// Binary is the redis-server of the primary and the replica (see Options.Binary).
	Binary string
	// SentinelBinary is the redis-sentinel to run (default: $STAKEOUT_REDIS_SENTINEL,
	// then redis-sentinel on PATH, then /usr/bin/redis-sentinel).
	SentinelBinary string
	// MasterName is the name the sentinels monitor (default "stakeout").
	MasterName string
	// DownAfter is the sentinels' down-after-milliseconds (default 1s).
	DownAfter time.Duration
	// FailoverTimeout is the sentinels' failover-timeout (default 10s).
	FailoverTimeout time.Duration
	// StartTimeout bounds the wait for the whole group to be ready: the replica in
	// sync, every sentinel knowing the replica and the other sentinels (default 30s).
	StartTimeout time.Duration
}

// SentinelGroup is a primary with persistence, one replica and three sentinels
// (quorum 2) monitoring it, all on 127.0.0.1 free ports, children of this process.
type SentinelGroup struct {
	// MasterName is the name the sentinels monitor.
	MasterName string
	dir        string
	data       []*Server // the first primary, then the replica
	sentinels  []*sentinelProc
}

type sentinelProc struct {
	addr string
	cmd  *exec.Cmd
	done chan struct{}
}

// FindSentinel returns the path of the redis-sentinel binary to use.
func FindSentinel(bin string) (string, error) {
	return findBinary(bin, "STAKEOUT_REDIS_SENTINEL", "redis-sentinel", ErrSentinelNotInstalled)
}

// StartSentinel starts a Sentinel group and waits until a failover can happen: the
// replica is in sync and each sentinel knows the replica and the two other sentinels.
func StartSentinel(ctx context.Context, o SentinelOptions) (*SentinelGroup, error) {
	sbin, err := FindSentinel(o.SentinelBinary)
	if err != nil {
		return nil, err
	}
	o = sentinelDefaults(o)
	g := &SentinelGroup{MasterName: o.MasterName}
	if g.dir, err = os.MkdirTemp("", "stakeout-sentinel-"); err != nil {
		return nil, fmt.Errorf("sentinel temp dir: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, o.StartTimeout)
	defer cancel()
	if err := g.start(ctx, sbin, o); err != nil {
		g.Stop()
		return nil, err
	}
	return g, nil
}

func sentinelDefaults(o SentinelOptions) SentinelOptions {
	if o.MasterName == "" {
		o.MasterName = "stakeout"
	}
	if o.DownAfter == 0 {
		o.DownAfter = time.Second
	}
	if o.FailoverTimeout == 0 {
		o.FailoverTimeout = 10 * time.Second
	}
	if o.StartTimeout == 0 {
		o.StartTimeout = 30 * time.Second
	}
	return o
}

func (g *SentinelGroup) start(ctx context.Context, sbin string, o SentinelOptions) error {
	primary, err := g.startData(ctx, o, "primary", nil)
	if err != nil {
		return err
	}
	_, port, _ := net.SplitHostPort(primary.Addr)
	if _, err := g.startData(ctx, o, "replica", []string{"--replicaof", "127.0.0.1", port,
		"--replica-announce-ip", "127.0.0.1"}); err != nil {
		return err
	}
	for i := range 3 {
		if err := g.startSentinel(ctx, sbin, o, i, primary.Addr); err != nil {
			return err
		}
	}
	return g.waitReady(ctx)
}

func (g *SentinelGroup) startData(ctx context.Context, o SentinelOptions, name string, args []string) (*Server, error) {
	dir := filepath.Join(g.dir, name)
	if err := os.Mkdir(dir, 0o700); err != nil {
		return nil, err
	}
	s, err := Start(ctx, Options{Binary: o.Binary, Dir: dir, Persist: true,
		Args: append(args, "--replica-announce-ip", "127.0.0.1")})
	if err != nil {
		return nil, fmt.Errorf("sentinel group %s: %w", name, err)
	}
	g.data = append(g.data, s)
	return s, nil
}

// sentinelConf is the configuration of sentinel on port monitoring primary.
func sentinelConf(port int, dir string, o SentinelOptions, primary string) string {
	host, pport, _ := net.SplitHostPort(primary)
	name := o.MasterName
	return strings.Join([]string{
		"port " + strconv.Itoa(port),
		"bind 127.0.0.1",
		"daemonize no",
		"protected-mode no",
		"dir " + dir,
		"logfile " + filepath.Join(dir, "sentinel.log"),
		"sentinel announce-ip 127.0.0.1",
		"sentinel resolve-hostnames no",
		fmt.Sprintf("sentinel monitor %s %s %s 2", name, host, pport),
		fmt.Sprintf("sentinel down-after-milliseconds %s %d", name, o.DownAfter.Milliseconds()),
		fmt.Sprintf("sentinel failover-timeout %s %d", name, o.FailoverTimeout.Milliseconds()),
		fmt.Sprintf("sentinel parallel-syncs %s 1", name),
	}, "\n") + "\n"
}

func (g *SentinelGroup) startSentinel(ctx context.Context, bin string, o SentinelOptions, i int, primary string) error {
	dir := filepath.Join(g.dir, fmt.Sprintf("sentinel%d", i+1))
	if err := os.Mkdir(dir, 0o700); err != nil {
		return err
	}
	var err error
	for range 5 {
		if err = g.startSentinelOnce(ctx, bin, o, dir, primary); err == nil {
			return nil
		}
	}
	return err
}

func (g *SentinelGroup) startSentinelOnce(ctx context.Context, bin string, o SentinelOptions, dir, primary string) error {
	port, err := childproc.FreePort()
	if err != nil {
		return err
	}
	conf := filepath.Join(dir, "sentinel.conf")
	if err := os.WriteFile(conf, []byte(sentinelConf(port, dir, o, primary)), 0o600); err != nil {
		return err
	}
	p := &sentinelProc{addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), done: make(chan struct{})}
	p.cmd = exec.Command(bin, conf)
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", bin, err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	c := redis.NewSentinelClient(&redis.Options{Addr: p.addr, MaxRetries: -1, DialTimeout: time.Second})
	defer c.Close()
	for {
		if err := c.Ping(ctx).Err(); err == nil {
			g.sentinels = append(g.sentinels, p)
			return nil
		}
		select {
		case <-p.done:
			log, _ := os.ReadFile(filepath.Join(dir, "sentinel.log"))
			return fmt.Errorf("redis-sentinel on %s exited: %s", p.addr, childproc.LastLine(string(log)))
		case <-ctx.Done():
			p.stop()
			return fmt.Errorf("redis-sentinel on %s did not answer PING: %w", p.addr, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// waitReady waits until the replica is in sync and every sentinel knows the replica
// and the two other sentinels, so that a failover can be agreed.
func (g *SentinelGroup) waitReady(ctx context.Context) error {
	replica := redis.NewClient(&redis.Options{Addr: g.data[1].Addr})
	defer replica.Close()
	err := poll(ctx, func() error {
		info, err := replica.Info(ctx, "replication").Result()
		if err != nil {
			return err
		}
		if !strings.Contains(info, "master_link_status:up") {
			return errors.New("replica not in sync with the primary")
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sentinel group: %w", err)
	}
	for _, p := range g.sentinels {
		c := redis.NewSentinelClient(&redis.Options{Addr: p.addr})
		err := poll(ctx, func() error {
			replicas, err := c.Replicas(ctx, g.MasterName).Result()
			if err != nil {
				return err
			}
			if len(replicas) != 1 {
				return fmt.Errorf("knows %d replicas, want 1", len(replicas))
			}
			others, err := c.Sentinels(ctx, g.MasterName).Result()
			if err != nil {
				return err
			}
			if len(others) != len(g.sentinels)-1 {
				return fmt.Errorf("knows %d other sentinels, want %d", len(others), len(g.sentinels)-1)
			}
			return nil
		})
		c.Close()
		if err != nil {
			return fmt.Errorf("sentinel %s: %w", p.addr, err)
		}
	}
	return nil
}

// poll calls f every 50ms until it returns nil or ctx ends; then it returns f's last
// error with ctx's.
func poll(ctx context.Context, f func() error) error {
	for {
		err := f()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last: %v)", ctx.Err(), err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// SentinelAddrs returns the host:port addresses of the three sentinels.
func (g *SentinelGroup) SentinelAddrs() []string {
	addrs := make([]string, len(g.sentinels))
	for i, p := range g.sentinels {
		addrs[i] = p.addr
	}
	return addrs
}

// URL returns the redis-sentinel:// URL of database db of the group.
func (g *SentinelGroup) URL(db int) string {
	return fmt.Sprintf("redis-sentinel://%s/%d?master=%s", strings.Join(g.SentinelAddrs(), ","), db, g.MasterName)
}

// Primary returns the address of the current primary, as the first sentinel that
// answers says.
func (g *SentinelGroup) Primary(ctx context.Context) (string, error) {
	var errs []error
	for _, p := range g.sentinels {
		c := redis.NewSentinelClient(&redis.Options{Addr: p.addr, MaxRetries: -1})
		hp, err := c.GetMasterAddrByName(ctx, g.MasterName).Result()
		c.Close()
		if err == nil && len(hp) == 2 {
			return net.JoinHostPort(hp[0], hp[1]), nil
		}
		errs = append(errs, fmt.Errorf("sentinel %s: %v", p.addr, err))
	}
	return "", fmt.Errorf("no sentinel names the primary of %s: %w", g.MasterName, errors.Join(errs...))
}

// KillPrimary kills the current primary with SIGKILL and returns its address.
func (g *SentinelGroup) KillPrimary(ctx context.Context) (string, error) {
	addr, err := g.Primary(ctx)
	if err != nil {
		return "", err
	}
	for _, s := range g.data {
		if s.Addr == addr {
			s.Kill()
			return addr, nil
		}
	}
	return "", fmt.Errorf("the primary %s named by the sentinels is not a server of this group", addr)
}

// WaitFailover waits until a sentinel names a primary other than old, and returns it.
// It fails when ctx ends first.
func (g *SentinelGroup) WaitFailover(ctx context.Context, old string) (string, error) {
	var primary string
	err := poll(ctx, func() error {
		var err error
		if primary, err = g.Primary(ctx); err != nil {
			return err
		}
		if primary == old {
			return fmt.Errorf("the sentinels still name %s", old)
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("no failover away from %s: %w", old, err)
	}
	return primary, nil
}

// Stop kills the sentinels and the servers and removes their directories.
func (g *SentinelGroup) Stop() {
	if g == nil {
		return
	}
	for _, p := range g.sentinels {
		p.stop()
	}
	for _, s := range g.data {
		s.Stop()
	}
	_ = os.RemoveAll(g.dir)
}

func (p *sentinelProc) stop() {
	_ = p.cmd.Process.Kill()
	<-p.done
}
