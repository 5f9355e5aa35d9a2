// Package scorecard summarises a run's results per target and channel: probes, response
// rate, automated-only answers, and the median and 90th percentile of the first human
// response. Failed probes are shown but never counted against a target.
package scorecard

import (
	"fmt"
	"io"
	"math"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/stakeoutcx/stakeout/internal/result"
)

// Row is the scorecard of one target on one channel.
type Row struct {
	Target     string
	Channel    string
	Probes     int
	Answered   int
	AutoOnly   int
	NoResponse int
	Failed     int
	// Human holds the human response times of answered probes, seconds, sorted.
	Human []float64
}

// Scored is the number of probes that count: every probe but the failed ones.
func (r Row) Scored() int { return r.Probes - r.Failed }

// ResponseRate is the share of scored probes a human answered (NaN when none scored).
func (r Row) ResponseRate() float64 {
	if r.Scored() == 0 {
		return math.NaN()
	}
	return float64(r.Answered) / float64(r.Scored())
}

// Quantile returns the q-quantile of the human response times (nearest rank), NaN if none.
func (r Row) Quantile(q float64) float64 {
	if len(r.Human) == 0 {
		return math.NaN()
	}
	i := int(math.Ceil(q*float64(len(r.Human)))) - 1
	return r.Human[max(0, min(i, len(r.Human)-1))]
}

// Build groups results by target and channel, sorted by target then channel.
func Build(rs []result.Result) []Row {
	byKey := map[[2]string]*Row{}
	for _, r := range rs {
		k := [2]string{r.Target, r.Channel}
		row := byKey[k]
		if row == nil {
			row = &Row{Target: r.Target, Channel: r.Channel}
			byKey[k] = row
		}
		row.Probes++
		switch r.Outcome {
		case result.Answered:
			row.Answered++
			if r.HumanResponseS != nil {
				row.Human = append(row.Human, *r.HumanResponseS)
			}
		case result.AutoOnly:
			row.AutoOnly++
		case result.NoResponse:
			row.NoResponse++
		case result.Failed:
			row.Failed++
		}
	}
	rows := make([]Row, 0, len(byKey))
	for _, row := range byKey {
		sort.Float64s(row.Human)
		rows = append(rows, *row)
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].Target != rows[j].Target {
			return rows[i].Target < rows[j].Target
		}
		return rows[i].Channel < rows[j].Channel
	})
	return rows
}

// Write prints rows as an aligned table.
func Write(w io.Writer, rows []Row) error {
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "TARGET\tCHANNEL\tPROBES\tRESPONSE RATE\tAUTO ONLY\tNO RESPONSE\tFAILED\tHUMAN MEDIAN\tHUMAN P90")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%d\t%d\t%d\t%s\t%s\n", r.Target, r.Channel, r.Probes, percent(r.ResponseRate()),
			r.AutoOnly, r.NoResponse, r.Failed, seconds(r.Quantile(0.5)), seconds(r.Quantile(0.9)))
	}
	return tw.Flush()
}

func percent(f float64) string {
	if math.IsNaN(f) {
		return "-"
	}
	return fmt.Sprintf("%.0f%%", 100*f)
}

func seconds(s float64) string {
	if math.IsNaN(s) {
		return "-"
	}
	d := time.Duration(s * float64(time.Second))
	if d < time.Minute {
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}
