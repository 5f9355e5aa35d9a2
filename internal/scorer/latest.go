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
// for 7d and 30d, the trailing cards. Their ranks are not filled (Cards ranks).
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
	return decode(picked)
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
