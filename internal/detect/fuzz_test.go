package detect

import (
	"encoding/binary"
	"math"
	"testing"
	"time"
)

// fuzzHistory decodes data into a history, 11 bytes a probe: a signed minute offset
// from the previous probe (int16, so times may go backwards), a flag byte (bit 0:
// answered) and the human time's float64 bits (NaN, ±Inf, negative, huge).
func fuzzHistory(data []byte) []Obs {
	var h []Obs
	at := epoch
	for i := 0; i+11 <= len(data); i += 11 {
		at = at.Add(time.Duration(int16(binary.LittleEndian.Uint16(data[i:]))) * time.Minute)
		h = append(h, Obs{
			Probe:    string(rune('a' + i%26)),
			At:       at,
			Answered: data[i+2]&1 == 1,
			Human:    math.Float64frombits(binary.LittleEndian.Uint64(data[i+3:])),
		})
	}
	return h
}

// fuzzProbe encodes one probe for the seed corpus.
func fuzzProbe(minutes int16, answered bool, human float64) []byte {
	b := make([]byte, 11)
	binary.LittleEndian.PutUint16(b, uint16(minutes))
	if answered {
		b[2] = 1
	}
	binary.LittleEndian.PutUint64(b[3:], math.Float64bits(human))
	return b
}

// FuzzEvaluate feeds arbitrary histories, open alerts and params to Evaluate and
// Decide: they must not panic, and every finding must be of a known kind with a
// finite statistic and threshold.
func FuzzEvaluate(f *testing.F) {
	var stable, odd []byte
	for i := range 45 {
		stable = append(stable, fuzzProbe(360, i%9 != 0, float64(40+i%7*5))...)
	}
	for _, x := range []float64{math.NaN(), -1, math.Inf(1), math.Inf(-1), 0, math.MaxFloat64, 1e-300, 5} {
		odd = append(odd, fuzzProbe(-90, true, x)...)
	}
	f.Add(stable, uint8(0), uint8(20), 0.8, 120.0)
	f.Add(append(stable, odd...), uint8(15), uint8(3), 0.9, 60.0)
	f.Add(odd, uint8(255), uint8(0), math.NaN(), math.Inf(1))
	f.Add([]byte{}, uint8(1), uint8(1), 0.0, 0.0)
	f.Fuzz(func(t *testing.T, data []byte, openMask, window uint8, slaRate, slaHuman float64) {
		h := fuzzHistory(data)
		open := map[Kind]Open{}
		for i, k := range Kinds {
			if openMask&(1<<i) != 0 {
				since := epoch
				if len(h) > 0 {
					since = h[int(openMask)%len(h)].At
				}
				open[k] = Open{OpenedAt: since.Add(time.Hour), Since: since}
			}
		}
		p := Params{Window: int(window) - 1, Resamples: 200, MinBaseline: 5, SLAMin: int(window % 7)}
		in := Input{History: h, SLA: SLA{ResponseRate: slaRate, HumanS: slaHuman}, Open: open}
		fs := Evaluate(in, p)
		for _, f := range fs {
			if !validKind(f.Kind) || math.IsNaN(f.Statistic) || math.IsInf(f.Statistic, 0) ||
				math.IsNaN(f.Threshold) || math.IsInf(f.Threshold, 0) {
				t.Fatalf("finding %s: statistic %v threshold %v, want a known kind and finite figures", f.Kind, f.Statistic, f.Threshold)
			}
			if f.Severity != "warning" && f.Severity != "critical" {
				t.Fatalf("finding %s: severity %q", f.Kind, f.Severity)
			}
		}
		Decide(open, map[Kind]time.Time{KindLatency: epoch}, fs, epoch, p)
	})
}

func validKind(k Kind) bool {
	for _, x := range Kinds {
		if k == x {
			return true
		}
	}
	return false
}
