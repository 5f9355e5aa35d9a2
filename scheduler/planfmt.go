package scheduler

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/stakeoutcx/stakeout/internal/campaign"
)

// PlanFormats lists the formats WritePlan accepts.
var PlanFormats = []string{"table", "csv", "json"}

// planCSVHeader is the header row of the csv format.
var planCSVHeader = []string{"id", "run", "target", "channel", "scenario", "seq", "at", "local"}

// WritePlan writes probes to w in format:
//
//   - "table": aligned columns for people, with each probe's time in UTC (RFC 3339)
//     and in the target's local time;
//   - "csv": a header row (id,run,target,channel,scenario,seq,at,local), then one row
//     per probe, times in RFC 3339 (at in UTC, local with the target's offset);
//   - "json": an array of objects with the fields of Probe plus "local".
//
// The target's timezone is looked up in c; any other format is an error.
func WritePlan(w io.Writer, c *campaign.Campaign, probes []Probe, format string) error {
	locs := make(map[string]*time.Location, len(c.Targets))
	for i := range c.Targets {
		locs[c.Targets[i].ID] = targetLocation(&c.Targets[i])
	}
	local := func(p Probe) time.Time {
		if loc, ok := locs[p.Target]; ok {
			return p.At.In(loc)
		}
		return p.At.UTC()
	}
	switch format {
	case "table":
		return writePlanTable(w, probes, local)
	case "csv":
		return writePlanCSV(w, probes, local)
	case "json":
		return writePlanJSON(w, probes, local)
	}
	return fmt.Errorf("unknown plan format %q (want table, csv or json)", format)
}

func writePlanTable(w io.Writer, probes []Probe, local func(Probe) time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "AT (UTC)\tLOCAL\tTARGET\tCHANNEL\tSCENARIO\tSEQ\tID")
	for _, p := range probes {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n",
			p.At.UTC().Format(time.RFC3339), local(p).Format("Mon 2006-01-02 15:04:05 MST"),
			p.Target, p.Channel, p.Scenario, p.Seq, p.ID)
	}
	return tw.Flush()
}

func writePlanCSV(w io.Writer, probes []Probe, local func(Probe) time.Time) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(planCSVHeader); err != nil {
		return err
	}
	for _, p := range probes {
		err := cw.Write([]string{
			p.ID, p.Run, p.Target, string(p.Channel), p.Scenario, strconv.Itoa(p.Seq),
			p.At.UTC().Format(time.RFC3339Nano), local(p).Format(time.RFC3339Nano),
		})
		if err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// planJSON is one element of the json format.
type planJSON struct {
	Probe
	// Local is At in the target's timezone.
	Local time.Time `json:"local"`
}

func writePlanJSON(w io.Writer, probes []Probe, local func(Probe) time.Time) error {
	out := make([]planJSON, len(probes))
	for i, p := range probes {
		p.At = p.At.UTC()
		out[i] = planJSON{Probe: p, Local: local(p)}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
