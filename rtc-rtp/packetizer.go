package rtp

// Packetizer turns frames into RTP packets of one stream: it runs a
// Payloader and fills in the header of each packet (SSRC, payload type,
// consecutive sequence numbers, timestamp, marker). The packets and their
// payloads live in buffers the Packetizer reuses, so steady-state
// packetizing allocates nothing; they are valid until the next Packetize.
//
// The caller adds per-packet header extensions (transport-cc sequence
// number, abs-send-time, mid) with SetExtension and marshals each packet
// with MarshalTo.
type Packetizer struct {
	// Payloader splits frames; it must not be nil.
	Payloader Payloader
	// MTU is the payload budget per packet: the datagram size minus the
	// RTP header, extensions and SRTP tag the caller will add. If zero,
	// 1200 is used.
	MTU int
	// SSRC and PayloadType are written into every packet.
	SSRC        uint32
	PayloadType uint8
	// SequenceNumber is the sequence number of the next packet. Start it at
	// a random value (RFC 3550 §5.1) drawn from the caller's Config.Rand.
	SequenceNumber uint16
	// MarkFrameEnd sets the marker bit on the last packet of each frame, as
	// video formats require (RFC 7741 §4.1, RFC 6184 §5.1, RFC 9628 §4.1).
	// Leave it false for audio, where the caller marks talkspurt starts.
	MarkFrameEnd bool

	payloads Payloads
	packets  []Packet
}

// Packetize splits frame and returns its packets, all with timestamp ts.
// For G.711 and G.722, whose payloaders split a long block by samples, each
// packet's timestamp advances by the bytes before it (one tick per octet at
// their 8000 Hz RTP clock).
func (p *Packetizer) Packetize(frame []byte, ts uint32) ([]Packet, error) {
	return p.PacketizeMarked(frame, ts, p.MarkFrameEnd)
}

// PacketizeMarked is Packetize with the marker given by the caller. For
// video it goes on the last packet: with spatial layers of one picture
// (VP9 SVC, AV1 with a dependency descriptor) only the last layer's call
// sets it. For audio (Opus, G.711, G.722) it goes on the first packet, for
// the first frame of a talkspurt (RFC 3551 §4.1).
func (p *Packetizer) PacketizeMarked(frame []byte, ts uint32, marker bool) ([]Packet, error) {
	mtu := p.MTU
	if mtu <= 0 {
		mtu = 1200
	}
	p.payloads.Reset()
	if err := p.Payloader.Payload(&p.payloads, mtu, frame); err != nil {
		return nil, err
	}
	n := p.payloads.Len()
	if cap(p.packets) < n {
		p.packets = make([]Packet, n, n+n/2)
	}
	p.packets = p.packets[:n]
	advance := false
	markAt := n - 1
	switch p.Payloader.(type) {
	case G711Payloader, *G711Payloader, G722Payloader, *G722Payloader:
		advance, markAt = true, 0
	case OpusPayloader, *OpusPayloader:
		markAt = 0
	}
	for i := range n {
		pkt := &p.packets[i]
		pkt.Header.ClearExtensions()
		pkt.Header.csrcCount = 0
		pkt.Version = Version
		pkt.Padding = false
		pkt.PaddingSize = 0
		pkt.SSRC = p.SSRC
		pkt.PayloadType = p.PayloadType
		pkt.SequenceNumber = p.SequenceNumber
		p.SequenceNumber++
		pkt.Timestamp = ts
		pkt.Payload = p.payloads.At(i)
		pkt.Marker = marker && i == markAt
		if advance {
			ts += uint32(len(pkt.Payload))
		}
	}
	return p.packets, nil
}
