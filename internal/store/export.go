package store

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/stakeoutcx/stakeout/internal/result"
)

// Export formats accepted by Export.
const (
	// FormatJSONL writes one JSON object per line.
	FormatJSONL = "jsonl"
	// FormatCSV writes a header row, then one row per probe.
	FormatCSV = "csv"
)

// ExportColumns are the columns Export writes, in order.
var ExportColumns = []string{
	"probe_id", "run", "campaign", "target", "industry", "channel", "scenario",
	"planned_at", "started_at", "finished_at", "outcome", "reason",
	"first_response_s", "human_response_s", "duration_s", "quality",
}

// exportRow is one line of a JSONL export; its fields follow ExportColumns.
type exportRow struct {
	ProbeID        string   `json:"probe_id"`
	Run            string   `json:"run"`
	Campaign       string   `json:"campaign"`
	Target         string   `json:"target"`
	Industry       string   `json:"industry"`
	Channel        string   `json:"channel"`
	Scenario       string   `json:"scenario"`
	PlannedAt      *string  `json:"planned_at"`
	StartedAt      *string  `json:"started_at"`
	FinishedAt     *string  `json:"finished_at"`
	Outcome        string   `json:"outcome"`
	Reason         string   `json:"reason"`
	FirstResponseS *float64 `json:"first_response_s"`
	HumanResponseS *float64 `json:"human_response_s"`
	DurationS      float64  `json:"duration_s"`
	// Quality is the graded quality of the human answers, 0..1 (null when not graded or
	// no check applied): what scoring averages (docs/quality.md).
	Quality *float64 `json:"quality"`
}

// Export writes the results of run (every run for "") from s to w, one line per probe
// ordered by probe id, and returns how many probes it wrote. format is FormatJSONL or
// FormatCSV. Times are RFC3339Nano in UTC; latencies and durations are seconds rounded
// to milliseconds; quality is the stored grade's. An absent latency, time or quality is
// null in JSONL and an empty field in CSV.
func Export(ctx context.Context, s Store, run string, format string, w io.Writer) (n int, err error) {
	quality, err := s.Qualities(ctx, run)
	if err != nil {
		return 0, fmt.Errorf("export: %w", err)
	}
	row := func(r result.Result) exportRow {
		e := newExportRow(r)
		if q, ok := quality[r.ProbeID]; ok {
			e.Quality = &q
		}
		return e
	}
	switch format {
	case FormatJSONL:
		bw := bufio.NewWriter(w)
		enc := json.NewEncoder(bw)
		enc.SetEscapeHTML(false)
		err = s.Each(ctx, run, func(r result.Result) error {
			if err := enc.Encode(row(r)); err != nil {
				return err
			}
			n++
			return nil
		})
		if err == nil {
			err = bw.Flush()
		}
	case FormatCSV:
		cw := csv.NewWriter(w)
		if err = cw.Write(ExportColumns); err != nil {
			break
		}
		err = s.Each(ctx, run, func(r result.Result) error {
			if err := cw.Write(csvRecord(row(r))); err != nil {
				return err
			}
			n++
			return nil
		})
		if err == nil {
			cw.Flush()
			err = cw.Error()
		}
	default:
		return 0, fmt.Errorf("export: unknown format %q (want %s or %s)", format, FormatJSONL, FormatCSV)
	}
	if err != nil {
		return n, fmt.Errorf("export %s: %w", format, err)
	}
	return n, nil
}

// newExportRow projects r onto the export columns.
func newExportRow(r result.Result) exportRow {
	return exportRow{
		ProbeID:        r.ProbeID,
		Run:            r.Run,
		Campaign:       r.Campaign,
		Target:         r.Target,
		Industry:       r.Industry,
		Channel:        r.Channel,
		Scenario:       r.Scenario,
		PlannedAt:      exportTime(r.PlannedAt),
		StartedAt:      exportTime(r.StartedAt),
		FinishedAt:     exportTime(r.FinishedAt),
		Outcome:        string(r.Outcome),
		Reason:         r.Reason,
		FirstResponseS: roundMillis(r.FirstResponseS),
		HumanResponseS: roundMillis(r.HumanResponseS),
		DurationS:      math.Round(r.DurationS*1000) / 1000,
	}
}

// csvRecord is e as a CSV record in ExportColumns order.
func csvRecord(e exportRow) []string {
	return []string{
		e.ProbeID, e.Run, e.Campaign, e.Target, e.Industry, e.Channel, e.Scenario,
		deref(e.PlannedAt), deref(e.StartedAt), deref(e.FinishedAt), e.Outcome, e.Reason,
		csvFloat(e.FirstResponseS), csvFloat(e.HumanResponseS), csvFloat(&e.DurationS), csvFloat(e.Quality),
	}
}

// exportTime formats t as RFC3339Nano UTC; nil for the zero time.
func exportTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339Nano)
	return &s
}

// roundMillis returns *v rounded to milliseconds; nil for nil.
func roundMillis(v *float64) *float64 {
	if v == nil {
		return nil
	}
	r := math.Round(*v*1000) / 1000
	return &r
}

// deref returns *s, or "" for nil.
func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// csvFloat formats v as the shortest decimal that reads back exactly; "" for nil.
func csvFloat(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}
