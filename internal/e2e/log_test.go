package e2e

import (
	"bytes"
	"log/slog"
	"sync"
	"testing"
)

// failureLog returns a logger that keeps the worker's warnings and errors and writes
// them to the test's log if the test fails: a wrong outcome comes with what the worker
// said about it.
func failureLog(t *testing.T) *slog.Logger {
	t.Helper()
	var (
		mu  sync.Mutex
		buf bytes.Buffer
	)
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		t.Logf("the worker's warnings and errors:\n%s", buf.String())
	})
	return slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		if buf.Len() > 1<<20 {
			return len(p), nil // enough to read; the rest is dropped
		}
		return buf.Write(p)
	}), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
