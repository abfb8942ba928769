package rtcp

import (
	"strconv"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// TWCCSymbol is a packet status symbol of transport-wide congestion control
// feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1.1).
type TWCCSymbol uint8

// Packet status symbols. The draft's §3.1.1 calls 3 "reserved" while its
// examples (§3.1.3, §3.1.4) call it "packet received, w/o recv delta"; this
// package follows the examples, as libwebrtc and Pion do.
const (
	TWCCNotReceived     TWCCSymbol = 0 // packet not received
	TWCCSmallDelta      TWCCSymbol = 1 // received, 1-octet delta (0..63.75 ms)
	TWCCLargeDelta      TWCCSymbol = 2 // received, 2-octet signed delta
	TWCCReceivedNoDelta TWCCSymbol = 3 // received, no delta
)

// String names the symbol.
func (s TWCCSymbol) String() string {
	switch s {
	case TWCCNotReceived:
		return "not-received"
	case TWCCSmallDelta:
		return "small-delta"
	case TWCCLargeDelta:
		return "large-delta"
	case TWCCReceivedNoDelta:
		return "received-no-delta"
	}
	return "TWCCSymbol(" + strconv.Itoa(int(s)) + ")"
}

// deltaSize is how many octets of receive delta a symbol takes.
func (s TWCCSymbol) deltaSize() int {
	switch s {
	case TWCCSmallDelta:
		return 1
	case TWCCLargeDelta:
		return 2
	}
	return 0
}

// PacketStatusChunk is one 16-bit packet status chunk (draft §3.1.3,
// §3.1.4), kept in wire form so that it round-trips exactly.
//
//	run length:    0 | S (2) | run length (13)
//	status vector: 1 | S (1) | 14 one-bit or 7 two-bit symbols
type PacketStatusChunk uint16

// RunLengthChunk returns a run-length chunk of n (< 8192) copies of sym.
func RunLengthChunk(sym TWCCSymbol, n int) PacketStatusChunk {
	return PacketStatusChunk(uint16(sym&3)<<13 | uint16(n&0x1fff))
}

// IsRunLength reports whether c is a run-length chunk.
func (c PacketStatusChunk) IsRunLength() bool { return c&0x8000 == 0 }

// Run returns a run-length chunk's symbol and run length.
func (c PacketStatusChunk) Run() (TWCCSymbol, int) {
	return TWCCSymbol(c >> 13 & 3), int(c & 0x1fff)
}

// TwoBit reports whether a status vector chunk holds 2-bit symbols.
func (c PacketStatusChunk) TwoBit() bool { return c&0x4000 != 0 }

// Len returns how many symbols the chunk describes (run length, 14 or 7).
func (c PacketStatusChunk) Len() int {
	switch {
	case c.IsRunLength():
		return int(c & 0x1fff)
	case c.TwoBit():
		return 7
	}
	return 14
}

// Symbol returns the i-th symbol (i < Len()). In a one-bit vector, 1 means
// received with a small delta and 0 not received (the draft's §3.1.4 prose
// says the opposite; its example and every implementation say this).
func (c PacketStatusChunk) Symbol(i int) TWCCSymbol {
	switch {
	case c.IsRunLength():
		return TWCCSymbol(c >> 13 & 3)
	case c.TwoBit():
		return TWCCSymbol(c >> (12 - 2*uint(i)) & 3)
	}
	return TWCCSymbol(c >> (13 - uint(i)) & 1)
}

// vectorChunk builds a status vector chunk from up to 7 (two-bit) or 14
// (one-bit) symbols; missing trailing symbols are 0.
func vectorChunk(syms []TWCCSymbol, twoBit bool) PacketStatusChunk {
	c := uint16(0x8000)
	if twoBit {
		c |= 0x4000
		for i, s := range syms {
			c |= uint16(s&3) << (12 - 2*uint(i))
		}
	} else {
		for i, s := range syms {
			c |= uint16(s&1) << (13 - uint(i))
		}
	}
	return PacketStatusChunk(c)
}

// TWCCDeltaUnit is the unit of receive deltas: 250 µs (draft §3.1.5).
const TWCCDeltaUnit = 250 * time.Microsecond

// TWCCReferenceUnit is the unit of the reference time: 64 ms (draft §3.1).
const TWCCReferenceUnit = 64 * time.Millisecond

// TransportCC is a transport-wide congestion control feedback message
// (RTPFB FMT 15, draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1).
type TransportCC struct {
	SenderSSRC    uint32
	MediaSSRC     uint32
	BaseSequence  uint16 // transport-wide sequence number of the first packet
	StatusCount   uint16 // how many packets the chunks describe
	ReferenceTime int32  // signed 24 bits, in TWCCReferenceUnit
	FeedbackCount uint8  // feedback packet count, per sender
	Chunks        []PacketStatusChunk
	// Deltas holds one receive delta per received packet with a small or
	// large delta symbol, in TWCCDeltaUnit, in packet order.
	Deltas []int16
}

// TWCCPacket is one packet's status, as expanded by Packets.
type TWCCPacket struct {
	Sequence uint16
	Symbol   TWCCSymbol
	// Delta is the receive delta from the previous received packet (the
	// first from the reference time), in TWCCDeltaUnit; 0 without one.
	Delta int16
}

// Packets expands the chunks and deltas into one entry per packet,
// appended to dst[:0] (reuse dst to avoid allocating).
func (p *TransportCC) Packets(dst []TWCCPacket) []TWCCPacket {
	dst = dst[:0]
	seq, d := p.BaseSequence, 0
	left := int(p.StatusCount)
	for _, c := range p.Chunks {
		n := min(c.Len(), left)
		left -= n
		run := c.IsRunLength()
		s := c.Symbol(0)
		for i := 0; i < n; i++ {
			if !run {
				s = c.Symbol(i)
			}
			e := TWCCPacket{Sequence: seq, Symbol: s}
			if (s == TWCCSmallDelta || s == TWCCLargeDelta) && d < len(p.Deltas) {
				e.Delta = p.Deltas[d]
				d++
			}
			dst = append(dst, e)
			seq++
		}
	}
	return dst
}

// deltaOctets walks the chunks and returns how many delta octets the
// statuses call for, and the number of deltas; -1 if the chunks describe
// fewer than StatusCount packets.
func (p *TransportCC) deltaOctets() (octets, count int) {
	left := int(p.StatusCount)
	for _, c := range p.Chunks {
		n := min(c.Len(), left)
		if c.IsRunLength() {
			sz := c.Symbol(0).deltaSize()
			octets += sz * n
			if sz > 0 {
				count += n
			}
		} else {
			for i := 0; i < n; i++ {
				if sz := c.Symbol(i).deltaSize(); sz > 0 {
					octets += sz
					count++
				}
			}
		}
		left -= n
	}
	if left > 0 {
		return -1, 0
	}
	return octets, count
}

// MarshalSize returns the wire length, padding included.
func (p *TransportCC) MarshalSize() int {
	octets, _ := p.deltaOctets()
	return pad4(headerSize + 16 + 2*len(p.Chunks) + max(octets, 0))
}

// AppendTo appends the wire form. Padding, when needed, uses the P bit.
func (p *TransportCC) AppendTo(b []byte) ([]byte, error) {
	octets, count := p.deltaOctets()
	if octets < 0 || count != len(p.Deltas) {
		return b, ErrBadLength
	}
	if p.ReferenceTime < -(1<<23) || p.ReferenceTime >= 1<<23 {
		return b, ErrBadValue
	}
	size := p.MarshalSize()
	if size > maxPacketSize {
		return b, ErrTooMany
	}
	raw := headerSize + 16 + 2*len(p.Chunks) + octets
	start := len(b)
	b = appendFeedback(b, FormatTWCC, TypeRTPFB, size, p.SenderSSRC, p.MediaSSRC)
	if size != raw {
		b[start] |= 0x20 // P
	}
	b = appendU16(b, p.BaseSequence)
	b = appendU16(b, p.StatusCount)
	b = appendU32(b, uint32(p.ReferenceTime)<<8|uint32(p.FeedbackCount))
	for _, c := range p.Chunks {
		b = appendU16(b, uint16(c))
	}
	d := 0
	left := int(p.StatusCount)
	for _, c := range p.Chunks {
		for i := 0; i < c.Len() && left > 0; i++ {
			switch c.Symbol(i) {
			case TWCCSmallDelta:
				if p.Deltas[d] < 0 || p.Deltas[d] > 255 {
					return b[:start], ErrBadValue
				}
				b = append(b, byte(p.Deltas[d]))
				d++
			case TWCCLargeDelta:
				b = appendU16(b, uint16(p.Deltas[d]))
				d++
			}
			left--
		}
	}
	if pad := size - raw; pad > 0 {
		b = append(b, make([]byte, pad)...)[:len(b)+pad]
		b[len(b)-1] = byte(pad)
	}
	return b, nil
}

// Unmarshal parses one transport-wide CC feedback packet.
func (p *TransportCC) Unmarshal(b []byte) error {
	s, m, fci, err := feedback(b, "transport-cc", TypeRTPFB, FormatTWCC)
	if err != nil {
		return err
	}
	if len(fci) < 8 {
		return parseErr("transport-cc", 12+len(fci), shared.ErrTruncated)
	}
	p.SenderSSRC, p.MediaSSRC = s, m
	p.BaseSequence = u16(fci)
	p.StatusCount = u16(fci[2:])
	p.ReferenceTime = int32(u32(fci[4:])) >> 8
	p.FeedbackCount = fci[7]
	off := 8
	p.Chunks = p.Chunks[:0]
	for left := int(p.StatusCount); left > 0; {
		if off+2 > len(fci) {
			return parseErr("transport-cc chunk", 12+off, shared.ErrTruncated)
		}
		c := PacketStatusChunk(u16(fci[off:]))
		if c.Len() == 0 {
			return parseErr("transport-cc chunk", 12+off, ErrBadValue)
		}
		p.Chunks = append(p.Chunks, c)
		left -= c.Len()
		off += 2
	}
	p.Deltas = p.Deltas[:0]
	left := int(p.StatusCount)
	for _, c := range p.Chunks {
		n := min(c.Len(), left)
		left -= n
		if c.IsRunLength() {
			// A whole run shares one delta size: read its deltas in one go.
			switch c.Symbol(0) {
			case TWCCSmallDelta:
				if off+n > len(fci) {
					return parseErr("transport-cc delta", 12+len(fci), shared.ErrTruncated)
				}
				for _, v := range fci[off : off+n] {
					p.Deltas = append(p.Deltas, int16(v))
				}
				off += n
			case TWCCLargeDelta:
				if off+2*n > len(fci) {
					return parseErr("transport-cc delta", 12+len(fci), shared.ErrTruncated)
				}
				for i := 0; i < n; i++ {
					p.Deltas = append(p.Deltas, int16(u16(fci[off+2*i:])))
				}
				off += 2 * n
			}
			continue
		}
		for i := 0; i < n; i++ {
			switch c.Symbol(i) {
			case TWCCSmallDelta:
				if off+1 > len(fci) {
					return parseErr("transport-cc delta", 12+off, shared.ErrTruncated)
				}
				p.Deltas = append(p.Deltas, int16(fci[off]))
				off++
			case TWCCLargeDelta:
				if off+2 > len(fci) {
					return parseErr("transport-cc delta", 12+off, shared.ErrTruncated)
				}
				p.Deltas = append(p.Deltas, int16(u16(fci[off:])))
				off += 2
			}
		}
	}
	// Up to three octets of zero padding may follow without the P bit.
	if rest := len(fci) - off; rest > 3 {
		return parseErr("transport-cc", 12+off, shared.ErrTrailingBytes)
	}
	return nil
}

// TWCCArrival is one received packet for BuildTransportCC: its
// transport-wide sequence number and its arrival time, measured from any
// fixed origin (the same for every feedback of a session).
type TWCCArrival struct {
	Sequence uint16
	At       time.Duration
}

// BuildTransportCC fills p with feedback about arrivals, which must be in
// transport sequence order (RFC 1982 order across a wrap) without
// duplicates; packets missing between them are reported lost. The
// reference time is the first arrival rounded down to 64 ms, and each delta
// is rounded to 250 µs, accumulated so that rounding errors do not drift
// (draft §3.1.5). p's slices are reused. ErrBadValue is returned when a
// delta does not fit in 16 bits (more than ~8 s between arrivals): split the
// feedback there.
func BuildTransportCC(p *TransportCC, sender, media uint32, feedbackCount uint8, arrivals []TWCCArrival) error {
	p.SenderSSRC, p.MediaSSRC, p.FeedbackCount = sender, media, feedbackCount
	p.Chunks, p.Deltas = p.Chunks[:0], p.Deltas[:0]
	p.StatusCount, p.BaseSequence, p.ReferenceTime = 0, 0, 0
	if len(arrivals) == 0 {
		return nil
	}
	first, last := arrivals[0].Sequence, arrivals[len(arrivals)-1].Sequence
	span := int(last-first) + 1
	if span > 0xffff || span < len(arrivals) {
		return ErrBadValue
	}
	ref := arrivals[0].At / TWCCReferenceUnit
	if arrivals[0].At%TWCCReferenceUnit < 0 {
		ref-- // division truncates toward zero; round down instead
	}
	p.BaseSequence, p.StatusCount = first, uint16(span)
	p.ReferenceTime = int32(int64(ref) & 0xffffff << 40 >> 40)
	var syms [14]TWCCSymbol
	var w symWriter
	w.p = p
	prev := ref * TWCCReferenceUnit
	seq := first
	for _, a := range arrivals {
		// Each arrival must lie at or after the next position and inside
		// the span first..last. Comparing positions from first, rather
		// than RFC 1982 order (undefined at exactly half the space),
		// refuses an arrival 2^15 away instead of writing 2^15 statuses
		// the StatusCount does not announce.
		if pos := int(a.Sequence - first); pos < int(seq-first) || pos >= span {
			return ErrBadValue
		}
		for ; seq != a.Sequence; seq++ {
			w.add(TWCCNotReceived, &syms)
		}
		var ticks time.Duration
		if d := a.At - prev; d >= 0 {
			ticks = (d + TWCCDeltaUnit/2) / TWCCDeltaUnit
		} else {
			ticks = -((-d + TWCCDeltaUnit/2) / TWCCDeltaUnit)
		}
		if ticks < -32768 || ticks > 32767 {
			return ErrBadValue
		}
		prev += ticks * TWCCDeltaUnit
		sym := TWCCSmallDelta
		if ticks < 0 || ticks > 255 {
			sym = TWCCLargeDelta
		}
		p.Deltas = append(p.Deltas, int16(ticks))
		w.add(sym, &syms)
		seq++
	}
	w.flush(&syms)
	return nil
}

// symWriter packs statuses into chunks as they come: it keeps up to 14
// pending symbols and emits a chunk as soon as the best encoding of the
// oldest ones is decided.
type symWriter struct {
	p      *TransportCC
	n      int        // pending symbols in syms
	run    int        // length of a run-length chunk being extended
	runSym TWCCSymbol // its symbol
	inRun  bool
}

func (w *symWriter) add(s TWCCSymbol, syms *[14]TWCCSymbol) {
	if w.inRun {
		if s == w.runSym && w.run < 0x1fff {
			w.run++
			return
		}
		w.p.Chunks = append(w.p.Chunks, RunLengthChunk(w.runSym, w.run))
		w.inRun = false
	}
	syms[w.n] = s
	w.n++
	w.pack(syms, false)
}

// pack emits chunks while the pending symbols decide one.
func (w *symWriter) pack(syms *[14]TWCCSymbol, final bool) {
	for w.n > 0 {
		same, two := 1, false
		for i := 1; i < w.n && syms[i] == syms[0]; i++ {
			same++
		}
		for i := 0; i < w.n; i++ {
			if syms[i] > 1 {
				two = true
			}
		}
		switch {
		case same == w.n && w.n == 14:
			// Fourteen alike: start a run-length chunk and keep extending it.
			w.inRun, w.runSym, w.run, w.n = true, syms[0], 14, 0
			return
		case !two && w.n == 14:
			w.p.Chunks = append(w.p.Chunks, vectorChunk(syms[:14], false))
			w.n = 0
			return
		case two && w.n >= 7 && same < 7:
			w.p.Chunks = append(w.p.Chunks, vectorChunk(syms[:7], true))
			w.shift(syms, 7)
			continue
		case two && same >= 7 && same < w.n:
			// A run of at least seven, then something else: run-length.
			w.p.Chunks = append(w.p.Chunks, RunLengthChunk(syms[0], same))
			w.shift(syms, same)
			continue
		}
		if !final {
			return
		}
		// Flush what is left as compactly as possible.
		switch {
		case same == w.n:
			w.p.Chunks = append(w.p.Chunks, RunLengthChunk(syms[0], w.n))
			w.n = 0
		case !two:
			w.p.Chunks = append(w.p.Chunks, vectorChunk(syms[:w.n], false))
			w.n = 0
		default:
			k := min(w.n, 7)
			w.p.Chunks = append(w.p.Chunks, vectorChunk(syms[:k], true))
			w.shift(syms, k)
		}
	}
}

func (w *symWriter) shift(syms *[14]TWCCSymbol, k int) {
	copy(syms[:], syms[k:w.n])
	w.n -= k
}

func (w *symWriter) flush(syms *[14]TWCCSymbol) {
	if w.inRun {
		w.p.Chunks = append(w.p.Chunks, RunLengthChunk(w.runSym, w.run))
		w.inRun = false
	}
	w.pack(syms, true)
}
