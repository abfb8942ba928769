package rtc

import (
	"encoding/hex"
	"fmt"
	"io"
	"slices"
)

// AddTrack sends track on a transceiver (W3C addTrack, webrtc §5.1): a
// transceiver of the track's kind that never sent and has no track is
// reused, else a sendrecv one is created. negotiationneeded fires.
func (pc *PeerConnection) AddTrack(track Track) (*Sender, error) {
	if pc.closed {
		return nil, ErrClosed
	}
	if err := pc.checkTrack(&track); err != nil {
		return nil, err
	}
	for _, t := range pc.neg.transceivers {
		if t.kind == track.Kind && !t.stopped && !t.stopping && t.sender.track == nil && !t.everSent {
			tr := track
			t.sender.track = &tr
			pc.ensureEncodings(t)
			t.streamIDs = tr.StreamIDs
			if t.direction == DirectionRecvOnly {
				t.direction = DirectionSendRecv
			} else if t.direction == DirectionInactive {
				t.direction = DirectionSendOnly
			}
			pc.neg.need(&pc.out)
			return t.sender, nil
		}
	}
	t, err := pc.AddTransceiverTrack(track, TransceiverInit{StreamIDs: track.StreamIDs})
	if err != nil {
		return nil, err
	}
	return t.sender, nil
}

// RemoveTrack stops sending the sender's track (W3C removeTrack): the
// track is cleared and the direction loses "send"; negotiationneeded
// fires. A sender that has no track is left alone.
func (pc *PeerConnection) RemoveTrack(s *Sender) error {
	if pc.closed {
		return ErrClosed
	}
	if s == nil || s.t == nil || s.t.pc != pc {
		return ErrUnknownTransceiver
	}
	if s.track == nil {
		return nil
	}
	s.track = nil
	switch s.t.direction {
	case DirectionSendRecv:
		s.t.direction = DirectionRecvOnly
	case DirectionSendOnly:
		s.t.direction = DirectionInactive
	}
	pc.neg.need(&pc.out)
	return nil
}

// AddTransceiver adds a transceiver of the given kind without a track
// (W3C addTransceiver(kind, init)) and fires negotiationneeded.
func (pc *PeerConnection) AddTransceiver(kind MediaKind, init TransceiverInit) (*Transceiver, error) {
	if pc.closed {
		return nil, ErrClosed
	}
	if kind != MediaKindAudio && kind != MediaKindVideo {
		return nil, fmt.Errorf("rtc: unknown media kind %v", kind)
	}
	return pc.addTransceiver(kind, nil, init)
}

// AddTransceiverTrack adds a transceiver sending track (W3C
// addTransceiver(track, init)) and fires negotiationneeded.
func (pc *PeerConnection) AddTransceiverTrack(track Track, init TransceiverInit) (*Transceiver, error) {
	if pc.closed {
		return nil, ErrClosed
	}
	if err := pc.checkTrack(&track); err != nil {
		return nil, err
	}
	if init.StreamIDs == nil {
		init.StreamIDs = track.StreamIDs
	}
	return pc.addTransceiver(track.Kind, &track, init)
}

func (pc *PeerConnection) addTransceiver(kind MediaKind, track *Track, init TransceiverInit) (*Transceiver, error) {
	if init.Direction > DirectionInactive {
		return nil, fmt.Errorf("rtc: invalid direction %v", init.Direction)
	}
	encs, err := pc.media.newEncodings(init.SendEncodings, pc.cfg.rand())
	if err != nil {
		return nil, err
	}
	t := newTransceiver(pc, kind, init.Direction)
	t.sender.track, t.sender.encodings, t.streamIDs = track, encs, init.StreamIDs
	pc.neg.transceivers = append(pc.neg.transceivers, t)
	pc.neg.need(&pc.out)
	return t, nil
}

// ensureEncodings gives a transceiver a remote offer created its one
// default encoding (drawn when it first may send, so that a connection
// that only receives draws no SSRC).
func (pc *PeerConnection) ensureEncodings(t *Transceiver) {
	if len(t.sender.encodings) == 0 {
		t.sender.encodings, _ = pc.media.newEncodings(nil, pc.cfg.rand()) // nil init cannot fail
	}
}

// newTransceiver returns a transceiver with its sender and receiver.
func newTransceiver(pc *PeerConnection, kind MediaKind, dir Direction) *Transceiver {
	t := &Transceiver{pc: pc, kind: kind, direction: dir}
	t.sender = &Sender{t: t}
	t.receiver = &Receiver{t: t}
	return t
}

// checkTrack validates a local track and draws its id when empty.
func (pc *PeerConnection) checkTrack(tr *Track) error {
	if tr.Kind != MediaKindAudio && tr.Kind != MediaKindVideo {
		return fmt.Errorf("rtc: unknown media kind %v", tr.Kind)
	}
	if tr.Codec.Name != "" && !anyMatch(pc.cfg.codecs(tr.Kind), tr.Codec) {
		return fmt.Errorf("%w: track codec %s/%d", ErrNoCodec, tr.Codec.Name, tr.Codec.ClockRate)
	}
	if tr.ID == "" {
		tr.ID = randomToken(pc.cfg.rand())
	}
	tr.StreamIDs = slices.Clone(tr.StreamIDs)
	return nil
}

// randomToken returns 16 hex digits from r (a track id or a CNAME).
func randomToken(r io.Reader) string {
	var b [8]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "0000000000000000"
	}
	return hex.EncodeToString(b[:])
}

// Senders returns the senders of the transceivers that are not stopped
// (W3C getSenders).
func (pc *PeerConnection) Senders() []*Sender {
	var out []*Sender
	for _, t := range pc.neg.transceivers {
		if !t.stopped {
			out = append(out, t.sender)
		}
	}
	return out
}

// Receivers returns the receivers of the transceivers that are not
// stopped (W3C getReceivers).
func (pc *PeerConnection) Receivers() []*Receiver {
	var out []*Receiver
	for _, t := range pc.neg.transceivers {
		if !t.stopped {
			out = append(out, t.receiver)
		}
	}
	return out
}
