package store

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stakeoutcx/stakeout/internal/result"
)

func TestRecordRunKeepsFirstSpec(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backend) {
		s, _ := bk.openTemp(t)
		ctx := context.Background()
		start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		first := Run{ID: "nov", Campaign: "c", Spec: []byte(`{"v":1}`), Total: 44, Start: start, End: start.Add(time.Hour),
			LaunchedAt: start.Add(-time.Minute)}
		if err := s.RecordRun(ctx, first); err != nil {
			t.Fatal(err)
		}
		again := first
		again.Spec, again.Total, again.LaunchedAt = []byte(`{"v":2}`), 45, start
		if err := s.RecordRun(ctx, again); err != nil {
			t.Fatal(err)
		}
		got, ok, err := s.GetRun(ctx, "nov")
		if err != nil || !ok {
			t.Fatalf("GetRun = %v, %v", ok, err)
		}
		want := first
		want.Total = 45
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("GetRun after two launches (-want +got):\n%s", diff)
		}
		if _, ok, err := s.GetRun(ctx, "none"); ok || err != nil {
			t.Errorf("GetRun(none) = %v, %v; want false, nil", ok, err)
		}
	})
}

func TestSendsLedger(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backend) {
		s, _ := bk.openTemp(t)
		ctx := context.Background()
		at := time.Date(2026, 11, 3, 14, 0, 0, 0, time.UTC)
		sd := Send{ProbeID: "r1/acme/email/1", Run: "r1", Target: "acme", Channel: "email", Mailbox: "p@x.test",
			Token: "tok", MessageID: "<m@x>", SentAt: at, Record: []byte(`{"token":"tok"}`)}
		if err := s.RecordSend(ctx, sd); err != nil {
			t.Fatal(err)
		}
		dup := sd
		dup.MessageID = "<other@x>"
		if err := s.RecordSend(ctx, dup); err != nil {
			t.Fatal(err)
		}
		if err := s.ConfirmSend(ctx, sd.ProbeID, at.Add(time.Second), at.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := s.ConfirmSend(ctx, sd.ProbeID, at.Add(time.Minute), at.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		got, ok, err := s.GetSend(ctx, sd.ProbeID)
		want := sd
		want.T0, want.Deadline = at.Add(time.Second), at.Add(time.Hour)
		if err != nil || !ok {
			t.Fatalf("GetSend = %v, %v", ok, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("GetSend (-want +got):\n%s", diff)
		}
		chat := Send{ProbeID: "r1/acme/chat/1", Run: "r1", Target: "acme", Channel: "chat", SentAt: at}
		if err := s.RecordSend(ctx, chat); err != nil {
			t.Fatal(err)
		}
		mustUpsert(t, s, sample("r1", "r1/zeta/chat/9"))
		done, err := s.Done(ctx, "r1")
		if diff := cmp.Diff(map[string]result.Outcome{sd.ProbeID: "", chat.ProbeID: "", "r1/zeta/chat/9": result.Answered}, done); err != nil || diff != "" {
			t.Errorf("Done(r1) = %v (-want +got):\n%s", err, diff)
		}
		open, err := s.OpenSends(ctx, "email")
		if err != nil || len(open) != 1 || open[0].ProbeID != sd.ProbeID {
			t.Errorf("OpenSends(email) = %v, %v; want the email send", open, err)
		}
		r := sample("r1", sd.ProbeID)
		r.Channel = "email"
		mustUpsert(t, s, r)
		if open, err := s.OpenSends(ctx, "email"); err != nil || len(open) != 0 {
			t.Errorf("OpenSends(email) after its result = %v, %v; want none", open, err)
		}
	})
}

func TestEvidenceByHash(t *testing.T) {
	forEachBackend(t, func(t *testing.T, bk backend) {
		s, _ := bk.openTemp(t)
		ctx := context.Background()
		shot := bytes.Repeat([]byte{0xff, 0xd8, 1, 2}, 128<<10) // 512 KiB
		ref, err := s.PutEvidence(ctx, "image/jpeg", shot)
		if err != nil {
			t.Fatal(err)
		}
		again, err := s.PutEvidence(ctx, "image/jpeg", shot)
		if err != nil || again != ref {
			t.Errorf("PutEvidence twice = %v, %v; want %v", again, err, ref)
		}
		if ref.Size != len(shot) || len(ref.SHA256) != 64 || ref.MediaType != "image/jpeg" {
			t.Errorf("ref = %+v", ref)
		}
		data, mt, ok, err := s.GetEvidence(ctx, ref.SHA256)
		if err != nil || !ok || mt != "image/jpeg" || !bytes.Equal(data, shot) {
			t.Errorf("GetEvidence = %d bytes, %q, %v, %v; want the screenshot", len(data), mt, ok, err)
		}
		var n int
		if err := s.(*sqlStore).reader.QueryRowContext(ctx, "SELECT COUNT(*) FROM evidence").Scan(&n); err != nil || n != 1 {
			t.Errorf("evidence rows = %d, %v; want 1", n, err)
		}
		if _, _, ok, err := s.GetEvidence(ctx, "00"); ok || err != nil {
			t.Errorf("GetEvidence(unknown) = %v, %v", ok, err)
		}
	})
}

// The database and its -wal and -shm files are readable by their owner only, even
// under a permissive umask.
func TestDatabaseFilesPrivate(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	s, path := openTemp(t)
	if _, err := s.Upsert(context.Background(), sample("r", "p")); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(f)
		if err != nil {
			t.Errorf("stat %s: %v", filepath.Base(f), err)
			continue
		}
		if mode := fi.Mode().Perm(); mode != 0o600 {
			t.Errorf("%s mode = %v, want -rw-------", filepath.Base(f), mode)
		}
	}
}
