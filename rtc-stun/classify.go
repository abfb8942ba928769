package stun

import "encoding/binary"

// PacketKind is what a datagram on a WebRTC 5-tuple carries.
type PacketKind uint8

// Packet kinds, told apart by the first byte (RFC 7983 §7, updated by
// RFC 9443 §3).
const (
	KindUnknown     PacketKind = iota // nothing a WebRTC endpoint accepts: drop it
	KindSTUN                          // first byte 0-3 and the magic cookie
	KindZRTP                          // first byte 16-19 (not used by WebRTC)
	KindDTLS                          // first byte 20-63
	KindChannelData                   // first byte 64-79: TURN ChannelData (RFC 8656 §12.4)
	KindRTP                           // first byte 128-191, payload type not RTCP
	KindRTCP                          // first byte 128-191, packet type 192-223 (RFC 5761 §4)
)

// String returns the name of the kind.
func (k PacketKind) String() string {
	switch k {
	case KindSTUN:
		return "STUN"
	case KindZRTP:
		return "ZRTP"
	case KindDTLS:
		return "DTLS"
	case KindChannelData:
		return "ChannelData"
	case KindRTP:
		return "RTP"
	case KindRTCP:
		return "RTCP"
	}
	return "unknown"
}

// Classify tells which protocol a datagram belongs to on a 5-tuple shared
// by STUN, DTLS, SRTP/SRTCP and TURN channels. It reads at most the first
// eight bytes and allocates nothing.
//
// RFC 7983 §7: "If the value of the first byte is in [0..3], forward the
// packet to STUN ... in [20..63] ... to DTLS ... in [64..79] ... to TURN
// Channel ... in [128..191] ... to RTP/RTCP." RFC 9443 keeps 64-79 for
// TURN channels and gives the rest of 64-127 to QUIC, which this
// classifier reports as KindUnknown. STUN additionally needs a full header and the
// magic cookie (RFC 8489 §6.3), which rules out stray bytes in 0-3; RTP and
// RTCP need version 2 and a minimum size. RTCP is told from RTP by the
// second byte (RFC 5761 §4: packet types 192-223 are RTCP, payload types
// 64-95 are not used by RTP for that reason).
func Classify(b []byte) PacketKind {
	if len(b) == 0 {
		return KindUnknown
	}
	switch c := b[0]; {
	case c <= 3:
		if len(b) >= HeaderSize && binary.BigEndian.Uint32(b[4:8]) == MagicCookie {
			return KindSTUN
		}
	case c >= 16 && c <= 19:
		return KindZRTP
	case c >= 20 && c <= 63:
		if len(b) >= 13 { // a DTLS record header
			return KindDTLS
		}
	case c >= 64 && c <= 79:
		if len(b) >= 4 { // channel number and length
			return KindChannelData
		}
	case c >= 128 && c <= 191:
		if len(b) < 4 {
			return KindUnknown
		}
		if pt := b[1]; pt >= 192 && pt <= 223 {
			if len(b) >= 8 {
				return KindRTCP
			}
			return KindUnknown
		}
		if len(b) >= 12 {
			return KindRTP
		}
	}
	return KindUnknown
}
