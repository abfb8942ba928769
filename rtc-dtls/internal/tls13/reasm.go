package tls13

import "errors"

// inMsg is one incoming handshake message being reassembled.
type inMsg struct {
	seq    uint16
	typ    HandshakeType
	body   []byte // length of the message, filled as fragments arrive
	spans  [][2]uint32
	filled uint32
	used   bool
}

// reassembler rebuilds incoming handshake messages from fragments (RFC 9147
// §5.5), in message_seq order, holding at most a few messages ahead and
// bounded in bytes.
type reassembler struct {
	next uint16 // message_seq expected next
	// slots exist only while a message is being reassembled: a connected
	// Endpoint, between flights, holds none (512 bytes).
	slots    *[maxAhead]inMsg
	maxMsg   int
	maxSpans int
	restarts uint64 // messages started over after disagreeing fragments
}

// maxAhead is how many messages past the expected one are kept: a server
// flight is at most six messages (ServerHello..Finished).
const maxAhead = 8

var (
	errMsgTooBig = errors.New("tls13: handshake message over the limit")
)

// add stores a fragment. old reports a fragment of a message already
// delivered (the peer retransmits: it has not seen our answer).
func (r *reassembler) add(h HandshakeHeader, frag []byte) (old bool, err error) {
	if h.MessageSeq < r.next {
		return true, nil
	}
	if int(h.MessageSeq-r.next) >= maxAhead {
		return false, nil // too far ahead: dropped, the peer resends
	}
	if int(h.Length) > r.maxMsg {
		return false, errMsgTooBig
	}
	if r.slots == nil {
		r.slots = new([maxAhead]inMsg)
	}
	m := &r.slots[h.MessageSeq%maxAhead]
	if !m.used {
		*m = inMsg{seq: h.MessageSeq, typ: h.Type, body: make([]byte, h.Length), used: true}
	} else if m.typ != h.Type || len(m.body) != int(h.Length) {
		// Fragments disagree. In epoch 0 nothing is authenticated, so a
		// corrupted or forged fragment may have started the slot: start
		// it over with this one rather than fail the handshake.
		*m = inMsg{seq: h.MessageSeq, typ: h.Type, body: make([]byte, h.Length), used: true}
		r.restarts++
	}
	if m.filled == uint32(len(m.body)) && len(m.body) > 0 {
		return false, nil // already complete
	}
	lo, hi := h.FragmentOffset, h.FragmentOffset+h.FragmentLength
	copy(m.body[lo:hi], frag)
	m.spans = addSpan(m.spans, lo, hi)
	if len(m.spans) > r.maxSpans {
		// A peer splitting a message into more pieces than any stack
		// does: start the message over (bounded memory, no error).
		*m = inMsg{}
		return false, nil
	}
	m.filled = 0
	for _, s := range m.spans {
		m.filled += s[1] - s[0]
	}
	return false, nil
}

// addSpan merges [lo, hi) into the sorted disjoint list.
func addSpan(spans [][2]uint32, lo, hi uint32) [][2]uint32 {
	if lo == hi {
		return spans
	}
	out := spans[:0:0]
	placed := false
	for _, s := range spans {
		switch {
		case s[1] < lo:
			out = append(out, s)
		case hi < s[0]:
			if !placed {
				out = append(out, [2]uint32{lo, hi})
				placed = true
			}
			out = append(out, s)
		default:
			lo, hi = min(lo, s[0]), max(hi, s[1])
		}
	}
	if !placed {
		out = append(out, [2]uint32{lo, hi})
	}
	return out
}

// pop returns the next complete message in order, if any.
func (r *reassembler) pop() (HandshakeType, []byte, bool) {
	if r.slots == nil {
		return 0, nil, false
	}
	m := &r.slots[r.next%maxAhead]
	if !m.used || m.seq != r.next || m.filled != uint32(len(m.body)) {
		return 0, nil, false
	}
	typ, body := m.typ, m.body
	*m = inMsg{}
	r.next++
	if !r.pending() {
		r.slots = nil
	}
	return typ, body, true
}

// pending reports whether part of a message past what was delivered has
// arrived (a flight is in progress).
func (r *reassembler) pending() bool {
	if r.slots == nil {
		return false
	}
	for i := range r.slots {
		if r.slots[i].used {
			return true
		}
	}
	return false
}
