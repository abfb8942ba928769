package echo

import (
	"github.com/sansrtc/rtc/rtc"
	sdp "github.com/sansrtc/rtc/rtc-sdp"
)

// This file is the media half of the echo peer (Options.Media, the
// reflect example): every RTP packet received goes back on the same
// m-section (the transceiver it arrived on, hence the same codec: the
// packet's own payload type is negotiated there), and keyframe requests
// for a reflected stream (EventKeyframeRequest: PLI or FIR) are passed on
// to the stream's source (RequestKeyframe). NACKs, retransmissions,
// reports and the bitrate estimate are the PeerConnection's interceptor
// chain's.

// mediaStats are one connection's media counters (loop goroutine only,
// or the watch goroutine once Done is closed).
type mediaStats struct {
	reflected   uint64 // RTP packets written back
	refused     uint64 // reflected packets the PeerConnection refused
	keyframeReq uint64 // keyframe requests received and passed on
	last        rtc.MediaStats
}

// prepareMedia gives every transceiver of the remote offer a track to
// send back and a sendrecv direction: called before SetRemoteDescription
// with the offer's sections, it adds one sendrecv transceiver per audio
// or video section in order, which the offer then associates (W3C webrtc
// §4.4.1.6: a transceiver AddTrack made without a mid is associated with
// a remote section of its kind). The answer's direction is this wish
// within the offer's (RFC 8829 §5.3.1), so a section the remote does not
// send on is not reflected.
func prepareMedia(pc *rtc.PeerConnection, kinds []rtc.MediaKind) error {
	for _, k := range kinds {
		if _, err := pc.AddTransceiverTrack(rtc.Track{Kind: k, StreamIDs: []string{"reflect"}}, rtc.TransceiverInit{Direction: rtc.DirectionSendRecv, StreamIDs: []string{"reflect"}}); err != nil {
			return err
		}
	}
	return nil
}

// offerMedia adds the offer side's sendrecv audio (Opus) and video (VP8)
// transceivers.
func offerMedia(pc *rtc.PeerConnection, cfg rtc.Configuration) error {
	for _, k := range []struct {
		kind rtc.MediaKind
		name string
	}{{rtc.MediaKindAudio, "opus"}, {rtc.MediaKindVideo, "VP8"}} {
		t, err := pc.AddTransceiverTrack(rtc.Track{Kind: k.kind, StreamIDs: []string{"reflect"}}, rtc.TransceiverInit{Direction: rtc.DirectionSendRecv, StreamIDs: []string{"reflect"}})
		if err != nil {
			return err
		}
		reg := cfg.AudioCodecs
		if k.kind == rtc.MediaKindVideo {
			reg = cfg.VideoCodecs
		}
		if reg == nil && k.kind == rtc.MediaKindAudio {
			reg = rtc.DefaultAudioCodecs()
		} else if reg == nil {
			reg = rtc.DefaultVideoCodecs()
		}
		var keep []rtc.Codec
		for _, c := range reg {
			if c.Name == k.name {
				keep = append(keep, c)
			}
		}
		if err := t.SetCodecPreferences(keep); err != nil {
			return err
		}
	}
	return nil
}

// reflectRTP sends an RTP packet back on its transceiver. The sender
// rewrites SSRC, sequence number and timestamp for its own stream and
// keeps the payload type and payload.
func (st *connStats) reflectRTP(m rtc.Message) error {
	if m.Transceiver == nil {
		return nil
	}
	if err := m.Transceiver.Sender().WriteRTP("", m.Data); err != nil {
		st.media.refused++
		return err
	}
	st.media.reflected++
	return nil
}

// keyframe passes a keyframe request for the stream we reflect on t to
// the remote streams t receives: they are its source.
func (st *connStats) keyframe(pc *rtc.PeerConnection, t *rtc.Transceiver) error {
	st.media.keyframeReq++
	return pc.RequestKeyframe(t, 0)
}

// offerKinds lists the kinds of an offer's live audio and video sections
// in order; nil when it does not parse (SetRemoteDescription then says
// why).
func offerKinds(offer string) []rtc.MediaKind {
	d, err := sdp.Parse(offer)
	if err != nil {
		return nil
	}
	var out []rtc.MediaKind
	for _, m := range d.Media {
		switch {
		case m.Port == 0:
		case m.Media == "audio":
			out = append(out, rtc.MediaKindAudio)
		case m.Media == "video":
			out = append(out, rtc.MediaKindVideo)
		}
	}
	return out
}
