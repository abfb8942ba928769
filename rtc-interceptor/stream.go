package interceptor

// Feedback is the set of RTCP feedback messages negotiated for a stream
// (a=rtcp-fb, RFC 4585 §4.2; RFC 5104 §7.1; RFC 8888 §6).
type Feedback uint8

// Feedback values, as the SDP names them.
const (
	FeedbackNACK        Feedback = 1 << iota // a=rtcp-fb:PT nack (Generic NACK, RFC 4585 §4.2)
	FeedbackPLI                              // a=rtcp-fb:PT nack pli (RFC 4585 §4.2)
	FeedbackFIR                              // a=rtcp-fb:PT ccm fir (RFC 5104 §7.1)
	FeedbackREMB                             // a=rtcp-fb:PT goog-remb
	FeedbackTransportCC                      // a=rtcp-fb:PT transport-cc
	FeedbackCCFB                             // a=rtcp-fb:* ack ccfb (RFC 8888 §6)
)

// Has reports whether every value in x is in f.
func (f Feedback) Has(x Feedback) bool { return f&x == x }

// String lists the values by their SDP names.
func (f Feedback) String() string {
	names := [...]string{"nack", "nack pli", "ccm fir", "goog-remb", "transport-cc", "ack ccfb"}
	s := ""
	for i, n := range names {
		if f&(1<<i) != 0 {
			if s != "" {
				s += ","
			}
			s += n
		}
	}
	if s == "" {
		return "none"
	}
	return s
}

// StreamConfig binds a chain to one RTP stream: a local one (we send it) or
// a remote one (we receive it), with what negotiation decided for it.
type StreamConfig struct {
	// SSRC is the stream's synchronization source.
	SSRC uint32
	// ClockRate is the codec's RTP clock rate in Hz (a=rtpmap). If zero,
	// 90000 is used.
	ClockRate uint32
	// RTXSSRC is the SSRC of the stream's RTX repair stream (RFC 4588,
	// a=ssrc-group:FID), or zero when RTX was not negotiated: then a local
	// stream retransmits in-band, with the original SSRC and sequence number.
	RTXSSRC uint32
	// RTXPayloadType is the RTX payload type (a=rtpmap:PT rtx, with apt=
	// the codec's payload type). Used only when RTXSSRC is set.
	RTXPayloadType uint8
	// PayloadType is the codec's payload type; a received RTX packet is
	// restored to it.
	PayloadType uint8
	// Feedback is what a=rtcp-fb negotiated for the stream.
	Feedback Feedback
}

func (c *StreamConfig) clockRate() uint32 {
	if c.ClockRate == 0 {
		return 90000
	}
	return c.ClockRate
}
