package workers

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/stakeoutcx/stakeout/internal/result"
	"github.com/stakeoutcx/stakeout/internal/store"
	"github.com/stakeoutcx/stakeout/internal/tasks"
	"github.com/stakeoutcx/stakeout/probes"
)

// A failure screenshot goes into the store before the result is enqueued; the result
// (and so its task payload in Redis) carries only its reference.
func TestAttachKeepsScreenshotOutOfResult(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "results.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	shot := bytes.Repeat([]byte{0xff, 0xd8, 0x42, 0x17}, 128<<10) // 512 KiB
	blobs := []probes.Blob{{Name: "screenshot", MediaType: "image/jpeg", Data: shot}}
	log := slog.New(slog.DiscardHandler)
	ev := attach(ctx, st, []byte(`{"error":"widget not found"}`), blobs, log)
	var got struct {
		Error      string  `json:"error"`
		Screenshot blobRef `json:"screenshot"`
	}
	if err := json.Unmarshal(ev, &got); err != nil {
		t.Fatalf("evidence %s: %v", ev, err)
	}
	if got.Error != "widget not found" || got.Screenshot.Size != len(shot) || got.Screenshot.MediaType != "image/jpeg" ||
		len(got.Screenshot.SHA256) != 64 || got.Screenshot.Data != nil {
		t.Errorf("evidence = %s; want the error and a reference to the screenshot", ev)
	}
	task, err := tasks.NewResultTask(result.Result{ProbeID: "r/a/chat/1", Run: "r", Outcome: result.Failed, Evidence: ev})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(task.Payload()); n > 4<<10 {
		t.Errorf("result task payload is %d bytes, want the screenshot out of it (< 4 KiB)", n)
	}
	data, mt, ok, err := st.GetEvidence(ctx, got.Screenshot.SHA256)
	if err != nil || !ok || mt != "image/jpeg" || !bytes.Equal(data, shot) {
		t.Errorf("GetEvidence = %d bytes, %q, %v, %v; want the screenshot", len(data), mt, ok, err)
	}

	// Without a store the screenshot goes inline.
	inline := attach(ctx, nil, nil, blobs, log)
	if err := json.Unmarshal(inline, &got); err != nil || !bytes.Equal(got.Screenshot.Data, shot) {
		t.Errorf("inline evidence: %v; want the screenshot's bytes", err)
	}
}
