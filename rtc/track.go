package rtc

import (
	"errors"
	"fmt"
	"time"
)

// This file is the public media API (issue 13): tracks, senders,
// receivers, the transceiver verbs and the media events, the Go form of
// W3C webrtc §5 (RTCRtpSender, RTCRtpReceiver, RTCRtpTransceiver).

// Media errors.
var (
	// ErrNoCodec reports a remote media section none of whose codecs the
	// registry can answer (it is rejected), a track whose codec is not in
	// the registry, or SetCodecPreferences with a codec not in it.
	ErrNoCodec = errors.New("rtc: no matching codec")
	// ErrTransceiverStopped reports a verb on a stopped transceiver
	// (W3C InvalidStateError).
	ErrTransceiverStopped = errors.New("rtc: transceiver stopped")
	// ErrUnknownRID reports a write for an encoding (rid) the sender does
	// not have.
	ErrUnknownRID = errors.New("rtc: unknown rid")
	// ErrKindMismatch reports a track of the wrong kind for a transceiver
	// (W3C TypeError in replaceTrack/addTrack).
	ErrKindMismatch = errors.New("rtc: track kind does not match the transceiver")
)

// Track describes a media track (W3C MediaStreamTrack, as a description:
// media does not flow through it). A local Track is given to AddTrack or
// ReplaceTrack; the application then writes RTP or samples with
// Sender.WriteRTP and Sender.WriteSample. A remote Track comes with
// EventTrack; its RTP comes out of PollRead (Message.Transceiver).
type Track struct {
	// ID is the track id (a=msid's second part, RFC 8830 §2). If empty,
	// AddTrack draws one.
	ID string
	// Kind is audio or video.
	Kind MediaKind
	// StreamIDs are the ids of the streams the track belongs to (a=msid's
	// first part, one a=msid line each). Empty means no stream ("-").
	StreamIDs []string
	// Codec is the codec the track's media is in (Name, ClockRate,
	// Channels, FMTP; PayloadType is ignored). If Name is empty, the first
	// negotiated codec of the kind is used. WriteSample packetizes with it;
	// WriteRTP stamps its negotiated payload type.
	Codec Codec
}

// Encoding is one RTP encoding of a sender (W3C RTCRtpEncodingParameters):
// with several, the sender sends simulcast (RFC 8853), one RTP stream per
// rid.
type Encoding struct {
	// RID is the RTP stream id (RFC 8852), required when there are several
	// encodings; 1 to 16 alphanumeric characters (RFC 8851 §10).
	RID string
	// Inactive pauses the encoding (W3C active = !Inactive): writes for it
	// are dropped and counted.
	Inactive bool
	// MaxBitrate is the bitrate cap in bits per second, 0 for none. It is
	// advisory: the application's encoder applies it.
	MaxBitrate uint64
	// ScaleResolutionDownBy is the downscale factor for video (W3C), 0 or 1
	// for none. Advisory, like MaxBitrate.
	ScaleResolutionDownBy float64
	// SSRC and RTXSSRC are set by the PeerConnection when the encoding is
	// created (Sender.Encodings reports them); values given here are used
	// when non-zero and distinct.
	SSRC, RTXSSRC uint32
}

// TransceiverInit is W3C RTCRtpTransceiverInit.
type TransceiverInit struct {
	// Direction; the zero value is sendrecv, the W3C default.
	Direction Direction
	// StreamIDs are the streams of the sender's track (a=msid).
	StreamIDs []string
	// SendEncodings; nil means one encoding without a rid.
	SendEncodings []Encoding
}

// Sample is one media frame for Sender.WriteSample.
type Sample struct {
	// Data is the encoded frame (an Opus packet, a VP8 frame, an H.264
	// access unit in Annex B). Borrowed for the call.
	Data []byte
	// Duration is the frame's duration: the RTP timestamp of the next
	// sample advances by Duration times the clock rate.
	Duration time.Duration
	// RID selects the encoding; empty means the first.
	RID string
}

// Sender is W3C RTCRtpSender: the sending half of a transceiver.
type Sender struct {
	t         *Transceiver
	track     *Track
	encodings []*sendEncoding
}

// Track returns the track being sent, nil when none (RemoveTrack, or a
// transceiver added by kind).
func (s *Sender) Track() *Track { return s.track }

// Transceiver returns the sender's transceiver.
func (s *Sender) Transceiver() *Transceiver { return s.t }

// Encodings returns the sender's encodings with their SSRCs (W3C
// getParameters().encodings).
func (s *Sender) Encodings() []Encoding {
	out := make([]Encoding, len(s.encodings))
	for i, e := range s.encodings {
		out[i] = e.Encoding
	}
	return out
}

// ReplaceTrack sends track instead of the current one without
// renegotiation (W3C replaceTrack); nil stops sending. The outgoing
// streams keep their SSRCs, and their sequence numbers and timestamps stay
// continuous across the switch (the sender's Forwarder).
func (s *Sender) ReplaceTrack(track *Track) error {
	if s.t.stopped {
		return ErrTransceiverStopped
	}
	if track != nil && track.Kind != s.t.kind {
		return fmt.Errorf("%w: %v track on a %v transceiver", ErrKindMismatch, track.Kind, s.t.kind)
	}
	s.track = track
	for _, e := range s.encodings {
		e.fwd.Switch()
	}
	return nil
}

// WriteRTP sends one RTP packet on the encoding named by rid ("" for the
// first): packet-level sending, for forwarding. The PeerConnection sets
// the SSRC, the negotiated payload type (the packet's own when it is one
// of the negotiated ones), the MID and RID header extensions, and
// rewrites the sequence number and timestamp so the stream stays
// continuous when the source changes (see Forwarder). pkt is borrowed for
// the call. It fails with ErrNoMedia until the transceiver's direction
// allows sending and SRTP is keyed.
func (s *Sender) WriteRTP(rid string, pkt []byte) error {
	return s.t.pc.writeRTP(s, rid, pkt)
}

// WriteSample sends one frame (frame-level sending): it is packetized
// with the payloader of the negotiated codec (rtc-rtp) and each packet is
// sent as WriteRTP does.
func (s *Sender) WriteSample(sample Sample) error {
	return s.t.pc.writeSample(s, sample)
}

// Receiver is W3C RTCRtpReceiver: the receiving half of a transceiver.
type Receiver struct {
	t     *Transceiver
	track *Track
	// streams are the remote RTP streams routed here (one per rid with
	// simulcast), with their RTX SSRCs.
	streams []*recvStream
}

// Track returns the remote track (its id and streams from a=msid), nil
// before a remote description gave the transceiver one.
func (r *Receiver) Track() *Track { return r.track }

// Transceiver returns the receiver's transceiver.
func (r *Receiver) Transceiver() *Transceiver { return r.t }

// Streams returns the remote RTP streams the receiver has seen or was
// told of: SSRC, RTX SSRC, rid, payload type.
func (r *Receiver) Streams() []StreamInfo {
	out := make([]StreamInfo, len(r.streams))
	for i, s := range r.streams {
		out[i] = s.info()
	}
	return out
}

// StreamInfo describes one RTP stream of a transceiver.
type StreamInfo struct {
	Mid         string
	Kind        MediaKind
	SSRC        uint32
	RTXSSRC     uint32 // 0 when none
	RID         string // "" without simulcast
	PayloadType uint8  // the last seen (received) or the negotiated (sent)
}

// Sender returns the transceiver's sender.
func (t *Transceiver) Sender() *Sender { return t.sender }

// Receiver returns the transceiver's receiver.
func (t *Transceiver) Receiver() *Receiver { return t.receiver }

// Codecs returns the codecs negotiated for the transceiver's m-section, in
// the answer's order (the first is the one sent), with their payload
// types; nil before negotiation.
func (t *Transceiver) Codecs() []Codec { return t.codecs }

// SetDirection sets the preferred direction (W3C direction attribute);
// a change fires negotiationneeded.
func (t *Transceiver) SetDirection(d Direction) error {
	if t.stopped || t.stopping {
		return ErrTransceiverStopped
	}
	if d > DirectionInactive {
		return fmt.Errorf("rtc: invalid direction %v", d)
	}
	if t.direction != d {
		t.direction = d
		t.pc.neg.need(&t.pc.out)
	}
	return nil
}

// Stop stops the transceiver (W3C stop()): it sends and receives nothing
// more, and the next offer rejects its m-section (port zero), which a
// later transceiver may then recycle (RFC 8829 §5.2.2). Stopping twice is
// harmless.
func (t *Transceiver) Stop() error {
	if t.stopped || t.stopping {
		return nil
	}
	t.stopping = true
	t.direction = DirectionStopped
	t.pc.media.stopTransceiver(t)
	t.pc.neg.need(&t.pc.out)
	return nil
}

// SetCodecPreferences sets the codecs the transceiver offers or answers
// with, in order (W3C setCodecPreferences); nil restores the registry's.
// Each must match a codec of the registry (Codec.Matches); RTX formats
// follow the codecs they repair.
func (t *Transceiver) SetCodecPreferences(codecs []Codec) error {
	reg := t.pc.cfg.codecs(t.kind)
	for _, c := range codecs {
		if !anyMatch(reg, c) {
			return fmt.Errorf("%w: %s/%d not in the registry", ErrNoCodec, c.Name, c.ClockRate)
		}
	}
	t.preferences = append([]Codec(nil), codecs...)
	return nil
}

func anyMatch(reg []Codec, c Codec) bool {
	for i := range reg {
		if reg[i].Matches(c) {
			return true
		}
	}
	return false
}
