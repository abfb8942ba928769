package dtls

import (
	"errors"
	"time"
)

// A server created without a peer (NewServer with an invalid tr.Peer)
// learns its peer from ClientHellos. Before its handshake completes nothing
// it has received is authenticated, so the first source must not simply
// win (issue 11):
//
//   - Datagrams bind nothing until a ClientHello is accepted (negotiated,
//     and with a valid cookie when Config.HelloVerify is set). A bad
//     ClientHello from an unbound server's point of view could be anyone's:
//     it is answered with its fatal alert, back where it came from, and
//     the server keeps waiting.
//   - Once bound, datagrams from any other source are dropped and counted
//     (Stats.WrongSource), except a ClientHello during the handshake.
//   - Such a ClientHello gets a stateless HelloVerifyRequest (RFC 6347
//     §4.2.1) back to its source. If it returns with a valid cookie, it has
//     proved it receives at its address, which a spoofed source cannot do:
//     when the current peer never proved that (it was accepted without a
//     cookie), the handshake restarts with the new source, once. A peer
//     that returned a valid cookie is never displaced.
//
// So one spoofed ClientHello that arrives before the real one cannot take
// the server, and the server holds state for one handshake at a time, none
// per stranger. A remote attacker that can receive at its own address can
// still race the real peer to the port; in WebRTC the PeerConnection passes
// DTLS only from the ICE-validated pair, and Config.HelloVerify closes the
// window for spoofed sources entirely.

var errWrongSource = errors.New("datagram from a source other than the peer")

// bind makes the source of the accepted ClientHello the peer.
func (c *Conn) bind(cookieOK bool) {
	if !c.learnTr || c.bound {
		return
	}
	c.tr = c.inTr
	c.bound = true
	c.verified = cookieOK
}

// refuseHello handles a ClientHello that cannot be served. A server that
// knows its peer fails the handshake (err goes to handshakeFailed). An
// unbound server answers with the fatal alert to the sender only and keeps
// waiting: the ClientHello could be anyone's.
func (c *Conn) refuseHello(err error) error {
	if !c.learnTr || c.bound {
		return err
	}
	c.hs = new(handshakeState)
	c.stats.BadHandshake++
	alert := AlertInternalError
	if ae := (*AlertError)(nil); errors.As(err, &ae) {
		alert = ae.Alert
	}
	if c.hvrSent {
		return dropped(err) // one answer per datagram, as for HelloVerifyRequests
	}
	c.hvrSent = true
	if dg, serr := c.sealRecord(nil, ContentAlert, 0, []byte{byte(AlertLevelFatal), byte(alert)}); serr == nil {
		if qerr := c.replyDatagram(dg); qerr != nil {
			return dropped(qerr)
		}
	}
	return dropped(err)
}

// handleForeign processes a datagram from a source other than the bound
// peer: only a complete ClientHello during the handshake is considered.
func (c *Conn) handleForeign(b []byte) error {
	if c.state == stateHandshake && !c.verified {
		for len(b) > 0 {
			h, frag, rest, err := ParseRecord(b)
			if err != nil {
				break
			}
			b = rest
			if h.Type != ContentHandshake || h.Epoch != 0 {
				continue
			}
			hh, body, _, err := parseHandshakeFragment(frag)
			if err == nil && hh.Type == TypeClientHello && hh.FragmentOffset == 0 && hh.FragmentLength == hh.Length {
				c.stats.RecordsIn++
				c.inRecordSeq = h.Seq
				return c.foreignHello(&hh, body)
			}
		}
	}
	c.stats.WrongSource++
	return dropped(errWrongSource)
}

// foreignHello answers a ClientHello from a new source while the handshake
// with an unverified peer is in progress: a HelloVerifyRequest, or with a
// valid cookie a restart with the new source.
func (c *Conn) foreignHello(hh *handshakeHeader, body []byte) error {
	if hh.MessageSeq > maxHelloSeq {
		c.stats.BadHandshake++
		return dropped(errHelloSeq)
	}
	ch, err := parseClientHello(body)
	if err != nil {
		c.stats.BadHandshake++
		return dropped(err)
	}
	if err := c.ensureCookieSecrets(); err != nil {
		return err
	}
	if !c.cookieValid(ch) {
		return c.sendHelloVerify(ch, hh.MessageSeq)
	}
	c.restartHandshake()
	c.stats.Restarts++
	body = append([]byte(nil), body...)
	err = c.serverClientHello(&pendingMessage{seq: hh.MessageSeq, typ: TypeClientHello, body: body})
	if err == nil {
		c.verified = true
	}
	var ae *AlertError
	if errors.As(err, &ae) {
		return c.handshakeFailed(err)
	}
	return err
}

// ensureCookieSecrets draws the cookie secrets on first use by a server
// that does not send HelloVerifyRequests by default.
func (c *Conn) ensureCookieSecrets() error {
	if c.cookies != nil {
		return nil
	}
	if err := c.rotateCookieSecret(); err != nil {
		return err
	}
	return c.rotateCookieSecret()
}

// restartHandshake forgets the handshake in progress (with keys derived
// from unauthenticated input, perhaps) and waits for a ClientHello again,
// unbound. Record sequence numbers keep increasing (RFC 6347 §4.1).
func (c *Conn) restartHandshake() {
	c.hs = new(handshakeState)
	c.step = stepClientHello
	c.recvSeq, c.sendSeq = 0, 0
	c.reasm.clear()
	c.transcript = c.transcript[:0]
	c.flight, c.finalFlight = nil, false
	c.early, c.earlyData = nil, nil
	c.writeCipher, c.readCipher, c.writeEpoch = nil, nil, 0
	c.writeSeq[1] = 0
	c.replay.Reset()
	c.peerEpoch1 = false
	c.rtxDeadline, c.rtxCount, c.rtxInterval, c.mtuBackoff = time.Time{}, 0, c.cfg.rtxInitial(), false
	c.hsDeadline = time.Time{}
	c.bound, c.verified = false, false
}

// peerRetransmitGap is the least time between two retransmissions of a
// flight that the peer's retransmissions trigger (RFC 6347 §4.2.4). Without
// it, every forged or duplicated copy of an old handshake record, which
// nothing authenticates, would make us send a whole flight.
func (c *Conn) peerRetransmitGap() time.Duration {
	return min(100*time.Millisecond, c.cfg.rtxInitial()/2)
}
