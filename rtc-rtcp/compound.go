package rtcp

import (
	shared "github.com/sansrtc/rtc/rtc-shared"
)

// Reader iterates over the packets of a compound RTCP packet without
// copying or allocating: each packet it returns aliases the input.
//
//	r := rtcp.NewReader(b)
//	for r.Next() {
//		h, pkt := r.Header(), r.Packet()
//		...
//	}
//	if err := r.Err(); err != nil { ... }
type Reader struct {
	buf  []byte
	off  int
	n    int
	max  int
	hdr  Header
	pkt  []byte
	err  error
	done bool
}

// NewReader returns a reader over b that accepts up to DefaultMaxPackets
// packets.
func NewReader(b []byte) Reader { return Reader{buf: b, max: DefaultMaxPackets} }

// DefaultMaxPackets bounds how many packets a Reader returns from one
// compound packet unless Config.MaxPackets says otherwise.
const DefaultMaxPackets = 64

// Next advances to the next packet and reports whether there is one. It
// stops at the end of the input or at the first malformed packet (Err).
func (r *Reader) Next() bool {
	if r.done || r.off >= len(r.buf) {
		r.done = true
		return false
	}
	rest := r.buf[r.off:]
	h, err := ParseHeader(rest)
	if err == nil && h.Size() > len(rest) {
		err = parseErr("compound packet", r.off+2, shared.ErrTruncated)
	}
	if err == nil && r.n >= r.max {
		err = parseErr("compound packet", r.off, ErrTooMany)
	}
	if err != nil {
		if pe, ok := err.(*shared.ParseError); ok && pe.Type == "header" {
			pe.Offset += r.off
		}
		r.err, r.done = err, true
		return false
	}
	r.hdr, r.pkt = h, rest[:h.Size():h.Size()]
	r.off += h.Size()
	r.n++
	return true
}

// Header returns the current packet's header.
func (r *Reader) Header() Header { return r.hdr }

// Packet returns the current packet, header included; it aliases the input.
func (r *Reader) Packet() []byte { return r.pkt }

// Err returns the error that stopped the iteration, if any.
func (r *Reader) Err() error { return r.err }

// Validate checks a compound packet: every packet well framed and version
// 2. Unless reducedSize is set it also applies the RFC 3550 Appendix A.2
// checks: the first packet is an SR or RR (§6.1) and only the last packet
// has the P bit ("The padding bit (P) should be zero for the first packet
// of a compound RTCP packet because padding should only be applied, if it
// is needed, to the last packet"). RFC 5506 §3 allows reduced-size RTCP that
// starts with anything; libwebrtc also pads transport-cc feedback inside
// compound packets, so the Reader and Decoder accept padding anywhere.
func Validate(b []byte, reducedSize bool) error {
	r := NewReader(b)
	first := true
	for r.Next() {
		if first && !reducedSize && r.hdr.Type != TypeSR && r.hdr.Type != TypeRR {
			return parseErr("compound packet", 1, ErrBadFirstPacket)
		}
		if !reducedSize && r.hdr.Padding && r.off != len(b) {
			return parseErr("compound packet", r.off-r.hdr.Size(), ErrBadPadding)
		}
		first = false
	}
	if r.err != nil {
		return r.err
	}
	if first {
		return parseErr("compound packet", 0, shared.ErrTruncated)
	}
	return nil
}

// Decoder turns the packets of compound RTCP packets into typed values
// without allocating in steady state: it owns one value of each type and
// decodes into it, so a value it returns stays valid only until the next
// packet of the same type is decoded, and aliases the input.
type Decoder struct {
	cfg   Config
	r     Reader
	first bool
	err   error
	stats DecoderStats

	SR   SenderReport
	RR   ReceiverReport
	SDES SourceDescription
	BYE  Goodbye
	APP  ApplicationDefined
	NACK NACK
	TMBR TMMBR
	TMBN TMMBN
	TWCC TransportCC
	CCFB CCFeedback
	PLI  PLI
	SLI  SLI
	FIR  FIR
	REMB REMB
	RPSI RPSI
	XR   ExtendedReport
	Raw  RawPacket
}

// DecoderStats counts what a Decoder saw.
type DecoderStats struct {
	Compounds uint64 // compound packets started with Reset
	Packets   uint64 // packets decoded
	Unknown   uint64 // of which returned as *RawPacket
	Malformed uint64 // compound packets abandoned on an error
}

// Stats returns the counters.
func (d *Decoder) Stats() DecoderStats { return d.stats }

// NewDecoder returns a decoder with the given limits.
func NewDecoder(cfg Config) *Decoder { return &Decoder{cfg: cfg} }

// Reset starts decoding the compound packet b.
func (d *Decoder) Reset(b []byte) {
	d.r = Reader{buf: b, max: d.cfg.maxPackets()}
	d.first, d.err = true, nil
	d.stats.Compounds++
}

// Next decodes the next packet and returns it, or false at the end or on the
// first error (Err). Packets of unknown type or format come back as
// *RawPacket.
func (d *Decoder) Next() (Packet, bool) {
	if d.err != nil {
		return nil, false
	}
	if !d.r.Next() {
		if d.r.err != nil {
			d.fail(d.r.err)
		}
		return nil, false
	}
	h, b := d.r.hdr, d.r.pkt
	if d.first && !d.cfg.ReducedSize && h.Type != TypeSR && h.Type != TypeRR {
		d.fail(parseErr("compound packet", 1, ErrBadFirstPacket))
		return nil, false
	}
	d.first = false
	p := d.pick(h, b)
	if err := p.Unmarshal(b); err != nil {
		d.fail(err)
		return nil, false
	}
	d.stats.Packets++
	if p == Packet(&d.Raw) {
		d.stats.Unknown++
	}
	return p, true
}

func (d *Decoder) fail(err error) {
	d.err = err
	d.stats.Malformed++
}

// Err returns the error that stopped decoding, if any.
func (d *Decoder) Err() error { return d.err }

// packet kinds, in Decoder field order.
const (
	kindRaw = iota
	kindSR
	kindRR
	kindSDES
	kindBYE
	kindAPP
	kindNACK
	kindTMMBR
	kindTMMBN
	kindTWCC
	kindCCFB
	kindPLI
	kindSLI
	kindFIR
	kindREMB
	kindXR
	kindRPSI
)

// kindOf tells which type decodes a packet.
func kindOf(h Header, b []byte) int {
	switch h.Type {
	case TypeSR:
		return kindSR
	case TypeRR:
		return kindRR
	case TypeSDES:
		return kindSDES
	case TypeBYE:
		return kindBYE
	case TypeAPP:
		return kindAPP
	case TypeXR:
		return kindXR
	case TypeRTPFB:
		switch h.Count {
		case FormatNACK:
			return kindNACK
		case FormatTMMBR:
			return kindTMMBR
		case FormatTMMBN:
			return kindTMMBN
		case FormatTWCC:
			return kindTWCC
		case FormatCCFB:
			return kindCCFB
		}
	case TypePSFB:
		switch h.Count {
		case FormatPLI:
			return kindPLI
		case FormatSLI:
			return kindSLI
		case FormatFIR:
			return kindFIR
		case FormatRPSI:
			return kindRPSI
		case FormatAFB:
			if len(b) >= 16 && string(b[12:16]) == "REMB" {
				return kindREMB
			}
		}
	}
	return kindRaw
}

func (d *Decoder) pick(h Header, b []byte) Packet { return d.pickKind(kindOf(h, b)) }

func (d *Decoder) pickKind(k int) Packet {
	switch k {
	case kindSR:
		return &d.SR
	case kindRR:
		return &d.RR
	case kindSDES:
		return &d.SDES
	case kindBYE:
		return &d.BYE
	case kindAPP:
		return &d.APP
	case kindNACK:
		return &d.NACK
	case kindTMMBR:
		return &d.TMBR
	case kindTMMBN:
		return &d.TMBN
	case kindTWCC:
		return &d.TWCC
	case kindCCFB:
		return &d.CCFB
	case kindPLI:
		return &d.PLI
	case kindSLI:
		return &d.SLI
	case kindFIR:
		return &d.FIR
	case kindREMB:
		return &d.REMB
	case kindXR:
		return &d.XR
	case kindRPSI:
		return &d.RPSI
	}
	return &d.Raw
}

func newPacket(h Header, b []byte) Packet {
	switch kindOf(h, b) {
	case kindSR:
		return new(SenderReport)
	case kindRR:
		return new(ReceiverReport)
	case kindSDES:
		return new(SourceDescription)
	case kindBYE:
		return new(Goodbye)
	case kindAPP:
		return new(ApplicationDefined)
	case kindNACK:
		return new(NACK)
	case kindTMMBR:
		return new(TMMBR)
	case kindTMMBN:
		return new(TMMBN)
	case kindTWCC:
		return new(TransportCC)
	case kindCCFB:
		return new(CCFeedback)
	case kindPLI:
		return new(PLI)
	case kindSLI:
		return new(SLI)
	case kindFIR:
		return new(FIR)
	case kindREMB:
		return new(REMB)
	case kindXR:
		return new(ExtendedReport)
	case kindRPSI:
		return new(RPSI)
	}
	return new(RawPacket)
}

// Unmarshal parses a compound packet into freshly allocated values (for
// convenience; hot paths use Reader or Decoder). Reduced-size packets are
// accepted. The values alias b.
func Unmarshal(b []byte) ([]Packet, error) {
	r := NewReader(b)
	var out []Packet
	for r.Next() {
		p := newPacket(r.hdr, r.pkt)
		if err := p.Unmarshal(r.pkt); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	if r.err != nil {
		return nil, r.err
	}
	if len(out) == 0 {
		return nil, parseErr("compound packet", 0, shared.ErrTruncated)
	}
	return out, nil
}
