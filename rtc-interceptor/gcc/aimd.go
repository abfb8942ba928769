package gcc

import (
	"math"
	"time"
)

// rateState is the AIMD controller's state (draft-ietf-rmcat-gcc-02 §5.5,
// Figure 2): overuse moves to Decrease, normal to Increase (from Hold),
// underuse to Hold.
type rateState uint8

const (
	stateHold rateState = iota
	stateIncrease
	stateDecrease
)

const (
	// §5.5: A_hat(i) = beta * R_hat(i), beta in [0.8, 0.95].
	beta = 0.85
	// §5.5: multiplicative increase of at most 8% per second far from
	// convergence.
	increaseFactor = 1.08
	// Additive increase near convergence: a packet per response time, at
	// least this rate.
	minAdditiveBps = 4000.0
	packetBits     = 1200 * 8
	// The queue the decrease also drains: a queueing delay above
	// drainThreshold lowers the new rate by its ratio to drainTime, so a
	// large standing queue (a capacity drop into a deep buffer) empties in
	// about drainTime instead of at (1-beta) of the rate.
	drainThreshold = 100 * time.Millisecond
	drainTime      = time.Second
	drainFloor     = 0.2
	drainDone      = 30 * time.Millisecond
	restoreShare   = 0.9
	recentDrop     = 0.5
)

// capacity tracks the link capacity seen at each overuse (its mean and
// normalised variance), which tells "near convergence" (§5.5) apart.
type capacity struct {
	kbps float64 // <0: unknown
	vari float64
}

func (c *capacity) known() bool { return c.kbps >= 0 }
func (c *capacity) reset()      { c.kbps = -1 }

func (c *capacity) dev() float64 { return math.Sqrt(c.vari * c.kbps) }
func (c *capacity) upper() float64 {
	return c.kbps + 3*c.dev()
}
func (c *capacity) lower() float64 { return max(0, c.kbps-3*c.dev()) }

func (c *capacity) update(kbps float64) {
	const alpha = 0.05
	if !c.known() {
		c.kbps = kbps
	} else {
		c.kbps = (1-alpha)*c.kbps + alpha*kbps
	}
	norm := max(c.kbps, 1)
	e := c.kbps - kbps
	c.vari = min(max((1-alpha)*c.vari+alpha*e*e/norm, 0.4), 2.5)
}

// aimd is the delay-based rate controller, §5.5.
type aimd struct {
	rate       float64
	state      rateState
	lastChange time.Time
	link       capacity
	rtt        time.Duration
	min, max   float64
	decreases  uint64
	restore    float64 // the rate to return to once a drain is done; 0: none
}

func newAIMD(start, lo, hi float64) aimd {
	return aimd{rate: start, min: lo, max: hi, rtt: 200 * time.Millisecond, link: capacity{kbps: -1}}
}

// set places the estimate at r (a probe result), §5.5 leaves the start to
// the implementation.
func (a *aimd) set(now time.Time, r float64) {
	a.rate = min(max(r, a.min), a.max)
	a.lastChange = now
}

// reduceDue reports whether another decrease may follow the last one: one
// per round trip, unless the acknowledged rate fell below half the rate.
func (a *aimd) reduceDue(now time.Time, acked float64) bool {
	wait := min(max(a.rtt, 10*time.Millisecond), 200*time.Millisecond)
	if now.Sub(a.lastChange) >= wait {
		return true
	}
	return acked > 0 && acked < a.rate/2
}

// update runs the controller on the detector's signal with the
// acknowledged rate (0 when unknown), its most recent window (for a
// decrease) and the current queueing delay.
func (a *aimd) update(now time.Time, sig Signal, acked, recent float64, queue time.Duration) {
	switch sig {
	case SignalOveruse:
		if !a.reduceDue(now, acked) {
			return
		}
		a.state = stateDecrease
	case SignalNormal:
		if a.state == stateHold {
			a.state = stateIncrease
		}
	case SignalUnderuse:
		a.state = stateHold
	}
	if a.restore > 0 && sig != SignalOveruse && queue < drainDone {
		a.rate = max(a.rate, a.restore)
		a.restore = 0
	}
	next := a.rate
	switch a.state {
	case stateIncrease:
		if acked > 0 && a.link.known() && acked/1000 > a.link.upper() {
			a.link.reset() // the capacity moved up: far from convergence again
		}
		// §5.5: additive near convergence (the average maximum is known
		// and the incoming rate has not left it upwards), multiplicative
		// far from it.
		if a.link.known() {
			next += a.additive(now)
		} else {
			next += a.multiplicative(now)
		}
		// Never run far ahead of what the receiver acknowledges.
		if acked > 0 {
			if limit := 1.5*acked + 10_000; next > limit {
				next = max(a.rate, limit)
			}
		}
		a.lastChange = now
	case stateDecrease:
		d := beta * a.rate
		if acked > 0 {
			// A window far below the estimate is a sudden drop the
			// smoothed estimate has not followed yet.
			r, dropped := acked, recent > 0 && recent < recentDrop*acked
			if dropped {
				r = recent
			}
			d = beta * r
			// A standing queue after a drop is drained on top of it; an
			// overshoot without a drop is what beta alone is for.
			if dropped && queue > drainThreshold {
				// Drained, the rate goes back to beta × r at once.
				a.restore = min(restoreShare*d, max(a.restore, a.rate))
				d *= max(drainFloor, 1-float64(queue-drainThreshold)/float64(drainTime))
			}
			if d > a.rate && a.link.known() {
				d = beta * a.link.kbps * 1000
			}
			if a.link.known() && acked/1000 < a.link.lower() {
				a.link.reset()
			}
			a.link.update(acked / 1000)
		}
		next = min(d, a.rate)
		a.decreases++
		a.state = stateHold
		a.lastChange = now
	}
	a.rate = min(max(next, a.min), a.max)
}

func (a *aimd) multiplicative(now time.Time) float64 {
	if a.lastChange.IsZero() {
		return 1000
	}
	dt := min(now.Sub(a.lastChange).Seconds(), 1)
	return max(a.rate*(math.Pow(increaseFactor, dt)-1), 1000)
}

// additive is §5.5's near-convergence increase: one packet of packetBits
// per response time (RTT + 100 ms), at least minAdditiveBps. The same
// absolute increase for every flow is what makes flows sharing a bottleneck
// converge to equal shares (each decrease scales them alike).
func (a *aimd) additive(now time.Time) float64 {
	if a.lastChange.IsZero() {
		return 0
	}
	resp := (a.rtt + 100*time.Millisecond).Seconds()
	perSecond := max(minAdditiveBps, packetBits/resp)
	return perSecond * now.Sub(a.lastChange).Seconds()
}
