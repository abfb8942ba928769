package rtcp

import (
	shared "github.com/sansrtc/rtc/rtc-shared"
)

// ReceptionReport is one report block of an SR or RR (RFC 3550 §6.4.1).
type ReceptionReport struct {
	SSRC         uint32 // SSRC_n, the source this block reports on
	FractionLost uint8  // fraction lost since the previous report, /256
	// TotalLost is the cumulative number of packets lost, a signed 24-bit
	// value (duplicates can make it negative).
	TotalLost          int32
	LastSequenceNumber uint32 // extended highest sequence number received
	Jitter             uint32 // interarrival jitter, in timestamp units
	LastSenderReport   uint32 // LSR: the middle 32 bits of the last SR's NTP time
	Delay              uint32 // DLSR: delay since that SR, in 1/65536 s
}

const reportSize = 24

func (r *ReceptionReport) parse(b []byte) {
	r.SSRC = u32(b)
	r.FractionLost = b[4]
	lost := int32(u32(b[4:])&0xffffff) << 8 >> 8 // sign-extend 24 bits
	r.TotalLost = lost
	r.LastSequenceNumber = u32(b[8:])
	r.Jitter = u32(b[12:])
	r.LastSenderReport = u32(b[16:])
	r.Delay = u32(b[20:])
}

// ClampLost converts a cumulative loss count (RFC 3550 §6.4.1, negative
// when duplicates arrive) to the signed 24-bit range of
// ReceptionReport.TotalLost. RFC 3550 Appendix A.3: "it should be clamped
// at 0x7fffff for positive loss or 0x800000 for negative loss rather than
// wrapping around".
func ClampLost(lost int64) int32 {
	return int32(max(-(1 << 23), min(lost, 1<<23-1)))
}

func (r *ReceptionReport) appendTo(b []byte) ([]byte, error) {
	if r.TotalLost < -(1<<23) || r.TotalLost >= 1<<23 {
		return b, ErrBadValue
	}
	b = appendU32(b, r.SSRC)
	b = appendU32(b, uint32(r.FractionLost)<<24|uint32(r.TotalLost)&0xffffff)
	b = appendU32(b, r.LastSequenceNumber)
	b = appendU32(b, r.Jitter)
	b = appendU32(b, r.LastSenderReport)
	return appendU32(b, r.Delay), nil
}

// parseReports reads count report blocks into dst (reusing its capacity).
func parseReports(dst []ReceptionReport, b []byte, count int) []ReceptionReport {
	dst = dst[:0]
	for i := 0; i < count; i++ {
		var r ReceptionReport
		r.parse(b[i*reportSize:])
		dst = append(dst, r)
	}
	return dst
}

// SenderReport is an SR packet (RFC 3550 §6.4.1).
type SenderReport struct {
	SSRC        uint32 // sender's SSRC
	NTPTime     uint64 // wallclock time of this report (see NTPTime)
	RTPTime     uint32 // the same instant in RTP timestamp units
	PacketCount uint32 // sender's packet count
	OctetCount  uint32 // sender's payload octet count
	Reports     []ReceptionReport
	// ProfileExtensions holds the profile-specific extension after the
	// report blocks, if any (aliases the input).
	ProfileExtensions []byte
}

// MarshalSize returns the wire length.
func (p *SenderReport) MarshalSize() int {
	return headerSize + 24 + reportSize*len(p.Reports) + pad4(len(p.ProfileExtensions))
}

// AppendTo appends the wire form.
func (p *SenderReport) AppendTo(b []byte) ([]byte, error) {
	if len(p.Reports) > 31 || p.MarshalSize() > maxPacketSize {
		return b, ErrTooMany
	}
	if len(p.ProfileExtensions)%4 != 0 {
		return b, ErrBadLength
	}
	start := len(b)
	b = appendHeader(b, uint8(len(p.Reports)), TypeSR, p.MarshalSize())
	b = appendU32(b, p.SSRC)
	b = appendU32(b, uint32(p.NTPTime>>32))
	b = appendU32(b, uint32(p.NTPTime))
	b = appendU32(b, p.RTPTime)
	b = appendU32(b, p.PacketCount)
	b = appendU32(b, p.OctetCount)
	for i := range p.Reports {
		var err error
		if b, err = p.Reports[i].appendTo(b); err != nil {
			return b[:start], err
		}
	}
	return append(b, p.ProfileExtensions...), nil
}

// Unmarshal parses one SR packet.
func (p *SenderReport) Unmarshal(b []byte) error {
	h, body, err := body(b, "SR", TypeSR)
	if err != nil {
		return err
	}
	need := 24 + reportSize*int(h.Count)
	if len(body) < need {
		return parseErr("SR", headerSize+len(body), shared.ErrTruncated)
	}
	p.SSRC = u32(body)
	p.NTPTime = uint64(u32(body[4:]))<<32 | uint64(u32(body[8:]))
	p.RTPTime = u32(body[12:])
	p.PacketCount = u32(body[16:])
	p.OctetCount = u32(body[20:])
	p.Reports = parseReports(p.Reports, body[24:], int(h.Count))
	p.ProfileExtensions = nilIfEmpty(body[need:])
	return nil
}

// ReceiverReport is an RR packet (RFC 3550 §6.4.2).
type ReceiverReport struct {
	SSRC              uint32 // the reporter's SSRC
	Reports           []ReceptionReport
	ProfileExtensions []byte // aliases the input
}

// MarshalSize returns the wire length.
func (p *ReceiverReport) MarshalSize() int {
	return headerSize + 4 + reportSize*len(p.Reports) + pad4(len(p.ProfileExtensions))
}

// AppendTo appends the wire form.
func (p *ReceiverReport) AppendTo(b []byte) ([]byte, error) {
	if len(p.Reports) > 31 || p.MarshalSize() > maxPacketSize {
		return b, ErrTooMany
	}
	if len(p.ProfileExtensions)%4 != 0 {
		return b, ErrBadLength
	}
	start := len(b)
	b = appendHeader(b, uint8(len(p.Reports)), TypeRR, p.MarshalSize())
	b = appendU32(b, p.SSRC)
	for i := range p.Reports {
		var err error
		if b, err = p.Reports[i].appendTo(b); err != nil {
			return b[:start], err
		}
	}
	return append(b, p.ProfileExtensions...), nil
}

// Unmarshal parses one RR packet.
func (p *ReceiverReport) Unmarshal(b []byte) error {
	h, body, err := body(b, "RR", TypeRR)
	if err != nil {
		return err
	}
	need := 4 + reportSize*int(h.Count)
	if len(body) < need {
		return parseErr("RR", headerSize+len(body), shared.ErrTruncated)
	}
	p.SSRC = u32(body)
	p.Reports = parseReports(p.Reports, body[4:], int(h.Count))
	p.ProfileExtensions = nilIfEmpty(body[need:])
	return nil
}

func nilIfEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}
