package rtcp

import (
	shared "github.com/sansrtc/rtc/rtc-shared"
)

// feedback parses the common feedback header of RFC 4585 §6.1: the packet
// sender's SSRC and the media source's SSRC, then the FCI.
func feedback(b []byte, name string, t PacketType, fmt uint8) (sender, media uint32, fci []byte, err error) {
	h, body, err := body(b, name, t)
	if err != nil {
		return 0, 0, nil, err
	}
	if h.Count != fmt {
		return 0, 0, nil, parseErr(name, 0, ErrWrongType)
	}
	if len(body) < 8 {
		return 0, 0, nil, parseErr(name, headerSize+len(body), shared.ErrTruncated)
	}
	return u32(body), u32(body[4:]), body[8:], nil
}

func appendFeedback(b []byte, fmt uint8, t PacketType, size int, sender, media uint32) []byte {
	b = appendHeader(b, fmt, t, size)
	b = appendU32(b, sender)
	return appendU32(b, media)
}

// NACKPair is one Generic NACK FCI entry (RFC 4585 §6.2.1): PID is a lost
// sequence number and bit i of BLP reports PID+i+1 lost as well.
type NACKPair struct {
	PacketID    uint16
	LostPackets uint16 // BLP
}

// NACK is a Generic NACK (RTPFB FMT 1, RFC 4585 §6.2.1).
type NACK struct {
	SenderSSRC uint32
	MediaSSRC  uint32
	Pairs      []NACKPair
}

// MarshalSize returns the wire length.
func (p *NACK) MarshalSize() int { return headerSize + 8 + 4*len(p.Pairs) }

// AppendTo appends the wire form.
func (p *NACK) AppendTo(b []byte) ([]byte, error) {
	if p.MarshalSize() > maxPacketSize {
		return b, ErrTooMany
	}
	b = appendFeedback(b, FormatNACK, TypeRTPFB, p.MarshalSize(), p.SenderSSRC, p.MediaSSRC)
	for _, q := range p.Pairs {
		b = appendU16(b, q.PacketID)
		b = appendU16(b, q.LostPackets)
	}
	return b, nil
}

// Unmarshal parses one Generic NACK.
func (p *NACK) Unmarshal(b []byte) error {
	s, m, fci, err := feedback(b, "NACK", TypeRTPFB, FormatNACK)
	if err != nil {
		return err
	}
	if len(fci) == 0 || len(fci)%4 != 0 {
		// RFC 4585 §6.2.1: "The FCI field MUST contain at least one".
		return parseErr("NACK", 12, ErrBadLength)
	}
	p.SenderSSRC, p.MediaSSRC = s, m
	p.Pairs = p.Pairs[:0]
	for i := 0; i < len(fci); i += 4 {
		p.Pairs = append(p.Pairs, NACKPair{u16(fci[i:]), u16(fci[i+2:])})
	}
	return nil
}

// PLI is a Picture Loss Indication (PSFB FMT 1, RFC 4585 §6.3.1).
type PLI struct {
	SenderSSRC uint32
	MediaSSRC  uint32
}

// MarshalSize returns the wire length.
func (p *PLI) MarshalSize() int { return 12 }

// AppendTo appends the wire form.
func (p *PLI) AppendTo(b []byte) ([]byte, error) {
	return appendFeedback(b, FormatPLI, TypePSFB, 12, p.SenderSSRC, p.MediaSSRC), nil
}

// Unmarshal parses one PLI.
func (p *PLI) Unmarshal(b []byte) error {
	s, m, fci, err := feedback(b, "PLI", TypePSFB, FormatPLI)
	if err != nil {
		return err
	}
	if len(fci) != 0 {
		return parseErr("PLI", 12, shared.ErrTrailingBytes)
	}
	p.SenderSSRC, p.MediaSSRC = s, m
	return nil
}

// SLIEntry is one SLI FCI entry (RFC 4585 §6.3.2).
type SLIEntry struct {
	First     uint16 // 13 bits: the first lost macroblock
	Number    uint16 // 13 bits: how many lost macroblocks
	PictureID uint8  // 6 bits
}

// SLI is a Slice Loss Indication (PSFB FMT 2, RFC 4585 §6.3.2).
type SLI struct {
	SenderSSRC uint32
	MediaSSRC  uint32
	Entries    []SLIEntry
}

// MarshalSize returns the wire length.
func (p *SLI) MarshalSize() int { return 12 + 4*len(p.Entries) }

// AppendTo appends the wire form.
func (p *SLI) AppendTo(b []byte) ([]byte, error) {
	if p.MarshalSize() > maxPacketSize {
		return b, ErrTooMany
	}
	for _, e := range p.Entries {
		if e.First >= 1<<13 || e.Number >= 1<<13 || e.PictureID >= 1<<6 {
			return b, ErrBadValue
		}
	}
	b = appendFeedback(b, FormatSLI, TypePSFB, p.MarshalSize(), p.SenderSSRC, p.MediaSSRC)
	for _, e := range p.Entries {
		b = appendU32(b, uint32(e.First)<<19|uint32(e.Number)<<6|uint32(e.PictureID))
	}
	return b, nil
}

// Unmarshal parses one SLI.
func (p *SLI) Unmarshal(b []byte) error {
	s, m, fci, err := feedback(b, "SLI", TypePSFB, FormatSLI)
	if err != nil {
		return err
	}
	if len(fci) == 0 || len(fci)%4 != 0 {
		return parseErr("SLI", 12, ErrBadLength)
	}
	p.SenderSSRC, p.MediaSSRC = s, m
	p.Entries = p.Entries[:0]
	for i := 0; i < len(fci); i += 4 {
		v := u32(fci[i:])
		p.Entries = append(p.Entries, SLIEntry{uint16(v >> 19), uint16(v>>6) & 0x1fff, uint8(v & 0x3f)})
	}
	return nil
}

// FIREntry is one FIR FCI entry (RFC 5104 §4.3.1.1).
type FIREntry struct {
	SSRC           uint32 // the media sender asked for a decoder refresh
	SequenceNumber uint8  // command sequence number
}

// FIR is a Full Intra Request (PSFB FMT 4, RFC 5104 §4.3.1). RFC 5104
// §4.3.1.2: the media source SSRC of the common header is unused and SHALL
// be 0; MediaSSRC keeps what was received.
type FIR struct {
	SenderSSRC uint32
	MediaSSRC  uint32
	Entries    []FIREntry
}

// MarshalSize returns the wire length.
func (p *FIR) MarshalSize() int { return 12 + 8*len(p.Entries) }

// AppendTo appends the wire form.
func (p *FIR) AppendTo(b []byte) ([]byte, error) {
	if p.MarshalSize() > maxPacketSize {
		return b, ErrTooMany
	}
	b = appendFeedback(b, FormatFIR, TypePSFB, p.MarshalSize(), p.SenderSSRC, p.MediaSSRC)
	for _, e := range p.Entries {
		b = appendU32(b, e.SSRC)
		b = append(b, e.SequenceNumber, 0, 0, 0)
	}
	return b, nil
}

// Unmarshal parses one FIR.
func (p *FIR) Unmarshal(b []byte) error {
	s, m, fci, err := feedback(b, "FIR", TypePSFB, FormatFIR)
	if err != nil {
		return err
	}
	if len(fci) == 0 || len(fci)%8 != 0 {
		return parseErr("FIR", 12, ErrBadLength)
	}
	p.SenderSSRC, p.MediaSSRC = s, m
	p.Entries = p.Entries[:0]
	for i := 0; i < len(fci); i += 8 {
		p.Entries = append(p.Entries, FIREntry{u32(fci[i:]), fci[i+4]})
	}
	return nil
}

// TMMBEntry is one TMMBR or TMMBN FCI entry (RFC 5104 §4.2.1.1): a maximum
// total media bit rate MxTBR = Mantissa * 2^Exp bits/s and the measured
// per-packet overhead.
type TMMBEntry struct {
	SSRC     uint32
	Exp      uint8  // 6 bits
	Mantissa uint32 // 17 bits
	Overhead uint16 // 9 bits, octets
}

// Bitrate returns MxTBR in bits per second.
func (e TMMBEntry) Bitrate() uint64 { return uint64(e.Mantissa) << e.Exp }

// NewTMMBEntry encodes a bit rate with the largest mantissa that fits.
func NewTMMBEntry(ssrc uint32, bitrate uint64, overhead uint16) TMMBEntry {
	exp, mant := splitBitrate(bitrate, 17)
	return TMMBEntry{SSRC: ssrc, Exp: exp, Mantissa: mant, Overhead: overhead}
}

// splitBitrate finds exp and a mantissa of at most bits bits with
// mantissa*2^exp <= v (rounding down).
func splitBitrate(v uint64, bits uint) (uint8, uint32) {
	var exp uint8
	for v >= 1<<bits {
		v >>= 1
		exp++
	}
	return exp, uint32(v)
}

type tmmb struct {
	SenderSSRC uint32
	MediaSSRC  uint32
	Entries    []TMMBEntry
}

func (p *tmmb) appendTo(b []byte, fmt uint8) ([]byte, error) {
	if 12+8*len(p.Entries) > maxPacketSize {
		return b, ErrTooMany
	}
	for _, e := range p.Entries {
		if e.Exp >= 1<<6 || e.Mantissa >= 1<<17 || e.Overhead >= 1<<9 {
			return b, ErrBadValue
		}
	}
	b = appendFeedback(b, fmt, TypeRTPFB, 12+8*len(p.Entries), p.SenderSSRC, p.MediaSSRC)
	for _, e := range p.Entries {
		b = appendU32(b, e.SSRC)
		b = appendU32(b, uint32(e.Exp)<<26|e.Mantissa<<9|uint32(e.Overhead))
	}
	return b, nil
}

func (p *tmmb) unmarshal(b []byte, name string, fmt uint8, allowEmpty bool) error {
	s, m, fci, err := feedback(b, name, TypeRTPFB, fmt)
	if err != nil {
		return err
	}
	if len(fci)%8 != 0 || (len(fci) == 0 && !allowEmpty) {
		return parseErr(name, 12, ErrBadLength)
	}
	p.SenderSSRC, p.MediaSSRC = s, m
	p.Entries = p.Entries[:0]
	for i := 0; i < len(fci); i += 8 {
		v := u32(fci[i+4:])
		p.Entries = append(p.Entries, TMMBEntry{u32(fci[i:]), uint8(v >> 26), v >> 9 & 0x1ffff, uint16(v & 0x1ff)})
	}
	return nil
}

// TMMBR is a Temporary Maximum Media Stream Bit Rate Request (RTPFB FMT 3,
// RFC 5104 §4.2.1).
type TMMBR struct {
	SenderSSRC uint32
	MediaSSRC  uint32 // unused, 0 (RFC 5104 §4.2.1.2)
	Entries    []TMMBEntry
}

// MarshalSize returns the wire length.
func (p *TMMBR) MarshalSize() int { return 12 + 8*len(p.Entries) }

// AppendTo appends the wire form.
func (p *TMMBR) AppendTo(b []byte) ([]byte, error) { return (*tmmb)(p).appendTo(b, FormatTMMBR) }

// Unmarshal parses one TMMBR.
func (p *TMMBR) Unmarshal(b []byte) error {
	return (*tmmb)(p).unmarshal(b, "TMMBR", FormatTMMBR, false)
}

// TMMBN is a Temporary Maximum Media Stream Bit Rate Notification (RTPFB
// FMT 4, RFC 5104 §4.2.2). It may carry no entry (an empty bounding set).
type TMMBN struct {
	SenderSSRC uint32
	MediaSSRC  uint32 // unused, 0 (RFC 5104 §4.2.2.2)
	Entries    []TMMBEntry
}

// MarshalSize returns the wire length.
func (p *TMMBN) MarshalSize() int { return 12 + 8*len(p.Entries) }

// AppendTo appends the wire form.
func (p *TMMBN) AppendTo(b []byte) ([]byte, error) { return (*tmmb)(p).appendTo(b, FormatTMMBN) }

// Unmarshal parses one TMMBN.
func (p *TMMBN) Unmarshal(b []byte) error {
	return (*tmmb)(p).unmarshal(b, "TMMBN", FormatTMMBN, true)
}

// REMB is a Receiver Estimated Maximum Bitrate message
// (draft-alvestrand-rmcat-remb-03 §2.2): PSFB FMT 15 with the unique
// identifier "REMB", a bit rate BR Mantissa * 2^BR Exp and the SSRCs it
// applies to.
type REMB struct {
	SenderSSRC uint32
	MediaSSRC  uint32 // "always 0" per the draft; kept as received
	Exp        uint8  // 6 bits
	Mantissa   uint32 // 18 bits
	SSRCs      []uint32
}

// Bitrate returns the estimate in bits per second.
func (p *REMB) Bitrate() uint64 { return uint64(p.Mantissa) << p.Exp }

// SetBitrate encodes bps with the largest 18-bit mantissa that fits.
func (p *REMB) SetBitrate(bps uint64) { p.Exp, p.Mantissa = splitBitrate(bps, 18) }

// MarshalSize returns the wire length.
func (p *REMB) MarshalSize() int { return 20 + 4*len(p.SSRCs) }

// AppendTo appends the wire form.
func (p *REMB) AppendTo(b []byte) ([]byte, error) {
	if len(p.SSRCs) > 255 {
		return b, ErrTooMany
	}
	if p.Exp >= 1<<6 || p.Mantissa >= 1<<18 {
		return b, ErrBadValue
	}
	b = appendFeedback(b, FormatAFB, TypePSFB, p.MarshalSize(), p.SenderSSRC, p.MediaSSRC)
	b = append(b, 'R', 'E', 'M', 'B', byte(len(p.SSRCs)),
		byte(uint32(p.Exp)<<2|p.Mantissa>>16), byte(p.Mantissa>>8), byte(p.Mantissa))
	for _, s := range p.SSRCs {
		b = appendU32(b, s)
	}
	return b, nil
}

// Unmarshal parses one REMB.
func (p *REMB) Unmarshal(b []byte) error {
	s, m, fci, err := feedback(b, "REMB", TypePSFB, FormatAFB)
	if err != nil {
		return err
	}
	if len(fci) < 8 || string(fci[:4]) != "REMB" {
		return parseErr("REMB", 12, ErrWrongType)
	}
	n := int(fci[4])
	if len(fci) != 8+4*n {
		return parseErr("REMB", 16, ErrBadLength)
	}
	p.SenderSSRC, p.MediaSSRC = s, m
	p.Exp = fci[5] >> 2
	p.Mantissa = uint32(fci[5]&3)<<16 | uint32(fci[6])<<8 | uint32(fci[7])
	p.SSRCs = p.SSRCs[:0]
	for i := 0; i < n; i++ {
		p.SSRCs = append(p.SSRCs, u32(fci[8+4*i:]))
	}
	return nil
}

// RPSI is a Reference Picture Selection Indication (PSFB FMT 3, RFC 4585
// §6.3.3):
//
//	PB (8) | 0 | payload type (7) | native RPSI bit string ... | padding
//
// PB is the number of padding bits after the bit string that bring the FCI
// to a multiple of 32 bits.
type RPSI struct {
	SenderSSRC  uint32
	MediaSSRC   uint32
	PayloadType uint8 // 7 bits: the RTP payload type the bit string is for
	// BitString holds the native RPSI bit string, MSB first, followed by
	// the padding bits; it aliases the input. Its length in bits minus
	// PaddingBits is the bit string's length.
	BitString   []byte
	PaddingBits uint8
}

// MarshalSize returns the wire length.
func (p *RPSI) MarshalSize() int { return 12 + pad4(2+len(p.BitString)) }

// AppendTo appends the wire form. BitString is zero-padded to 32 bits and
// PB counts those bits as well.
func (p *RPSI) AppendTo(b []byte) ([]byte, error) {
	if p.MarshalSize() > maxPacketSize {
		return b, ErrTooMany
	}
	if p.PayloadType > 127 {
		return b, ErrBadValue
	}
	extra := pad4(2+len(p.BitString)) - 2 - len(p.BitString)
	pb := int(p.PaddingBits) + 8*extra
	if pb > 255 || int(p.PaddingBits) > 8*len(p.BitString) {
		return b, ErrBadValue
	}
	b = appendFeedback(b, FormatRPSI, TypePSFB, p.MarshalSize(), p.SenderSSRC, p.MediaSSRC)
	b = append(b, byte(pb), p.PayloadType)
	b = append(b, p.BitString...)
	for i := 0; i < extra; i++ {
		b = append(b, 0)
	}
	return b, nil
}

// Unmarshal parses one RPSI. Whole octets of padding are dropped from
// BitString (and from PaddingBits).
func (p *RPSI) Unmarshal(b []byte) error {
	s, m, fci, err := feedback(b, "RPSI", TypePSFB, FormatRPSI)
	if err != nil {
		return err
	}
	if len(fci) < 4 || len(fci)%4 != 0 {
		return parseErr("RPSI", 12, ErrBadLength)
	}
	pb := int(fci[0])
	if pb > 8*(len(fci)-2) {
		return parseErr("RPSI", 12, ErrBadValue)
	}
	if fci[1]&0x80 != 0 {
		return parseErr("RPSI", 13, ErrBadValue)
	}
	bits := fci[2:]
	for pb >= 8 && len(bits) > 0 {
		bits, pb = bits[:len(bits)-1], pb-8
	}
	p.SenderSSRC, p.MediaSSRC = s, m
	p.PayloadType = fci[1]
	p.BitString = nilIfEmpty(bits[:len(bits):len(bits)])
	p.PaddingBits = uint8(pb)
	return nil
}
