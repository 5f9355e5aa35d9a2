package workers

import (
	"context"
	"fmt"
	"log/slog"
	"os"
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
