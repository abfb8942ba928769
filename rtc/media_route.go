package rtc

import (
	"encoding/binary"
	"slices"

	rtp "github.com/sansrtc/rtc/rtc-rtp"
)

// bind installs the routes of a completed negotiation: the transceivers
// that receive, by mid, the extension ids, and the SSRCs the remote
// description signaled (a=ssrc, a=ssrc-group:FID, RFC 8843 §9.2, RFC 4588
// §8.1). Streams learned from packets stay while their transceiver lives.
func (m *media) bind(ts []*Transceiver, ids extIDs, signaled []recvStream, maxSSRCs int) {
	m.transceivers, m.ids, m.maxSSRCs = ts, ids, maxSSRCs
	m.byMid = make(map[string]*Transceiver, len(ts))
	for _, t := range ts {
		if t.mid != "" && !t.stopped {
			m.byMid[t.mid] = t
		}
	}
	if m.ssrcs == nil {
		m.ssrcs = map[uint32]*recvStream{}
	}
	for ssrc, s := range m.ssrcs {
		if s.t.stopped || s.signaled {
			delete(m.ssrcs, ssrc)
		}
	}
	for i := range signaled {
		s := signaled[i]
		m.ssrcs[s.ssrc] = &s
		s.t.receiver.addStream(&s)
	}
}

// addStream records a stream on the receiver (once per SSRC).
func (r *Receiver) addStream(s *recvStream) {
	for i, old := range r.streams {
		if old.ssrc == s.ssrc {
			r.streams[i] = s
			return
		}
	}
	r.streams = append(r.streams, s)
}

// route finds the stream of a decrypted RTP packet (RFC 8843 §9.2: by the
// MID header extension, then the SSRC, then the RID; an unsignaled stream
// by a payload type only one transceiver negotiated, as browsers do),
// repairs RTX in place (RFC 4588 §4), and returns the Message.
func (m *media) route(pkt []byte) (Message, error) {
	hv, err := rtp.ParseHeaderView(pkt)
	if err != nil {
		return Message{}, layerErr("rtp", err)
	}
	s := m.ssrcs[hv.SSRC]
	if s == nil {
		if s, err = m.learn(&hv); err != nil {
			return Message{}, err
		}
	}
	if s.rtx {
		return m.repair(s, pkt, &hv)
	}
	if !s.t.hasPT(hv.PayloadType) {
		m.stats.UnknownPayloadType++
		return Message{}, ErrUnknownPayloadType
	}
	s.pt = hv.PayloadType
	s.packets++
	s.bytes += uint64(len(pkt))
	return Message{Kind: MessageRTP, Transceiver: s.t, RID: s.rid, Data: pkt}, nil
}

// learn creates the stream of a new SSRC from the packet's MID, RID and
// repaired-RID extensions, or its payload type.
func (m *media) learn(hv *rtp.HeaderView) (*recvStream, error) {
	var t *Transceiver
	if m.ids.mid != 0 {
		t = m.byMid[string(hv.Extension(m.ids.mid))]
	}
	if t == nil {
		t = m.byPayloadType(hv.PayloadType)
	}
	if t == nil {
		m.stats.UnroutedRTP++
		return nil, ErrUnroutedRTP
	}
	if len(m.ssrcs) >= m.maxSSRCs {
		m.stats.TooManySSRCs++
		return nil, ErrTooManySSRCs
	}
	s := &recvStream{t: t, ssrc: hv.SSRC, pt: hv.PayloadType}
	if m.ids.rrid != 0 {
		if rid := hv.Extension(m.ids.rrid); len(rid) > 0 {
			s.rtx, s.rid = true, string(rid)
			s.repairs = m.ssrcOfRID(t, s.rid)
		}
	}
	if !s.rtx && m.ids.rid != 0 {
		s.rid = string(hv.Extension(m.ids.rid))
	}
	if !s.rtx && t.isRTX(hv.PayloadType) {
		s.rtx = true
		s.repairs = m.onlyStream(t)
	}
	m.ssrcs[s.ssrc] = s
	t.receiver.addStream(s)
	m.bindRemote(s)
	return s, nil
}

// byPayloadType returns the one receiving transceiver that negotiated pt,
// nil when none or several did (unsignaled streams, as Chromium routes
// them).
func (m *media) byPayloadType(pt uint8) *Transceiver {
	var found *Transceiver
	for _, t := range m.transceivers {
		if t.stopped || t.mid == "" || !t.hasPT(pt) {
			continue
		}
		if found != nil {
			return nil
		}
		found = t
	}
	return found
}

// ssrcOfRID returns the SSRC of t's primary stream with rid, 0 if unseen.
func (m *media) ssrcOfRID(t *Transceiver, rid string) uint32 {
	for _, s := range t.receiver.streams {
		if !s.rtx && s.rid == rid {
			return s.ssrc
		}
	}
	return 0
}

// onlyStream returns the SSRC of t's primary stream when it has exactly
// one (an unsignaled RTX stream then repairs it), else 0.
func (m *media) onlyStream(t *Transceiver) uint32 {
	var ssrc uint32
	for _, s := range t.receiver.streams {
		if !s.rtx {
			if ssrc != 0 {
				return 0
			}
			ssrc = s.ssrc
		}
	}
	return ssrc
}

// repair turns an RTX packet back into the packet it repairs, in place
// (RFC 4588 §4: the payload starts with the original sequence number; the
// payload type is the one apt names; the SSRC is the repaired stream's).
func (m *media) repair(s *recvStream, pkt []byte, hv *rtp.HeaderView) (Message, error) {
	if s.repairs == 0 && s.rid != "" {
		s.repairs = m.ssrcOfRID(s.t, s.rid)
	}
	apt, ok := s.t.aptOf(hv.PayloadType)
	if hv.PayloadEnd-hv.HeaderSize < 2 || s.repairs == 0 || !ok {
		m.stats.RTXPadding++
		return Message{}, errRTXPadding
	}
	hs := hv.HeaderSize
	osn := binary.BigEndian.Uint16(pkt[hs : hs+2])
	// The rest moves back over the OSN (RTX is rare; the buffer keeps its
	// start, so ReleaseRead can recycle it).
	copy(pkt[hs:], pkt[hs+2:])
	out := pkt[:len(pkt)-2]
	out[1] = out[1]&0x80 | apt
	binary.BigEndian.PutUint16(out[2:4], osn)
	binary.BigEndian.PutUint32(out[8:12], s.repairs)
	m.stats.RTXRepaired++
	s.packets++
	s.bytes += uint64(len(pkt))
	rid := s.rid
	if p := m.ssrcs[s.repairs]; p != nil {
		rid = p.rid
	}
	return Message{Kind: MessageRTP, Transceiver: s.t, RID: rid, Data: out}, nil
}

// hasPT reports whether pt is negotiated for the transceiver.
func (t *Transceiver) hasPT(pt uint8) bool {
	return slices.ContainsFunc(t.codecs, func(c Codec) bool { return c.PayloadType == pt })
}

// isRTX reports whether pt is an RTX format of the transceiver.
func (t *Transceiver) isRTX(pt uint8) bool {
	_, ok := t.aptOf(pt)
	return ok
}

// aptOf returns the payload type an RTX format repairs (RFC 4588 §8.6).
func (t *Transceiver) aptOf(pt uint8) (uint8, bool) {
	for i := range t.codecs {
		c := &t.codecs[i]
		if c.PayloadType == pt && isRTXName(c.Name) {
			return c.apt()
		}
	}
	return 0, false
}
