package childproc

import (
	"net"
	"strconv"
	"testing"
)

func TestFreePort(t *testing.T) {
	p, err := FreePort()
	if err != nil || p <= 0 {
		t.Fatalf("FreePort = %d, %v", p, err)
	}
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
	if err != nil {
		t.Fatalf("port %d is not free after FreePort: %v", p, err)
	}
	l.Close()
}

func TestLastLine(t *testing.T) {
	for in, want := range map[string]string{"": "", "one": "one", "a\nb\n\n": "b", "a\r\nFATAL x\n": "FATAL x"} {
		if got := LastLine(in); got != want {
			t.Errorf("LastLine(%q) = %q, want %q", in, got, want)
		}
	}
}
