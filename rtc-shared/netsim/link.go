package netsim

import (
	"math/rand/v2"
	"net/netip"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
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
	Corrupted      uint64 // datagrams with a bit flipped
	CEMarked       uint64 // datagrams marked Congestion Experienced

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

// verdict is what a link decided for one datagram.
type verdict struct {
	fate    Fate      // InFlight if it will arrive
	at      time.Time // arrival
	dup     bool      // a copy follows
	flipBit int       // bit to invert (corruption), or -1
	ce      bool      // mark Congestion Experienced
}

// transmit decides the fate of a datagram of size bytes offered at now
// with ECN codepoint ecn. The random draws happen in a fixed order, and only
// for the stages that are configured, so a seed replays exactly.
func (l *link) transmit(rng *rand.Rand, cfg *LinkConfig, now time.Time, size int, ecn shared.ECN) verdict {
	v := verdict{flipBit: -1}
	l.stats.Sent++
	l.stats.Bytes += uint64(size)
	if cfg.MTU > 0 && size > cfg.MTU {
		l.stats.TooBig++
		v.fate = TooBig
		return v
	}
	depart := now
	if cfg.Bandwidth > 0 {
		if l.busyUntil.After(now) {
			// Bytes still waiting to be serialized, the one on the wire included.
			backlog := int64(l.busyUntil.Sub(now)) * cfg.Bandwidth / 8 / int64(time.Second)
			if backlog+int64(size) > int64(cfg.queueBytes()) {
				l.stats.QueueFull++
				v.fate = QueueFull
				return v
			}
			// RFC 3168 §5: a router that would otherwise drop for
			// congestion marks an ECN-capable packet CE instead; here the
			// mark starts at a backlog threshold, before the queue is full.
			if cfg.ECNThreshold > 0 && backlog >= int64(cfg.ECNThreshold) && (ecn == shared.ECNECT0 || ecn == shared.ECNECT1) {
				v.ce = true
				l.stats.CEMarked++
			}
			depart = l.busyUntil
		}
		depart = depart.Add(time.Duration(int64(size) * 8 * int64(time.Second) / cfg.Bandwidth))
		l.busyUntil = depart
	}
	// The Gilbert-Elliott chain moves on every datagram, whatever else
	// happens to it, so bursts have the configured length in datagrams.
	burstLoss := 0.0
	if b := &cfg.Burst; b.P > 0 {
		if l.bad {
			if rng.Float64() < b.R {
				l.bad = false
			}
		} else if rng.Float64() < b.P {
			l.bad = true
		}
		burstLoss = b.LossGood
		if l.bad {
			burstLoss = b.lossBad()
		}
	}
	if cfg.Loss > 0 && rng.Float64() < cfg.Loss {
		l.stats.Lost++
		v.fate = Lost
		return v
	}
	if burstLoss > 0 && rng.Float64() < burstLoss {
		l.stats.BurstLost++
		v.fate = BurstLost
		return v
	}
	if cfg.Corrupt > 0 && size > 0 && rng.Float64() < cfg.Corrupt {
		v.flipBit = rng.IntN(8 * size)
		l.stats.Corrupted++
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
	v.at = at
	v.dup = cfg.Duplicate > 0 && rng.Float64() < cfg.Duplicate
	if v.dup {
		l.stats.Duplicated++
	}
	return v
}
