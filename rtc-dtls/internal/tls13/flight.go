package tls13

import "time"

// outMsg is one handshake message of our current flight, cut into fixed
// fragments so an ACK names exactly which pieces arrived (RFC 9147 §7).
type outMsg struct {
	epoch uint64
	typ   HandshakeType
	seq   uint16
	body  []byte
	acked []bool // per fragment
}

// sentRecord remembers which fragment a record carried, so an ACK of the
// record acknowledges that fragment (RFC 9147 §7.3).
type sentRecord struct {
	rn        RecordNumber
	msg, frag int
}

// flight is our outgoing flight with its retransmission timer (RFC 9147
// §5.8): sent whole, then only what the peer has not acknowledged.
type flight struct {
	msgs     []outMsg
	sent     []sentRecord
	deadline time.Time // zero: no timer
	rto      time.Duration
	tries    int
	// final: our last flight of the handshake, which only an ACK (not a
	// reply) acknowledges (RFC 9147 §5.8.3).
	final bool
}

// maxSentRecords bounds the record-to-fragment map; older entries are
// forgotten (an ACK for them is then ignored, and the fragment is resent).
const maxSentRecords = 256

func (f *flight) reset() {
	clear(f.msgs) // the bodies past the new length would stay reachable
	f.msgs = f.msgs[:0]
	f.sent = f.sent[:0]
	f.deadline = time.Time{}
	f.tries = 0
	f.final = false
}

func (f *flight) add(epoch uint64, typ HandshakeType, seq uint16, body []byte, fragSize int) {
	n := (len(body) + fragSize - 1) / fragSize
	if n == 0 {
		n = 1
	}
	f.msgs = append(f.msgs, outMsg{epoch: epoch, typ: typ, seq: seq, body: body, acked: make([]bool, n)})
}

// ack marks the fragments carried by rn as received. It reports whether
// that acknowledged a fragment not acknowledged before.
func (f *flight) ack(rn RecordNumber) bool {
	newly := false
	for _, s := range f.sent {
		if s.rn == rn && s.msg < len(f.msgs) && !f.msgs[s.msg].acked[s.frag] {
			f.msgs[s.msg].acked[s.frag] = true
			newly = true
		}
	}
	return newly
}

// done reports whether every fragment is acknowledged.
func (f *flight) done() bool {
	if len(f.msgs) == 0 {
		return true
	}
	for _, m := range f.msgs {
		for _, a := range m.acked {
			if !a {
				return false
			}
		}
	}
	return true
}

func (f *flight) recordSent(rn RecordNumber, msg, frag int) {
	if len(f.sent) == maxSentRecords {
		copy(f.sent, f.sent[1:])
		f.sent = f.sent[:len(f.sent)-1]
	}
	f.sent = append(f.sent, sentRecord{rn: rn, msg: msg, frag: frag})
}
