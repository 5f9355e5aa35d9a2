package report

import (
	"encoding/csv"
	"io"
	"strconv"
	"time"

	"github.com/stakeoutcx/stakeout/internal/scoring"
)

// CSVHeader names the columns of the report's CSV: one row per probe, with its
// target's scorecard figures repeated (docs/report.md).
var CSVHeader = []string{"run", "target", "target_name", "industry", "channel", "probe_id", "planned_at", "outcome", "reason",
	"counted", "first_response_s", "human_response_s", "within_sla", "speed_credit", "quality", "checks_passed",
	"card_probes", "card_reached", "card_response_rate", "card_human_median_s", "card_sla_compliance", "card_quality",
	"card_score", "card_score_lo", "card_score_hi", "card_tier", "card_provisional", "card_insufficient", "card_rank", "card_of"}

// WriteCSV writes the report's raw figures, one row per probe listed.
func WriteCSV(w io.Writer, r *Report) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	n := func(v scoring.Num) string {
		if !v.Valid() {
			return ""
		}
		return strconv.FormatFloat(v.F(), 'g', -1, 64)
	}
	for _, t := range r.Targets {
		for _, ch := range t.Channels {
			c := ch.Card
			for _, p := range ch.Probes {
				within := ""
				if p.Credit.Valid() {
					within = strconv.FormatBool(p.WithinSLA)
				}
				planned := ""
				if !p.PlannedAt.IsZero() {
					planned = p.PlannedAt.UTC().Format(time.RFC3339)
				}
				rec := []string{r.Run, t.ID, t.Name, t.Industry, c.Channel, p.ID, planned, string(p.Outcome), p.Reason,
					strconv.FormatBool(p.Counted), n(p.First), n(p.Human), within, n(p.Credit), n(p.Quality), p.Checks,
					strconv.Itoa(c.Probes), strconv.Itoa(c.Reached), n(c.ResponseRate.Value), n(c.HumanMedian.Value), n(c.SLACompliance), n(c.Quality),
					n(c.Score.Value), n(c.Score.Lo), n(c.Score.Hi), c.Tier.String(), strconv.FormatBool(c.Provisional), strconv.FormatBool(c.Insufficient),
					strconv.Itoa(c.Rank), strconv.Itoa(c.Of)}
				if err := cw.Write(rec); err != nil {
					return err
				}
			}
		}
	}
	cw.Flush()
	return cw.Error()
}
