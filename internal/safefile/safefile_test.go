package safefile

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func write(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	ok := write(t, filepath.Join(dir, "ok"), "hello")
	big := write(t, filepath.Join(dir, "big"), strings.Repeat("x", 11))
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path string
		want       error
	}{
		{"regular", ok, nil},
		{"too large", big, ErrTooLarge},
		{"fifo does not block", fifo, ErrNotRegular},
		{"dev zero", "/dev/zero", ErrNotRegular},
		{"dev urandom", "/dev/urandom", ErrNotRegular},
		{"directory", dir, ErrNotRegular},
		{"missing", filepath.Join(dir, "missing"), os.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := ReadFile(context.Background(), tt.path, 10)
			if !errors.Is(err, tt.want) {
				t.Fatalf("ReadFile(%q) = %q, %v, want error %v", tt.path, data, err, tt.want)
			}
			if tt.want == nil && string(data) != "hello" {
				t.Errorf("ReadFile(%q) = %q, want hello", tt.path, data)
			}
			if err != nil && !strings.Contains(err.Error(), tt.path) {
				t.Errorf("error %q does not name the file %s", err, tt.path)
			}
		})
	}
}

func TestReadIn(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "profiles")
	if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "sub", "p.yaml"), "hello")
	write(t, filepath.Join(base, "secret"), "hunter2")
	for link, to := range map[string]string{"out": "../secret", "abs": filepath.Join(base, "secret"), "etc": "/etc/passwd", "in": "sub/p.yaml"} {
		if err := os.Symlink(to, filepath.Join(dir, link)); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name string
		want error
	}{
		{"sub/p.yaml", nil},
		{"sub/../sub/p.yaml", nil},
		{"in", nil},
		{filepath.Join(dir, "sub", "p.yaml"), nil},
		{"../secret", ErrOutside},
		{"sub/../../secret", ErrOutside},
		{filepath.Join(base, "secret"), ErrOutside},
		{"/etc/passwd", ErrOutside},
		{"out", ErrOutside},
		{"abs", ErrOutside},
		{"etc", ErrOutside},
		{"missing", os.ErrNotExist},
	}
	for _, tt := range tests {
		data, err := ReadIn(context.Background(), dir, tt.name, 100)
		if !errors.Is(err, tt.want) {
			t.Errorf("ReadIn(dir, %q) = %q, %v, want error %v", tt.name, data, err, tt.want)
			continue
		}
		if tt.want == nil && string(data) != "hello" {
			t.Errorf("ReadIn(dir, %q) = %q, want hello", tt.name, data)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("ReadIn(dir, %q) error %q shows the content", tt.name, err)
		}
	}
}

// A read that cannot finish (a hung file system) ends with its context.
func TestReadEndsWithContext(t *testing.T) {
	hang := make(chan struct{})
	defer close(hang)
	ctx, cancel := context.WithCancelCause(context.Background())
	cause := errors.New("stopped")
	done := make(chan error, 1)
	go func() {
		_, err := read(ctx, "f", 10, func() (*os.File, error) { <-hang; return nil, os.ErrClosed })
		done <- err
	}()
	cancel(cause)
	if err := <-done; !errors.Is(err, cause) {
		t.Fatalf("read of a hung file = %v, want %v", err, cause)
	}
}
