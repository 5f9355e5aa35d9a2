package email

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/redis/go-redis/v9"
	"github.com/stakeoutcx/stakeout/internal/campaign"
	"github.com/stakeoutcx/stakeout/internal/metrics"
	"github.com/stakeoutcx/stakeout/internal/secrets"
)

// Watcher reads the replies arriving in one probe mailbox over IMAP and gives each
// to the email probe it answers. It keeps one connection, uses IDLE where the server has
// it and polls as well (IDLE can die silently), and fetches new messages by UID from a
// (UIDVALIDITY, last UID) checkpoint kept in Redis, so replies that came while no watcher
// ran are found on restart; a changed UIDVALIDITY rescans the mailbox, and a reply seen
// twice counts once.
type Watcher struct {
	Mailbox campaign.Mailbox
	// Password logs in; when empty it is read from where the mailbox's settings say
	// (password_env or password_file) at each connection.
	Password string
	Pendings *Pendings
	Redis    redis.UniversalClient
	// Publish enqueues the result of a probe its replies decided.
	Publish Publish
	Metrics *metrics.Mail
	Logger  *slog.Logger
	// PollInterval is the time between two polls (default 30s).
	PollInterval time.Duration
	// NoIdle turns IDLE off even where the server has it.
	NoIdle bool
	// TLSConfig is used for implicit TLS and STARTTLS (default: system roots).
	TLSConfig *tls.Config
	// BatchSize is the number of messages fetched per command (default 200).
	BatchSize int
	// OnEvent, when set, is told what the watcher just did (connected, read the
	// mailbox through, entered IDLE, lost its connection), from the watcher's
	// goroutine: it must return quickly. Tests wait on it instead of sleeping.
	// Default: none.
	OnEvent func(WatcherEvent)
}

// maxReplyBytes bounds what is fetched of one reply: its header and the start of its text.
const maxReplyText = 2048

func checkpointKey(address string) string { return "stakeout:mail:{" + address + "}:checkpoint" }

// checkpoint is the position of a watcher in its mailbox.
type checkpoint struct {
	UIDValidity uint32
	LastUID     imap.UID
	// LastMark identifies the message at LastUID (INTERNALDATE and size), to notice a
	// mailbox whose UIDs were reused for other messages.
	LastMark string
}

func (w *Watcher) loadCheckpoint(ctx context.Context) (checkpoint, error) {
	v, err := w.Redis.HGetAll(ctx, checkpointKey(w.Mailbox.Address)).Result()
	if err != nil {
		return checkpoint{}, fmt.Errorf("read checkpoint: %w", err)
	}
	uv, _ := strconv.ParseUint(v["uidvalidity"], 10, 32)
	last, _ := strconv.ParseUint(v["last_uid"], 10, 32)
	return checkpoint{UIDValidity: uint32(uv), LastUID: imap.UID(last), LastMark: v["last_mark"]}, nil
}

func (w *Watcher) saveCheckpoint(ctx context.Context, cp checkpoint) error {
	err := w.Redis.HSet(ctx, checkpointKey(w.Mailbox.Address), "uidvalidity", cp.UIDValidity, "last_uid", uint32(cp.LastUID), "last_mark", cp.LastMark).Err()
	if err != nil {
		return fmt.Errorf("save checkpoint: %w", err)
	}
	return nil
}

// dial connects and logs in. The password never appears in errors. Every step obeys
// ctx: the connection is closed when ctx ends (go-imap has no context), from the TCP
// dial on, so a server that hangs in the greeting or the login never delays a stop.
// The caller calls the returned stop when it is done with the client.
func (w *Watcher) dial(ctx context.Context, onNew func()) (*imapclient.Client, func() bool, error) {
	srv := w.Mailbox.IMAP
	addr := net.JoinHostPort(srv.Host, strconv.Itoa(srv.Port))
	opts := &imapclient.Options{
		TLSConfig: w.TLSConfig,
		// Never send a command from here: it would deadlock. Only signal.
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil {
					onNew()
				}
			},
		},
	}
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(dctx, "tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("connect to %s: %w", addr, err)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	c, err := w.open(conn, srv, opts)
	if err == nil {
		err = w.login(c, srv)
	}
	if err != nil {
		stop()
		conn.Close()
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		return nil, nil, fmt.Errorf("connect to %s: %w", addr, err)
	}
	return c, stop, nil
}

// open starts the IMAP session on conn with the mailbox's TLS mode.
func (w *Watcher) open(conn net.Conn, srv campaign.Server, opts *imapclient.Options) (*imapclient.Client, error) {
	cfg := &tls.Config{}
	if w.TLSConfig != nil {
		cfg = w.TLSConfig.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = srv.Host
	}
	switch srv.TLS {
	case "implicit":
		if cfg.NextProtos == nil {
			cfg.NextProtos = []string{"imap"}
		}
		return imapclient.New(tls.Client(conn, cfg), opts), nil
	case "starttls":
		o := *opts
		o.TLSConfig = cfg
		return imapclient.NewStartTLS(conn, &o)
	}
	return imapclient.New(conn, opts), nil
}

// login logs in as the mailbox's user, with its password read now.
func (w *Watcher) login(c *imapclient.Client, srv campaign.Server) error {
	user := srv.Username
	if user == "" {
		user = w.Mailbox.Address
	}
	password := w.Password
	if password == "" {
		var err error
		if password, err = secrets.Password(srv); err != nil {
			return fmt.Errorf("log in as %s: %w", user, err)
		}
	}
	if err := c.Login(user, password).Wait(); err != nil {
		return fmt.Errorf("log in as %s: %w", user, secrets.RedactLogin(err, user, password))
	}
	return nil
}

// Sync selects INBOX and processes every message after the checkpoint. When it is
// done it records when it began as the mailbox's synced_at: every reply our server had
// received by then has been seen. Deadlines wait for it.
func (w *Watcher) Sync(ctx context.Context, c *imapclient.Client) error {
	began := time.Now()
	sel, err := c.Select("INBOX", nil).Wait()
	if err != nil {
		return fmt.Errorf("select INBOX: %w", err)
	}
	cp, err := w.loadCheckpoint(ctx)
	if err != nil {
		return err
	}
	why := rescanReason(cp, sel)
	if why == "" && cp.LastMark != "" {
		if why, err = w.reused(c, cp); err != nil {
			return err
		}
	}
	if why != "" {
		if cp.UIDValidity != 0 {
			w.Metrics.Rescans.WithLabelValues(w.Mailbox.Address, why).Inc()
			w.Logger.Warn("rescanning the mailbox: "+rescanWhy[why], "mailbox", w.Mailbox.Address,
				"uidvalidity_was", cp.UIDValidity, "uidvalidity", sel.UIDValidity, "last_uid", uint32(cp.LastUID), "uidnext", uint32(sel.UIDNext))
		}
		cp = checkpoint{UIDValidity: sel.UIDValidity}
		if err := w.saveCheckpoint(ctx, cp); err != nil {
			return err
		}
	}
	uids, err := w.newUIDs(c, cp.LastUID)
	if err != nil {
		return err
	}
	batch := w.BatchSize
	if batch <= 0 {
		batch = 200
	}
	// Batches are processed one after the other, the checkpoint moving past each once it
	// is done; the next batch is fetched and parsed (CPU) while one is processed (Redis).
	var processing chan error
	done := func(next checkpoint) error {
		if processing == nil {
			return nil
		}
		err := <-processing
		processing = nil
		if err != nil {
			return err
		}
		cp = next
		return w.saveCheckpoint(ctx, cp)
	}
	var next checkpoint
	for i := 0; i < len(uids); i += batch {
		part := uids[i:min(i+batch, len(uids))]
		ins, mark, err := w.fetchBatch(ctx, c, part)
		if err != nil {
			return errors.Join(err, done(next))
		}
		if err := done(next); err != nil {
			return err
		}
		next = checkpoint{UIDValidity: cp.UIDValidity, LastUID: part[len(part)-1], LastMark: mark}
		processing = make(chan error, 1)
		go func() { processing <- w.processAll(ctx, ins) }()
	}
	if err := done(next); err != nil {
		return err
	}
	if err := w.Redis.HSet(ctx, checkpointKey(w.Mailbox.Address), "synced_at", began.UnixMilli()).Err(); err != nil {
		return fmt.Errorf("save sync time: %w", err)
	}
	w.Metrics.LastPoll.WithLabelValues(w.Mailbox.Address).Set(float64(began.UnixMilli()) / 1000)
	return nil
}

var rescanWhy = map[string]string{
	"uidvalidity":    "its UIDVALIDITY changed (replies already seen count once)",
	"uids_restarted": "its UIDs restarted below the checkpoint with the same UIDVALIDITY (the mail store was restored or rebuilt; replies already seen count once)",
}

// rescanReason says why the mailbox must be read from its first message, "" when the
// checkpoint holds: a new UIDVALIDITY, or UIDNEXT at or below the last UID read (a
// server restored from a backup, or one that renumbered its mailbox without changing
// UIDVALIDITY, as RFC 3501 forbids but servers do).
func rescanReason(cp checkpoint, sel *imap.SelectData) string {
	switch {
	case cp.UIDValidity != sel.UIDValidity:
		return "uidvalidity"
	case sel.UIDNext != 0 && cp.LastUID != 0 && sel.UIDNext <= cp.LastUID:
		return "uids_restarted"
	}
	return ""
}

// reused returns "uids_restarted" when the message at the checkpoint's last UID is
// not the one read there (UIDs given anew to other messages), "" otherwise (also when
// that message was deleted).
func (w *Watcher) reused(c *imapclient.Client, cp checkpoint) (string, error) {
	msgs, err := c.Fetch(imap.UIDSetNum(cp.LastUID), &imap.FetchOptions{UID: true, InternalDate: true, RFC822Size: true}).Collect()
	if err != nil {
		return "", fmt.Errorf("check the last message read: %w", err)
	}
	for _, m := range msgs {
		if m.UID == cp.LastUID && messageMark(m) != cp.LastMark {
			return "uids_restarted", nil
		}
	}
	return "", nil
}

// messageMark identifies a message in its mailbox beyond its UID.
func messageMark(m *imapclient.FetchMessageBuffer) string {
	return strconv.FormatInt(m.InternalDate.Unix(), 10) + ":" + strconv.FormatInt(m.RFC822Size, 10)
}

// SyncedAt returns when the last complete read of the mailbox began (zero if never).
func SyncedAt(ctx context.Context, rdb redis.UniversalClient, address string) (time.Time, error) {
	ms, err := rdb.HGet(ctx, checkpointKey(address), "synced_at").Int64()
	if errors.Is(err, redis.Nil) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("read sync time of %s: %w", address, err)
	}
	return time.UnixMilli(ms), nil
}

// newUIDs lists the UIDs above last, sorted.
func (w *Watcher) newUIDs(c *imapclient.Client, last imap.UID) ([]imap.UID, error) {
	var set imap.UIDSet
	set.AddRange(last+1, 0) // last+1:*
	msgs, err := c.Fetch(set, &imap.FetchOptions{UID: true}).Collect()
	if err != nil {
		return nil, fmt.Errorf("list new messages: %w", err)
	}
	uids := make([]imap.UID, 0, len(msgs))
	for _, m := range msgs {
		if m.UID > last { // "N:*" also returns the last message when N is above it
			uids = append(uids, m.UID)
		}
	}
	slices.Sort(uids)
	return uids, nil
}

// fetchBatch fetches the header, the start of the text and INTERNALDATE of uids in one
// command and parses each reply.
// It returns the parsed messages and the mark of the batch's last message.
func (w *Watcher) fetchBatch(ctx context.Context, c *imapclient.Client, uids []imap.UID) ([]incoming, string, error) {
	header := &imap.FetchItemBodySection{Specifier: imap.PartSpecifierHeader, Peek: true}
	text := &imap.FetchItemBodySection{Specifier: imap.PartSpecifierText, Peek: true, Partial: &imap.SectionPartial{Offset: 0, Size: maxReplyText}}
	msgs, err := c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{
		UID: true, InternalDate: true, RFC822Size: true, BodySection: []*imap.FetchItemBodySection{header, text},
	}).Collect()
	if err != nil {
		return nil, "", fmt.Errorf("fetch %d messages: %w", len(uids), err)
	}
	mark := ""
	for _, m := range msgs {
		if m.UID == uids[len(uids)-1] {
			mark = messageMark(m)
		}
	}
	// Parsing is independent per message: spread it over the processors.
	ins := make([]incoming, len(msgs))
	var wg sync.WaitGroup
	for k := range min(processors, len(msgs)) {
		wg.Go(func() {
			for i := k; i < len(msgs); i += processors {
				m := msgs[i]
				raw := append(append([]byte{}, m.FindBodySection(header)...), m.FindBodySection(text)...)
				ins[i] = parse(m.UID, raw, m.InternalDate)
			}
		})
	}
	wg.Wait()
	return ins, mark, nil
}
