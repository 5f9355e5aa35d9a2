package scheduler

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stakeoutcx/stakeout/internal/campaign"
)

// Run is one launch of a campaign for one window.
type Run struct {
	// ID is RunID of the window's start.
	ID string
	// Start and End bound the window: [Start, End).
	Start, End time.Time
}

// RunID returns the deterministic id of the run whose window starts at start:
// c.ID + "-" + start.UTC().Format("20060102T1504Z").
func RunID(c *campaign.Campaign, start time.Time) string {
	return c.ID + "-" + start.UTC().Format("20060102T1504Z")
}

// FirstRun returns the run of the campaign's first window, from Schedule.Start to
// Schedule.Window.End(Schedule.Start).
func FirstRun(c *campaign.Campaign) Run {
	start := c.Schedule.Start
	return Run{ID: RunID(c, start), Start: start, End: c.Schedule.Window.End(start)}
}

// Probe is one planned probe.
type Probe struct {
	// ID is Run + "/" + Target + "/" + Channel + "/" + Seq as %04d.
	ID string `json:"id"`
	// Run is the id of the run the probe belongs to.
	Run string `json:"run"`
	// Target is the id of the target probed.
	Target string `json:"target"`
	// Channel is the channel the probe uses.
	Channel campaign.Channel `json:"channel"`
	// Scenario is the id of the scenario the shopper follows.
	Scenario string `json:"scenario"`
	// Seq numbers the probes of one target and channel in time order, from 1.
	Seq int `json:"seq"`
	// At is when the probe starts, in UTC.
	At time.Time `json:"at"`
}

// probeID returns the id of probe seq of target on channel ch in run.
func probeID(run, target string, ch campaign.Channel, seq int) string {
	prefix := run + "/" + target + "/" + string(ch) + "/"
	if seq < 0 || seq > 9999 {
		return prefix + strconv.Itoa(seq)
	}
	d := [4]byte{byte('0' + seq/1000), byte('0' + seq/100%10), byte('0' + seq/10%10), byte('0' + seq%10)}
	return prefix + string(d[:])
}

// Plan spreads the run's probes over its window. For each target it places
// Schedule.ProbesPerTarget[ch] probes on every channel ch the target has enabled,
// inside the target's business hours and within [run.Start, run.End):
//
//   - the target's open time in the window is laid end to end and cut into one equal
//     slot per probe, all channels together; each probe sits at the centre of its slot,
//     shifted by a random jitter of at most Schedule.Jitter, kept small enough that two
//     probes of one target are always at least Pacing.MinGap apart;
//   - the channels are interleaved over the slots by a seeded stratified shuffle, so
//     each channel's probes are spread over the whole window;
//   - each channel's scenarios are dealt round-robin over its probes, from a seeded offset.
//
// The randomness is seeded from run.ID and the target id, so the plan is the same every
// time for the same campaign and run, and differs from one run to the next. The result
// is sorted by At, then ID. A target whose probes cannot fit, or a channel without a
// scenario, is an error; the errors of every target are returned together.
func Plan(c *campaign.Campaign, run Run) ([]Probe, error) {
	scenarios := scenariosByChannel(c)
	var errs []error
	if err := checkScenarios(c, scenarios); err != nil {
		errs = append(errs, err)
	}
	n := plannedCount(c)
	if n < 0 || n > campaign.MaxProbesPerRun { // validation refuses it; a campaign built in Go may not be validated
		return nil, fmt.Errorf("%d probes per run, at most %d", n, campaign.MaxProbesPerRun)
	}
	out := make([]Probe, 0, n)
	for i := range c.Targets {
		var err error
		if out, err = planTarget(out, c, run, &c.Targets[i], scenarios); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return sortProbes(out), nil
}

// sortProbes sorts probes by At, then ID, and returns them. It sorts small keys rather
// than the probes themselves, which is several times faster for large plans.
func sortProbes(probes []Probe) []Probe {
	type key struct {
		sec  int64
		nsec int32
		i    int32
	}
	keys := make([]key, len(probes))
	for i, p := range probes {
		keys[i] = key{p.At.Unix(), int32(p.At.Nanosecond()), int32(i)}
	}
	slices.SortFunc(keys, func(a, b key) int {
		switch {
		case a.sec != b.sec:
			return cmp.Compare(a.sec, b.sec)
		case a.nsec != b.nsec:
			return cmp.Compare(a.nsec, b.nsec)
		}
		return strings.Compare(probes[a.i].ID, probes[b.i].ID)
	})
	// Move probes[keys[j].i] to j in place, one permutation cycle at a time.
	for s := range keys {
		if keys[s].i < 0 {
			continue
		}
		tmp, j := probes[s], s
		for {
			k := int(keys[j].i)
			keys[j].i = -1
			if k == s {
				probes[j] = tmp
				break
			}
			probes[j], j = probes[k], k
		}
	}
	return probes
}

// targetCounts returns how many probes target t gets on each of its enabled channels,
// in campaign.Channels order, leaving out channels with none.
func targetCounts(c *campaign.Campaign, t *campaign.Target) (chans []campaign.Channel, counts []int) {
	for _, ch := range t.Channels.Enabled() {
		if n := c.Schedule.ProbesPerTarget[ch]; n > 0 {
			chans, counts = append(chans, ch), append(counts, n)
		}
	}
	return chans, counts
}

// plannedCount returns the number of probes a plan of c holds.
func plannedCount(c *campaign.Campaign) int {
	total := 0
	for i := range c.Targets {
		_, counts := targetCounts(c, &c.Targets[i])
		for _, n := range counts {
			total += n
		}
	}
	return total
}

// scenariosByChannel lists, for every channel, the ids of the scenarios that use it, in
// campaign order.
func scenariosByChannel(c *campaign.Campaign) map[campaign.Channel][]string {
	out := map[campaign.Channel][]string{}
	for _, ch := range campaign.Channels {
		for _, s := range c.Scenarios {
			if s.UsesChannel(ch) {
				out[ch] = append(out[ch], s.ID)
			}
		}
	}
	return out
}

// checkScenarios reports every channel that has probes to place but no scenario.
func checkScenarios(c *campaign.Campaign, scenarios map[campaign.Channel][]string) error {
	var errs []error
	for _, ch := range campaign.Channels {
		if len(scenarios[ch]) > 0 {
			continue
		}
		probes, targets := 0, 0
		for i := range c.Targets {
			chans, counts := targetCounts(c, &c.Targets[i])
			if k := slices.Index(chans, ch); k >= 0 {
				probes, targets = probes+counts[k], targets+1
			}
		}
		if probes > 0 {
			errs = append(errs, fmt.Errorf("channel %q: %d probes on %d targets need a scenario, but no scenario uses this channel (add one, or list %q in a scenario's channels)", ch, probes, targets, ch))
		}
	}
	return errors.Join(errs...)
}

// planTarget places the probes of one target, appending them to dst.
func planTarget(dst []Probe, c *campaign.Campaign, run Run, t *campaign.Target, scenarios map[campaign.Channel][]string) ([]Probe, error) {
	chans, counts := targetCounts(c, t)
	m := 0
	for _, n := range counts {
		m += n
	}
	if m == 0 {
		return dst, nil
	}
	ivs := openIntervals(t, run.Start, run.End)
	offsets, slot, err := spread(c, run, t, openLength(ivs), m)
	if err != nil {
		return dst, err
	}
	rng := targetRand(run.ID, t.ID)
	first := make([]int, len(chans)) // scenario offset per channel
	for k, ch := range chans {
		if n := len(scenarios[ch]); n > 0 {
			first[k] = rng.IntN(n)
		}
	}
	order := interleave(rng, counts)
	jitterOffsets(rng, offsets, slot, c.Schedule.Jitter.D(), c.Pacing.MinGap.D())
	at := wallTimes(ivs, offsets)
	seq := make([]int, len(chans))
	for i, k := range order {
		ch := chans[k]
		seq[k]++
		scenario := ""
		if list := scenarios[ch]; len(list) > 0 {
			scenario = list[(first[k]+seq[k]-1)%len(list)]
		}
		dst = append(dst, Probe{
			ID: probeID(run.ID, t.ID, ch, seq[k]), Run: run.ID, Target: t.ID, Channel: ch,
			Scenario: scenario, Seq: seq[k], At: at[i].UTC(),
		})
	}
	return dst, nil
}

// spread returns the centres of m equal slots along open time of length d, and the
// slot length, after checking that the slots are long enough for the campaign's min gap.
func spread(c *campaign.Campaign, run Run, t *campaign.Target, d time.Duration, m int) ([]time.Duration, time.Duration, error) {
	gap := c.Pacing.MinGap.D()
	if d <= 0 {
		return nil, 0, fmt.Errorf("target %q: no business hours inside the window %s (%s), but %d probes are planned; check its business_hours and timezone, or widen the window",
			t.ID, windowString(run), zoneName(t), m)
	}
	if need := time.Duration(m) * gap; d < need {
		return nil, 0, fmt.Errorf("target %q: %d probes need at least %s of open time at min_gap %s, the window %s has only %s of business hours (%s); lower probes_per_target or min_gap, or widen the window or business hours",
			t.ID, m, durationString(need), durationString(gap), windowString(run), durationString(d), zoneName(t))
	}
	slot := d / time.Duration(m)
	offsets := make([]time.Duration, m)
	for i := range offsets {
		offsets[i] = time.Duration(i)*slot + slot/2
	}
	return offsets, slot, nil
}

// jitterOffsets shifts each slot centre by a random amount in [-j, j), where j is
// jitter capped at (slot - gap)/2, so neighbours stay at least gap apart and every
// offset stays inside its slot.
func jitterOffsets(rng *rand.Rand, offsets []time.Duration, slot, jitter, gap time.Duration) {
	j := min(jitter, (slot-gap)/2)
	if j <= 0 {
		return
	}
	for i := range offsets {
		offsets[i] += time.Duration(rng.Int64N(int64(2*j))) - j
	}
}

// interleave returns, for each slot, the index of the channel whose probe it holds.
// It is a stratified shuffle: channel k's n-th probe (of counts[k]) gets the key
// (n + u) / counts[k] with u random in [0, 1), and slots follow the keys, so every
// channel's probes are spread evenly over the window in a random mix.
func interleave(rng *rand.Rand, counts []int) []int {
	type entry struct {
		key float64
		ch  int
	}
	entries := make([]entry, 0, len(counts)*8)
	for k, n := range counts {
		for i := range n {
			entries = append(entries, entry{(float64(i) + rng.Float64()) / float64(n), k})
		}
	}
	slices.SortFunc(entries, func(a, b entry) int {
		if c := cmp.Compare(a.key, b.key); c != 0 {
			return c
		}
		return a.ch - b.ch
	})
	out := make([]int, len(entries))
	for i, e := range entries {
		out[i] = e.ch
	}
	return out
}

// targetRand returns the random source of one target in one run, seeded from both ids.
func targetRand(runID, targetID string) *rand.Rand {
	sum := sha256.Sum256([]byte(runID + "\x00" + targetID))
	return rand.New(rand.NewPCG(binary.LittleEndian.Uint64(sum[:8]), binary.LittleEndian.Uint64(sum[8:16])))
}

// windowString formats a run window for error messages.
func windowString(run Run) string {
	return "[" + run.Start.UTC().Format(time.RFC3339) + ", " + run.End.UTC().Format(time.RFC3339) + ")"
}

// zoneName names a target's timezone for error messages.
func zoneName(t *campaign.Target) string {
	if t.Timezone != "" {
		return t.Timezone
	}
	return targetLocation(t).String()
}

// durationString formats d without trailing zero units: "40h", "1h30m", "90s".
func durationString(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
