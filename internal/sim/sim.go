package sim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-smtp"
	"github.com/stakeoutcx/stakeout/internal/yamlcheck"
)

// Sim is a running simulator: an SMTP submission server taking probe mail for
// the companies' support addresses, an IMAP server hosting the probe mailboxes,
// and one scheduler delivering the companies' replies into them; with chat
// companies, also their web sites and widget host, and a second scheduler
// playing their agents.
type Sim struct {
	cfg       Config
	log       *slog.Logger
	companies map[string]*Company // by lowercased support address
	boxes     map[string]*hosted  // by lowercased mailbox address
	boxList   []*hosted
	mem       *imapmemserver.Server
	sched     *scheduler
	truthLog  *truthLog
	chat      chatHub
	pollHold  time.Duration // a long poll's longest wait
	// onPollWait, a test hook set before Start, is called when a long poll
	// starts waiting for events.
	onPollWait func(*http.Request)
	webCtx     context.Context    // ends when Close begins: web requests watch it
	webStop    context.CancelFunc // ends webCtx

	servedMu sync.Mutex
	served   map[string]int // probes received, by company and channel (for Changes)

	mu         sync.Mutex
	started    bool
	closed     bool
	smtpSrv    *smtp.Server
	imapSrv    *imapserver.Server
	smtpAddr   net.Addr
	imapAddr   net.Addr
	webSrv     *http.Server // nil without chat companies
	widgetSrv  *http.Server
	webAddr    net.Addr
	widgetAddr net.Addr
	handlers   sync.WaitGroup // web requests in flight
	wg         sync.WaitGroup // serve goroutines
	stop       chan struct{}  // closed when Close begins
	watched    chan struct{}  // closed when the ctx watcher has returned

	truthMu sync.Mutex
	truthCh chan struct{} // closed and replaced when a truth record is written

	recvMu    sync.RWMutex // held for reading while a probe is being received
	closeOnce sync.Once
	closeErr  error
}

// New checks cfg (filling defaults), resolves the mailbox passwords and builds a
// simulator; Start makes it listen. A nil log discards logs.
func New(cfg Config, log *slog.Logger) (*Sim, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg = cfg.withDefaults()
	p := yamlcheck.NewProblems("")
	validate(cfg, p)
	if err := p.Err(); err != nil {
		return nil, err
	}
	s := &Sim{
		cfg:       cfg,
		log:       log,
		companies: map[string]*Company{},
		boxes:     map[string]*hosted{},
		mem:       imapmemserver.New(),
		stop:      make(chan struct{}),
		watched:   make(chan struct{}),
		truthCh:   make(chan struct{}),
		pollHold:  defaultPollHold,
		served:    map[string]int{},
		chat:      chatHub{desks: map[string]*chatDesk{}, convs: map[string]*conversation{}},
	}
	s.webCtx, s.webStop = context.WithCancel(context.Background())
	s.chat.sched = newScheduler(func(j *job) { j.chat(j.at) })
	for i := range cfg.Companies {
		co := &s.cfg.Companies[i]
		if co.Address != "" {
			s.companies[strings.ToLower(co.Address)] = co
		}
		if co.Chat != nil {
			s.chat.desks[co.ID] = newChatDesk(co)
		}
	}
	for _, m := range cfg.Mailboxes {
		password := m.Password
		if m.PasswordEnv != "" {
			password = os.Getenv(m.PasswordEnv)
			if password == "" {
				return nil, fmt.Errorf("mailbox %s: environment variable %s is empty or unset", m.Address, m.PasswordEnv)
			}
		}
		h, err := newHosted(m, password)
		if err != nil {
			return nil, err
		}
		s.mem.AddUser(h.user)
		s.boxes[strings.ToLower(m.Address)] = h
		s.boxList = append(s.boxList, h)
	}
	s.sched = newScheduler(s.deliver)
	return s, nil
}

// Start opens the truth log, listens on the SMTP and IMAP addresses (and, when
// a company has chat, the web and widget addresses) and serves them in the
// background; it returns once all listen. When ctx ends the simulator closes
// itself (Close may also be called directly).
func (s *Sim) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started || s.closed {
		return errors.New("sim: already started or closed")
	}
	tl, err := openTruth(s.cfg.TruthLog)
	if err != nil {
		return err
	}
	ls, err := s.listen(ctx)
	if err != nil {
		_ = tl.close()
		return err
	}
	s.warnIfExposed(ls.smtp.Addr(), ls.imap.Addr())
	if ls.web != nil {
		s.warnWebExposed(ls.web.Addr(), ls.widget.Addr())
	}
	s.started, s.truthLog = true, tl
	s.smtpAddr, s.imapAddr = ls.smtp.Addr(), ls.imap.Addr()
	s.smtpSrv, s.imapSrv = newSMTPServer(s), s.newIMAPServer()
	s.sched.start()
	s.chat.sched.start()
	s.serve(func() error { return s.smtpSrv.Serve(ls.smtp) }, "smtp")
	s.serve(func() error { return s.imapSrv.Serve(ls.imap) }, "imap")
	s.startWeb(ls.web, ls.widget)
	go func() {
		defer close(s.watched)
		select {
		case <-ctx.Done():
			s.closeOnce.Do(s.shutdown)
		case <-s.stop:
		}
	}()
	s.log.Info("simulator listening", "smtp", s.smtpAddr.String(), "imap", s.imapAddr.String(),
		"companies", len(s.cfg.Companies), "mailboxes", len(s.boxList), "time_scale", s.cfg.TimeScale)
	return nil
}

// listeners are the simulator's; web and widget are nil without chat companies.
type listeners struct{ smtp, imap, web, widget net.Listener }

// listenSpec is one listener to open.
type listenSpec struct {
	name, addr string
	ln         *net.Listener
}

// listen opens the listeners; on failure none stays open.
func (s *Sim) listen(ctx context.Context) (listeners, error) {
	var ls listeners
	specs := []listenSpec{{"smtp", s.cfg.SMTP.Addr, &ls.smtp}, {"imap", s.cfg.IMAP.Addr, &ls.imap}}
	if len(s.chat.desks) > 0 {
		specs = append(specs, listenSpec{"web", s.cfg.Web.Addr, &ls.web},
			listenSpec{"widget", s.cfg.Web.WidgetAddr, &ls.widget})
	}
	var lc net.ListenConfig
	for i, sp := range specs {
		ln, err := lc.Listen(ctx, "tcp", sp.addr)
		if err != nil {
			for _, open := range specs[:i] {
				_ = (*open.ln).Close()
			}
			return listeners{}, fmt.Errorf("sim: listen %s: %w", sp.name, err)
		}
		*sp.ln = ln
	}
	return ls, nil
}

// serve runs one server's Serve loop in the background.
func (s *Sim) serve(f func() error, name string) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := f(); err != nil && !errors.Is(err, smtp.ErrServerClosed) && !errors.Is(err, net.ErrClosed) &&
			!errors.Is(err, http.ErrServerClosed) {
			s.log.Error("server stopped", "server", name, "err", err)
		}
	}()
}

// newIMAPServer returns the IMAP server of the probe mailboxes (IMAP4rev1 and
// rev2, IDLE, plain-text LOGIN allowed: it is a loopback fake).
func (s *Sim) newIMAPServer() *imapserver.Server {
	return imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return s.mem.NewSession(), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}},
		InsecureAuth: true,
		Logger:       logAdapter{s.log.With("server", "imap")},
	})
}

// warnIfExposed logs when a server listens beyond loopback: auth is plain text.
func (s *Sim) warnIfExposed(addrs ...net.Addr) {
	for _, a := range addrs {
		if ta, ok := a.(*net.TCPAddr); ok && !ta.IP.IsLoopback() {
			s.log.Warn("simulator listens beyond loopback; its passwords travel in clear text", "addr", a.String())
		}
	}
}

// warnWebExposed logs when the chat web servers listen beyond loopback.
func (s *Sim) warnWebExposed(addrs ...net.Addr) {
	for _, a := range addrs {
		if ta, ok := a.(*net.TCPAddr); ok && !ta.IP.IsLoopback() {
			s.log.Warn("simulator chat web server listens beyond loopback", "addr", a.String())
		}
	}
}

// SMTPAddr returns the address the SMTP server listens on (nil before Start).
func (s *Sim) SMTPAddr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.smtpAddr
}

// IMAPAddr returns the address the IMAP server listens on (nil before Start).
func (s *Sim) IMAPAddr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.imapAddr
}

// Pending returns the number of replies and chat actions (typing, messages)
// scheduled and not yet done.
func (s *Sim) Pending() int { return s.sched.pending() + s.chat.sched.pending() }

// Config returns the configuration in use, defaults filled.
func (s *Sim) Config() Config { return s.cfg }

// stopping reports whether Close has begun.
func (s *Sim) stopping() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// Close stops the servers and the schedulers, drops the replies still pending
// (they are logged, not written to the truth log), waits for its goroutines and
// closes the truth log. It is safe to call more than once and concurrently;
// every call returns once the simulator has stopped.
func (s *Sim) Close() error {
	s.closeOnce.Do(s.shutdown)
	s.mu.Lock()
	started := s.started
	s.mu.Unlock()
	if started {
		<-s.watched
	}
	return s.closeErr
}

// shutdown does Close's work once.
func (s *Sim) shutdown() {
	s.mu.Lock()
	s.closed = true
	started := s.started
	s.mu.Unlock()
	if !started {
		s.webStop()
		return
	}
	close(s.stop)
	var errs []error
	if err := s.smtpSrv.Close(); err != nil && !errors.Is(err, smtp.ErrServerClosed) {
		errs = append(errs, fmt.Errorf("close smtp: %w", err))
	}
	if err := s.imapSrv.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close imap: %w", err))
	}
	errs = append(errs, s.closeWeb()...)
	s.wg.Wait()
	s.handlers.Wait()
	s.recvMu.Lock() // wait for a probe being received; later ones see closed
	s.recvMu.Unlock()
	if n := s.sched.shutdown(); n > 0 {
		s.log.Info("simulator stopped with replies pending", "dropped", n)
	}
	if n := s.chat.sched.shutdown(); n > 0 {
		s.log.Info("simulator stopped with chat actions pending", "dropped", n)
	}
	if err := s.truthLog.close(); err != nil {
		errs = append(errs, fmt.Errorf("close truth log: %w", err))
	}
	s.closeErr = errors.Join(errs...)
}
