package gcc

import (
	"math"
	"time"
)

// ackedRate estimates the rate the receiver acknowledges (R_hat of
// draft-ietf-rmcat-gcc-02 §5.5, the incoming rate), from the sizes and
// arrival times of the packets feedback reports received: bytes are
// summed over rate windows (500 ms for the first, 150 ms after) and each
// window's rate updates the estimate with a weight that shrinks as the
// sample departs from it, so a short dip or burst does not swing it.
type ackedRate struct {
	sum      int
	window   time.Duration
	prev     time.Time
	estimate float64 // kbit/s, <0: none yet
	vari     float64
	last     float64 // the last window's rate, kbit/s
}

const (
	ackedInitialWindow = 500 * time.Millisecond
	ackedWindow        = 150 * time.Millisecond
	ackedUncertainty   = 10.0
	ackedProcessNoise  = 5.0
)

func newAckedRate() ackedRate { return ackedRate{estimate: -1, vari: 50} }

// bps returns the estimate in bits per second, or 0 when there is none.
func (a *ackedRate) bps() float64 {
	if a.estimate < 0 {
		return 0
	}
	return a.estimate * 1000
}

// recent returns the lower of the estimate and the last window's rate, in
// bits per second: a decrease follows a sudden drop at once instead of
// waiting for the estimate to believe it.
func (a *ackedRate) recent() float64 {
	if a.estimate < 0 {
		return 0
	}
	return min(a.estimate, a.last) * 1000
}

func (a *ackedRate) add(arrival time.Time, size int) {
	w := ackedWindow
	if a.estimate < 0 {
		w = ackedInitialWindow
	}
	sample, ok := a.updateWindow(arrival, size, w)
	if !ok {
		return
	}
	a.last = sample
	if a.estimate < 0 {
		a.estimate = sample
		return
	}
	u := ackedUncertainty * math.Abs(a.estimate-sample) / max(a.estimate, 1)
	sv := u * u
	pv := a.vari + ackedProcessNoise
	a.estimate = max((sv*a.estimate+pv*sample)/(sv+pv), 0)
	a.vari = sv * pv / (sv + pv)
}

// updateWindow adds size bytes at t and returns a window's rate (kbit/s)
// when one completes.
func (a *ackedRate) updateWindow(t time.Time, size int, w time.Duration) (float64, bool) {
	if !a.prev.IsZero() {
		if t.Before(a.prev) {
			t = a.prev // arrivals going backwards: counted at the last time
		}
		gap := t.Sub(a.prev)
		a.window += gap
		if gap > w {
			a.sum = 0
			a.window %= w
		}
	}
	a.prev = t
	sample, ok := 0.0, false
	if a.window >= w {
		sample = float64(a.sum) * 8 / float64(w.Milliseconds())
		ok = true
		a.window -= w
		a.sum = 0
	}
	a.sum += size
	return sample, ok
}

// alr detects application-limited periods: the sender uses much less than
// the target (an idle camera, a slide show), so feedback says nothing about
// the capacity above what is sent. It is an interval budget at alrUsage of
// the target over alrWindow: ALR starts when the unused budget passes
// alrStart of its maximum and ends below alrStop.
type alr struct {
	budget   float64 // bytes, in [-max, max]
	lastSent time.Time
	in       bool
	started  time.Time
}

const (
	alrUsage  = 0.65
	alrWindow = 500 * time.Millisecond
	alrStart  = 0.80
	alrStop   = 0.50
)

func (a *alr) sent(now time.Time, size int, target float64) {
	limit := target * alrUsage * alrWindow.Seconds() / 8
	if !a.lastSent.IsZero() && now.After(a.lastSent) {
		dt := min(now.Sub(a.lastSent), alrWindow)
		a.budget = min(a.budget+target*alrUsage*dt.Seconds()/8, limit)
	}
	if now.After(a.lastSent) {
		a.lastSent = now
	}
	a.budget = max(a.budget-float64(size), -limit)
	ratio := a.budget / max(limit, 1)
	switch {
	case !a.in && ratio > alrStart:
		a.in, a.started = true, now
	case a.in && ratio < alrStop:
		a.in = false
	}
}

// loss is the loss-based controller of draft-ietf-rmcat-gcc-02 §6, fed the
// loss transport-wide feedback reports (or receiver reports without it).
type loss struct {
	rate         float64
	received     int
	lost         int
	lastUpdate   time.Time
	lastDecrease time.Time
	fraction     float64
}

const (
	lossMinPackets   = 20
	lossMinInterval  = 100 * time.Millisecond
	lossHigh         = 0.10
	lossLow          = 0.02
	lossIncrease     = 1.05
	lossDecreaseWait = 300 * time.Millisecond
)

// count adds feedback results; ready reports when enough arrived for a
// loss fraction.
func (l *loss) count(received, lost int) {
	l.received += received
	l.lost += lost
}

// update applies §6 once a loss fraction is ready: above 10% the rate
// becomes As(i-1)*(1-0.5p) (at most once per 300 ms + RTT); below 2% it
// grows by 5%, but not beyond 1.5 times the delay-based rate (it would
// otherwise grow without bound while only the delay-based rate binds);
// in between it holds.
func (l *loss) update(now time.Time, rtt time.Duration, delayBased float64) {
	n := l.received + l.lost
	if n < lossMinPackets || now.Sub(l.lastUpdate) < lossMinInterval {
		return
	}
	l.applyFraction(now, float64(l.lost)/float64(n), rtt, delayBased)
	l.received, l.lost = 0, 0
}

func (l *loss) applyFraction(now time.Time, p float64, rtt time.Duration, delayBased float64) {
	l.fraction = p
	l.lastUpdate = now
	switch {
	case p > lossHigh:
		if now.Sub(l.lastDecrease) >= lossDecreaseWait+rtt {
			l.rate *= 1 - 0.5*p
			l.lastDecrease = now
		}
	case p < lossLow:
		if c := 1.5 * delayBased; l.rate < c {
			l.rate = min(l.rate*lossIncrease, c)
		}
	}
}
