package workers

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/stakeoutcx/stakeout/internal/store"
	"github.com/stakeoutcx/stakeout/probes"
)

// blobRef is how a blob appears in a result's evidence: its reference in the store, or,
// for a worker without one, its content inline (base64), or why it is missing.
type blobRef struct {
	store.EvidenceRef
	Data  []byte `json:"data,omitempty"`
	Error string `json:"error,omitempty"`
}

// attach stores each blob in ev (the store's evidence table, keyed by content hash:
// storing twice is harmless) before the result is enqueued, and returns the evidence
// with each blob's reference under its name. Large evidence thus never travels through
// Redis. Without a store the blob goes inline, as before; a blob the store refused is
// left out and its error said.
func attach(ctx context.Context, ev store.Evidence, evidence []byte, blobs []probes.Blob, log *slog.Logger) []byte {
	if len(blobs) == 0 {
		return evidence
	}
	obj := map[string]json.RawMessage{}
	if len(evidence) > 0 {
		if err := json.Unmarshal(evidence, &obj); err != nil {
			log.Warn("evidence is not a JSON object: blobs left out", "err", err)
			return evidence
		}
	}
	for _, b := range blobs {
		ref := blobRef{EvidenceRef: store.EvidenceRef{Size: len(b.Data), MediaType: b.MediaType}}
		switch {
		case ev == nil:
			ref.Data = b.Data
		default:
			stored, err := ev.PutEvidence(context.WithoutCancel(ctx), b.MediaType, b.Data)
			if err != nil {
				log.Warn("store evidence: left out of the result", "blob", b.Name, "err", err)
				ref.Error = fmt.Sprintf("not stored: %v", err)
			} else {
				ref.EvidenceRef = stored
			}
		}
		raw, err := json.Marshal(ref)
		if err != nil {
			continue
		}
		obj[b.Name] = raw
	}
	out, err := json.Marshal(obj)
	if err != nil {
		return evidence
	}
	return out
}
