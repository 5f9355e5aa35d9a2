package scoring

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
)

// Num is a figure that may be absent (NaN): JSON writes an absent figure as null and
// reads null back as NaN.
type Num float64

// NaN is the absent figure.
var NaN = Num(math.NaN())

// Valid reports whether the figure is present.
func (n Num) Valid() bool { return !math.IsNaN(float64(n)) && !math.IsInf(float64(n), 0) }

// F returns the figure as a float64 (NaN when absent).
func (n Num) F() float64 { return float64(n) }

// MarshalJSON implements json.Marshaler.
func (n Num) MarshalJSON() ([]byte, error) {
	if !n.Valid() {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, float64(n), 'g', -1, 64), nil
}

// UnmarshalJSON implements json.Unmarshaler.
func (n *Num) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		*n = NaN
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	*n = Num(f)
	return nil
}

// Interval is an estimate with its 95% interval. Lo and Hi are absent when the sample
// is too small to make one.
type Interval struct {
	Value Num `json:"value"`
	Lo    Num `json:"lo"`
	Hi    Num `json:"hi"`
}

// none is an absent estimate.
var none = Interval{NaN, NaN, NaN}
