package scoring

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRank(t *testing.T) {
	card := func(target, industry string, score float64) Card {
		return Card{Key: Key{Target: target, Channel: "chat", Industry: industry, Window: WindowRun, Run: "r1"}, Score: Interval{Value: Num(score)}}
	}
	cards := []Card{
		card("a", "retail", 90), card("b", "retail", 80), card("c", "retail", 80), card("d", "retail", 70),
		card("e", "bank", 85), card("f", "", 60),
		{Key: Key{Target: "g", Channel: "chat", Industry: "retail", Window: WindowRun, Run: "r1"}, Insufficient: true, Score: none},
		{Key: Key{Target: "a", Channel: "email", Industry: "retail", Window: WindowRun, Run: "r1"}, Score: Interval{Value: 10}},
		{Key: Key{Target: "h", Channel: "chat", Industry: "retail", Window: WindowRun, Run: "r2"}, Score: Interval{Value: 99}},
	}
	Rank(cards)
	type row struct {
		Target, Channel, Run string
		Rank, Of             int
		Pct                  float64
		RankAll, OfAll       int
		PctAll               float64
	}
	var got []row
	for _, c := range cards {
		got = append(got, row{c.Target, c.Channel, c.Run, c.Rank, c.Of, round1(c.Percentile.F()), c.RankAll, c.OfAll, round1(c.PercentileAll.F())})
	}
	nan := round1(NaN.F())
	want := []row{
		{"a", "chat", "r1", 1, 4, 100, 1, 6, 100},
		{"b", "chat", "r1", 2, 4, 50, 3, 6, 50},
		{"c", "chat", "r1", 2, 4, 50, 3, 6, 50},
		{"d", "chat", "r1", 4, 4, 0, 5, 6, 20},
		{"e", "chat", "r1", 1, 1, nan, 2, 6, 80},
		{"f", "chat", "r1", 0, 0, nan, 6, 6, 0},
		{"g", "chat", "r1", 0, 0, nan, 0, 0, nan},
		{"a", "email", "r1", 1, 1, nan, 1, 1, nan},
		{"h", "chat", "r2", 1, 1, nan, 1, 1, nan},
	}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b float64) bool { return a == b || (a != a && b != b) })); diff != "" {
		t.Errorf("Rank (-want +got):\n%s", diff)
	}
}
