package scoring

import (
	"cmp"
	"slices"
)

// Ranks place a card among its competitors: the cards of the same channel and window
// (and run, for run cards) with a published score, in the same industry and in all.
type Ranks struct {
	// Rank is 1 for the best score of the industry; equal scores share a rank
	// ("1, 2, 2, 4"). 0 when the target has no industry or no published score.
	Rank int `json:"rank"`
	// Of is the number of ranked targets of the industry.
	Of int `json:"of"`
	// Percentile is the share of the industry's other targets that score lower, equal
	// scores counting half, 0..100; absent without competitors.
	Percentile Num `json:"percentile"`
	// RankAll, OfAll and PercentileAll are the same among all targets.
	RankAll       int `json:"rank_all"`
	OfAll         int `json:"of_all"`
	PercentileAll Num `json:"percentile_all"`
}

var noRanks = Ranks{Percentile: NaN, PercentileAll: NaN}

// group is what makes cards competitors.
type group struct {
	channel string
	window  Window
	run     string
}

// Rank fills the ranks of cards in place. Cards compete when they share channel and
// window (and run, for run cards); insufficient cards are not ranked.
func Rank(cards []Card) {
	all := map[group][]int{}
	industry := map[group]map[string][]int{}
	for i := range cards {
		c := &cards[i]
		c.Ranks = noRanks
		if c.Insufficient || !c.Score.Value.Valid() {
			continue
		}
		g := group{c.Channel, c.Window, ""}
		if c.Window == WindowRun {
			g.run = c.Run
		}
		all[g] = append(all[g], i)
		if c.Industry != "" {
			if industry[g] == nil {
				industry[g] = map[string][]int{}
			}
			industry[g][c.Industry] = append(industry[g][c.Industry], i)
		}
	}
	for g, idx := range all {
		place(cards, idx, func(r *Ranks, rank, of int, pct Num) { r.RankAll, r.OfAll, r.PercentileAll = rank, of, pct })
		for _, idx := range industry[g] {
			place(cards, idx, func(r *Ranks, rank, of int, pct Num) { r.Rank, r.Of, r.Percentile = rank, of, pct })
		}
	}
}

// place ranks the cards at idx by score, highest first, and sets each one's figures.
func place(cards []Card, idx []int, set func(r *Ranks, rank, of int, pct Num)) {
	score := func(i int) float64 { return cards[i].Score.Value.F() }
	sorted := slices.Clone(idx)
	slices.SortFunc(sorted, func(a, b int) int { return cmp.Compare(score(b), score(a)) })
	n := len(sorted)
	for pos, i := range sorted {
		rank := 1 + slices.IndexFunc(sorted[:pos+1], func(j int) bool { return score(j) == score(i) })
		lower, equal := 0, -1 // equal counts the others
		for _, j := range sorted {
			switch {
			case score(j) < score(i):
				lower++
			case score(j) == score(i):
				equal++
			}
		}
		pct := NaN
		if n > 1 {
			pct = Num(100 * (float64(lower) + 0.5*float64(equal)) / float64(n-1))
		}
		set(&cards[i].Ranks, rank, n, pct)
	}
}
