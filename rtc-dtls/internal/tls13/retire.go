package tls13

// Letting go of the handshake (issue 18: memory per connection). A
// connected Endpoint keeps only what the connection uses: its application
// keys, the schedule (exporter, KeyUpdate) and the peer's chain. The rest
// goes in two steps.
//
//  1. handshakeDone, when the handshake completes: the handshake state
//     (its own allocation): the transcript hash, the handshake traffic
//     secrets, our ClientHello and key shares, the peer's public key and
//     the cookie key. Nothing reads them again: our Finished is built, the
//     peer's verified.
//  2. retire, when the handshake is confirmed: the epoch-2 keys (an
//     AES-GCM and a record-number cipher each way), our last flight and
//     the handshake scratch. RFC 9147 §4.2.1: "Implementations SHOULD
//     discard records from earlier epochs".
//
// When is it confirmed? The client's last flight (Finished) is
// acknowledged by an ACK (RFC 9147 §5.8.3): the client retires on that ACK,
// or when it stops resending the flight at the handshake deadline. The
// server's last flight is acknowledged by the client's Finished: it drops
// its flight and its epoch-2 write keys at once (its ACK goes in epoch 3).
// It keeps the epoch-2 read keys for one handshake timeout more: if its
// ACK is lost the client resends its Finished in epoch 2, and the server
// must read it to ACK again. The client gives up resending by then (its
// handshake started before the server completed), and RFC 9147 §4.2.1
// allows keeping old epochs up to the MSL. That retirement is lazy: it
// happens in the first HandleDatagram, HandleTimeout or WriteApp at or
// after the deadline, so it adds no wake-up.

// handshakeDone forgets what only the handshake messages needed.
func (e *Endpoint) handshakeDone() {
	e.hs = nil
	if e.sched != nil {
		e.sched.Compact()
	}
	// Connected, records are decrypted into the buffers ReadApp hands
	// out (HandleDatagram): the handshake's scratch goes.
	e.scratch = nil
}

// serverConfirmed: the client's Finished acknowledged our last flight.
func (e *Endpoint) serverConfirmed() {
	e.fl.msgs, e.fl.sent = nil, nil
	e.frag = nil // the handshake's fragment scratch (1.3 KB); the ACK takes a small one
	e.dropWriter(2)
	e.epoch2Until = e.now.Add(e.cfg.handshakeTimeout())
}

// retireDue retires the handshake once the server's deadline passed.
func (e *Endpoint) retireDue() {
	if !e.epoch2Until.IsZero() && !e.now.Before(e.epoch2Until) {
		e.retire()
	}
}

// retire drops the epoch-2 keys and the handshake's flight and scratch.
func (e *Endpoint) retire() {
	if e.retired || !e.completed {
		return
	}
	e.retired, e.epoch2Until = true, timeZero
	e.reader.DropEpochsBelow(3)
	e.dropWriter(2)
	if len(e.fl.msgs) == 0 {
		e.fl.msgs, e.fl.sent = nil, nil
	}
	e.ackList, e.frag = nil, nil
}

// dropWriter forgets the write keys of epoch.
func (e *Endpoint) dropWriter(epoch uint64) {
	for i := range e.writers {
		if e.writers[i].Epoch == epoch {
			copy(e.writers[i:], e.writers[i+1:])
			e.writers[len(e.writers)-1] = Writer{} // its keys go to the GC
			e.writers = e.writers[:len(e.writers)-1]
			return
		}
	}
}

// ReleaseIdle gives back the storage of the empty datagram and application
// record queues (their backing arrays grow during the handshake and with
// bursts); the owner calls it when the connection has been idle for a
// while (rtc-dtls: shared.IdleAfter). Queued items are kept.
func (e *Endpoint) ReleaseIdle() {
	if e.outHead >= len(e.out) {
		e.out, e.outHead = nil, 0
	}
	if e.appHead >= len(e.app) {
		e.app, e.appHead = nil, 0
	}
	if len(e.ackList) == 0 {
		e.ackList = nil
	}
}
