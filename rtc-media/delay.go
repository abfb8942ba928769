package media

import (
	"time"

	rtp "github.com/sansrtc/rtc/rtc-rtp"
)

// delayEstimator maps RTP timestamps to local playout times. The fastest
// transit seen (arrival minus media time) is the base: a packet that took
// it is "on time". The target delay on top of it follows the interarrival
// jitter of RFC 3550 §6.4.1.
type delayEstimator struct {
	cfg     *Config
	rate    uint32
	started bool
	epoch   nanos         // arrival of the first packet
	ts0     int64         // its extended timestamp
	base    time.Duration // smallest transit seen
	last    time.Duration // transit of the previous in-order packet
	jitter  time.Duration
	target  time.Duration

	memoOK bool // memo is media(memoTS)
	memoTS int64
	memo   time.Duration
}

func (d *delayEstimator) init(cfg *Config, rate uint32) {
	d.cfg, d.rate = cfg, rate
	d.target = cfg.MinDelay
}

// media converts a timestamp to media time since the first packet. The
// packets of a frame share a timestamp, so the last answer is kept: one
// division per frame instead of several per packet.
func (d *delayEstimator) media(tsExt int64) time.Duration {
	if d.memoOK && tsExt == d.memoTS {
		return d.memo
	}
	ticks := tsExt - d.ts0
	var m time.Duration
	if ticks > -maxFastTicks && ticks < maxFastTicks {
		m = time.Duration(ticks * int64(time.Second) / int64(d.rate))
	} else {
		m = rtp.TimestampToDuration(ticks, d.rate)
	}
	d.memoOK, d.memoTS, d.memo = true, tsExt, m
	return m
}

// maxFastTicks keeps ticks*1e9 within int64.
const maxFastTicks = 1 << 33

// update records the arrival of an in-order packet with timestamp tsExt.
func (d *delayEstimator) update(now nanos, tsExt int64) {
	if !d.started {
		d.started, d.epoch, d.ts0 = true, now, tsExt
		d.memoOK = false
		return
	}
	transit := time.Duration(now-d.epoch) - d.media(tsExt)
	switch {
	case transit < d.base:
		d.base = transit
	case transit-d.base > d.cfg.maxLatency()+d.cfg.maxDelay():
		// The sender's timeline moved (a restart or a timestamp jump):
		// start over from this packet.
		d.base, d.last = transit, transit
		return
	}
	// RFC 3550 §6.4.1: "J(i) = J(i-1) + (|D(i-1,i)| - J(i-1))/16".
	diff := transit - d.last
	if diff < 0 {
		diff = -diff
	}
	d.last = transit
	d.jitter += (diff - d.jitter) / 16
	d.target = min(max(3*d.jitter, d.cfg.MinDelay), d.cfg.maxDelay())
}

// expected returns when a packet with timestamp tsExt arrives on the
// fastest path seen.
func (d *delayEstimator) expected(tsExt int64) nanos {
	return d.epoch + nanos(d.base+d.media(tsExt))
}
