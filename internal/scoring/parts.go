package scoring

import "math"

// items are a card's reached probes, ordered as order() does, reduced to what the
// score needs: the first timed answers (times ascending), then answers without a time,
// then the rest.
type items struct {
	times    []float64 // human response times of the timed answers, ascending
	credits  []float64 // speed credit of each timed answer
	quality  []float64 // quality of each answer (timed or not), NaN when not graded
	answered int       // timed and untimed answers
	n        int       // reached probes
}

func newItems(reached []Probe, sla float64) *items {
	it := &items{n: len(reached)}
	for _, p := range reached {
		if !p.answered() {
			break
		}
		it.answered++
		it.quality = append(it.quality, p.Quality.F())
		if p.Human.Valid() {
			it.times = append(it.times, p.Human.F())
			it.credits = append(it.credits, Credit(p.Human.F(), sla))
		}
	}
	return it
}

// parts are the four parts of a score, 0..1.
type parts struct {
	rate, speed, consistency, quality float64
	// graded counts the answers with a quality; 0 leaves quality out of the score.
	graded int
	// answered counts the answers drawn.
	answered int
}

// parts computes the parts over a resample given as multiplicities (nil: the items
// themselves, each once).
func (it *items) parts(counts []int) parts {
	weight := func(i int) int {
		if counts == nil {
			return 1
		}
		return counts[i]
	}
	var p parts
	var timed int
	var credit, quality float64
	for i := range it.answered {
		w := weight(i)
		p.answered += w
		if i < len(it.times) {
			timed += w
			credit += float64(w) * it.credits[i]
		}
		if q := it.quality[i]; !math.IsNaN(q) {
			p.graded += w
			quality += float64(w) * q
		}
	}
	p.rate = float64(p.answered) / float64(it.n)
	if p.answered == 0 {
		return p // no human answer: speed, consistency and quality are 0
	}
	p.speed, p.consistency, p.quality = math.NaN(), math.NaN(), math.NaN()
	if timed > 0 {
		p.speed = credit / float64(timed)
		p.consistency = it.consistency(counts, timed)
	}
	if p.graded > 0 {
		p.quality = quality / float64(p.graded)
	}
	return p
}

// consistency is the median over the 90th percentile of the drawn human times: 1 when
// the slowest tenth is as fast as the typical answer.
func (it *items) consistency(counts []int, timed int) float64 {
	var med, p90 float64
	if counts == nil {
		med, p90 = Quantile(it.times, 0.5).F(), Quantile(it.times, 0.9).F()
	} else {
		med, p90 = countedQuantile(it.times, counts, timed, 0.5), countedQuantile(it.times, counts, timed, 0.9)
	}
	if p90 <= 0 {
		return 1
	}
	return med / p90
}

// score is the weighted mean of the parts on 0..100. A part that is NaN (no graded
// answer for quality, no timed answer for speed and consistency) is left out and the
// other weights renormalised.
func (p parts) score(w Weights) float64 {
	var sum, total float64
	for _, x := range []struct{ v, w float64 }{
		{p.rate, w.ResponseRate}, {p.speed, w.Speed}, {p.consistency, w.Consistency}, {p.quality, w.Quality},
	} {
		if math.IsNaN(x.v) || x.w <= 0 {
			continue
		}
		sum += x.v * x.w
		total += x.w
	}
	if total == 0 {
		return math.NaN()
	}
	return 100 * sum / total
}

// scoreInterval is the 95% bootstrap percentile interval of the score over resamples of
// the reached probes, each bound rounded to one decimal.
func (it *items) scoreInterval(s Settings) (lo, hi Num) {
	if it.n < 2 {
		return NaN, NaN
	}
	r := newResampler(s.Seed, it.n)
	stats := make([]float64, s.Resamples)
	for b := range stats {
		stats[b] = it.parts(r.draw()).score(s.Weights)
	}
	lo, hi = percentileInterval(stats)
	return Num(round1(lo.F())), Num(round1(hi.F()))
}
