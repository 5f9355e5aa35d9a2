package workers

import (
	"bytes"
	"context"
	"log/slog"
	"testing"
	"time"
)

func TestLogReplaceAttr(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{ReplaceAttr: LogReplaceAttr,
		// The time varies: left out.
		Level: slog.LevelInfo}))
	log = slog.New(dropTime{log.Handler()})
	log.Info("probe done", "duration", 3909796792*time.Nanosecond, "wait_s", 1500*time.Millisecond, "n", 3, "in", "5s")
	want := `{"level":"INFO","msg":"probe done","duration_s":3.909797,"wait_s":1.5,"n":3,"in":"5s"}` + "\n"
	if got := buf.String(); got != want {
		t.Errorf("log line = %s want %s", got, want)
	}
}

// dropTime is a handler that writes records without their time.
type dropTime struct{ slog.Handler }

func (d dropTime) Handle(ctx context.Context, r slog.Record) error {
	r.Time = time.Time{}
	return d.Handler.Handle(ctx, r)
}
