package interceptor

import (
	"time"

	rtp "github.com/sansrtc/rtc/rtc-rtp"
)

// NACKResponderConfig configures a NACKResponder. Each zero field takes the
// documented default.
type NACKResponderConfig struct {
	// HistorySize is how many sent packets are kept for retransmission.
	// Rounded up to a power of two. If zero, 1024.
	HistorySize int
	// MaxAge is how long a sent packet may be retransmitted. If zero, 1 s.
	MaxAge time.Duration
	// MaxBitrate bounds the retransmission rate in bits per second (a
	// token bucket holding 250 ms at that rate). If zero, 4 Mbit/s.
	MaxBitrate int
	// RTXSSRC and RTXPayloadType select RFC 4588 retransmission; with
	// RTXSSRC zero a packet is resent in-band, unchanged.
	RTXSSRC        uint32
	RTXPayloadType uint8
	// RTXSequence is the first RTX sequence number (RFC 3550 §5.1 wants it
	// random; the chain draws it from Config.Rand).
	RTXSequence uint16
}

// NACKResponderStats are a NACKResponder's counters.
type NACKResponderStats struct {
	Requested     uint64 // sequence numbers asked for
	Retransmitted uint64 // retransmissions produced
	Bytes         uint64 // octets retransmitted (packet sizes)
	Missing       uint64 // asked for but not (or no longer) in the history
	TooSoon       uint64 // asked for again within one RTT of the last resend
	RateLimited   uint64 // refused by the rate limit
}

type historySlot struct {
	buf    []byte // the packet as sent; reused
	sent   time.Time
	resent time.Time
	tseq   int64 // transport-wide sequence number, or -1
	exp    int64 // sent+MaxAge in Unix nanoseconds: when expire frees buf
	seq    uint16
	valid  bool
}

// NACKResponder is the sender side of Generic NACK for one local stream
// (RFC 4585 §6.2.1): it keeps a bounded history of the packets sent, in a
// ring of reused buffers, and answers a request with the packet over RTX
// (RFC 4588 §4: the original sequence number, OSN, leads the payload of a
// packet on the RTX SSRC and payload type, with its own sequence numbers)
// or in-band, rate-limited.
//
// Packet buffers are taken lazily: a slot gets one when a packet is
// recorded in it, and a packet older than MaxAge (which Resend would refuse
// anyway) hands its buffer to a free list that the next Record reuses. So a
// stream holds about as many buffers as it sends packets in MaxAge (about
// 100 for a 1 Mbit/s video stream), never more than HistorySize, rather
// than HistorySize of them. It allocates only while that number, or a
// buffer's size, grows.
type NACKResponder struct {
	cfg    NACKResponderConfig
	slots  []historySlot
	mask   int
	order  []recorded // ring of recorded packets, oldest at head
	head   int
	count  int
	free   [][]byte // buffers of expired packets, for reuse
	rtxSeq uint16
	tokens float64 // bytes
	filled time.Time
	pkt    rtp.Packet
	stats  NACKResponderStats
}

// recorded is one entry of the send-order ring: a packet's sequence number
// and its expiry (historySlot.exp), which tells it from a later packet
// recorded in the same slot.
type recorded struct {
	exp int64
	seq uint16
}

// NewNACKResponder returns a responder with cfg's limits.
func NewNACKResponder(cfg NACKResponderConfig) *NACKResponder {
	if cfg.HistorySize <= 0 {
		cfg.HistorySize = 1024
	}
	size := 1
	for size < cfg.HistorySize && size < 1<<15 {
		size <<= 1
	}
	cfg.HistorySize = size
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = time.Second
	}
	if cfg.MaxBitrate <= 0 {
		cfg.MaxBitrate = 4_000_000
	}
	r := &NACKResponder{cfg: cfg, slots: make([]historySlot, size), mask: size - 1, order: make([]recorded, size), rtxSeq: cfg.RTXSequence}
	r.tokens = r.bucket()
	return r
}

func (r *NACKResponder) bucket() float64 { return float64(r.cfg.MaxBitrate) / 8 / 4 }

// Stats returns the counters.
func (r *NACKResponder) Stats() NACKResponderStats { return r.stats }

// Record keeps a copy of the packet b, sent at now with sequence number seq
// and transport-wide sequence number tseq (-1 for none).
func (r *NACKResponder) Record(now time.Time, seq uint16, tseq int64, b []byte) {
	s := &r.slots[int(seq)&r.mask]
	if s.buf == nil {
		if len(r.free) == 0 {
			// Only a slot without a buffer looks for expired ones: at a
			// rate that refills the history within MaxAge, each slot
			// keeps and reuses its own buffer and this never runs.
			r.expire(now)
		}
		if n := len(r.free); n > 0 {
			s.buf, r.free[n-1] = r.free[n-1], nil
			r.free = r.free[:n-1]
		}
	}
	s.buf = append(s.buf[:0], b...)
	exp := now.UnixNano() + int64(r.cfg.MaxAge)
	s.sent, s.resent, s.tseq, s.exp, s.seq, s.valid = now, time.Time{}, tseq, exp, seq, true
	if r.count == len(r.order) {
		// Full: forget the oldest entry. Its slot keeps its buffer, which
		// the packet HistorySize later reuses, so at most HistorySize
		// buffers exist.
		r.head = (r.head + 1) & r.mask
		r.count--
	}
	r.order[(r.head+r.count)&r.mask] = recorded{exp: exp, seq: seq}
	r.count++
}

// expire moves the buffers of packets older than MaxAge at now to the free
// list. Their slots stay valid for TransportSeq; lookup refuses them by age
// and by their missing buffer.
func (r *NACKResponder) expire(now time.Time) {
	ns := now.UnixNano()
	for r.count > 0 {
		e := r.order[r.head]
		if ns <= e.exp {
			return
		}
		s := &r.slots[int(e.seq)&r.mask]
		if s.valid && s.seq == e.seq && s.exp == e.exp {
			if s.buf != nil {
				r.free = append(r.free, s.buf[:0])
				s.buf = nil
			}
		}
		r.head = (r.head + 1) & r.mask
		r.count--
	}
}

// lookup returns the slot of seq if it is in the history and young enough.
func (r *NACKResponder) lookup(now time.Time, seq uint16) *historySlot {
	s := &r.slots[int(seq)&r.mask]
	if !s.valid || s.seq != seq || s.buf == nil || now.Sub(s.sent) > r.cfg.MaxAge {
		return nil
	}
	return s
}

// TransportSeq returns the transport-wide sequence number the packet seq was
// first sent with, if it is in the history (RFC 8888 feedback names packets
// by SSRC and RTP sequence number).
func (r *NACKResponder) TransportSeq(seq uint16) (int64, bool) {
	s := &r.slots[int(seq)&r.mask]
	if !s.valid || s.seq != seq || s.tseq < 0 {
		return 0, false
	}
	return s.tseq, true
}

// Resend appends to dst the retransmission of seq asked for at now, and
// reports whether there is one. rtt is the current round-trip time (zero if
// unknown): a packet resent less than one RTT ago is not resent again, since
// that copy may still be on its way.
func (r *NACKResponder) Resend(now time.Time, seq uint16, rtt time.Duration, dst []byte) ([]byte, bool) {
	r.stats.Requested++
	s := r.lookup(now, seq)
	if s == nil {
		r.stats.Missing++
		return dst, false
	}
	if rtt <= 0 {
		rtt = defaultRTT
	}
	if !s.resent.IsZero() && now.Sub(s.resent) < rtt {
		r.stats.TooSoon++
		return dst, false
	}
	r.refill(now)
	size := len(s.buf)
	if r.cfg.RTXSSRC != 0 {
		size += 2
	}
	if r.tokens < float64(size) {
		r.stats.RateLimited++
		return dst, false
	}
	start := len(dst)
	if r.cfg.RTXSSRC == 0 {
		dst = append(dst, s.buf...)
	} else {
		if err := r.pkt.Unmarshal(s.buf); err != nil {
			r.stats.Missing++
			return dst, false
		}
		var err error
		dst, err = rtp.AppendRTX(dst, &r.pkt, r.cfg.RTXSSRC, r.cfg.RTXPayloadType, r.rtxSeq)
		if err != nil {
			r.stats.Missing++
			return dst[:start], false
		}
		r.rtxSeq++
	}
	r.tokens -= float64(len(dst) - start)
	s.resent = now
	r.stats.Retransmitted++
	r.stats.Bytes += uint64(len(dst) - start)
	return dst, true
}

func (r *NACKResponder) refill(now time.Time) {
	if !r.filled.IsZero() && now.After(r.filled) {
		r.tokens += now.Sub(r.filled).Seconds() * float64(r.cfg.MaxBitrate) / 8
		if b := r.bucket(); r.tokens > b {
			r.tokens = b
		}
	}
	if r.filled.IsZero() || now.After(r.filled) {
		r.filled = now
	}
}
