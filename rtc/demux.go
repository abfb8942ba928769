package rtc

// packetClass is what the first byte of a datagram says it carries
// (RFC 7983 §7 as updated by RFC 9443 §3).
type packetClass uint8

const (
	classUnknown     packetClass = iota
	classSTUN                    // [0..3]
	classZRTP                    // [16..19]
	classDTLS                    // [20..63]
	classTURNChannel             // [64..79]
	classRTP                     // [128..191], payload type not in RTCP range
	classRTCP                    // [128..191], payload type 192..223 (RFC 5761 §4)
)

func (c packetClass) String() string {
	return [...]string{"unknown", "stun", "zrtp", "dtls", "turn-channel", "rtp", "rtcp"}[c]
}

// classify demultiplexes one datagram by its first byte:
//
//	RFC 9443 §3: "If the value of the first byte is in the range 0 to 3
//	(inclusive), then the packet is STUN ... 16 to 19 ZRTP ... 20 to 63 DTLS
//	... 64 to 79 TURN Channel ... 128 to 191 RTP or RTCP."
//
// RTP and RTCP are told apart by the second byte (RFC 5761 §4): RTCP packet
// types 192-223 collide with no RTP payload type a WebRTC endpoint uses.
func classify(b []byte) packetClass {
	if len(b) == 0 {
		return classUnknown
	}
	switch v := b[0]; {
	case v <= 3:
		return classSTUN
	case v >= 16 && v <= 19:
		return classZRTP
	case v >= 20 && v <= 63:
		return classDTLS
	case v >= 64 && v <= 79:
		return classTURNChannel
	case v >= 128 && v <= 191:
		if len(b) >= 2 && b[1] >= 192 && b[1] <= 223 {
			return classRTCP
		}
		return classRTP
	}
	return classUnknown
}
