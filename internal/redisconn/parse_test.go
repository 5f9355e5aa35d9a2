package redisconn

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hibiken/asynq"
)

func TestParse(t *testing.T) {
	tests := []struct {
		url      string
		redacted string
		sentinel bool
		tls      bool
	}{
		{"redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379 db 0", false, false},
		{"redis://localhost", "redis://localhost:6379 db 0", false, false},
		{"redis://:s3cret-pw@redis.example.com:6380/2", "redis://redis.example.com:6380 db 2", false, false},
		{"redis://app:s3cret-pw@redis.example.com/1", "redis://app@redis.example.com:6379 db 1", false, false},
		{"redis://name@redis.example.com/1", "redis://redis.example.com:6379 db 1", false, false},
		{"rediss://app:s3cret-pw@redis.example.com:6380/3", "rediss://app@redis.example.com:6380 db 3", false, true},
		{"redis://h:6379/0?dial_timeout=3s&pool_size=20", "redis://h:6379 db 0", false, false},
		{"unix:///run/redis/redis.sock?db=4", "unix:///run/redis/redis.sock db 4", false, false},
		{"redis-sentinel://h1:26379,h2:26380,h3:26381/0?master=mymaster", "redis-sentinel://h1:26379,h2:26380,h3:26381 master mymaster db 0", true, false},
		{"redis-sentinel://app:s3cret-pw@h1:1,h2:2/5?master=m&sentinel_username=s&sentinel_password=sentinel-pw",
			"redis-sentinel://app@h1:1,h2:2 master m db 5", true, false},
		{"rediss-sentinel://h1:1?master=m", "rediss-sentinel://h1:1 master m db 0", true, true},
		{"redis://p%40ss%2Fw%3Ard@h:1/0", "redis://h:1 db 0", false, false},
	}
	for _, tt := range tests {
		c, err := Parse(tt.url, TLSFiles{})
		if err != nil {
			t.Errorf("Parse(%q) = %v, want no error", tt.url, err)
			continue
		}
		if got := c.Redacted(); got != tt.redacted {
			t.Errorf("Parse(%q).Redacted() = %q, want %q", tt.url, got, tt.redacted)
		}
		if c.String() != c.Redacted() {
			t.Errorf("Parse(%q): String() = %q, want Redacted() %q", tt.url, c.String(), c.Redacted())
		}
		if got := c.Sentinel(); got != tt.sentinel {
			t.Errorf("Parse(%q).Sentinel() = %v, want %v", tt.url, got, tt.sentinel)
		}
		switch o := c.Asynq().(type) {
		case asynq.RedisClientOpt:
			if tt.sentinel || (o.TLSConfig != nil) != tt.tls {
				t.Errorf("Parse(%q).Asynq() = RedisClientOpt with TLS %v, want sentinel %v, TLS %v", tt.url, o.TLSConfig != nil, tt.sentinel, tt.tls)
			}
		case asynq.RedisFailoverClientOpt:
			if !tt.sentinel || (o.TLSConfig != nil) != tt.tls {
				t.Errorf("Parse(%q).Asynq() = RedisFailoverClientOpt with TLS %v, want sentinel %v, TLS %v", tt.url, o.TLSConfig != nil, tt.sentinel, tt.tls)
			}
		default:
			t.Errorf("Parse(%q).Asynq() = %T", tt.url, o)
		}
		if strings.Contains(c.Redacted(), "pw") || strings.Contains(c.Redacted(), "p@ss") {
			t.Errorf("Parse(%q).Redacted() = %q shows a password", tt.url, c.Redacted())
		}
	}
}

func TestParseCredentials(t *testing.T) {
	c, err := Parse("redis-sentinel://app:data%40pw@h1:1,h2:2/5?master=m&sentinel_username=s&sentinel_password=sent%26pw", TLSFiles{})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	got := c.Asynq().(asynq.RedisFailoverClientOpt)
	want := asynq.RedisFailoverClientOpt{MasterName: "m", SentinelAddrs: []string{"h1:1", "h2:2"},
		SentinelUsername: "s", SentinelPassword: "sent&pw", Username: "app", Password: "data@pw", DB: 5}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Asynq() (-want +got):\n%s", diff)
	}
	rdb := c.Client()
	defer rdb.Close()
	if o := rdb.Options(); o.Username != "app" || o.Password != "data@pw" || o.DB != 5 {
		t.Errorf("Client().Options() user %q password %q db %d, want app, data@pw, 5", o.Username, o.Password, o.DB)
	}
	s, err := Parse("rediss://u:pw@h:1/2", TLSFiles{})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	so := s.Asynq().(asynq.RedisClientOpt)
	if so.Addr != "h:1" || so.Username != "u" || so.Password != "pw" || so.DB != 2 || so.TLSConfig == nil || so.TLSConfig.ServerName != "h" {
		t.Errorf("Asynq() = %+v, want h:1, u, pw, db 2, TLS for h", so)
	}
	if a := Addr("127.0.0.1:1234"); a.Redacted() != "redis://127.0.0.1:1234 db 0" || a.IsZero() {
		t.Errorf("Addr(...).Redacted() = %q", a.Redacted())
	}
	if !(Conn{}).IsZero() {
		t.Errorf("Conn{}.IsZero() = false")
	}
}

func TestParseErrors(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	const pw = "Hunter2-Secret"
	tests := []struct {
		url   string
		files TLSFiles
		want  string // a part of the error
	}{
		{"", TLSFiles{}, "empty Redis URL"},
		{"http://h:1", TLSFiles{}, `unknown Redis URL scheme "http://"`},
		{"127.0.0.1:6379", TLSFiles{}, "has no scheme"},
		{"redis-sentinel://h1:1,h2/0?master=m", TLSFiles{}, "port that is missing or not a number"},
		{"redis-sentinel://h1,h2:2/0?master=m", TLSFiles{}, "sentinel address 1 of the Redis URL is not host:port"},
		{"h:" + pw + "@x", TLSFiles{}, "unknown Redis URL scheme"},
		{"redis://u:" + pw + "@h:abc/0", TLSFiles{}, "port that is missing or not a number"},
		{"redis://u:" + pw + "@h:99999/0", TLSFiles{}, "port of the Redis URL must be a number from 1 to 65535"},
		{"redis://u:Hunter2/Secret@h:1/0", TLSFiles{}, "port that is missing or not a number"},
		{"redis://u:12/" + pw + "@h:1/0", TLSFiles{}, "an @ after its host"},
		{"redis://u:" + pw + "%zz@h:1/0", TLSFiles{}, "bad %-escape"},
		{"redis://u:" + pw + "@h:1/x", TLSFiles{}, "path of the Redis URL must be /DB"},
		{"redis://u:" + pw + "@h:1/0#frag", TLSFiles{}, "#fragment"},
		{"redis://u:" + pw + "@h:1/0?nope=1", TLSFiles{}, "unexpected option"},
		{"rediss://u:" + pw + "@h:1/0?skip_verify=true", TLSFiles{}, "skip_verify is not accepted"},
		{"redis://u:" + pw + "@h:1/0", TLSFiles{CA: notPEM}, "use rediss://"},
		{"rediss://u:" + pw + "@h:1/0", TLSFiles{CA: filepath.Join(dir, "missing.pem")}, "redis TLS CA file"},
		{"rediss://u:" + pw + "@h:1/0", TLSFiles{CA: notPEM}, "holds no PEM certificate"},
		{"rediss://u:" + pw + "@h:1/0", TLSFiles{Cert: notPEM}, "without its key"},
		{"rediss://u:" + pw + "@h:1/0", TLSFiles{Key: notPEM}, "without its certificate"},
		{"rediss://u:" + pw + "@h:1/0", TLSFiles{Cert: notPEM, Key: notPEM}, "client certificate"},
		{"redis-sentinel://u:" + pw + "@h1:1,h2:2/0", TLSFiles{}, "no master=NAME"},
		{"redis-sentinel://u:" + pw + "@h1:1,h2:x/0?master=m", TLSFiles{}, "port that is missing or not a number"},
		{"redis-sentinel://u:" + pw + "@h1:x,h2:2/0?master=m", TLSFiles{}, "sentinel address 1 of the Redis URL (host h1): the port must be a number"},
		{"redis-sentinel://u:" + pw + "@h1:1,,h2:2/0?master=m", TLSFiles{}, "sentinel address 2 of the Redis URL is empty"},
		{"redis-sentinel://u:" + pw + "@/0?master=m", TLSFiles{}, "names no sentinel"},
		{"redis-sentinel://u:" + pw + "@h1:1/x?master=m", TLSFiles{}, "path of the redis-sentinel URL must be /DB"},
		{"redis-sentinel://h1:1/0?master=m&sentinel_pasword=" + pw, TLSFiles{}, `unknown parameter "sentinel_pasword"`},
		{"redis-sentinel://h1:1/0?master=m&master=n", TLSFiles{}, "master is given 2 times"},
		{"redis-sentinel://h1:1/0?master=m", TLSFiles{CA: notPEM}, "use rediss-sentinel://"},
		{"rediss-sentinel://h1:1/0?master=m&sentinel_password=" + pw, TLSFiles{CA: notPEM}, "holds no PEM certificate"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.url, tt.files)
		if err == nil {
			t.Errorf("Parse(%q, %+v) = no error, want %q", tt.url, tt.files, tt.want)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%q, %+v) = %q, want it to contain %q", tt.url, tt.files, err, tt.want)
		}
		for _, leak := range []string{pw, "Hunter2", "Secret"} {
			if strings.Contains(err.Error(), leak) {
				t.Errorf("Parse(%q) = %q: shows the password (%q)", tt.url, err, leak)
			}
		}
	}
}

// FuzzParse builds Redis URLs around a user password and a sentinel password (each
// framed by a marker no message uses) and checks that neither shows in an error or in
// Redacted, in any of the forms a URL writes it.
func FuzzParse(f *testing.F) {
	f.Add(0, "app", "pw", "sentinel-pw", "h1:26379,h2:26379", "/0", "master=mymaster")
	f.Add(1, "", "p@ss:w/rd?#", "", "127.0.0.1:6380", "/3", "")
	f.Add(2, "u", "pw", "", "", "", "db=2")
	f.Add(3, "u", "pw", "spw", "h1:x,h2", "/0", "master=m&sentinel_username=s")
	f.Add(4, "u", "pw", "spw", "h1:1", "/x", "master=m&nope=1")
	f.Add(0, "u", "%zz", "%", "h", "/0?", "master=")
	f.Add(1, "u", "pw", "", "h:1", "/0", "skip_verify=true&password=x")
	f.Add(5, "u", "pw", "", "h:1", "/0", "")
	f.Add(1, "0", "\xca", "", "0", "0", "0") // not UTF-8 once decoded: secrets.Redact cannot take it
	f.Fuzz(func(t *testing.T, scheme int, user, pw, spw, hosts, path, query string) {
		schemes := []string{"redis-sentinel", "redis", "unix", "rediss-sentinel", "rediss", "http"}
		if scheme < 0 {
			scheme = -scheme
		}
		pw, spw = "Zq"+pw+"9x", "Qz"+spw+"8y"
		raw := schemes[scheme%len(schemes)] + "://" + url.UserPassword(user, pw).String() + "@" + hosts + path +
			"?sentinel_password=" + url.QueryEscape(spw) + "&" + query
		c, err := Parse(raw, TLSFiles{})
		var out string
		if err != nil {
			out = err.Error()
		} else {
			out = c.Redacted()
		}
		for _, secret := range []string{pw, spw} {
			lower := strings.ToLower(secret)
			if strings.Contains(strings.ToLower(user+hosts+path+query+pw+spw), lower+lower) ||
				strings.Contains(strings.ToLower(user+"\x00"+hosts+"\x00"+path+"\x00"+query), lower) {
				continue // the secret is also written elsewhere in the URL: it may show as that
			}
			for _, form := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret), url.UserPassword("", secret).String()[1:]} {
				if len(form) > 2 && strings.Contains(out, form) {
					t.Fatalf("Parse(%q) shows the password %q as %q in %q", raw, secret, form, out)
				}
			}
		}
	})
}
