package sim

import (
	"testing"
	"time"
)

func FuzzParseProbe(f *testing.F) {
	f.Add([]byte(newProbe("support@acme.test", "stk-abcdefghijkl").raw()))
	f.Add([]byte("From: x@y\r\n\r\n"))
	f.Add([]byte("From: =?utf-8?q?J=C3=A9r=C3=B4me?= <j@x>\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n" +
		"Content-Type: text/html\r\n\r\n<p>hi</p>\r\n--b\r\nContent-Type: text/plain; charset=koi8-r\r\n\r\nhi\r\n--b--\r\n"))
	f.Add([]byte("Subject: no from\r\nMessage-ID: <<<>>>\r\n\r\nbody"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		p, err := parseProbe(raw, time.Unix(0, 0))
		if err != nil {
			return
		}
		if p.from == nil || p.seedKey == "" || len(p.text) > maxQuote*4 {
			t.Fatalf("parseProbe = %+v: want a From, a seed key and a bounded text", p)
		}
		j := &job{kind: KindHuman, co: &Company{ID: "a", Name: "A", Address: "s@a.test", Threading: ThreadingHeaders},
			p: p, to: p.from}
		if _, err := compose(j); err != nil {
			t.Fatalf("compose: %v", err)
		}
	})
}

func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(goodHead + "  - {id: a, address: s@a.test, reply: {median: 1s}}\n"))
	f.Add([]byte("companies: [{ack: {delay: -1s}}]"))
	f.Add([]byte("a: &a [*a]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = Parse("f.yaml", data)
	})
}
