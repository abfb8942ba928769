package interceptor

import (
	"time"

	rtp "github.com/sansrtc/rtc/rtc-rtp"
)

// Unit is an application unit added to a chain (Config.Units). It sees what
// the built-in units see, after them, and may queue RTCP of its own. Like
// the built-in units it is a sans-I/O machine: it never reads a clock or
// calls back into the chain, and owns its deadline.
type Unit interface {
	// SendRTP sees an outgoing packet before it is marshalled; it may set
	// header extensions (payloads must stay valid until the call returns
	// to the chain's caller).
	SendRTP(now time.Time, p *rtp.Packet)
	// ReceiveRTP sees an incoming packet (b borrowed for the call).
	ReceiveRTP(now time.Time, h *rtp.HeaderView, b []byte)
	// ReceiveRTCP sees each packet of an incoming compound packet, header
	// included (b borrowed for the call).
	ReceiveRTCP(now time.Time, b []byte)
	// AppendRTCP appends to dst any RTCP packets the unit wants sent at
	// now and returns it (unchanged when there are none).
	AppendRTCP(now time.Time, dst []byte) []byte
	// PollTimeout returns the unit's next deadline; the chain then calls
	// AppendRTCP with that time.
	PollTimeout() (time.Time, bool)
}
