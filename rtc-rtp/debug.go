package rtp

import (
	"fmt"
	"strings"
)

// String formats the header for logs and test failures, e.g.
// "RTP PT=96 SN=27023 TS=3653407706 SSRC=0x1c642782 M exts=[2:010203 3:1234]".
func (h *Header) String() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "RTP PT=%d SN=%d TS=%d SSRC=%#x", h.PayloadType, h.SequenceNumber, h.Timestamp, h.SSRC)
	if h.Marker {
		sb.WriteString(" M")
	}
	if h.csrcCount > 0 {
		fmt.Fprintf(&sb, " CSRC=%x", h.CSRCs())
	}
	if h.extCount > 0 {
		sb.WriteString(" exts=[")
		for i := range int(h.extCount) {
			if i > 0 {
				sb.WriteByte(' ')
			}
			fmt.Fprintf(&sb, "%d:%x", h.refs[i].id, h.payloadAt(i))
		}
		sb.WriteByte(']')
	}
	if len(h.RawExtension) > 0 {
		fmt.Fprintf(&sb, " ext(%#04x)=%x", h.ExtensionProfile, h.RawExtension)
	}
	return sb.String()
}

// String formats the packet: the header, the payload size and padding.
func (p *Packet) String() string {
	s := p.Header.String() + fmt.Sprintf(" payload=%dB", len(p.Payload))
	if p.PaddingSize > 0 {
		s += fmt.Sprintf(" pad=%d", p.PaddingSize)
	}
	return s
}
