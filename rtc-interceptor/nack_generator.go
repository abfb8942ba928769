package interceptor

import (
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// NACKGeneratorConfig configures a NACKGenerator. Each zero field takes the
// documented default.
type NACKGeneratorConfig struct {
	// Size is how many sequence numbers behind the highest one received
	// are tracked; a gap older than that is forgotten. Rounded up to a
	// power of two. If zero, 512 is used (about 2 s of 2.5 Mbit/s video).
	Size int
	// MaxRetries is how many times one packet is asked for. If zero, 10.
	MaxRetries int
	// MaxAge is how long after a gap was seen its packets are still asked
	// for. If zero, 1 s.
	MaxAge time.Duration
	// MinRetryInterval is the least time between two requests for the same
	// packet; the interval is 5/4 of the RTT when that is longer. If zero,
	// 10 ms.
	MinRetryInterval time.Duration
	// MaxPerRequest bounds the sequence numbers one Due call returns (so
	// one NACK packet stays well under the MTU); the rest stay due. If
	// zero, 128.
	MaxPerRequest int
}

// defaultRTT is the round-trip time assumed until one is measured.
const defaultRTT = 100 * time.Millisecond

// NACKGeneratorStats are a NACKGenerator's counters.
type NACKGeneratorStats struct {
	Missing   uint64 // sequence numbers found missing (gaps)
	Requested uint64 // sequence numbers put in a NACK (retries included)
	Recovered uint64 // missing packets that arrived later (retransmitted or reordered)
	GivenUp   uint64 // missing packets dropped: too old, too many retries, or out of the window
	Resets    uint64 // gaps larger than the window (only the window's tail is tracked)
}

type nackEntry struct {
	seq    int64
	first  time.Time // when the gap was seen
	next   time.Time // when to ask (again)
	tries  uint16
	active bool
}

// NACKGenerator is the receiver side of Generic NACK (RFC 4585 §6.2.1) for
// one remote stream: it follows the sequence numbers that arrive, keeps the
// missing ones in a bounded window, and says which to ask for when, with
// RTT-aware retries, a maximum age and a maximum count. It owns one
// deadline. It allocates only in NewNACKGenerator.
//
// RFC 4585 §3.5.3: a receiver may send feedback as soon as it detects loss
// (immediate mode), which WebRTC uses; a gap is due at once, and retried
// after max(5/4·RTT, MinRetryInterval) until it arrives, gets too old or
// has been asked for MaxRetries times.
type NACKGenerator struct {
	cfg      NACKGeneratorConfig
	entries  []nackEntry
	mask     int64
	unwrap   shared.Unwrapper16
	started  bool
	highest  int64
	active   int
	deadline time.Time
	rtt      time.Duration
	stats    NACKGeneratorStats
}

// NewNACKGenerator returns a generator with cfg's limits.
func NewNACKGenerator(cfg NACKGeneratorConfig) *NACKGenerator {
	if cfg.Size <= 0 {
		cfg.Size = 512
	}
	size := 1
	for size < cfg.Size && size < 1<<15 {
		size <<= 1
	}
	cfg.Size = size
	if cfg.MaxRetries <= 0 {
		cfg.MaxRetries = 10
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = time.Second
	}
	if cfg.MinRetryInterval <= 0 {
		cfg.MinRetryInterval = 10 * time.Millisecond
	}
	if cfg.MaxPerRequest <= 0 {
		cfg.MaxPerRequest = 128
	}
	return &NACKGenerator{cfg: cfg, entries: make([]nackEntry, size), mask: int64(size - 1)}
}

// SetRTT sets the round-trip time the retry interval follows.
func (g *NACKGenerator) SetRTT(rtt time.Duration) { g.rtt = rtt }

// Stats returns the counters.
func (g *NACKGenerator) Stats() NACKGeneratorStats { return g.stats }

// Missing returns how many packets are currently missing and tracked.
func (g *NACKGenerator) Missing() int { return g.active }

// HandleRTP records the arrival of sequence number seq at now (for an RTX
// packet, its original sequence number).
func (g *NACKGenerator) HandleRTP(now time.Time, seq uint16) {
	ext := g.unwrap.Unwrap(seq)
	if !g.started {
		g.started, g.highest = true, ext
		return
	}
	if ext <= g.highest {
		e := &g.entries[ext&g.mask]
		if e.active && e.seq == ext {
			e.active = false
			g.active--
			g.stats.Recovered++
		}
		return
	}
	from := g.highest + 1
	if ext-from > int64(len(g.entries))-1 {
		// A gap larger than the window: everything tracked is out of it.
		g.stats.Resets++
		g.clear()
		// The packets before the window are missing and never asked for.
		skipped := ext - int64(len(g.entries)) + 1 - from
		g.stats.Missing += uint64(skipped)
		g.stats.GivenUp += uint64(skipped)
		from = ext - int64(len(g.entries)) + 1
	}
	for s := from; s < ext; s++ {
		g.add(now, s)
	}
	// The slot of ext itself may hold a missing packet a window ago.
	if e := &g.entries[ext&g.mask]; e.active {
		e.active = false
		g.active--
		g.stats.GivenUp++
	}
	g.highest = ext
}

func (g *NACKGenerator) clear() {
	for i := range g.entries {
		if g.entries[i].active {
			g.entries[i].active = false
			g.stats.GivenUp++
		}
	}
	g.active = 0
}

func (g *NACKGenerator) add(now time.Time, s int64) {
	e := &g.entries[s&g.mask]
	if e.active {
		g.stats.GivenUp++
		g.active--
	}
	*e = nackEntry{seq: s, first: now, next: now, active: true}
	g.active++
	g.stats.Missing++
	if g.deadline.IsZero() || now.Before(g.deadline) {
		g.deadline = now
	}
}

func (g *NACKGenerator) retryInterval() time.Duration {
	rtt := g.rtt
	if rtt <= 0 {
		rtt = defaultRTT
	}
	d := rtt + rtt/4
	if d < g.cfg.MinRetryInterval {
		d = g.cfg.MinRetryInterval
	}
	return d
}

// Due appends to dst[:0] the sequence numbers to ask for at now, in RFC 1982
// order (what rtcp.NACKPairs wants), and schedules their retries. Packets
// that are too old or were asked for MaxRetries times are dropped.
func (g *NACKGenerator) Due(now time.Time, dst []uint16) []uint16 {
	dst = dst[:0]
	if g.active == 0 {
		g.deadline = time.Time{}
		return dst
	}
	var next time.Time
	retry := g.retryInterval()
	for s := g.highest - int64(len(g.entries)) + 1; s < g.highest; s++ {
		e := &g.entries[s&g.mask]
		if !e.active || e.seq != s {
			continue
		}
		if int(e.tries) >= g.cfg.MaxRetries || now.Sub(e.first) >= g.cfg.MaxAge {
			e.active = false
			g.active--
			g.stats.GivenUp++
			continue
		}
		if !e.next.After(now) && len(dst) < g.cfg.MaxPerRequest {
			dst = append(dst, uint16(s))
			e.tries++
			e.next = now.Add(retry)
			g.stats.Requested++
		}
		// The entry's next event: a retry, or the end of its life.
		t := e.next
		if end := e.first.Add(g.cfg.MaxAge); end.Before(t) {
			t = end
		}
		if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	g.deadline = next
	return dst
}

// PollTimeout returns when Due next has something to do.
func (g *NACKGenerator) PollTimeout() (time.Time, bool) {
	return g.deadline, !g.deadline.IsZero()
}
