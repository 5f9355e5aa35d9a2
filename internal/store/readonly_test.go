package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stakeoutcx/stakeout/internal/result"
)

func TestOpenReadOnlyMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing.db")
	for _, dsn := range []string{path, "sqlite:" + path} {
		_, err := OpenReadOnly(context.Background(), dsn)
		if !errors.Is(err, os.ErrNotExist) {
			t.Errorf("OpenReadOnly(%q) error = %v, want one wrapping os.ErrNotExist", dsn, err)
		}
		if _, err := os.Stat(path); err == nil {
			t.Fatalf("OpenReadOnly(%q) created the file", dsn)
		}
	}
}

func TestOpenReadOnlyReads(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backend) {
		ctx := context.Background()
		s, path := bk.openTemp(t)
		r := result.Result{ProbeID: "r1/acme/chat/1", Run: "r1", Target: "acme", Channel: "chat", Scenario: "s", Outcome: result.Answered}
		if _, err := s.Upsert(ctx, r); err != nil {
			t.Fatal(err)
		}
		ro, err := OpenReadOnly(ctx, path)
		if err != nil {
			t.Fatalf("OpenReadOnly: %v", err)
		}
		defer ro.Close()
		if got, ok, err := ro.Get(ctx, r.ProbeID); err != nil || !ok || got.Outcome != result.Answered {
			t.Errorf("Get = %v, %v, %v; want the answered result", got, ok, err)
		}
		if _, err := ro.Upsert(ctx, r); !errors.Is(err, ErrReadOnly) {
			t.Errorf("Upsert on a read-only store = %v, want ErrReadOnly", err)
		}
		if _, err := ro.UpsertBatch(ctx, []result.Result{r}); !errors.Is(err, ErrReadOnly) {
			t.Errorf("UpsertBatch on a read-only store = %v, want ErrReadOnly", err)
		}
	})
}

func TestOpenReadOnlyNotAStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "empty.db")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := OpenReadOnly(context.Background(), path)
	if err == nil || !strings.Contains(err.Error(), "is not a stakeout result store") {
		t.Errorf("OpenReadOnly(empty file) error = %v, want not a stakeout result store", err)
	}
}
