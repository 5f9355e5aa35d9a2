package scorer

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/stakeoutcx/stakeout/internal/scoring"
	"github.com/stakeoutcx/stakeout/internal/store"
)

// Latest returns the latest card of every target and channel per window: for window
// run, the card of its latest run (the run whose window starts last; ties by run id);
// for 7d and 30d, the trailing cards. They are ranked as Cards ranks them.
func Latest(ctx context.Context, st store.Scores) ([]scoring.Card, error) {
	rows, err := st.ListScores(ctx, store.ScoreFilter{})
	if err != nil {
		return nil, err
	}
	type pair struct{ target, channel string }
	newest := map[pair]store.ScoreRow{}
	var picked []store.ScoreRow
	for _, r := range rows {
		if r.Window != string(scoring.WindowRun) {
			picked = append(picked, r)
			continue
		}
		p := pair{r.Target, r.Channel}
		if n, ok := newest[p]; !ok || r.From.After(n.From) || (r.From.Equal(n.From) && r.Run > n.Run) {
			newest[p] = r
		}
	}
	for _, r := range newest {
		picked = append(picked, r)
	}
	cards, err := decode(picked)
	if err != nil {
		return nil, err
	}
	// Run cards compete within their run: rank them among every card of the runs picked.
	runs := map[string]bool{}
	for _, c := range cards {
		if c.Window == scoring.WindowRun {
			runs[c.Run] = true
		}
	}
	var all []scoring.Card
	for run := range runs {
		rc, err := Cards(ctx, st, store.ScoreFilter{Window: string(scoring.WindowRun), Run: run})
		if err != nil {
			return nil, err
		}
		all = append(all, rc...)
	}
	ranked := map[[3]string]scoring.Ranks{}
	for _, c := range all {
		ranked[[3]string{c.Run, c.Target, c.Channel}] = c.Ranks
	}
	var trailing []scoring.Card
	out := cards[:0]
	for _, c := range cards {
		if c.Window == scoring.WindowRun {
			c.Ranks = ranked[[3]string{c.Run, c.Target, c.Channel}]
			out = append(out, c)
		} else {
			trailing = append(trailing, c)
		}
	}
	scoring.Rank(trailing)
	return append(out, trailing...), nil
}

func decode(rows []store.ScoreRow) ([]scoring.Card, error) {
	cards := make([]scoring.Card, 0, len(rows))
	for _, r := range rows {
		var c scoring.Card
		if err := json.Unmarshal(r.Card, &c); err != nil {
			return nil, fmt.Errorf("stored card of %s %s %s %s: %w", r.Window, r.Run, r.Target, r.Channel, err)
		}
		cards = append(cards, c)
	}
	return cards, nil
}
