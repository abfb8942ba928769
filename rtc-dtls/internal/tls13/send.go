package tls13

// The outgoing side: flights cut into records and datagrams, ACKs, alerts.

// newDatagram returns an empty buffer for one datagram.
func (e *Endpoint) newDatagram() []byte { return e.buffer(e.cfg.mtu() + 64) }

// buffer returns an empty buffer for n bytes, from Config.Buffer if set.
func (e *Endpoint) buffer(n int) []byte {
	if e.cfg.Buffer != nil {
		if b := e.cfg.Buffer(n); cap(b) >= n {
			return b[:0]
		}
	}
	return make([]byte, 0, n)
}

// release hands b, from buffer, back to Config.Release when owned.
func (e *Endpoint) release(b []byte, owned bool) {
	if owned && e.cfg.Release != nil {
		e.cfg.Release(b)
	}
}

func (e *Endpoint) pushDatagram(d []byte) {
	if len(d) > 0 {
		e.out = append(e.out, d)
	}
}

// fragSize is the handshake fragment size that fits one record in an MTU:
// the larger of the two record headers (13, DTLSPlaintext), the 12-byte
// handshake header, the content type byte and the AEAD tag. With a peer
// record_size_limit (RFC 8449 §4), a protected fragment's TLSInnerPlaintext
// (handshake header, fragment, content type) stays within it.
func (e *Endpoint) fragSize() int {
	n := max(e.cfg.mtu()-13-12-1-16, 64)
	if e.peerLimit > 0 {
		n = min(n, e.peerLimit-12-1) // at least 51: the limit is at least 64
	}
	return n
}

// msg is one handshake message of a flight being built.
type msg struct {
	epoch uint64
	typ   HandshakeType
	body  []byte
}

// sendFlight replaces our flight with msgs (the previous one is implicitly
// acknowledged by the peer's reply, RFC 9147 §7.2) and transmits it.
func (e *Endpoint) sendFlight(final bool, msgs ...msg) error {
	e.fl.reset()
	e.fl.rto = e.cfg.rtxInitial()
	e.fl.final = final
	for _, m := range msgs {
		e.fl.add(m.epoch, m.typ, e.outSeq, m.body, e.fragSize())
		e.outSeq++
	}
	// Our flight answers the peer's: its records need no separate ACK.
	e.ackDue = timeZero
	e.ackList = e.ackList[:0]
	return e.transmit()
}

// transmit sends every unacknowledged fragment of the flight, packed into
// datagrams of at most MTU bytes, and arms the retransmission timer (RFC
// 9147 §5.8.2). Each fragment goes in its own record so an ACK names it.
func (e *Endpoint) transmit() error {
	if len(e.fl.msgs) == 0 {
		return nil
	}
	mtu := e.cfg.mtu()
	fs := e.fragSize()
	d := e.newDatagram()
	for mi := range e.fl.msgs {
		m := &e.fl.msgs[mi]
		for fi, acked := range m.acked {
			if acked {
				continue
			}
			lo := fi * fs
			hi := min(lo+fs, len(m.body))
			e.frag = AppendHandshakeHeader(e.frag[:0], HandshakeHeader{Type: m.typ, Length: uint32(len(m.body)),
				MessageSeq: m.seq, FragmentOffset: uint32(lo), FragmentLength: uint32(hi - lo)})
			e.frag = append(e.frag, m.body[lo:hi]...)
			if len(d) > 0 && len(d)+len(e.frag)+13+17 > mtu {
				e.pushDatagram(d)
				d = e.newDatagram()
			}
			var rn RecordNumber
			var err error
			d, rn, err = e.appendRecord(d, m.epoch, ContentHandshake, e.frag)
			if err != nil {
				return err
			}
			e.fl.recordSent(rn, mi, fi)
		}
	}
	e.pushDatagram(d)
	e.fl.deadline = e.now.Add(e.fl.rto)
	return nil
}

// appendRecord appends one record of epoch: DTLSPlaintext for epoch 0,
// DTLSCiphertext otherwise.
func (e *Endpoint) appendRecord(d []byte, epoch uint64, typ ContentType, payload []byte) ([]byte, RecordNumber, error) {
	if epoch == 0 {
		rn := RecordNumber{Epoch: 0, Seq: e.w0seq}
		d = AppendPlaintext(d, PlaintextHeader{Type: typ, Version: VersionDTLS12, Seq: e.w0seq}, payload)
		e.w0seq++
		return d, rn, nil
	}
	w := e.writer(epoch)
	if w == nil {
		return d, RecordNumber{}, errNoWriter
	}
	d, seq, err := w.Seal(d, typ, payload, 0)
	return d, RecordNumber{Epoch: epoch, Seq: seq}, err
}

// bestEpoch is the newest epoch we can write (0 before handshake keys).
func (e *Endpoint) bestEpoch() uint64 {
	if len(e.writers) == 0 {
		return 0
	}
	if e.state == stateConnected || e.state == stateClosed {
		if e.writer(e.appEpoch) != nil {
			return e.appEpoch
		}
	}
	if e.writer(2) != nil {
		return 2
	}
	return e.writers[len(e.writers)-1].Epoch
}

// sendACK sends the record numbers of the peer's flight received so far
// (RFC 9147 §7), in an epoch at least as new as any of them.
func (e *Endpoint) sendACK() {
	e.ackDue = timeZero
	if len(e.ackList) == 0 {
		return
	}
	epoch := e.bestEpoch()
	list := e.ackList
	if n := (e.peerLimit - 1 - 2) / 16; e.peerLimit > 0 && epoch > 0 && len(list) > n {
		// RFC 8449 §4 bounds the ACK record too: the newest record numbers
		// that fit (RFC 9147 §7: an ACK need not list every record).
		list = list[len(list)-n:]
	}
	body, err := AppendACK(e.frag[:0], list)
	if err != nil {
		return
	}
	e.frag = body
	d, _, err := e.appendRecord(e.newDatagram(), epoch, ContentACK, body)
	if err != nil {
		return
	}
	e.stats.ACKsSent++
	e.pushDatagram(d)
}

// sendAlert queues an alert record in the newest epoch the peer can read.
func (e *Endpoint) sendAlert(level, desc uint8) {
	epoch := e.bestEpoch()
	if e.server && e.state == stateWaitCH {
		epoch = 0
	}
	d, _, err := e.appendRecord(e.newDatagram(), epoch, ContentAlert, []byte{level, desc})
	if err == nil {
		e.pushDatagram(d)
	}
}
