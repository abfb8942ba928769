package gcc

import (
	"math"
	"time"
)

// Signal is the overuse detector's output (draft-ietf-rmcat-gcc-02 §5.4).
type Signal uint8

// The three signals of §5.4.
const (
	// SignalNormal: the delay gradient is within the threshold.
	SignalNormal Signal = iota
	// SignalOveruse: the delay gradient has been above the threshold for
	// at least overuseTime (the bottleneck queue grows).
	SignalOveruse
	// SignalUnderuse: the delay gradient is below minus the threshold (the
	// queue drains).
	SignalUnderuse
)

// String returns the draft's name.
func (s Signal) String() string {
	switch s {
	case SignalNormal:
		return "normal"
	case SignalOveruse:
		return "overuse"
	case SignalUnderuse:
		return "underuse"
	}
	return "Signal(?)"
}

// The trendline filter: instead of the draft's Kalman filter (§5.3), the
// delay gradient is the slope of a least-squares line through the last
// trendWindow smoothed accumulated delays, as libwebrtc-style
// implementations do (with 30 points, not libwebrtc's 20: jitter over a few
// milliseconds then does not look like a trend). At low rates, where 30
// groups span more than trendSpan, fewer points are used (down to
// trendMin), so that the detector does not lag a second behind the queue.
const (
	trendWindow    = 30
	trendMin       = 20
	trendSpan      = 600.0 // ms
	trendSmoothing = 0.9
	trendGain      = 4.0
	trendMaxDeltas = 60

	thresholdInit = 12.5
	thresholdMin  = 6.0
	thresholdMax  = 600.0
	kUp           = 0.0087 // §5.4 K_u: the threshold rises slowly when exceeded
	kDown         = 0.039  // §5.4 K_d: and falls faster when not
	// §5.4: a sample far above the threshold (a sudden delay step, not a
	// trend) does not move the threshold.
	maxAdaptOffset = 15.0
	// §5.4 overuse_time_th: the gradient must stay above the threshold
	// this long (ms) before overuse is signalled.
	overuseTimeMs = 10.0
)

// trendline is the delay-gradient filter and the overuse detector with its
// adaptive threshold.
type trendline struct {
	first    time.Time
	deltas   int
	acc      float64 // accumulated delay, ms
	smoothed float64
	xs, ys   [trendWindow]float64
	head     int
	count    int
	trend    float64

	threshold   float64
	lastAdapt   time.Time
	overuseMs   float64 // -1: not over the threshold
	overuseRuns int
	prevTrend   float64
	signal      Signal
	modified    float64
}

func newTrendline() trendline {
	return trendline{threshold: thresholdInit, overuseMs: -1}
}

// update feeds one group delta and returns the detector's signal.
func (t *trendline) update(d delta) Signal {
	sendMs := float64(d.send) / float64(time.Millisecond)
	arrMs := float64(d.arrival) / float64(time.Millisecond)
	if t.first.IsZero() {
		t.first = d.at
	}
	if t.deltas < 1000 {
		t.deltas++
	}
	t.acc += arrMs - sendMs
	t.smoothed = trendSmoothing*t.smoothed + (1-trendSmoothing)*t.acc
	t.xs[t.head] = float64(d.at.Sub(t.first)) / float64(time.Millisecond)
	t.ys[t.head] = t.smoothed
	t.head = (t.head + 1) % trendWindow
	if t.count < trendWindow {
		t.count++
	}
	if t.count >= trendMin {
		if s, ok := t.slope(); ok {
			t.trend = s
		}
	}
	t.detect(sendMs, d.at)
	return t.signal
}

// slope is the least-squares slope of the newest points: trendWindow of
// them, fewer (down to trendMin) while they span more than trendSpan.
func (t *trendline) slope() (float64, bool) {
	at := func(i int) int { return (t.head + trendWindow - i) % trendWindow } // i-th newest, from 1
	newest := t.xs[at(1)]
	n := t.count
	for n > trendMin && newest-t.xs[at(n)] > trendSpan {
		n--
	}
	var sx, sy float64
	for i := 1; i <= n; i++ {
		j := at(i)
		sx += t.xs[j]
		sy += t.ys[j]
	}
	mx, my := sx/float64(n), sy/float64(n)
	var num, den float64
	for i := 1; i <= n; i++ {
		j := at(i)
		dx := t.xs[j] - mx
		num += dx * (t.ys[j] - my)
		den += dx * dx
	}
	if den == 0 || math.IsNaN(num) || math.IsInf(num, 0) {
		return 0, false
	}
	return num / den, true
}

// detect is the overuse detector of §5.4 on the modified trend.
func (t *trendline) detect(sendMs float64, now time.Time) {
	if t.deltas < 2 {
		t.signal = SignalNormal
		return
	}
	m := float64(min(t.deltas, trendMaxDeltas)) * t.trend * trendGain
	t.modified = m
	switch {
	case m > t.threshold:
		if t.overuseMs < 0 {
			t.overuseMs = sendMs / 2
		} else {
			t.overuseMs += sendMs
		}
		t.overuseRuns++
		if t.overuseMs > overuseTimeMs && t.overuseRuns > 1 && t.trend >= t.prevTrend {
			t.overuseMs, t.overuseRuns = 0, 0
			t.signal = SignalOveruse
		}
	case m < -t.threshold:
		t.overuseMs, t.overuseRuns = -1, 0
		t.signal = SignalUnderuse
	default:
		t.overuseMs, t.overuseRuns = -1, 0
		t.signal = SignalNormal
	}
	t.prevTrend = t.trend
	t.adapt(m, now)
}

// adapt moves the threshold towards |m| (§5.4: gamma(i) = gamma(i-1) +
// (t(i)-t(i-1)) * K(i) * (|m(i)| - gamma(i-1)), clamped to [6, 600]).
func (t *trendline) adapt(m float64, now time.Time) {
	if t.lastAdapt.IsZero() {
		t.lastAdapt = now
	}
	am := math.Abs(m)
	if am > t.threshold+maxAdaptOffset {
		t.lastAdapt = now
		return
	}
	k := kDown
	if am > t.threshold {
		k = kUp
	}
	dt := min(float64(now.Sub(t.lastAdapt))/float64(time.Millisecond), 100)
	if dt < 0 {
		dt = 0
	}
	t.threshold = min(max(t.threshold+k*(am-t.threshold)*dt, thresholdMin), thresholdMax)
	t.lastAdapt = now
}
