package dtls

import "time"

// flightMsg is one message of the flight we last sent, kept for
// retransmission (RFC 6347 §4.2.4).
type flightMsg struct {
	ccs   bool   // a ChangeCipherSpec record rather than a handshake message
	epoch uint16 // epoch the record goes out under
	typ   HandshakeType
	seq   uint16
	body  []byte
}

// After mtuBackoffAfter timer retransmissions of a flight, it is
// fragmented for backoffMTU: 576 bytes (the IPv4 minimum reassembly size)
// less the IPv4 and UDP headers.
const (
	mtuBackoffAfter = 2
	backoffMTU      = 576 - 20 - 8
)

// sendFlight (re)transmits the current flight: handshake messages
// fragmented to the MTU (RFC 6347 §4.2.3), several records per datagram,
// with fresh record sequence numbers.
func (c *Conn) sendFlight() error {
	mtu := c.cfg.mtu()
	c.flightSent = c.clock.Now()
	if c.rtxCount >= mtuBackoffAfter {
		c.mtuBackoff = true // and for the later flights too
	}
	if c.mtuBackoff {
		// RFC 6347 §4.1.1.1: "If repeated retransmissions do not result
		// in a response, and the PMTU is unknown, subsequent
		// retransmissions SHOULD back off to a smaller record size".
		mtu = min(mtu, backoffMTU)
	}
	var dg []byte
	flush := func() error {
		if len(dg) == 0 {
			return nil
		}
		err := c.queueDatagram(dg)
		dg = nil
		return err
	}
	for i := range c.flight {
		m := &c.flight[i]
		ovh := c.overheadFor(m.epoch)
		if m.ccs {
			if len(dg)+ovh+1 > mtu {
				if err := flush(); err != nil {
					return err
				}
			}
			var err error
			if dg, err = c.sealRecord(dg, ContentChangeCipherSpec, m.epoch, []byte{1}); err != nil {
				return err
			}
			continue
		}
		off := 0
		for first := true; first || off < len(m.body); first = false {
			room := mtu - len(dg) - ovh - handshakeHeaderLen
			if room < 32 && len(dg) > 0 {
				if err := flush(); err != nil {
					return err
				}
				room = mtu - ovh - handshakeHeaderLen
			}
			room = max(room, 32)
			n := min(room, len(m.body)-off)
			hh := handshakeHeader{Type: m.typ, Length: uint32(len(m.body)), MessageSeq: m.seq,
				FragmentOffset: uint32(off), FragmentLength: uint32(n)}
			payload := make([]byte, 0, handshakeHeaderLen+n)
			payload = hh.AppendTo(payload)
			payload = append(payload, m.body[off:off+n]...)
			var err error
			if dg, err = c.sealRecord(dg, ContentHandshake, m.epoch, payload); err != nil {
				return err
			}
			off += n
		}
	}
	return flush()
}

// startFlight replaces the flight, sends it and arms the retransmission
// timer (RFC 6347 §4.2.4.1). last is true for a flight that ends the
// handshake (it is only retransmitted when the peer retransmits).
func (c *Conn) startFlight(msgs []flightMsg, last bool) error {
	c.flight = msgs
	c.finalFlight = last
	// RFC 6347 §4.2.4.1: "Implementations SHOULD retain the current timer
	// value until a transmission without loss occurs, at which time the
	// value may be reset to the initial value."
	if c.rtxCount == 0 {
		c.rtxInterval = c.cfg.rtxInitial()
	}
	c.rtxCount = 0
	if last {
		c.rtxDeadline = time.Time{}
	} else {
		c.rtxDeadline = c.clock.Now().Add(c.rtxInterval)
	}
	return c.sendFlight()
}

// addMessage appends a handshake message we send to the flight and the
// transcript, taking the next message_seq.
func (c *Conn) addMessage(msgs []flightMsg, typ HandshakeType, body []byte, epoch uint16, hash bool) []flightMsg {
	seq := c.sendSeq
	c.sendSeq++
	if hash {
		c.transcript = appendMessage(c.transcript, typ, seq, body)
	}
	return append(msgs, flightMsg{typ: typ, seq: seq, body: body, epoch: epoch})
}

// hashMessage adds a received message to the transcript.
func (c *Conn) hashMessage(p *pendingMessage) {
	c.transcript = appendMessage(c.transcript, p.typ, p.seq, p.body)
}
