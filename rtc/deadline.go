package rtc

import "time"

// partTimer is one lower machine's deadline as its owning part last read
// it. The owner is its only writer: a part reaches its machine only
// through an accessor (transport.agent, transport.dtlsConn, data.manager)
// that marks the timer stale, so no call can change the machine's deadline
// without the next read asking the machine again. An idle PollTimeout then
// costs a few comparisons whatever the number of channels
// (BenchmarkPollTimeoutIdle), with no invalidation placed by hand.
type partTimer struct {
	at    time.Time
	stale bool
}

// get returns the deadline, asking poll again when stale (zero: none).
func (p *partTimer) get(poll func() (time.Time, bool)) time.Time {
	if p.stale {
		p.at, _ = poll()
		p.stale = false
	}
	return p.at
}

// due reports whether the machine may have a timer due at now: it was
// called since its deadline was read (stale), or the deadline passed.
func (p *partTimer) due(now time.Time) bool {
	return p.stale || !p.at.IsZero() && !p.at.After(now)
}
