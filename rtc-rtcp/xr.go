package rtcp

import (
	"strconv"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// XRBlockType is an XR report block type (RFC 3611 §4).
type XRBlockType uint8

// Report block types.
const (
	XRLossRLE      XRBlockType = 1 // RFC 3611 §4.1
	XRDuplicateRLE XRBlockType = 2 // §4.2
	XRPacketTimes  XRBlockType = 3 // §4.3
	XRRRTR         XRBlockType = 4 // receiver reference time, §4.4
	XRDLRR         XRBlockType = 5 // delay since last RR, §4.5
	XRStatsSummary XRBlockType = 6 // §4.6
	XRVoIPMetrics  XRBlockType = 7 // §4.7
)

// String names the block type.
func (t XRBlockType) String() string {
	names := [...]string{1: "Loss RLE", "Duplicate RLE", "Packet Receipt Times", "RRTR", "DLRR", "Statistics Summary", "VoIP Metrics"}
	if t >= 1 && int(t) < len(names) {
		return names[t]
	}
	return "XRBlockType(" + strconv.Itoa(int(t)) + ")"
}

// XRBlock is one report block, kept in wire form so that every block type,
// known or not, round-trips (RFC 3611 §3: BT, type-specific, block length).
type XRBlock struct {
	Type         XRBlockType
	TypeSpecific uint8
	Body         []byte // the block after its 4-octet header; aliases the input
}

// RRTR returns a receiver reference time block's NTP timestamp (§4.4).
func (b XRBlock) RRTR() (ntp uint64, ok bool) {
	if b.Type != XRRRTR || len(b.Body) != 8 {
		return 0, false
	}
	return uint64(u32(b.Body))<<32 | uint64(u32(b.Body[4:])), true
}

// NewRRTR returns a receiver reference time block.
func NewRRTR(ntp uint64) XRBlock {
	body := make([]byte, 0, 8)
	body = appendU32(body, uint32(ntp>>32))
	return XRBlock{Type: XRRRTR, Body: appendU32(body, uint32(ntp))}
}

// DLRRItem is one sub-block of a DLRR block (§4.5).
type DLRRItem struct {
	SSRC   uint32 // the receiver the item is about
	LastRR uint32 // compact NTP of its last RRTR
	DLRR   uint32 // delay since then, in 1/65536 s
}

// DLRR appends the items of a DLRR block to dst[:0].
func (b XRBlock) DLRR(dst []DLRRItem) ([]DLRRItem, bool) {
	dst = dst[:0]
	if b.Type != XRDLRR || len(b.Body)%12 != 0 {
		return dst, false
	}
	for i := 0; i < len(b.Body); i += 12 {
		dst = append(dst, DLRRItem{u32(b.Body[i:]), u32(b.Body[i+4:]), u32(b.Body[i+8:])})
	}
	return dst, true
}

// NewDLRR returns a DLRR block.
func NewDLRR(items ...DLRRItem) XRBlock {
	body := make([]byte, 0, 12*len(items))
	for _, it := range items {
		body = appendU32(body, it.SSRC)
		body = appendU32(body, it.LastRR)
		body = appendU32(body, it.DLRR)
	}
	return XRBlock{Type: XRDLRR, Body: body}
}

// ExtendedReport is an XR packet (RFC 3611 §2).
type ExtendedReport struct {
	SSRC   uint32 // the originator
	Blocks []XRBlock
}

// MarshalSize returns the wire length.
func (p *ExtendedReport) MarshalSize() int {
	n := headerSize + 4
	for _, b := range p.Blocks {
		n += 4 + len(b.Body)
	}
	return n
}

// AppendTo appends the wire form.
func (p *ExtendedReport) AppendTo(b []byte) ([]byte, error) {
	for _, blk := range p.Blocks {
		if len(blk.Body)%4 != 0 || len(blk.Body) > 4*0xffff {
			return b, ErrBadLength
		}
	}
	if p.MarshalSize() > maxPacketSize {
		return b, ErrTooMany
	}
	b = appendHeader(b, 0, TypeXR, p.MarshalSize())
	b = appendU32(b, p.SSRC)
	for _, blk := range p.Blocks {
		b = append(b, byte(blk.Type), blk.TypeSpecific)
		b = appendU16(b, uint16(len(blk.Body)/4))
		b = append(b, blk.Body...)
	}
	return b, nil
}

// Unmarshal parses one XR packet.
func (p *ExtendedReport) Unmarshal(b []byte) error {
	_, body, err := body(b, "XR", TypeXR)
	if err != nil {
		return err
	}
	if len(body) < 4 {
		return parseErr("XR", headerSize+len(body), shared.ErrTruncated)
	}
	p.SSRC = u32(body)
	p.Blocks = p.Blocks[:0]
	for off := 4; off < len(body); {
		if len(body)-off < 4 {
			return parseErr("XR block", headerSize+off, shared.ErrTruncated)
		}
		// RFC 3611 §3: block length in 32-bit words minus one, header
		// included.
		n := 4 * int(u16(body[off+2:]))
		if len(body)-off-4 < n {
			return parseErr("XR block", headerSize+off+2, ErrBadLength)
		}
		p.Blocks = append(p.Blocks, XRBlock{XRBlockType(body[off]), body[off+1], body[off+4 : off+4+n : off+4+n]})
		off += 4 + n
	}
	return nil
}
