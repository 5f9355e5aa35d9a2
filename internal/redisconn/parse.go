package redisconn

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"

	"github.com/stakeoutcx/stakeout/internal/secrets"
)

// Forms is the one-line summary of the URLs Parse accepts, for help texts and errors.
const Forms = "redis://[user:password@]host:port/db, rediss://... (TLS), unix:///path/redis.sock?db=N, " +
	"redis-sentinel://[user:password@]host1:port1,host2:port2,host3:port3/db?master=NAME[&sentinel_username=U&sentinel_password=P], " +
	"rediss-sentinel://... (TLS to the sentinels and the servers)"

// Parse reads a Redis URL, one of:
//
//	redis://[user:password@]host[:port][/db]      one server (port 6379, db 0 by default)
//	rediss://[user:password@]host[:port][/db]     the same over TLS
//	unix://[user:password@]/path/redis.sock[?db=N]  a Unix socket
//	redis-sentinel://[user:password@]h1:p1,h2:p2,h3:p3[/db]?master=NAME[&sentinel_username=U][&sentinel_password=P]
//	rediss-sentinel://...                         the same, TLS to the sentinels and to the servers
//
// For Sentinel, the user and password of the URL are those of the Redis servers (the
// primary and its replicas), as with redis://; the sentinels' own credentials, when they
// have requirepass or ACLs, are the sentinel_username and sentinel_password parameters
// (asynq's ParseRedisURI, unlike this, takes the URL's password for the sentinels). A
// sentinel address needs its port (sentinels usually listen on 26379). As in go-redis,
// a user given without a password (redis://name@host) is a user name, not a password;
// Redacted does not show it (it may be a password written the old way). Characters of a
// password that a URL reserves (@ : / ? # % and space) must be %-escaped.
//
// For redis:// and rediss://, go-redis's query parameters (dial_timeout, pool_size, ...)
// are accepted; skip_verify is refused. files apply to rediss:// and rediss-sentinel://
// only. Errors say what is wrong and never hold a password.
func Parse(raw string, files TLSFiles) (Conn, error) {
	hide := roughSecrets(raw)
	c, err := parse(raw, files, &hide)
	if err != nil {
		return Conn{}, redact(err, hide)
	}
	c.desc = scrub(c.desc, hide)
	return c, nil
}

func parse(raw string, files TLSFiles, hide *[]string) (Conn, error) {
	if strings.TrimSpace(raw) == "" {
		return Conn{}, fmt.Errorf("empty Redis URL: want %s", Forms)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return Conn{}, urlError(err)
	}
	if u.User != nil {
		pw, ok := u.User.Password()
		if !ok {
			pw = u.User.Username()
		}
		*hide = append(*hide, pw)
	}
	switch u.Scheme {
	case "redis", "rediss", "unix":
		return parseSingle(raw, u, files, hide)
	case "redis-sentinel", "rediss-sentinel":
		return parseSentinel(u, files, hide)
	case "":
		return Conn{}, fmt.Errorf("the Redis URL has no scheme: want %s", Forms)
	default:
		return Conn{}, fmt.Errorf("unknown Redis URL scheme %q: want redis://, rediss://, unix://, redis-sentinel:// or rediss-sentinel://", u.Scheme+"://")
	}
}

// urlError says why url.Parse refused a URL without echoing any of it.
func urlError(err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "invalid URL escape"):
		return errors.New("the Redis URL has a bad %-escape (% must be followed by two hex digits; write a % in a password as %25)")
	case strings.Contains(msg, "invalid port"):
		return errors.New("the Redis URL has a port that is missing or not a number (each sentinel address needs its port; characters @ : / ? # of a password must be %-escaped)")
	case strings.Contains(msg, "invalid userinfo"):
		return errors.New("the user or password of the Redis URL has characters that must be %-escaped")
	case strings.Contains(msg, "invalid character") || strings.Contains(msg, "control character"):
		return errors.New("the Redis URL has a character not allowed in a URL (spaces and control characters must be %-escaped)")
	case strings.Contains(msg, "missing protocol scheme") || strings.Contains(msg, "first path segment in URL cannot contain colon"):
		return fmt.Errorf("the Redis URL has no scheme: want %s", Forms)
	}
	return fmt.Errorf("not a valid Redis URL: want %s", Forms)
}

// checkShape refuses what would make a part of a password show up elsewhere: an @ after
// the host (a password with an unescaped / ? or #) and a fragment.
func checkShape(u *url.URL) error {
	if strings.Contains(u.Path, "@") || strings.Contains(u.RawQuery, "@") {
		return errors.New("the Redis URL has an @ after its host: characters / ? # of a password must be %-escaped")
	}
	if u.Fragment != "" || strings.HasSuffix(u.String(), "#") {
		return errors.New("the Redis URL has a #fragment: write a # in a password as %23")
	}
	return nil
}

func parseSingle(raw string, u *url.URL, files TLSFiles, hide *[]string) (Conn, error) {
	if err := checkShape(u); err != nil {
		return Conn{}, err
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return Conn{}, errors.New("the query (after ?) of the Redis URL has a bad %-escape")
	}
	for k, vs := range q {
		if strings.Contains(strings.ToLower(k), "pass") {
			*hide = append(*hide, vs...)
		}
	}
	if q.Has("skip_verify") {
		return Conn{}, errors.New("skip_verify is not accepted: give the CA that signed the server's certificate with --redis-tls-ca / STAKEOUT_REDIS_TLS_CA")
	}
	if u.Scheme != "unix" {
		if p := strings.Trim(u.Path, "/"); p != "" {
			if _, err := strconv.Atoi(p); err != nil || strings.Contains(p, "/") {
				return Conn{}, errors.New("the path of the Redis URL must be /DB, DB a database number (characters / ? # of a password must be %-escaped)")
			}
		}
		if err := checkPort(u.Port()); err != nil {
			return Conn{}, err
		}
	}
	o, err := redis.ParseURL(raw)
	if err != nil {
		return Conn{}, fmt.Errorf("bad Redis URL: %w", err)
	}
	*hide = append(*hide, o.Password)
	if u.Scheme == "rediss" {
		if o.TLSConfig, err = files.config(o.TLSConfig); err != nil {
			return Conn{}, err
		}
	} else if !files.IsZero() {
		return Conn{}, fmt.Errorf("TLS files are given (--redis-tls-*) but the Redis URL is %s://, without TLS: use rediss://", u.Scheme)
	}
	addr := o.Addr
	if u.Scheme == "unix" && !strings.HasPrefix(addr, "/") {
		addr = "/" + addr
	}
	return Conn{single: o, desc: describe(u.Scheme, shownUser(u), []string{addr}, "", o.DB)}, nil
}

func checkPort(p string) error {
	if p == "" {
		return nil
	}
	if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
		return errors.New("the port of the Redis URL must be a number from 1 to 65535")
	}
	return nil
}

func parseSentinel(u *url.URL, files TLSFiles, hide *[]string) (Conn, error) {
	if err := checkShape(u); err != nil {
		return Conn{}, err
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return Conn{}, errors.New("the query (after ?) of the Redis URL has a bad %-escape")
	}
	*hide = append(*hide, q["sentinel_password"]...)
	for k, vs := range q {
		switch k {
		case "master", "sentinel_username", "sentinel_password":
			if len(vs) > 1 {
				return Conn{}, fmt.Errorf("parameter %s is given %d times in the Redis URL", k, len(vs))
			}
		default:
			if strings.Contains(strings.ToLower(k), "pass") {
				*hide = append(*hide, vs...)
			}
			return Conn{}, fmt.Errorf("unknown parameter %q in the redis-sentinel URL: want master, sentinel_username, sentinel_password", k)
		}
	}
	o := &redis.FailoverOptions{MasterName: q.Get("master"),
		SentinelUsername: q.Get("sentinel_username"), SentinelPassword: q.Get("sentinel_password")}
	if o.MasterName == "" {
		return Conn{}, errors.New("the redis-sentinel URL has no master=NAME: the name of the primary the sentinels monitor (sentinel monitor NAME ...)")
	}
	if o.SentinelAddrs, err = sentinelAddrs(u.Host); err != nil {
		return Conn{}, err
	}
	if p := strings.Trim(u.Path, "/"); p != "" {
		if o.DB, err = strconv.Atoi(p); err != nil || o.DB < 0 {
			return Conn{}, errors.New("the path of the redis-sentinel URL must be /DB, DB a database number (characters / ? # of a password must be %-escaped)")
		}
	}
	if u.User != nil {
		o.Username = u.User.Username()
		o.Password, _ = u.User.Password()
	}
	if u.Scheme == "rediss-sentinel" {
		if o.TLSConfig, err = files.config(nil); err != nil {
			return Conn{}, err
		}
	} else if !files.IsZero() {
		return Conn{}, errors.New("TLS files are given (--redis-tls-*) but the Redis URL is redis-sentinel://, without TLS: use rediss-sentinel://")
	}
	return Conn{failover: o, desc: describe(u.Scheme, shownUser(u), o.SentinelAddrs, o.MasterName, o.DB)}, nil
}

// shownUser is the user name Redacted shows: the URL's user when a password follows it.
func shownUser(u *url.URL) string {
	if u.User == nil {
		return ""
	}
	if _, ok := u.User.Password(); !ok {
		return ""
	}
	return u.User.Username()
}

// sentinelAddrs splits "h1:p1,h2:p2" into host:port addresses, 26379 by default.
func sentinelAddrs(hosts string) ([]string, error) {
	if hosts == "" {
		return nil, errors.New("the redis-sentinel URL names no sentinel: want host1:port1,host2:port2,...")
	}
	var addrs []string
	for i, h := range strings.Split(hosts, ",") {
		if h == "" {
			return nil, fmt.Errorf("sentinel address %d of the Redis URL is empty", i+1)
		}
		host, port, err := net.SplitHostPort(h)
		if err != nil {
			return nil, fmt.Errorf("sentinel address %d of the Redis URL is not host:port (each sentinel needs its port, usually 26379)", i+1)
		}
		if host == "" {
			return nil, fmt.Errorf("sentinel address %d of the Redis URL has no host", i+1)
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("sentinel address %d of the Redis URL (host %s): the port must be a number from 1 to 65535", i+1, host)
		}
		addrs = append(addrs, net.JoinHostPort(host, port))
	}
	return addrs, nil
}

// roughSecrets guesses, from the text alone, what in raw may be a password: what
// follows the first colon before an @ (the first or the last @), a lone user before an
// @, and the values of parameters whose name has "pass", each also %-decoded. It works
// on URLs that do not parse, so that no error shows a piece of them.
func roughSecrets(raw string) []string {
	var out []string
	add := func(s string) {
		if s == "" {
			return
		}
		out = append(out, s)
		if d, err := url.PathUnescape(s); err == nil && d != s {
			out = append(out, d)
		}
		if d, err := url.QueryUnescape(s); err == nil && d != s {
			out = append(out, d)
		}
	}
	rest := raw
	if i := strings.Index(rest, "://"); i >= 0 {
		rest = rest[i+3:]
	}
	for _, at := range []int{strings.Index(rest, "@"), strings.LastIndex(rest, "@")} {
		if at < 0 {
			continue
		}
		ui := rest[:at]
		if _, pw, ok := strings.Cut(ui, ":"); ok {
			add(pw)
		} else {
			add(ui)
		}
	}
	for _, part := range strings.FieldsFunc(raw, func(r rune) bool { return r == '?' || r == '&' || r == ';' }) {
		if k, v, ok := strings.Cut(part, "="); ok && strings.Contains(strings.ToLower(k), "pass") {
			add(v)
		}
	}
	return out
}

// scrub removes every form of the secrets from s.
func scrub(s string, hide []string) string {
	return redact(errors.New(s), hide).Error()
}

// redact is secrets.Redact, which needs valid UTF-8 secrets (it builds a regexp of
// them): a secret that is not (a %-escape such as %CA decodes to one) is removed by
// plain replacement, as it is and as Go quotes it.
func redact(err error, hide []string) error {
	var valid, invalid []string
	for _, s := range hide {
		if utf8.ValidString(s) {
			valid = append(valid, s)
		} else {
			invalid = append(invalid, s)
		}
	}
	err = secrets.Redact(err, valid...)
	if len(invalid) == 0 {
		return err
	}
	msg := err.Error()
	for _, s := range invalid {
		q := strconv.Quote(s)
		for _, form := range []string{s, q[1 : len(q)-1]} {
			msg = strings.ReplaceAll(msg, form, secrets.Redacted)
		}
	}
	return errors.New(msg)
}
