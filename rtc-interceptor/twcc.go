package interceptor

import (
	"time"

	rtcp "github.com/sansrtc/rtc/rtc-rtcp"
	shared "github.com/sansrtc/rtc/rtc-shared"
)

// arrivalEpoch is the origin of PacketResult.Arrival: feedback gives the
// remote end's arrival times only relative to each other, so they are placed
// on a fixed, non-zero time (the zero Time means "lost").
var arrivalEpoch = time.Date(2000, time.January, 1, 0, 0, 0, 0, time.UTC)

// TWCCSenderConfig configures a TWCCSender.
type TWCCSenderConfig struct {
	// History is how many sent packets are remembered for feedback.
	// Rounded up to a power of two. If zero, 2048 (about 8 s of 2.5 Mbit/s).
	History int
	// FirstSequence is the first transport-wide sequence number.
	FirstSequence uint16
}

// TWCCSenderStats are a TWCCSender's counters.
type TWCCSenderStats struct {
	Sent      uint64 // packets numbered
	Feedbacks uint64 // feedback messages handled
	Received  uint64 // packets reported received
	Lost      uint64 // packets reported lost
	Unknown   uint64 // reported packets never sent or already forgotten
}

type twccRecord struct {
	tseq  int64
	sent  time.Time
	size  int32
	probe int32
	rtx   bool
}

// TWCCSender is the sender side of transport-wide congestion control
// (draft-holmer-rmcat-transport-wide-cc-extensions-01): it numbers every
// packet with one counter for the whole transport (§2), remembers when each
// left and how big it was, and turns feedback (§3.1) into PacketResults for
// an Estimator. It allocates only while its result buffer grows.
type TWCCSender struct {
	next    int64
	ring    []twccRecord
	mask    int64
	pkts    []rtcp.TWCCPacket
	results []PacketResult
	stats   TWCCSenderStats
}

// NewTWCCSender returns a sender with cfg's history.
func NewTWCCSender(cfg TWCCSenderConfig) *TWCCSender {
	n := cfg.History
	if n <= 0 {
		n = 2048
	}
	size := 1
	for size < n && size < 1<<15 {
		size <<= 1
	}
	t := &TWCCSender{ring: make([]twccRecord, size), mask: int64(size - 1), next: int64(cfg.FirstSequence)}
	for i := range t.ring {
		t.ring[i].tseq = -1
	}
	return t
}

// Stats returns the counters.
func (t *TWCCSender) Stats() TWCCSenderStats { return t.stats }

// Number gives the next packet its transport-wide sequence number and
// remembers it. The returned SentPacket is what an Estimator's OnPacketSent
// takes; its low 16 bits of TransportSeq go in the header extension.
func (t *TWCCSender) Number(now time.Time, size int, ssrc uint32, rtx bool) SentPacket {
	s := t.next
	t.next++
	t.ring[s&t.mask] = twccRecord{tseq: s, sent: now, size: int32(size), rtx: rtx}
	t.stats.Sent++
	return SentPacket{TransportSeq: s, SendTime: now, Size: size, SSRC: ssrc, Retransmission: rtx}
}

// setSize corrects the size of packet tseq, numbered before it was
// marshalled.
func (t *TWCCSender) setSize(tseq int64, size int) {
	if r := &t.ring[tseq&t.mask]; r.tseq == tseq {
		r.size = int32(size)
	}
}

// setProbe marks packet tseq as part of probe cluster id.
func (t *TWCCSender) setProbe(tseq int64, id int) {
	if r := &t.ring[tseq&t.mask]; r.tseq == tseq {
		r.probe = int32(id)
	}
}

// HandleFeedback turns one transport-cc feedback message into results, in
// transport sequence order. The slice is reused by the next call. Packets
// the sender never numbered, or has forgotten, are left out and counted
// (a peer may report anything).
func (t *TWCCSender) HandleFeedback(fb *rtcp.TransportCC) []PacketResult {
	t.stats.Feedbacks++
	t.results = t.results[:0]
	if t.next == 0 {
		t.stats.Unknown += uint64(fb.StatusCount)
		return t.results
	}
	// Place the 16-bit base sequence at the unwrapped value closest to
	// the last number given out.
	last := t.next - 1
	base := last - int64(int16(uint16(last)-fb.BaseSequence))
	t.pkts = fb.Packets(t.pkts)
	// §3.1: reference time in multiples of 64 ms, then each receive delta
	// in multiples of 250 µs from the previous received packet.
	at := arrivalEpoch.Add(time.Duration(fb.ReferenceTime) * rtcp.TWCCReferenceUnit)
	for i, p := range t.pkts {
		received := p.Symbol != rtcp.TWCCNotReceived
		if received {
			at = at.Add(time.Duration(p.Delta) * rtcp.TWCCDeltaUnit)
		}
		s := base + int64(i)
		r := &t.ring[s&t.mask]
		if s < 0 || s > last || r.tseq != s {
			t.stats.Unknown++
			continue
		}
		res := PacketResult{TransportSeq: s, SendTime: r.sent, Size: int(r.size), Retransmission: r.rtx, ProbeCluster: int(r.probe)}
		if received {
			res.Arrival = at
			t.stats.Received++
		} else {
			t.stats.Lost++
		}
		t.results = append(t.results, res)
	}
	return t.results
}

// TWCCReceiverConfig configures a TWCCReceiver.
type TWCCReceiverConfig struct {
	// Interval is the feedback cadence. If zero, 100 ms (libwebrtc sends
	// every 50-250 ms depending on the rate; 100 ms is the usual value).
	Interval time.Duration
	// MaxPending is how many arrivals one feedback may describe; reaching
	// it makes feedback due at once. If zero, 1024.
	MaxPending int
}

// TWCCReceiverStats are a TWCCReceiver's counters.
type TWCCReceiverStats struct {
	Recorded  uint64 // packets with the extension recorded
	Feedbacks uint64 // feedback messages built
	Late      uint64 // arrivals after feedback already reported them (dropped)
	Dropped   uint64 // arrivals dropped because they could not be encoded
}

type twccArrival struct {
	seq int64
	at  time.Duration
}

// TWCCReceiver is the receiver side of transport-wide congestion control:
// it records the transport-wide sequence number and arrival time of every
// packet and builds feedback (draft §3.1) every Interval. It allocates only
// while its buffers grow to MaxPending.
type TWCCReceiver struct {
	cfg      TWCCReceiverConfig
	unwrap   shared.Unwrapper16
	origin   time.Time
	started  bool
	pending  []twccArrival
	lastSent int64 // highest sequence number already reported
	haveLast bool
	count    uint8
	deadline time.Time
	arrivals []rtcp.TWCCArrival
	fb       rtcp.TransportCC
	stats    TWCCReceiverStats
}

// NewTWCCReceiver returns a receiver with cfg's cadence and limit.
func NewTWCCReceiver(cfg TWCCReceiverConfig) *TWCCReceiver {
	if cfg.Interval <= 0 {
		cfg.Interval = 100 * time.Millisecond
	}
	if cfg.MaxPending <= 0 {
		cfg.MaxPending = 1024
	}
	return &TWCCReceiver{cfg: cfg}
}

// Stats returns the counters.
func (r *TWCCReceiver) Stats() TWCCReceiverStats { return r.stats }

// HandleRTP records that the packet with transport-wide sequence number seq
// arrived at now.
func (r *TWCCReceiver) HandleRTP(now time.Time, seq uint16) {
	if !r.started {
		r.started, r.origin = true, now
	}
	ext := r.unwrap.Unwrap(seq)
	if r.haveLast && ext <= r.lastSent {
		r.stats.Late++
		return
	}
	if len(r.pending) >= r.cfg.MaxPending {
		r.stats.Dropped++
		return
	}
	r.pending = append(r.pending, twccArrival{seq: ext, at: now.Sub(r.origin)})
	r.stats.Recorded++
	if len(r.pending) >= r.cfg.MaxPending {
		r.deadline = now
	} else if r.deadline.IsZero() {
		r.deadline = now.Add(r.cfg.Interval)
	}
}

// PollTimeout returns when feedback is next due.
func (r *TWCCReceiver) PollTimeout() (time.Time, bool) { return r.deadline, !r.deadline.IsZero() }

// Feedback builds the feedback due at now, if any, from sender about the
// media source media. The message is reused by the next call.
func (r *TWCCReceiver) Feedback(now time.Time, sender, media uint32) (*rtcp.TransportCC, bool) {
	if r.deadline.IsZero() || now.Before(r.deadline) || len(r.pending) == 0 {
		return nil, false
	}
	r.deadline = time.Time{}
	p := r.pending
	// Reordered arrivals: insertion sort (the input is nearly sorted),
	// then drop duplicates.
	for i := 1; i < len(p); i++ {
		for j := i; j > 0 && p[j].seq < p[j-1].seq; j-- {
			p[j], p[j-1] = p[j-1], p[j]
		}
	}
	r.arrivals = r.arrivals[:0]
	prev := int64(-1 << 62)
	for _, a := range p {
		if a.seq == prev {
			continue
		}
		prev = a.seq
		r.arrivals = append(r.arrivals, rtcp.TWCCArrival{Sequence: uint16(a.seq), At: a.at})
	}
	first := p[0].seq
	r.pending = r.pending[:0]
	if err := rtcp.BuildTransportCC(&r.fb, sender, media, r.count, r.arrivals); err != nil {
		// A span or a delta too large to encode (over 8 s between
		// arrivals, or 65535 sequence numbers): keep the newest arrival.
		r.stats.Dropped += uint64(len(r.arrivals) - 1)
		r.arrivals = r.arrivals[len(r.arrivals)-1:]
		first = prev
		if err := rtcp.BuildTransportCC(&r.fb, sender, media, r.count, r.arrivals); err != nil {
			r.stats.Dropped++
			return nil, false
		}
	}
	// Packets lost between the previous feedback and this one's first
	// arrival are reported too, as a leading run of "not received".
	if r.haveLast {
		if gap := first - r.lastSent - 1; gap > 0 && gap <= 8191 && int64(r.fb.StatusCount)+gap <= 0xffff {
			r.fb.Chunks = append(r.fb.Chunks, 0)
			copy(r.fb.Chunks[1:], r.fb.Chunks)
			r.fb.Chunks[0] = rtcp.RunLengthChunk(rtcp.TWCCNotReceived, int(gap))
			r.fb.BaseSequence -= uint16(gap)
			r.fb.StatusCount += uint16(gap)
		}
	}
	r.lastSent, r.haveLast = prev, true
	r.count++
	r.stats.Feedbacks++
	return &r.fb, true
}
