package tls13

import (
	"errors"
	"time"
)

// onPostHandshake handles handshake messages after the handshake: KeyUpdate
// (RFC 9147 §8) and NewSessionTicket (ignored: no resumption here).
func (e *Endpoint) onPostHandshake(epoch uint64, typ HandshakeType, body []byte) error {
	switch typ {
	case TypeKeyUpdate:
		if epoch != e.peerEpoch {
			return alert(alertUnexpectedMessage, errors.New("tls13: KeyUpdate in an old epoch"))
		}
		req, err := ParseKeyUpdate(body)
		if err != nil {
			return err
		}
		e.stats.KeyUpdatesReceived++
		// RFC 8446 §7.2: the peer's next secret; RFC 9147 §8: its records
		// come in epoch+1 once our ACK arrives, so install it now.
		e.peerApp = e.sched.NextTrafficSecret(e.peerApp)
		e.peerEpoch++
		if err := e.addReader(e.peerEpoch, e.peerApp); err != nil {
			return err
		}
		e.sendACK()
		if req == UpdateRequested {
			// RFC 8446 §4.6.3: we owe a KeyUpdate "prior to sending
			// [our] next Application Data record". Requests coalesce:
			// while our keys have protected nothing new, one answer
			// covers them all, so a storm of requests costs one
			// KeyUpdate per record we send.
			e.kuOwed = true
			if e.sentSinceUpdate && !e.kuPending && len(e.fl.msgs) == 0 {
				return e.UpdateKeys(e.now, false)
			}
		}
		return nil
	case TypeNewSessionTicket:
		return nil
	case TypeNewConnectionID:
		return e.onNewConnectionID(body)
	case TypeRequestConnectionID:
		return e.onRequestConnectionID(body)
	}
	return alert(alertUnexpectedMessage, errors.New("tls13: unexpected "+typ.String()+" after the handshake"))
}

// UpdateKeys sends a KeyUpdate (RFC 9147 §8): we switch to the next epoch
// once the peer acknowledges it. requestPeer asks the peer to update too.
func (e *Endpoint) UpdateKeys(now time.Time, requestPeer bool) error {
	e.advance(now)
	if e.state == stateClosed {
		return ErrClosed
	}
	if e.state != stateConnected {
		return ErrNotConnected
	}
	// RFC 9147 §8: "an implementation MUST NOT send a new KeyUpdate until
	// the previous one has been acknowledged"; nor while our last
	// handshake flight is unacknowledged.
	if e.kuPending || len(e.fl.msgs) > 0 {
		return ErrKeyUpdatePending
	}
	body := []byte{byte(UpdateNotRequested)}
	if requestPeer {
		body[0] = byte(UpdateRequested)
	}
	e.kuPending, e.kuOwed, e.sentSinceUpdate = true, false, false
	e.stats.KeyUpdatesSent++
	return e.sendFlight(false, msg{e.appEpoch, TypeKeyUpdate, body})
}

// finishKeyUpdate moves our writes to the next epoch after the ACK.
func (e *Endpoint) finishKeyUpdate() {
	e.kuPending = false
	e.myApp = e.sched.NextTrafficSecret(e.myApp)
	e.appEpoch++
	if err := e.addWriter(e.appEpoch, e.myApp); err != nil {
		e.err = err
		e.state = stateClosed
	}
}
