package echo

import (
	"encoding/binary"

	"github.com/sansrtc/rtc/rtc"
	rtcp "github.com/sansrtc/rtc/rtc-rtcp"
)

// This file is the media half of the echo peer (Options.Media, the
// reflect example): every RTP packet received goes back on the same
// m-section (the transceiver it arrived on, hence the same codec: the
// packet's own payload type is negotiated there), and keyframe requests
// (PLI, FIR) for a reflected stream are passed on to the stream's source.

// mediaStats are one connection's media counters (loop goroutine only).
type mediaStats struct {
	rtpIn, rtpOut, rtpBytes uint64
	rtcpIn                  uint64
	reflectErrs             uint64 // reflected packets the PeerConnection refused
	pliIn, firIn, pliOut    uint64 // keyframe requests received, PLIs sent
	nackIn, nackedPackets   uint64 // generic NACKs received and the packets they name
	remb                    uint64 // the last REMB estimate received, bits per second
	rtcpErrs                uint64 // RTCP the reader stopped on (malformed)
}

// prepareMedia gives every transceiver of the remote offer a track to
// send back and a sendrecv direction, before the answer is created: the
// reflection goes out on the same m-section. The answer's direction is
// this wish within the offer's (RFC 8829 §5.3.1), so a section the remote
// does not send on is not reflected. (rtc gives the remote track only
// when the exchange completes, so Receiver().Track() cannot tell yet.)
func prepareMedia(pc *rtc.PeerConnection) error {
	for _, t := range pc.Transceivers() {
		if t.Stopped() || t.Sender().Track() != nil {
			continue
		}
		tr := &rtc.Track{Kind: t.Kind(), StreamIDs: []string{"reflect"}}
		if err := t.Sender().ReplaceTrack(tr); err != nil {
			return err
		}
		if err := t.SetDirection(rtc.DirectionSendRecv); err != nil {
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
		var keep []rtc.Codec
		reg := cfg.AudioCodecs
		if k.kind == rtc.MediaKindVideo {
			reg = cfg.VideoCodecs
		}
		if reg == nil && k.kind == rtc.MediaKindAudio {
			reg = rtc.DefaultAudioCodecs()
		} else if reg == nil {
			reg = rtc.DefaultVideoCodecs()
		}
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
	st.media.rtpIn++
	st.media.rtpBytes += uint64(len(m.Data))
	if m.Transceiver == nil {
		return nil
	}
	if err := m.Transceiver.Sender().WriteRTP("", m.Data); err != nil {
		st.media.reflectErrs++
		return err
	}
	st.media.rtpOut++
	return nil
}

// handleRTCP counts feedback and passes keyframe requests for a stream we
// send on to the remote stream of the same transceiver (RFC 4585 §6.3.1
// PLI, RFC 5104 §4.3.1 FIR; a PLI is sent for both: every WebRTC video
// sender answers it).
func (st *connStats) handleRTCP(pc *rtc.PeerConnection, m rtc.Message) error {
	st.media.rtcpIn++
	r := rtcp.NewReader(m.Data)
	for r.Next() {
		h, b := r.Header(), r.Packet()
		switch {
		case h.Type == rtcp.TypePSFB && (h.Count == rtcp.FormatPLI || h.Count == rtcp.FormatFIR):
			if h.Count == rtcp.FormatPLI {
				st.media.pliIn++
			} else {
				st.media.firIn++
			}
			if len(b) < 12 {
				continue
			}
			if err := st.forwardKeyframe(pc, binary.BigEndian.Uint32(b[8:12]), h.Count == rtcp.FormatFIR, b); err != nil {
				return err
			}
		case h.Type == rtcp.TypeRTPFB && h.Count == rtcp.FormatNACK:
			var n rtcp.NACK
			if n.Unmarshal(b) == nil {
				st.media.nackIn++
				for _, p := range n.Pairs {
					st.media.nackedPackets += 1 + uint64(bitsSet(p.LostPackets))
				}
			}
		case h.Type == rtcp.TypePSFB && h.Count == rtcp.FormatAFB:
			var remb rtcp.REMB
			if remb.Unmarshal(b) == nil {
				st.media.remb = remb.Bitrate()
			}
		}
	}
	if r.Err() != nil {
		st.media.rtcpErrs++
	}
	return nil
}

func bitsSet(v uint16) int {
	n := 0
	for ; v != 0; v &= v - 1 {
		n++
	}
	return n
}

// forwardKeyframe finds the transceiver sending ssrc (for a FIR, the
// media SSRC is in the FCI: RFC 5104 §4.3.1.2) and asks each remote
// stream it receives for a keyframe with a PLI.
func (st *connStats) forwardKeyframe(pc *rtc.PeerConnection, media uint32, fir bool, b []byte) error {
	if fir && len(b) >= 16 {
		media = binary.BigEndian.Uint32(b[12:16])
	}
	for _, t := range pc.Transceivers() {
		if !sends(t, media) {
			continue
		}
		var out []byte
		for _, s := range t.Receiver().Streams() {
			pli := rtcp.PLI{SenderSSRC: senderSSRC(t), MediaSSRC: s.SSRC}
			out, _ = pli.AppendTo(out) // PLI.AppendTo cannot fail
		}
		if len(out) == 0 {
			return nil
		}
		if err := pc.WriteRTCP(out); err != nil {
			return err
		}
		st.media.pliOut++
		return nil
	}
	return nil
}

func sends(t *rtc.Transceiver, ssrc uint32) bool {
	for _, e := range t.Sender().Encodings() {
		if e.SSRC == ssrc || e.RTXSSRC == ssrc {
			return true
		}
	}
	return false
}

func senderSSRC(t *rtc.Transceiver) uint32 {
	if e := t.Sender().Encodings(); len(e) > 0 {
		return e[0].SSRC
	}
	return 0
}
