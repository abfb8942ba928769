package rtp

import (
	"errors"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// Errors returned by the packet codec. They are plain sentinels so that the
// rejection of bad network input never allocates; wrap them with context at
// the layer that counts drops.
var (
	// ErrTruncated reports input that ended in the middle of a field.
	ErrTruncated = shared.ErrTruncated
	// ErrShortBuffer reports that a caller's output buffer has no room left.
	ErrShortBuffer = shared.ErrShortBuffer
	// ErrBadVersion reports an RTP version other than 2 (RFC 3550 §5.1).
	ErrBadVersion = errors.New("rtp: version is not 2")
	// ErrBadPadding reports a padding count of zero or larger than the
	// payload (RFC 3550 §5.1, P bit).
	ErrBadPadding = errors.New("rtp: invalid padding")
	// ErrBadExtension reports a malformed RFC 8285 header extension block.
	ErrBadExtension = errors.New("rtp: malformed header extension")
	// ErrTooManyExtensions reports more than MaxExtensions extension elements.
	ErrTooManyExtensions = errors.New("rtp: too many header extensions")
	// ErrExtensionID reports an extension ID that the chosen form cannot
	// carry (RFC 8285 §4.2: 1-14 in the one-byte form; §4.3: 1-255 in the
	// two-byte form).
	ErrExtensionID = errors.New("rtp: invalid header extension id")
	// ErrExtensionSize reports an extension element whose length the chosen
	// form cannot carry (1-16 bytes one-byte, 0-255 bytes two-byte).
	ErrExtensionSize = errors.New("rtp: invalid header extension length")
	// ErrTooManyCSRC reports more than 15 contributing sources.
	ErrTooManyCSRC = errors.New("rtp: more than 15 CSRCs")
	// ErrHeaderTooLarge reports a header whose extension block exceeds the
	// 16-bit length field.
	ErrHeaderTooLarge = errors.New("rtp: header extension block too large")

	// ErrMTUTooSmall reports an MTU too small for the payload descriptor
	// plus one byte of data.
	ErrMTUTooSmall = errors.New("rtp: mtu too small")
	// ErrNALTooLarge reports a NAL unit larger than the MTU in H.264
	// packetization-mode 0 (RFC 6184 §6.2), which cannot be fragmented.
	ErrNALTooLarge = errors.New("rtp: nal unit larger than mtu in single nal mode")
	// ErrFrameTooLarge reports a frame that exceeds the configured
	// reassembly limit (Config.MaxFrameSize).
	ErrFrameTooLarge = errors.New("rtp: frame exceeds size limit")
	// ErrMalformedPayload reports an RTP payload that does not follow its
	// payload format.
	ErrMalformedPayload = errors.New("rtp: malformed payload")
	// ErrUnsupportedPayload reports a payload structure this package does not
	// implement (for example H.264 STAP-B, MTAP or FU-B, or H.265 PACI).
	ErrUnsupportedPayload = errors.New("rtp: unsupported payload structure")
	// ErrMalformedFrame reports a frame handed to a payloader that does not
	// follow its codec's syntax (an H.264/H.265 NAL unit with the forbidden
	// bit set or a type reserved for RTP packetization, a truncated AV1 OBU).
	ErrMalformedFrame = errors.New("rtp: malformed frame")
	// ErrEmptyFrame reports an attempt to packetize an empty frame.
	ErrEmptyFrame = errors.New("rtp: empty frame")
	// ErrFragmentLost reports a continuation fragment whose start was not
	// seen (a packet was lost); the partial frame is dropped.
	ErrFragmentLost = errors.New("rtp: fragment without its start")
)
