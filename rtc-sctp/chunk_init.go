package sctp

import (
	"encoding/binary"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// Parameter types used in INIT and INIT ACK (RFC 9260 §3.3.2, RFC 3758 §3.1,
// RFC 5061 §4.2.7, RFC 9653 §4).
const (
	paramStateCookie         = 7
	paramUnrecognized        = 8
	paramCookiePreservative  = 9
	paramSupportedAddrTypes  = 12
	paramZeroChecksum        = 0x8001
	paramSupportedExtensions = 0x8008
	paramForwardTSNSupported = 0xC000
	edmidDTLS                = 1 // RFC 9653 §10: "SCTP over DTLS"
	initFixedSize            = 16
)

// initChunk is an INIT (RFC 9260 §3.3.2) or INIT ACK (§3.3.3) chunk with the
// parameters this implementation understands. cookie aliases the packet.
type initChunk struct {
	ack      bool
	tag      uint32
	rwnd     uint32
	os, mis  uint16
	tsn      uint32
	cookie   []byte
	fwdTSN   bool // FORWARD-TSN supported (RFC 3758)
	reconfig bool // RE-CONFIG supported (RFC 6525)
	idata    bool // I-DATA and I-FORWARD-TSN supported (RFC 8260)
	zeroCsum bool // zero checksum acceptable with DTLS (RFC 9653)
	// unrecognized holds parameters whose type asks to be reported
	// (upper bits 01 or 11, RFC 9260 §3.2.1), aliasing the packet.
	unrecognized [][]byte
}

func parseInit(ack bool, v []byte, in *initChunk) error {
	name := "INIT"
	if ack {
		name = "INIT ACK"
	}
	c := shared.NewCursor(v)
	*in = initChunk{ack: ack, unrecognized: in.unrecognized[:0]}
	if !c.ReadUint32(&in.tag) || !c.ReadUint32(&in.rwnd) || !c.ReadUint16(&in.os) || !c.ReadUint16(&in.mis) || !c.ReadUint32(&in.tsn) {
		return &shared.ParseError{Layer: "sctp", Type: name, Offset: c.Offset(), Err: shared.ErrTruncated}
	}
	for !c.Empty() {
		start := c.Offset()
		var typ, length uint16
		if !c.ReadUint16(&typ) || !c.ReadUint16(&length) || length < 4 {
			return &shared.ParseError{Layer: "sctp", Type: name + " parameter", Offset: start, Err: shared.ErrTruncated}
		}
		var pv []byte
		if !c.ReadBytes(&pv, int(length)-4) {
			return &shared.ParseError{Layer: "sctp", Type: name + " parameter", Offset: start, Err: shared.ErrTruncated}
		}
		c.Skip(min((4-int(length)%4)%4, c.Len()))
		switch typ {
		case paramStateCookie:
			// RFC 9260 §3.3.3: the State Cookie belongs to INIT ACK
			// only; §3.3.2 lists no such parameter for INIT, so one
			// there is ignored rather than kept for re-encoding.
			if ack {
				in.cookie = pv
			}
		case paramForwardTSNSupported:
			in.fwdTSN = true
		case paramZeroChecksum:
			in.zeroCsum = len(pv) == 4 && binary.BigEndian.Uint32(pv) == edmidDTLS
		case paramSupportedExtensions:
			idata, ifwd := false, false
			for _, t := range pv {
				switch chunkType(t) {
				case ctForwardTSN:
					in.fwdTSN = true
				case ctReconfig:
					in.reconfig = true
				case ctIData:
					idata = true
				case ctIForwardTSN:
					ifwd = true
				}
			}
			in.idata = idata && ifwd
		case 5, 6, 11, paramSupportedAddrTypes, paramCookiePreservative, 0x8000:
			// Addresses, host name, supported address types, cookie
			// preservative, ECN: understood and ignored (single-homed
			// association carried over DTLS).
		default:
			// RFC 9260 §3.2.1: the upper two bits of the type say what to do.
			switch typ >> 14 {
			case 0: // stop processing, do not report
				return nil
			case 1: // stop processing and report
				in.unrecognized = append(in.unrecognized, v[start:c.Offset()])
				return nil
			case 2: // skip
			case 3: // skip and report
				in.unrecognized = append(in.unrecognized, v[start:c.Offset()])
			}
		}
	}
	return nil
}

func appendParamHeader(b []byte, typ, length uint16) []byte {
	b = binary.BigEndian.AppendUint16(b, typ)
	return binary.BigEndian.AppendUint16(b, length)
}

func (in *initChunk) appendTo(b []byte) []byte {
	t := ctInit
	if in.ack {
		t = ctInitAck
	}
	b, off := appendChunkHeader(b, t, 0)
	b = binary.BigEndian.AppendUint32(b, in.tag)
	b = binary.BigEndian.AppendUint32(b, in.rwnd)
	b = binary.BigEndian.AppendUint16(b, in.os)
	b = binary.BigEndian.AppendUint16(b, in.mis)
	b = binary.BigEndian.AppendUint32(b, in.tsn)
	var ext [4]byte
	n := 0
	if in.reconfig {
		ext[n] = byte(ctReconfig)
		n++
	}
	if in.fwdTSN {
		ext[n] = byte(ctForwardTSN)
		n++
	}
	if in.idata {
		ext[n], ext[n+1] = byte(ctIData), byte(ctIForwardTSN)
		n += 2
	}
	if n > 0 {
		b = appendParamHeader(b, paramSupportedExtensions, uint16(4+n))
		b = append(b, ext[:n]...)
		for i := n; i%4 != 0; i++ {
			b = append(b, 0)
		}
	}
	if in.fwdTSN {
		b = appendParamHeader(b, paramForwardTSNSupported, 4)
	}
	if in.zeroCsum {
		b = appendParamHeader(b, paramZeroChecksum, 8)
		b = binary.BigEndian.AppendUint32(b, edmidDTLS)
	}
	if in.ack {
		b = appendParamHeader(b, paramStateCookie, uint16(4+len(in.cookie)))
		b = append(b, in.cookie...)
		for i := len(in.cookie); i%4 != 0; i++ {
			b = append(b, 0)
		}
		for _, u := range in.unrecognized {
			b = appendParamHeader(b, paramUnrecognized, uint16(4+len(u)))
			b = append(b, u...)
			for i := len(u); i%4 != 0; i++ {
				b = append(b, 0)
			}
		}
	}
	return finishChunk(b, off)
}
