package rtp

import (
	"encoding/binary"
	"errors"
	"time"
)

// Header extension URIs, as negotiated with a=extmap (RFC 8285 §5).
const (
	URIAbsSendTime            = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
	URITransportCC            = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
	URIMID                    = "urn:ietf:params:rtp-hdrext:sdes:mid"
	URIRTPStreamID            = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"
	URIRepairedRTPStreamID    = "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id"
	URIAudioLevel             = "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
	URIVideoOrientation       = "urn:3gpp:video-orientation"
	URIPlayoutDelay           = "http://www.webrtc.org/experiments/rtp-hdrext/playout-delay"
	URIAbsCaptureTime         = "http://www.webrtc.org/experiments/rtp-hdrext/abs-capture-time"
	URIDependencyDescriptor   = "https://aomediacodec.github.io/av1-rtp-spec/#dependency-descriptor-rtp-header-extension"
	URITransmissionTimeOffset = "urn:ietf:params:rtp-hdrext:toffset"
)

// ErrExtensionValue reports a typed header extension whose payload has the
// wrong size or an invalid value.
var ErrExtensionValue = errors.New("rtp: invalid header extension value")

// Every typed extension below has the same methods:
//
//	Unmarshal(b []byte) error       // parse an element payload
//	MarshalSize() int               // payload size
//	AppendTo(b []byte) []byte       // append the payload
//
// Use them with Header.GetExtension / Header.SetExtension and the ID the
// session negotiated for the URI.

// AbsSendTime is the abs-send-time extension: a 24-bit 6.18 fixed-point
// time in seconds (the middle 24 bits of an NTP timestamp).
type AbsSendTime struct {
	Timestamp uint32 // only the low 24 bits are used
}

// AbsSendTimeFromNTP takes bits 14-37 of a 64-bit NTP timestamp.
func AbsSendTimeFromNTP(ntp uint64) AbsSendTime {
	return AbsSendTime{Timestamp: uint32(ntp>>14) & 0xFFFFFF}
}

// AbsSendTimeFromDuration encodes d (time since any epoch) modulo 64 s.
func AbsSendTimeFromDuration(d time.Duration) AbsSendTime {
	// 64 s is exactly 2^24 units of 2^-18 s, so reducing d first gives
	// the same value and keeps d<<18 from overflowing (past ~19.5 h).
	d %= 64 * time.Second
	if d < 0 {
		d += 64 * time.Second
	}
	return AbsSendTime{Timestamp: uint32((uint64(d) << 18) / uint64(time.Second))}
}

// Duration returns the time as a duration in [0, 64 s).
func (e AbsSendTime) Duration() time.Duration {
	return time.Duration(uint64(e.Timestamp&0xFFFFFF) * uint64(time.Second) >> 18)
}

// Unmarshal parses a 3-byte payload.
func (e *AbsSendTime) Unmarshal(b []byte) error {
	if len(b) != 3 {
		return ErrExtensionValue
	}
	e.Timestamp = uint32(b[0])<<16 | uint32(b[1])<<8 | uint32(b[2])
	return nil
}

// MarshalSize returns 3.
func (e AbsSendTime) MarshalSize() int { return 3 }

// AppendTo appends the 3-byte payload.
func (e AbsSendTime) AppendTo(b []byte) []byte {
	return append(b, byte(e.Timestamp>>16), byte(e.Timestamp>>8), byte(e.Timestamp))
}

// TransportCC is the transport-wide sequence number extension
// (draft-holmer-rmcat-transport-wide-cc-extensions-01 §2).
type TransportCC struct {
	SequenceNumber uint16
}

// Unmarshal parses a 2-byte payload.
func (e *TransportCC) Unmarshal(b []byte) error {
	if len(b) != 2 {
		return ErrExtensionValue
	}
	e.SequenceNumber = binary.BigEndian.Uint16(b)
	return nil
}

// MarshalSize returns 2.
func (e TransportCC) MarshalSize() int { return 2 }

// AppendTo appends the 2-byte payload.
func (e TransportCC) AppendTo(b []byte) []byte {
	return binary.BigEndian.AppendUint16(b, e.SequenceNumber)
}

// SDESItem is an RTP header extension carrying an SDES item: sdes:mid
// (RFC 9143 §15), sdes:rtp-stream-id and sdes:repaired-rtp-stream-id
// (RFC 8852 §3). Value aliases the packet after Unmarshal.
type SDESItem struct {
	Value []byte
}

// Unmarshal parses the item. RFC 8852 §3 forbids empty identifiers; a value
// padded with trailing zero octets (as some senders do) is trimmed.
func (e *SDESItem) Unmarshal(b []byte) error {
	for len(b) > 0 && b[len(b)-1] == 0 {
		b = b[:len(b)-1]
	}
	if len(b) == 0 || len(b) > 255 {
		return ErrExtensionValue
	}
	e.Value = b
	return nil
}

// MarshalSize returns len(Value).
func (e SDESItem) MarshalSize() int { return len(e.Value) }

// AppendTo appends the value.
func (e SDESItem) AppendTo(b []byte) []byte { return append(b, e.Value...) }

// ValidRID reports whether v is a valid rid-id (RFC 8851 §10:
// 1*(alpha-numeric / "-" / "_")), the syntax RFC 8852 requires of
// RtpStreamId values. WebRTC senders keep it at most 16 bytes so that it
// fits the one-byte form.
func ValidRID(v []byte) bool {
	if len(v) == 0 || len(v) > 255 {
		return false
	}
	for _, c := range v {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// AudioLevel is the client-to-mixer audio level extension (RFC 6464 §3).
type AudioLevel struct {
	// Voice is the V flag: the encoder believes the packet holds voice.
	Voice bool
	// Level is the level in -dBov, 0 (loudest) to 127 (silence).
	Level uint8
}

// Unmarshal parses the payload. RFC 6464 §3 defines one octet; senders that
// use the two-byte form may pad it, so extra octets are ignored.
func (e *AudioLevel) Unmarshal(b []byte) error {
	if len(b) < 1 {
		return ErrExtensionValue
	}
	e.Voice = b[0]&0x80 != 0
	e.Level = b[0] & 0x7F
	return nil
}

// MarshalSize returns 1.
func (e AudioLevel) MarshalSize() int { return 1 }

// AppendTo appends the one-octet payload.
func (e AudioLevel) AppendTo(b []byte) []byte {
	v := e.Level & 0x7F
	if e.Voice {
		v |= 0x80
	}
	return append(b, v)
}

// VideoOrientation is the coordination of video orientation (CVO)
// extension, 3GPP TS 26.114 §7.4.5: one octet 0 0 0 0 C F R1 R0.
type VideoOrientation struct {
	// BackCamera is C: the video comes from a back-facing camera.
	BackCamera bool
	// Flip is F: horizontal flip (mirror) before rotation.
	Flip bool
	// Rotation is R1 R0: 0, 1, 2 or 3 quarter turns clockwise.
	Rotation uint8
}

// Degrees returns the rotation in degrees (0, 90, 180 or 270).
func (e VideoOrientation) Degrees() int { return 90 * int(e.Rotation&3) }

// Unmarshal parses the one-octet payload (extra octets are ignored).
func (e *VideoOrientation) Unmarshal(b []byte) error {
	if len(b) < 1 {
		return ErrExtensionValue
	}
	e.BackCamera = b[0]&0x08 != 0
	e.Flip = b[0]&0x04 != 0
	e.Rotation = b[0] & 0x03
	return nil
}

// MarshalSize returns 1.
func (e VideoOrientation) MarshalSize() int { return 1 }

// AppendTo appends the one-octet payload.
func (e VideoOrientation) AppendTo(b []byte) []byte {
	v := e.Rotation & 3
	if e.BackCamera {
		v |= 0x08
	}
	if e.Flip {
		v |= 0x04
	}
	return append(b, v)
}

// PlayoutDelay is the playout-delay extension: the minimum and maximum
// delay the receiver should apply, each 12 bits in units of 10 ms.
type PlayoutDelay struct {
	Min, Max uint16 // 10 ms units, 0-4095
}

// PlayoutDelayGranularity is the unit of PlayoutDelay.Min and Max.
const PlayoutDelayGranularity = 10 * time.Millisecond

// Unmarshal parses the 3-byte payload.
func (e *PlayoutDelay) Unmarshal(b []byte) error {
	if len(b) != 3 {
		return ErrExtensionValue
	}
	e.Min = uint16(b[0])<<4 | uint16(b[1])>>4
	e.Max = uint16(b[1]&0x0F)<<8 | uint16(b[2])
	return nil
}

// MarshalSize returns 3.
func (e PlayoutDelay) MarshalSize() int { return 3 }

// AppendTo appends the 3-byte payload (values are truncated to 12 bits).
func (e PlayoutDelay) AppendTo(b []byte) []byte {
	mn, mx := e.Min&0xFFF, e.Max&0xFFF
	return append(b, byte(mn>>4), byte(mn<<4)|byte(mx>>8), byte(mx))
}

// AbsCaptureTime is the abs-capture-time extension: the NTP time (Q32.32) at
// which the first audio or video frame of the packet was captured, and
// optionally the sender's estimate of the offset between its clock and the
// capturer's (signed Q32.32).
type AbsCaptureTime struct {
	Timestamp uint64
	// ClockOffset is valid when HasClockOffset is true.
	ClockOffset    int64
	HasClockOffset bool
}

// Unmarshal parses an 8- or 16-byte payload.
func (e *AbsCaptureTime) Unmarshal(b []byte) error {
	switch len(b) {
	case 8:
		e.Timestamp = binary.BigEndian.Uint64(b)
		e.ClockOffset, e.HasClockOffset = 0, false
	case 16:
		e.Timestamp = binary.BigEndian.Uint64(b)
		e.ClockOffset, e.HasClockOffset = int64(binary.BigEndian.Uint64(b[8:])), true
	default:
		return ErrExtensionValue
	}
	return nil
}

// MarshalSize returns 8 or 16.
func (e AbsCaptureTime) MarshalSize() int {
	if e.HasClockOffset {
		return 16
	}
	return 8
}

// AppendTo appends the payload.
func (e AbsCaptureTime) AppendTo(b []byte) []byte {
	b = binary.BigEndian.AppendUint64(b, e.Timestamp)
	if e.HasClockOffset {
		b = binary.BigEndian.AppendUint64(b, uint64(e.ClockOffset))
	}
	return b
}

// TransmissionTimeOffset is the toffset extension (RFC 5450): a signed
// 24-bit offset in RTP clock units.
type TransmissionTimeOffset struct {
	Offset int32
}

// Unmarshal parses the 3-byte payload.
func (e *TransmissionTimeOffset) Unmarshal(b []byte) error {
	if len(b) != 3 {
		return ErrExtensionValue
	}
	e.Offset = int32(uint32(b[0])<<24|uint32(b[1])<<16|uint32(b[2])<<8) >> 8
	return nil
}

// MarshalSize returns 3.
func (e TransmissionTimeOffset) MarshalSize() int { return 3 }

// AppendTo appends the 3-byte payload.
func (e TransmissionTimeOffset) AppendTo(b []byte) []byte {
	return append(b, byte(e.Offset>>16), byte(e.Offset>>8), byte(e.Offset))
}
