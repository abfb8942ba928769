package netsim

import (
	"math/rand/v2"
	"net/netip"
	"time"
)

// LinkStats counts what one direction of a host pair carried.
type LinkStats struct {
	From, To netip.Addr

	Sent           uint64 // datagrams offered to the link (duplicates not included)
	Bytes          uint64 // bytes offered to the link
	Delivered      uint64 // datagrams that reached the far end, duplicates included
	DeliveredBytes uint64 // bytes that reached the far end
	Duplicated     uint64 // extra copies made
	Reordered      uint64 // datagrams held back by the reorder model

	Lost      uint64 // random loss
	BurstLost uint64 // Gilbert-Elliott loss
	TooBig    uint64 // over the MTU
	QueueFull uint64 // drop-tail queue overflow
}

// Dropped returns the total of every drop reason.
func (l LinkStats) Dropped() uint64 { return l.Lost + l.BurstLost + l.TooBig + l.QueueFull }

// link is one direction of a host pair.
type link struct {
	cfg   *LinkConfig // nil: the network's default
	stats LinkStats

	busyUntil   time.Time // when the serializer finishes the last queued datagram
	lastArrival time.Time // FIFO floor for datagrams that are not reordered
	bad         bool      // Gilbert-Elliott state
}

// transmit decides the fate of a datagram of size bytes offered at now: the
// arrival time, whether a duplicate follows, or the reason it was dropped.
// The random draws happen in a fixed order so a seed replays exactly.
func (l *link) transmit(rng *rand.Rand, cfg *LinkConfig, now time.Time, size int) (time.Time, bool, Fate) {
	l.stats.Sent++
	l.stats.Bytes += uint64(size)
	if cfg.MTU > 0 && size > cfg.MTU {
		l.stats.TooBig++
		return time.Time{}, false, TooBig
	}
	depart := now
	if cfg.Bandwidth > 0 {
		if l.busyUntil.After(now) {
			// Bytes still waiting to be serialized, the one on the wire included.
			backlog := int64(l.busyUntil.Sub(now)) * cfg.Bandwidth / 8 / int64(time.Second)
			if backlog+int64(size) > int64(cfg.queueBytes()) {
				l.stats.QueueFull++
				return time.Time{}, false, QueueFull
			}
			depart = l.busyUntil
		}
		depart = depart.Add(time.Duration(int64(size) * 8 * int64(time.Second) / cfg.Bandwidth))
		l.busyUntil = depart
	}
	if cfg.Loss > 0 && rng.Float64() < cfg.Loss {
		l.stats.Lost++
		return time.Time{}, false, Lost
	}
	if b := &cfg.Burst; b.P > 0 {
		if l.bad {
			if rng.Float64() < b.R {
				l.bad = false
			}
		} else if rng.Float64() < b.P {
			l.bad = true
		}
		p := b.LossGood
		if l.bad {
			p = b.lossBad()
		}
		if p > 0 && rng.Float64() < p {
			l.stats.BurstLost++
			return time.Time{}, false, BurstLost
		}
	}
	at := depart.Add(cfg.Delay)
	if cfg.Jitter > 0 {
		at = at.Add(time.Duration(rng.Int64N(int64(cfg.Jitter))))
	}
	if cfg.Reorder > 0 && rng.Float64() < cfg.Reorder {
		l.stats.Reordered++
		at = at.Add(cfg.reorderDelay())
	} else {
		if at.Before(l.lastArrival) {
			at = l.lastArrival
		}
		l.lastArrival = at
	}
	dup := cfg.Duplicate > 0 && rng.Float64() < cfg.Duplicate
	if dup {
		l.stats.Duplicated++
	}
	return at, dup, InFlight
}
