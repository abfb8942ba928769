package rtp

import "strings"

// Codec describes a payload format this package implements: its media type
// as SDP names it (a=rtpmap, RFC 8866 §6.6), RTP clock rate and channels,
// and constructors for its payloader and depayloader.
type Codec struct {
	MimeType  string // "audio/opus", "video/VP8", ...
	ClockRate uint32
	Channels  uint8 // audio only; 0 for video
	// MarkFrameEnd is true for video formats, whose last packet of a frame
	// carries the marker bit (see Packetizer.MarkFrameEnd).
	MarkFrameEnd   bool
	NewPayloader   func() Payloader
	NewDepayloader func() Depayloader
}

// Codecs is the table of payload formats, with the clock rates their RFCs
// fix: RFC 7587 §4.1 (Opus: 48000, 2 channels in the rtpmap), RFC 3551
// §4.5.14 and §4.5.2 (PCMU, PCMA, G722: 8000), RFC 7741, RFC 9628, RFC 6184,
// RFC 7798 and the AV1 RTP spec (90000).
var Codecs = []Codec{
	{"audio/opus", 48000, 2, false, func() Payloader { return OpusPayloader{} }, func() Depayloader { return AudioDepayloader{} }},
	{"audio/PCMU", 8000, 1, false, func() Payloader { return G711Payloader{} }, func() Depayloader { return AudioDepayloader{} }},
	{"audio/PCMA", 8000, 1, false, func() Payloader { return G711Payloader{} }, func() Depayloader { return AudioDepayloader{} }},
	{"audio/G722", 8000, 1, false, func() Payloader { return G722Payloader{} }, func() Depayloader { return AudioDepayloader{} }},
	{"video/VP8", 90000, 0, true, func() Payloader { return &VP8Payloader{EnablePictureID: true} }, func() Depayloader { return &VP8Depayloader{} }},
	{"video/VP9", 90000, 0, true, func() Payloader { return &VP9Payloader{} }, func() Depayloader { return &VP9Depayloader{} }},
	{"video/H264", 90000, 0, true, func() Payloader { return &H264Payloader{} }, func() Depayloader { return &H264Depayloader{} }},
	{"video/H265", 90000, 0, true, func() Payloader { return &H265Payloader{} }, func() Depayloader { return &H265Depayloader{} }},
	{"video/AV1", 90000, 0, true, func() Payloader { return &AV1Payloader{} }, func() Depayloader { return &AV1Depayloader{} }},
}

// LookupCodec finds a codec by media type, case-insensitively (RFC 8866
// §6.6: encoding names are case-insensitive). "video/rtx" and other
// formats without a payloader are not in the table.
func LookupCodec(mimeType string) (Codec, bool) {
	for _, c := range Codecs {
		if strings.EqualFold(c.MimeType, mimeType) {
			return c, true
		}
	}
	return Codec{}, false
}
