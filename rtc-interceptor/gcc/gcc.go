package gcc

import (
	"time"

	interceptor "github.com/sansrtc/rtc/rtc-interceptor"
)

// Stats are an Estimator's counters and current figures.
type Stats struct {
	Target       int    // the target bitrate, bits per second
	DelayBased   int    // the delay-based (AIMD) rate, §5.5
	LossBased    int    // the loss-based rate, §6
	Acked        int    // the acknowledged bitrate (0 before the first window)
	REMB         int    // the last REMB cap (0: none)
	Signal       Signal // the overuse detector's last signal
	Threshold    float64
	LossFraction float64 // the last loss fraction the loss-based control used
	InALR        bool
	Feedbacks    uint64 // OnFeedback calls
	Results      uint64 // results handled
	Overuses     uint64 // overuse signals
	Decreases    uint64 // delay-based decreases
	GroupResets  uint64 // grouping restarts (arrival times going backwards or jumping)
	Ignored      uint64 // results ignored (sent in the future, duplicates, not increasing)
	Unknown      uint64 // results about packets OnPacketSent never saw (or 4096 packets ago)
	Backoffs     uint64 // 20% decreases for lack of feedback
	Probes       uint64 // probe clusters requested
	ProbeResults uint64 // probe clusters that gave an estimate
	QueueDelay   time.Duration
}

// Estimator is GCC send-side bandwidth estimation
// (draft-ietf-rmcat-gcc-02): the delay-based controller (grouping §5.2, a
// trendline filter, the overuse detector §5.4, AIMD §5.5), the loss-based
// controller (§6), the acknowledged bitrate, ALR detection and probing. Its
// target is the smallest of the delay-based rate, the loss-based rate and a
// REMB cap. It implements interceptor.Estimator; it is not safe for
// concurrent use and allocates nothing after New.
type Estimator struct {
	cfg      Config
	lastNow  time.Time
	started  bool
	ia       interArrival
	tl       trendline
	rate     aimd
	acked    ackedRate
	loss     loss
	alr      alr
	probe    prober
	remb     float64
	target   float64
	rtt      time.Duration
	lastSeq  int64
	minDelay minFilter
	queue    time.Duration
	peak     float64
	peakAt   time.Time
	queuedAt time.Time // send time of the last packet that met a queue
	// Bytes sent (cum) and its value at each recent transport sequence
	// number, to know what is still in flight after the newest reported
	// packet (memory: sentRing × 16 bytes).
	cum        int64
	sent       [sentRing]sentMark
	newest     int64
	newestSent time.Time
	// blindAt is when the target falls next without feedback; zero while
	// nothing was sent since the last feedback.
	blindAt time.Time
	// lastRecovery is when the last recovery probe was requested.
	lastRecovery time.Time
	stats        Stats
}

var _ interceptor.Estimator = (*Estimator)(nil)

// New returns an estimator at cfg's start bitrate.
func New(cfg Config) *Estimator {
	start := min(max(cfg.start(), cfg.min()), cfg.max())
	e := &Estimator{
		cfg:     cfg,
		tl:      newTrendline(),
		rate:    newAIMD(start, cfg.min(), cfg.max()),
		acked:   newAckedRate(),
		loss:    loss{rate: start},
		target:  start,
		lastSeq: -1,
	}
	for i := range e.sent {
		e.sent[i].seq = -1
	}
	return e
}

func (e *Estimator) advance(now time.Time) time.Time {
	if now.After(e.lastNow) {
		e.lastNow = now
	}
	return e.lastNow
}

// begin plans the initial exponential probes on the first call with a time.
func (e *Estimator) begin(now time.Time) {
	if e.started {
		return
	}
	e.started = true
	if e.cfg.DisableProbing {
		return
	}
	for _, f := range [...]float64{3, 6} {
		if r := f * e.target; r <= e.cfg.max() {
			e.probe.request(now, r, true)
			e.stats.Probes++
		}
	}
	e.probe.expo = true
}

// OnPacketSent records a sent packet for ALR detection.
func (e *Estimator) OnPacketSent(p interceptor.SentPacket) {
	now := e.advance(p.SendTime)
	e.begin(now)
	if e.blindAt.IsZero() {
		e.blindAt = now.Add(feedbackTimeout)
	}
	e.alr.sent(now, p.Size, e.target)
	e.cum += int64(max(p.Size, 0))
	e.sent[p.TransportSeq&(sentRing-1)] = sentMark{seq: p.TransportSeq, cum: e.cum}
	e.maybeALRProbe(now)
}

// OnFeedback runs the estimator on one feedback message's results.
func (e *Estimator) OnFeedback(now time.Time, results []interceptor.PacketResult) {
	now = e.advance(now)
	e.begin(now)
	e.stats.Feedbacks++
	e.blindAt = time.Time{} // the next packet sent starts the timeout again
	overuse := false
	recv, lost := 0, 0
	for i := range results {
		r := &results[i]
		e.stats.Results++
		if m := &e.sent[r.TransportSeq&(sentRing-1)]; m.seq != r.TransportSeq {
			e.stats.Unknown++ // never sent (OnPacketSent), or long forgotten
			continue
		}
		if r.SendTime.After(now) || r.TransportSeq <= e.lastSeq || r.Size < 0 {
			e.stats.Ignored++ // sent "in the future", reported twice or out of order
			continue
		}
		e.lastSeq = r.TransportSeq
		e.newest, e.newestSent = r.TransportSeq, r.SendTime
		if r.ProbeCluster != 0 {
			e.probe.add(r.ProbeCluster, r.SendTime, r.Arrival, r.Size)
		}
		if !r.Received() {
			lost++
			continue
		}
		recv++
		e.acked.add(r.Arrival, r.Size)
		e.trackQueue(r)
		if d, ok := e.ia.add(r.SendTime, r.Arrival, r.Size); ok {
			if e.tl.update(d) == SignalOveruse {
				overuse = true
			}
		}
	}
	sig := e.tl.signal
	if overuse {
		sig = SignalOveruse
		e.stats.Overuses++
	}
	acked := e.acked.bps()
	// A probe result only ever raises the estimates: one measured low (a
	// burst lost, padding squeezed by cross traffic) says less than the
	// feedback the delay-based controller runs on.
	if bps, expo, ok := e.probe.estimate(now); ok && sig != SignalOveruse && bps > e.rate.rate {
		e.stats.ProbeResults++
		e.rate.set(now, bps)
		e.loss.rate = max(bps, e.loss.rate)
		if expo && e.probe.expo && 2*bps <= e.cfg.max() {
			e.probe.request(now, 2*bps, true)
			e.stats.Probes++
		} else {
			e.probe.expo = false
		}
	} else {
		e.rate.update(now, sig, acked, e.acked.recent(), e.predictQueue(now))
	}
	if e.probe.expo && !e.probe.active() {
		e.probe.expo = false // the last exponential cluster ended without a rise
	}
	e.loss.count(recv, lost)
	e.loss.update(now, e.rtt, e.rate.rate)
	e.retarget()
	e.maybeRecoveryProbe(now)
}

// maybeRecoveryProbe probes at twice the target every recoveryInterval
// while the target is below recoveryDrop of its peak of the last
// recoveryWindow and no queue has stood for recoveryQuiet (so not while
// sharing a busy bottleneck, where a probe would overestimate): after a capacity drop, AIMD's 8% a
// second would take half a minute to find capacity that came back.
func (e *Estimator) maybeRecoveryProbe(now time.Time) {
	if e.target >= e.peak {
		e.peak, e.peakAt = e.target, now
	}
	if e.cfg.DisableProbing || e.probe.expo || now.Sub(e.peakAt) > recoveryWindow {
		return
	}
	if e.target >= recoveryDrop*e.peak || now.Sub(e.lastRecovery) < recoveryInterval || now.Sub(e.queuedAt) < recoveryQuiet || e.tl.signal == SignalOveruse {
		return
	}
	e.lastRecovery = now
	e.probe.request(now, min(2*e.target, e.peak), true)
	e.probe.expo = true
	e.stats.Probes++
}

const (
	recoveryDrop     = 0.66
	recoveryWindow   = 30 * time.Second
	recoveryInterval = 2 * time.Second
	recoveryMaxQueue = 10 * time.Millisecond
	recoveryQuiet    = time.Second
)

// predictQueue estimates the queueing delay the packet sent last will meet:
// the newest reported packet's queueing delay, plus the time the bytes sent
// after it take at the acknowledged rate, minus the time since it was sent
// (the queue served meanwhile). Feedback only tells about packets that
// left the queue, so a queue that is growing fast (a capacity drop) is
// seen late; this looks ahead by what is known to be in flight.
func (e *Estimator) predictQueue(now time.Time) time.Duration {
	m := &e.sent[e.newest&(sentRing-1)]
	rate := e.acked.recent()
	if m.seq != e.newest || rate <= 0 || e.newestSent.IsZero() {
		return e.queue
	}
	ahead := time.Duration(float64(e.cum-m.cum) * 8 / rate * float64(time.Second))
	q := e.queue + min(ahead, maxPredictedQueue) - now.Sub(e.newestSent)
	return min(max(q, e.queue), maxPredictedQueue)
}

const (
	sentRing          = 4096 // a power of two
	maxPredictedQueue = 2 * time.Second
)

// sentMark is the running total of bytes sent up to a transport sequence
// number.
type sentMark struct {
	seq int64
	cum int64
}

// trackQueue follows the one-way delay of received packets against its
// minimum over the last two windows: the excess is the queueing delay.
func (e *Estimator) trackQueue(r *interceptor.PacketResult) {
	owd := r.Arrival.Sub(r.SendTime)
	base := e.minDelay.add(r.SendTime, owd)
	e.queue = max(owd-base, 0)
	if e.queue > recoveryMaxQueue {
		e.queuedAt = r.SendTime
	}
}

// OnLoss uses a receiver report's fraction lost for the loss-based control
// when transport-wide feedback does not count losses (§6 uses either).
func (e *Estimator) OnLoss(now time.Time, r interceptor.LossReport) {
	now = e.advance(now)
	if e.stats.Results > 0 {
		return // transport-wide feedback reports every loss already
	}
	e.loss.applyFraction(now, float64(r.FractionLost)/256, e.rtt, e.rate.rate)
	e.retarget()
}

// OnRTT sets the round-trip time the controllers use.
func (e *Estimator) OnRTT(now time.Time, rtt time.Duration) {
	e.advance(now)
	if rtt <= 0 || rtt > time.Minute {
		return
	}
	e.rtt = rtt
	e.rate.rtt = rtt
}

// OnREMB caps the target at a receiver's estimate
// (draft-alvestrand-rmcat-remb); zero removes the cap.
func (e *Estimator) OnREMB(now time.Time, bps uint64) {
	e.advance(now)
	e.remb = float64(min(bps, 1<<53))
	e.retarget()
}

func (e *Estimator) retarget() {
	t := min(e.rate.rate, e.loss.rate)
	if e.remb > 0 {
		t = min(t, e.remb)
	}
	e.target = min(max(t, e.cfg.min()), e.cfg.max())
}

// maybeALRProbe probes at twice the target every ALRProbeInterval while
// the sender is application limited, to find capacity it is not using.
func (e *Estimator) maybeALRProbe(now time.Time) {
	if e.cfg.DisableProbing || !e.alr.in || e.probe.expo {
		return
	}
	if now.Sub(e.probe.lastALR) < e.cfg.alrProbeInterval() || now.Sub(e.alr.started) < time.Second {
		return
	}
	if r := 2 * e.target; r <= e.cfg.max() {
		e.probe.lastALR = now
		e.probe.request(now, r, false)
		e.stats.Probes++
	}
}

// PollProbe returns the next probe cluster for the pacer.
func (e *Estimator) PollProbe() (Probe, bool) { return e.probe.poll() }

// TargetBitrate returns the target in bits per second.
func (e *Estimator) TargetBitrate() int { return int(e.target) }

// InALR reports whether the sender is application limited.
func (e *Estimator) InALR() bool { return e.alr.in }

// Without feedback for feedbackTimeout while packets are being sent (the
// feedback path is broken, or the receiver stopped), the target falls by
// 20% every feedbackBackoff: sending on blind at the last rate could be
// flooding a link that has since narrowed.
const (
	feedbackTimeout = 3 * time.Second
	feedbackBackoff = time.Second
	backoffFactor   = 0.8
)

// HandleTimeout lowers the target when feedback has stopped (see
// PollTimeout); otherwise it has nothing to do.
func (e *Estimator) HandleTimeout(now time.Time) {
	now = e.advance(now)
	for n := 0; !e.blindAt.IsZero() && !now.Before(e.blindAt) && n < 16; n++ {
		e.rate.rate = max(e.rate.rate*backoffFactor, e.cfg.min())
		e.rate.lastChange = now
		e.loss.rate = max(e.loss.rate*backoffFactor, e.cfg.min())
		e.stats.Backoffs++
		e.blindAt = e.blindAt.Add(feedbackBackoff)
	}
	if !e.blindAt.IsZero() && !now.Before(e.blindAt) {
		e.blindAt = now.Add(feedbackBackoff)
	}
	e.retarget()
}

// PollTimeout returns when the target falls next if no feedback comes:
// feedbackTimeout after the last feedback (or the first packet sent), then
// every feedbackBackoff. There is no deadline while nothing is sent.
func (e *Estimator) PollTimeout() (time.Time, bool) {
	if e.blindAt.IsZero() {
		return time.Time{}, false
	}
	return maxTime(e.blindAt, e.lastNow), true
}

// TimeoutReason names the deadline: "feedback-timeout", or "".
func (e *Estimator) TimeoutReason() string {
	if e.blindAt.IsZero() {
		return ""
	}
	return "feedback-timeout"
}

func maxTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return b
	}
	return a
}

// Stats returns the counters and current figures.
func (e *Estimator) Stats() Stats {
	s := e.stats
	s.Target = int(e.target)
	s.DelayBased = int(e.rate.rate)
	s.LossBased = int(e.loss.rate)
	s.Acked = int(e.acked.bps())
	s.REMB = int(e.remb)
	s.Signal = e.tl.signal
	s.Threshold = e.tl.threshold
	s.LossFraction = e.loss.fraction
	s.InALR = e.alr.in
	s.Decreases = e.rate.decreases
	s.GroupResets = e.ia.resets
	s.ProbeResults = e.probe.results
	s.QueueDelay = e.queue
	return s
}

// minFilter is a running minimum over two consecutive windows of
// minWindow (by send time), so the base delay follows a route change.
type minFilter struct {
	start     time.Time
	cur, prev time.Duration
	has       bool
}

const minWindow = 10 * time.Second

func (m *minFilter) add(at time.Time, v time.Duration) time.Duration {
	if !m.has {
		m.start, m.cur, m.prev, m.has = at, v, v, true
	}
	if at.Sub(m.start) >= minWindow {
		m.prev, m.cur, m.start = m.cur, v, at
	}
	m.cur = min(m.cur, v)
	return min(m.cur, m.prev)
}
