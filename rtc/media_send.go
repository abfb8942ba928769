package rtc

import (
	"fmt"
	"strings"
	"time"

	rtp "github.com/sansrtc/rtc/rtc-rtp"
)

// writeRTP is Sender.WriteRTP: parse, rewrite and seal the packet, then
// queue the datagram on the selected pair.
func (pc *PeerConnection) writeRTP(s *Sender, rid string, pkt []byte) error {
	if pc.closed {
		return ErrClosed
	}
	// One scratch packet (it would escape to the heap through the chain):
	// it aliases pkt only for this call.
	p := pc.media.packet()
	if err := p.Unmarshal(pkt); err != nil {
		return fmt.Errorf("rtc: WriteRTP: %w", err)
	}
	enc, err := pc.media.sendable(s, rid)
	if err != nil || enc == nil {
		return err
	}
	err = pc.sendRTP(s, enc, p)
	p.Payload = nil
	return err
}

// writeSample is Sender.WriteSample: packetize the frame with the
// negotiated codec's payloader (rtc-rtp) and send each packet.
func (pc *PeerConnection) writeSample(s *Sender, sample Sample) error {
	if pc.closed {
		return ErrClosed
	}
	enc, err := pc.media.sendable(s, sample.RID)
	if err != nil || enc == nil {
		return err
	}
	codec, ok := s.sendCodec()
	if !ok {
		return fmt.Errorf("%w: no codec negotiated for mid %q", ErrNoMedia, s.t.mid)
	}
	pz, err := enc.packetizer(s.t.kind, codec)
	if err != nil {
		return err
	}
	pkts, err := pz.Packetize(sample.Data, enc.sampleT)
	if err != nil {
		return fmt.Errorf("rtc: WriteSample: %w", err)
	}
	// RFC 3550 §5.1: the timestamp advances with the sampling clock.
	enc.sampleT += uint32(sample.Duration * time.Duration(codec.ClockRate) / time.Second)
	for i := range pkts {
		if err := pc.sendRTP(s, enc, &pkts[i]); err != nil {
			return err
		}
	}
	return nil
}

// sendRTP seals one packet of enc and queues it (or hands it to the
// pacer, Configuration.Pacing).
func (pc *PeerConnection) sendRTP(s *Sender, enc *sendEncoding, p *rtp.Packet) error {
	if pc.media.pacer != nil {
		return pc.media.pace(pc.clock.Now(), s, enc, p)
	}
	b, err := pc.media.seal(pc.clock.Now(), s, enc, p)
	if err != nil {
		return err
	}
	if err := pc.tr.send(b); err != nil {
		return layerErr("ice", err)
	}
	return nil
}

// sendable checks that s may send now and returns the encoding named by
// rid; nil (and no error) for an inactive encoding, whose writes are
// dropped and counted.
func (m *media) sendable(s *Sender, rid string) (*sendEncoding, error) {
	t := s.t
	if t.stopped || t.stopping {
		return nil, ErrTransceiverStopped
	}
	if m.out == nil {
		return nil, fmt.Errorf("%w: SRTP is not keyed yet", ErrNoMedia)
	}
	if !t.hasCurrent || !t.currentDirection.sends() {
		return nil, fmt.Errorf("%w: mid %q negotiated %v", ErrNoMedia, t.mid, t.currentDirection)
	}
	enc := s.encoding(rid)
	if enc == nil {
		return nil, fmt.Errorf("%w: %q", ErrUnknownRID, rid)
	}
	if enc.Inactive {
		m.stats.WritesDropped++
		return nil, nil
	}
	return enc, nil
}

// seal rewrites one outgoing packet for its stream and protects it: the
// SSRC of the encoding, a negotiated payload type, a continuous sequence
// number and timestamp (the encoding's Forwarder), the MID and RID
// extensions (RFC 8843 §9.1, RFC 8852 §3.3); the source's other header
// extensions are removed (their ids belong to another session).
func (m *media) seal(now time.Time, s *Sender, enc *sendEncoding, p *rtp.Packet) ([]byte, error) {
	if err := m.stamp(s, enc, p); err != nil {
		return nil, err
	}
	return m.finish(now, enc, p)
}

// stamp rewrites a packet for its stream (see seal).
func (m *media) stamp(s *Sender, enc *sendEncoding, p *rtp.Packet) error {
	t := s.t
	if !t.hasPT(p.PayloadType) || t.isRTX(p.PayloadType) {
		c, ok := s.sendCodec()
		if !ok {
			return fmt.Errorf("%w: no codec negotiated for mid %q", ErrNoMedia, t.mid)
		}
		p.PayloadType = c.PayloadType
	}
	p.SequenceNumber, p.Timestamp = enc.fwd.Rewrite(p.SSRC, p.SequenceNumber, p.Timestamp)
	p.SSRC = enc.SSRC
	p.ClearExtensions()
	if m.ids.mid != 0 {
		if err := p.SetExtension(m.ids.mid, t.midBytes); err != nil {
			return err
		}
	}
	if m.ids.rid != 0 && enc.RID != "" && len(s.encodings) > 1 {
		return p.SetExtension(m.ids.rid, enc.ridBytes())
	}
	return nil
}

// finish passes a stamped packet through the chain and SRTP.
func (m *media) finish(now time.Time, enc *sendEncoding, p *rtp.Packet) ([]byte, error) {
	// The chain numbers the packet (transport-cc) and keeps it for
	// retransmission before it is protected.
	buf := m.sendBuffer(p.MarshalSize() + 8 + m.out.RTPOverhead())
	var err error
	if m.chain != nil {
		buf, err = m.ch().SendRTP(now, p, buf)
	} else {
		buf, err = p.AppendTo(buf)
	}
	if err != nil {
		return nil, layerErr("rtp", err)
	}
	n := len(buf)
	out, err := m.out.ProtectRTP(buf)
	if err != nil {
		return nil, layerErr("srtp", err)
	}
	enc.packets++
	enc.bytes += uint64(n)
	m.stats.PacketsOut++
	m.stats.BytesOut += uint64(n)
	return out, nil
}

// sealRTCP protects an RTCP compound packet the application sends.
func (m *media) sealRTCP(b []byte) ([]byte, error) {
	if m.out == nil {
		return nil, fmt.Errorf("%w: SRTP is not keyed yet", ErrNoMedia)
	}
	if len(b) < 8 || b[0]>>6 != 2 {
		return nil, fmt.Errorf("rtc: not an RTCP packet (%d bytes)", len(b))
	}
	out, err := m.out.AppendProtectRTCP(m.sendBuffer(len(b)+m.out.RTCPOverhead()), b)
	if err != nil {
		return nil, layerErr("srtp", err)
	}
	m.stats.RTCPOut++
	return out, nil
}

// write sends an RTP or RTCP Message from HandleWrite.
func (pc *PeerConnection) writeMessage(msg Message) error {
	t := msg.Transceiver
	if t == nil || t.pc != pc {
		return ErrUnknownTransceiver
	}
	if msg.Kind == MessageRTP {
		return pc.writeRTP(t.sender, msg.RID, msg.Data)
	}
	b, err := pc.media.sealRTCP(msg.Data)
	if err != nil {
		return err
	}
	if err := pc.tr.send(b); err != nil {
		return layerErr("ice", err)
	}
	return nil
}

// WriteRTCP sends one RTCP compound packet (PLI, FIR, NACK, REMB, ...,
// built with rtc-rtcp) on the transport: the same as HandleWrite with a
// MessageRTCP. b is borrowed for the call.
func (pc *PeerConnection) WriteRTCP(b []byte) error {
	if pc.closed {
		return ErrClosed
	}
	out, err := pc.media.sealRTCP(b)
	if err != nil {
		return err
	}
	if err := pc.tr.send(out); err != nil {
		return layerErr("ice", err)
	}
	return nil
}

// encoding returns the encoding named by rid ("" is the first).
func (s *Sender) encoding(rid string) *sendEncoding {
	if len(s.encodings) == 0 {
		return nil
	}
	if rid == "" {
		return s.encodings[0]
	}
	for _, e := range s.encodings {
		if e.RID == rid {
			return e
		}
	}
	return nil
}

// sendCodec returns the negotiated codec the sender sends: the first
// that matches the track's codec, else the first negotiated one that is
// not RTX, RED or FEC. It runs per packet (WriteRTP with a foreign payload
// type, WriteSample), so the answer is kept until the negotiated codecs
// or the track's codec change: Codec.Matches parses a=fmtp and allocates.
func (s *Sender) sendCodec() (Codec, bool) {
	t := s.t
	var want *Codec
	if s.track != nil && s.track.Codec.Name != "" {
		want = &s.track.Codec
	}
	c := &t.sendCache
	if c.valid && sameCodecs(c.codecs, t.codecs) && c.hasWant == (want != nil) && (want == nil || sameCodecKey(&c.want, want)) {
		return c.codec, c.ok
	}
	codec, ok := s.findSendCodec(want)
	*c = sendCodecCache{valid: true, codecs: t.codecs, hasWant: want != nil, codec: codec, ok: ok}
	if want != nil {
		c.want = Codec{Name: want.Name, ClockRate: want.ClockRate, Channels: want.Channels, FMTP: want.FMTP}
	}
	return codec, ok
}

func (s *Sender) findSendCodec(want *Codec) (Codec, bool) {
	if want != nil {
		for _, c := range s.t.codecs {
			if c.Matches(*want) {
				return c, true
			}
		}
	}
	for _, c := range s.t.codecs {
		if isAuxCodec(c.Name) {
			continue
		}
		return c, true
	}
	return Codec{}, false
}

// isAuxCodec reports whether a format repairs or protects another (RTX,
// RFC 4588; RED, RFC 2198; FEC, RFC 5109, RFC 8627) rather than carrying
// media. EqualFold: encoding names are case-insensitive (RFC 4855 §3)
// and lowering them would allocate per packet.
func isAuxCodec(name string) bool {
	for _, n := range [...]string{"rtx", "red", "ulpfec", "flexfec-03"} {
		if strings.EqualFold(name, n) {
			return true
		}
	}
	return false
}

// sendCodecCache is sendCodec's last answer, for the negotiated codecs
// (the same slice) and the track codec it was computed for.
type sendCodecCache struct {
	valid   bool
	codecs  []Codec
	hasWant bool
	want    Codec // Name, ClockRate, Channels and FMTP only
	codec   Codec
	ok      bool
}

// sameCodecs reports whether a and b are the same slice (t.codecs is
// replaced, never changed in place, when an exchange settles).
func sameCodecs(a, b []Codec) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

func sameCodecKey(a, b *Codec) bool {
	return a.Name == b.Name && a.ClockRate == b.ClockRate && a.Channels == b.Channels && a.FMTP == b.FMTP
}

// packetizer returns the encoding's packetizer for codec, made on first
// use or when the codec changed.
func (e *sendEncoding) packetizer(kind MediaKind, c Codec) (*rtp.Packetizer, error) {
	if e.pktz != nil && e.pktzPT == c.PayloadType {
		return e.pktz, nil
	}
	rc, ok := rtp.LookupCodec(kind.String() + "/" + c.Name)
	if !ok {
		return nil, fmt.Errorf("%w: no payloader for %s/%s", ErrNoCodec, kind, c.Name)
	}
	// The payload budget leaves room for the MID and RID extensions and
	// the SRTP tag in a 1200-byte datagram.
	e.pktz = &rtp.Packetizer{Payloader: rc.NewPayloader(), MTU: 1200 - 12 - 32 - 16,
		SSRC: e.SSRC, PayloadType: c.PayloadType, MarkFrameEnd: rc.MarkFrameEnd}
	e.pktzPT = c.PayloadType
	return e.pktz, nil
}

func (e *sendEncoding) ridBytes() []byte {
	if e.rid == nil {
		e.rid = []byte(e.RID)
	}
	return e.rid
}

// sends reports whether the direction includes sending.
func (d Direction) sends() bool { return d == DirectionSendRecv || d == DirectionSendOnly }

// receives reports whether the direction includes receiving.
func (d Direction) receives() bool { return d == DirectionSendRecv || d == DirectionRecvOnly }
