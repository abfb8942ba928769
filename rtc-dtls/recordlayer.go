package dtls

import (
	"errors"
	"fmt"
)

// maxEarly is how many epoch-1 records are held until the keys exist.
const maxEarly = 4

// replayEarly processes the buffered epoch-1 records now that the keys
// exist.
func (c *Conn) replayEarly() (old bool, err error) {
	early := c.early
	c.early = nil
	for _, rec := range early {
		h, frag, _, perr := ParseRecordCID(rec, c.receivesCID())
		if perr != nil {
			continue
		}
		o, e := c.handleRecord(&h, frag)
		old = old || o
		if e != nil && err == nil {
			err = e
		}
		if c.state == stateClosed {
			break
		}
	}
	return old, err
}

func dropped(err error) error { return fmt.Errorf("%w: %w", ErrDropped, err) }

// handleRecord unprotects and dispatches one record. old reports a
// retransmitted handshake message from the peer.
func (c *Conn) handleRecord(h *RecordHeader, frag []byte) (old bool, err error) {
	withCID := h.Type == ContentTLS12CID
	switch h.Type {
	case ContentChangeCipherSpec, ContentAlert, ContentHandshake, ContentApplicationData:
	case ContentTLS12CID:
		if c.receivesCID() == 0 {
			// Without a CID for records to us, tls12_cid is a type we
			// do not use (RFC 9146 §4: such records are only valid once
			// negotiated).
			c.stats.Malformed++
			return false, dropped(errRecordType)
		}
		if err := c.checkCID(h); err != nil {
			c.stats.ConnectionID++
			return false, dropped(err)
		}
	default:
		c.stats.Malformed++
		return false, dropped(errRecordType)
	}
	if h.Epoch > 1 {
		c.stats.WrongEpoch++
		return false, dropped(errors.New("unknown epoch"))
	}
	if h.Epoch == 1 && !withCID && c.cid.on && len(c.cid.ours) > 0 {
		// RFC 9146 §3: "If DTLS peers have negotiated the use of a
		// non-zero-length CID for a given direction, then once
		// encryption is enabled, they MUST send with the record format
		// defined in Figure 3": a protected record without it is not the
		// peer's.
		c.stats.ConnectionID++
		return false, dropped(errCIDMissing)
	}
	// RFC 6347 §4.1.2.6: "The receive window is updated only if the MAC
	// verification succeeds." Epoch 0 is never authenticated, so it has no
	// window at all: one spoofed plaintext record with sequence number
	// 2^48-1 would otherwise make every real record after it a "replay".
	// Handshake messages are deduplicated by message_seq instead, and a
	// repeated one is the peer's retransmission (§4.2.4).
	rw := &c.replay
	if h.Epoch == 1 && !rw.Check(h.Seq) {
		c.stats.Replayed++
		return false, dropped(errors.New("replayed record"))
	}
	plain := frag
	if h.Epoch == 1 {
		if c.readCipher == nil {
			// RFC 6347 §4.1: records of the next epoch that arrive before
			// the keys "MAY" be buffered; a few are, to survive reordering.
			if c.state == stateHandshake && len(c.early) < maxEarly {
				rec := h.AppendTo(make([]byte, 0, h.Len()+len(frag)))
				c.early = append(c.early, append(rec, frag...))
				return false, nil
			}
			c.stats.WrongEpoch++
			return false, dropped(errors.New("epoch 1 record before keys"))
		}
		if withCID && !c.cid.on {
			// Buffered on our offer, but the peer did not take it up.
			c.stats.ConnectionID++
			return false, dropped(errCIDUnexpected)
		}
		pooled := h.Type == ContentApplicationData || withCID
		var dst []byte
		if pooled {
			// Decrypted straight into the buffer PollRead hands out (a
			// tls12_cid record's real type is known only inside).
			dst = c.buffer(len(frag))
		} else {
			if cap(c.scratch) < len(frag) {
				n := len(frag)
				if c.state == stateHandshake {
					n = max(n, 2048) // a flight's records, one after another
				}
				c.scratch = make([]byte, 0, n)
			}
			dst = c.scratch[:0]
		}
		p, err := c.readCipher.open(dst, *h, frag)
		if err != nil {
			if pooled {
				c.release(dst)
			}
			c.stats.AuthFailed++
			return false, dropped(err)
		}
		plain = p
		// RFC 8449 §4: in (D)TLS 1.2 the limit counts all input to the
		// record protection (with a CID, the whole DTLSInnerPlaintext).
		// A DTLS endpoint may discard a record over it.
		if c.ourRecordLimit > 0 && len(plain) > c.ourRecordLimit {
			if pooled {
				c.release(plain)
			}
			c.stats.LimitExceeded++
			return false, dropped(fmt.Errorf("%w: record of %d bytes over our record_size_limit %d", ErrLimit, len(plain), c.ourRecordLimit))
		}
		if withCID {
			typ, content, err := splitInner(plain)
			if err != nil {
				c.release(plain)
				c.stats.ConnectionID++
				return false, dropped(err)
			}
			h.Type = typ
			plain = content
			if typ != ContentApplicationData {
				// Handshake, alert and CCS plaintexts are small and
				// consumed here: the pooled buffer goes back at once.
				c.scratch = append(c.scratch[:0], content...)
				c.release(plain)
				plain = c.scratch
			}
			if latest, started := rw.Latest(); !started || h.Seq > latest {
				// RFC 9146 §6: only an authenticated record newer than
				// every one before it may move the peer.
				c.followPeer()
			}
		}
	}
	if len(plain) > maxPlaintext {
		c.stats.Malformed++
		if h.Epoch == 1 && h.Type == ContentApplicationData {
			c.release(plain)
		}
		return false, dropped(errRecordTooLong)
	}
	// RFC 6347 §4.1.2.6: update the window only after authentication.
	switch h.Type {
	case ContentApplicationData:
		if h.Epoch == 1 && c.state == stateHandshake && len(c.earlyData) < maxEarly {
			// Authenticated data that overtook the peer's Finished: held
			// until the handshake completes.
			rw.Accept(h.Seq)
			c.earlyData = append(c.earlyData, plain) // decrypted into its own buffer
			return false, nil
		}
		if h.Epoch != 1 || c.state != stateEstablished {
			if h.Epoch == 1 {
				c.release(plain)
			}
			c.stats.Unexpected++
			return false, dropped(errors.New("application data outside epoch 1 or before the handshake completed"))
		}
		if c.reads.Full() {
			c.release(plain)
			c.stats.QueueFull++
			return false, dropped(ErrQueueFull)
		}
		rw.Accept(h.Seq)
		c.peerEpoch1 = true
		_ = c.reads.Push(plain) // decrypted into its own buffer
		return false, nil
	case ContentAlert:
		if h.Epoch == 0 && c.step == stepClientHello {
			// A server that has not accepted a ClientHello has no peer
			// yet: an alert now is a stranger's.
			c.stats.Unexpected++
			return false, dropped(errors.New("alert before the ClientHello"))
		}
		if h.Epoch == 0 && c.peerEpoch1 {
			// Once the peer protects its records, an unprotected alert
			// could be anyone's.
			c.stats.WrongEpoch++
			return false, dropped(errors.New("plaintext alert after the peer switched epochs"))
		}
		if len(plain) != 2 {
			c.stats.Malformed++
			return false, dropped(errors.New("malformed alert"))
		}
		if h.Epoch == 1 {
			rw.Accept(h.Seq)
			c.peerEpoch1 = true
		}
		return false, c.handleAlert(AlertLevel(plain[0]), Alert(plain[1]))
	case ContentChangeCipherSpec:
		// RFC 6347 §4.1: the CCS carries the single byte 1. The epoch
		// switch itself is implied by epoch-1 records, which are
		// authenticated, so the CCS needs no further processing.
		if len(plain) != 1 || plain[0] != 1 {
			c.stats.Malformed++
			return false, dropped(errors.New("malformed change_cipher_spec"))
		}
		if h.Epoch == 1 {
			rw.Accept(h.Seq)
		}
		return false, nil
	default: // ContentHandshake: the type was checked on entry
		if h.Epoch == 1 {
			rw.Accept(h.Seq)
			c.peerEpoch1 = true
		}
		c.inRecordSeq = h.Seq
		return c.handleHandshakeRecord(h.Epoch, plain)
	}
}

// handleHandshakeRecord feeds the fragments of one record to reassembly and
// processes every message that completes, in message_seq order.
func (c *Conn) handleHandshakeRecord(epoch uint16, b []byte) (old bool, err error) {
	for len(b) > 0 {
		h, frag, rest, perr := parseHandshakeFragment(b)
		if perr != nil {
			c.stats.BadHandshake++
			return old, dropped(perr)
		}
		b = rest
		if c.step == stepClientHello {
			// A server waiting for a ClientHello buffers nothing else:
			// before it, anything could be anyone's.
			if h.Type != TypeClientHello || epoch != 0 {
				c.stats.Unexpected++
				return old, dropped(errors.New("handshake message before the ClientHello"))
			}
			// RFC 6347 §4.2.2: the server's first ClientHello may have a
			// message_seq other than 0 (1 after a HelloVerifyRequest, more
			// after several), but never near the 16-bit wrap.
			if h.MessageSeq > maxHelloSeq {
				c.stats.BadHandshake++
				return old, dropped(errHelloSeq)
			}
			if err := c.bufferFragment(&h, epoch, frag, true); err != nil {
				return old, err
			}
		} else {
			if h.Type == TypeHelloRequest && c.state == stateHandshake {
				// RFC 5246 §7.4.1.1: a HelloRequest during a handshake is
				// ignored. It must not take a message_seq either: anyone
				// can forge one.
				c.stats.Unexpected++
				continue
			}
			if h.MessageSeq < c.recvSeq {
				old = true
				continue
			}
			if epoch == 0 && c.state == stateEstablished {
				// A new plaintext handshake message on an established
				// association is unauthenticated and could be anyone's;
				// RFC 6347 §4.1.2.7: invalid records "SHOULD be silently
				// discarded". (A renegotiating peer sends its hello
				// under the current epoch.)
				c.stats.WrongEpoch++
				return old, dropped(errors.New("plaintext handshake message after the handshake"))
			}
			if err := c.bufferFragment(&h, epoch, frag, false); err != nil {
				return old, err
			}
		}
		if err := c.processReady(); err != nil {
			return old, err
		}
		if c.state == stateClosed {
			return old, nil
		}
	}
	return old, nil
}

// maxAhead is how far beyond the next expected message_seq fragments are
// buffered.
const maxAhead = 8

// maxHelloSeq is the largest message_seq of a first ClientHello a server
// accepts: a client that restarted after this many HelloVerifyRequests is
// broken, and message_seq arithmetic stays far from the 16-bit wrap.
const maxHelloSeq = 64

var errHelloSeq = errors.New("ClientHello message_seq out of range")

func (c *Conn) bufferFragment(h *handshakeHeader, epoch uint16, frag []byte, anySeq bool) error {
	// Compared as int: recvSeq+maxAhead must not wrap in 16 bits.
	if !anySeq && int(h.MessageSeq) >= int(c.recvSeq)+maxAhead {
		c.stats.LimitExceeded++
		return dropped(errors.New("handshake message too far ahead"))
	}
	if int(h.Length) > c.cfg.maxHandshakeMessage() {
		c.stats.LimitExceeded++
		return dropped(fmt.Errorf("%w: handshake message of %d bytes", ErrLimit, h.Length))
	}
	p := c.reasm.find(h.MessageSeq)
	if p != nil && !p.complete() && (p.typ != h.Type || len(p.body) != int(h.Length) || p.epoch != epoch || (c.learnTr && p.src != c.inTr.Peer)) {
		// A fragment that disagrees with a partial message: nothing in
		// epoch 0 is authenticated, so the partial one may be the forgery.
		// The newest wins; otherwise one forged fragment would block the
		// real message for good. The peer's retransmission settles it.
		c.reasm.remove(p.seq)
		c.stats.BadHandshake++
		p = nil
	}
	if p == nil {
		if c.reasm.buffered+int(h.Length) > c.cfg.maxBufferedHandshake() {
			c.stats.LimitExceeded++
			return dropped(fmt.Errorf("%w: reassembly buffer full", ErrLimit))
		}
		p = &pendingMessage{seq: h.MessageSeq, typ: h.Type, epoch: epoch, src: c.inTr.Peer, body: make([]byte, h.Length)}
		c.reasm.msgs = append(c.reasm.msgs, p)
		c.reasm.buffered += int(h.Length)
	}
	if err := p.add(h, epoch, frag, c.cfg.maxFragmentRanges()); err != nil {
		if err == errFragmentGaps {
			c.stats.LimitExceeded++
			return dropped(fmt.Errorf("%w: %w", ErrLimit, err))
		}
		c.stats.BadHandshake++
		return dropped(err)
	}
	return nil
}

// processReady processes complete messages in order.
func (c *Conn) processReady() error {
	for c.state != stateClosed {
		var p *pendingMessage
		if c.step == stepClientHello {
			for _, m := range c.reasm.msgs {
				if m.typ == TypeClientHello && m.complete() {
					p = m
					break
				}
			}
		} else {
			p = c.reasm.find(c.recvSeq)
			if p != nil && !p.complete() {
				p = nil
			}
		}
		if p == nil {
			return nil
		}
		c.reasm.remove(p.seq)
		if c.step != stepClientHello {
			c.recvSeq++
		}
		var err error
		if c.isClient {
			err = c.clientHandle(p)
		} else {
			err = c.serverHandle(p)
		}
		if errors.Is(err, ErrDropped) {
			return err // refused without failing (a stranger's ClientHello)
		}
		if c.v13 != nil {
			return err // DTLS 1.3 took over (conn13.go); it sent any alert itself
		}
		if err != nil {
			return c.handshakeFailed(err)
		}
	}
	return nil
}

func (c *Conn) handleAlert(level AlertLevel, a Alert) error {
	if a == AlertCloseNotify {
		// RFC 5246 §7.2.1: "the other party MUST respond with a
		// close_notify alert of its own and close down the connection
		// immediately, discarding any pending writes."
		c.sendAlert(AlertLevelWarning, AlertCloseNotify)
		if c.state == stateHandshake {
			// A close before the handshake completed is its failure.
			err := &AlertError{Alert: AlertCloseNotify, Remote: true}
			c.closeWith(err)
			return err
		}
		c.closeWith(nil)
		return nil
	}
	if level == AlertLevelFatal {
		err := &AlertError{Alert: a, Remote: true}
		c.closeWith(err)
		return err
	}
	c.pushEvent(Event{Kind: EventAlert, Alert: a, Level: level, Remote: true})
	return nil
}

// sendAlert queues an alert record under the current write epoch.
func (c *Conn) sendAlert(level AlertLevel, a Alert) {
	if c.state == stateClosed {
		return
	}
	dg, err := c.sealRecord(nil, ContentAlert, c.writeEpoch, []byte{byte(level), byte(a)})
	if err == nil {
		c.queueDatagram(dg)
	}
}

// queueDatagram hands a datagram for the peer to PollWrite's queue.
func (c *Conn) queueDatagram(dg []byte) error {
	return c.queueOut(outDatagram{b: dg})
}

// replyDatagram queues a datagram back to where the current one came from.
func (c *Conn) replyDatagram(dg []byte) error {
	return c.queueOut(outDatagram{b: dg, to: c.inTr, direct: true})
}

func (c *Conn) queueOut(dg outDatagram) error {
	if err := c.out.Push(dg); err != nil {
		c.stats.QueueFull++
		return ErrQueueFull
	}
	c.stats.DatagramsOut++
	return nil
}

// sealRecord appends one record of the given type under epoch.
func (c *Conn) sealRecord(out []byte, typ ContentType, epoch uint16, payload []byte) ([]byte, error) {
	if c.writeSeq[epoch] > maxSeq {
		// RFC 6347 §4.1: "If a DTLS implementation would need to wrap a
		// sequence number, it MUST instead abandon the association or
		// renegotiate." We never renegotiate: the connection ends.
		c.closeWith(ErrSequenceExhausted)
		return out, ErrSequenceExhausted
	}
	h := RecordHeader{Type: typ, Version: versionDTLS12, Epoch: epoch, Seq: c.writeSeq[epoch]}
	c.writeSeq[epoch]++
	c.stats.RecordsOut++
	if epoch == 0 {
		h.Length = uint16(len(payload))
		out = h.AppendTo(out)
		return append(out, payload...), nil
	}
	if c.sendsCID() {
		// RFC 9146 §4: the peer's CID in the header, the real type after
		// the content inside the protection (no padding).
		c.cid.inner = append(append(c.cid.inner[:0], payload...), byte(typ))
		payload = c.cid.inner
		h.Type, h.CID = ContentTLS12CID, c.cid.peer
	}
	start := len(out)
	out = h.AppendTo(out)
	out, err := c.writeCipher.seal(out, h, payload, c.cfg.rand())
	if err != nil {
		return out[:start], err
	}
	hl := h.Len()
	n := len(out) - start - hl
	out[start+hl-2], out[start+hl-1] = byte(n>>8), byte(n)
	return out, nil
}

// overheadFor is the record overhead under epoch.
func (c *Conn) overheadFor(epoch uint16) int {
	if epoch == 0 || c.writeCipher == nil {
		return recordHeaderLen
	}
	n := recordHeaderLen + c.writeCipher.overhead()
	if c.sendsCID() {
		n += len(c.cid.peer) + 1 // the CID and the real content type
	}
	return n
}
