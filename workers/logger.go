package workers

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"os"
	"strings"
)

// asynqLogger adapts a *slog.Logger to asynq.Logger.
type asynqLogger struct{ l *slog.Logger }

// NewAsynqLogger returns an asynq.Logger that writes to l.
func NewAsynqLogger(l *slog.Logger) *asynqLogger {
	return &asynqLogger{l: l.With("component", "asynq")}
}

func (a *asynqLogger) log(level slog.Level, args ...any) {
	a.l.Log(context.Background(), level, fmt.Sprint(args...))
}

func (a *asynqLogger) Debug(args ...any) { a.log(slog.LevelDebug, args...) }
func (a *asynqLogger) Info(args ...any)  { a.log(slog.LevelInfo, args...) }
func (a *asynqLogger) Warn(args ...any)  { a.log(slog.LevelWarn, args...) }
func (a *asynqLogger) Error(args ...any) { a.log(slog.LevelError, args...) }
func (a *asynqLogger) Fatal(args ...any) {
	a.log(slog.LevelError, args...)
	os.Exit(1)
}

// LogReplaceAttr is the slog.HandlerOptions.ReplaceAttr of stakeout's logs: a
// time.Duration is written in seconds (a number, to the microsecond) under its key
// with "_s" added, so that "wait" 1.5s reads "wait_s":1.5, not 1500000000 nanoseconds.
func LogReplaceAttr(groups []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() != slog.KindDuration {
		return a
	}
	key := a.Key
	if !strings.HasSuffix(key, "_s") {
		key += "_s"
	}
	return slog.Float64(key, math.Round(a.Value.Duration().Seconds()*1e6)/1e6)
}
