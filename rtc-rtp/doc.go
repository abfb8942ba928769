// Package rtp is the RTP layer of sansrtc: packets and header extensions
// (RFC 3550, RFC 8285), the header extensions WebRTC negotiates, payload
// formats for the WebRTC codecs, RTX (RFC 4588) and sequence number
// arithmetic. It is a codec library: it keeps no connection state, reads no
// clock and does no I/O, so it has no drive loop of its own; the
// PeerConnection and the interceptors call it on the bytes they hold.
//
// # Packets
//
// Packet.Unmarshal parses a packet without allocating. The result aliases
// the input: the payload and every extension payload point into it, so call
// Packet.Clone to keep a packet past the reuse of the buffer. CSRCs and up
// to MaxExtensions extension elements live in fixed arrays inside the
// Header. Marshalling is append-style: MarshalSize, AppendTo (allocates only
// when the destination lacks capacity) and MarshalTo (into a caller buffer,
// ErrShortBuffer when it is too small).
//
//	var p rtp.Packet
//	if err := p.Unmarshal(datagram); err != nil { /* count and drop */ }
//	var twcc rtp.TransportCC
//	_ = twcc.Unmarshal(p.GetExtension(twccID))
//	n, err := p.MarshalTo(out)
//
// Codecs and LookupCodec map a negotiated media type ("video/VP8") to its
// clock rate and payloader/depayloader constructors.
//
// Packetizer runs a payloader and fills in the RTP headers of a stream
// (SSRC, payload type, sequence numbers, timestamp, marker) in reused
// buffers; the caller sets per-packet extensions and marshals.
//
// An SFU that only forwards uses ParseHeaderView (fixed header, payload
// bounds, raw extension block, lookup of one extension) and rewrites fields
// in place with SetSSRC, SetSequenceNumber, SetTimestamp, SetPayloadType,
// SetMarker and HeaderView.RewriteExtension.
//
// # Header extensions
//
// Header.GetExtension, SetExtension and DelExtension work on RFC 8285
// elements by ID, in the one-byte (IDs 1-14, 1-16 bytes) or two-byte (IDs
// 1-255, 0-255 bytes) form. SetExtensionMixed switches a packet to the
// two-byte form when an element needs it, as a=extmap-allow-mixed allows.
// Extensions of other profiles are kept opaque in Header.RawExtension.
// Typed values (AbsSendTime, TransportCC, SDESItem for mid/rid/repaired-rid,
// AudioLevel, VideoOrientation, PlayoutDelay, AbsCaptureTime,
// TransmissionTimeOffset, DependencyDescriptor) each have Unmarshal,
// MarshalSize and AppendTo; the URI* constants are their a=extmap URIs and
// ExtensionIDs records the IDs a session negotiated for them.
//
// # Payload formats
//
// A Payloader splits one frame into payloads of at most mtu bytes, written
// into a reusable Payloads list (no per-packet allocation once its buffers
// have grown): OpusPayloader, G711Payloader, G722Payloader, VP8Payloader,
// VP9Payloader, H264Payloader, H265Payloader, AV1Payloader. A Depayloader
// appends the codec bitstream of one payload to a caller buffer and reports
// PayloadInfo (frame start, frame end, keyframe): AudioDepayloader,
// VP8Depayloader, VP9Depayloader, H264Depayloader, H265Depayloader,
// AV1Depayloader. FrameAssembler drives a depayloader over an in-order packet
// stream and returns whole frames, dropping partial frames after a loss and
// enforcing Config.MaxFrameSize and Config.MaxPacketsPerFrame.
//
// # Limits
//
//   - MaxExtensions (16) extension elements per packet; more is
//     ErrTooManyExtensions.
//   - Config.MaxFrameSize (default 4 MiB) and Config.MaxPacketsPerFrame
//     (default 4096) per reassembled frame; AV1Depayloader.MaxOBUSize
//     (default 4 MiB) per fragmented OBU.
//   - DDMaxTemplates, DDMaxDecodeTargets, DDMaxFDiffs, DDMaxSpatialLayers
//     for the dependency descriptor structure.
//
// Bad input never panics: every parser returns an error (sentinels in
// errors.go, allocation-free), and depayloaders leave dst unchanged when
// they reject a payload. FrameAssembler.Stats counts what was dropped.
//
// # Known gaps
//
//   - H.264 interleaved mode (STAP-B, MTAP16/24, FU-B) and H.265 PACI are
//     rejected with ErrUnsupportedPayload; H.265 DONL is skipped, not used
//     to reorder.
//   - The H.264/H.265 frame-start flag is a heuristic (first_mb_in_slice /
//     first_slice_segment_in_pic_flag and parameter sets).
//   - VP8 and VP9 payloaders do not split at partition boundaries. VP9
//     packetizes one layer frame per call: for spatial layers the caller
//     calls once per layer (LayerIndices, Layer, SS) and marks only the
//     last with Packetizer.PacketizeMarked.
//   - The dependency descriptor writer (DependencyDescriptor.AppendTo)
//     needs templates ordered by layer, as the syntax requires; it does not
//     choose templates for the caller.
//   - FrameAssembler expects packets in order; put a jitter buffer
//     (rtc-media) in front of it.
package rtp
